"""`make run`'s shape: SQLite and the filesystem broker, a real worker process producing the invitation e-mail."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_worker_on_the_embedded_defaults_delivers_the_invitation(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "CELERY_", "REDIS_URL", "EMAIL_URL", "DJANGO_"))
    }
    env.update(
        {"DJANGO_DEBUG": "true", "VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "resellerconsole.settings.base"}
    )

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    assert manage("migrate", "-v0").returncode == 0
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "resellerconsole", "worker", "--pool=solo", "--loglevel=WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        invited = manage(
            "shell",
            "-c",
            "from accounts.models import Reseller, User\n"
            "from customers import services\n"
            "r = Reseller.objects.create(name='R', partner_id='P1', country='SE')\n"
            "u = User.objects.create_user('s', role='sales', reseller=r)\n"
            "c = services.customer_create(reseller=r, actor=u, company_name='Embedded AB', address_line1='G 1',"
            " postal_code='1', city='S', country='SE', market_segment='commercial',"
            " vip_admins=[services.VipAdminContact('V', 'v@embedded.example')])\n"
            "print(services.customer_send_invitation(customer=c, actor=u).vip_id)",
        )
        assert invited.returncode == 0, invited.stderr
        vip_id = invited.stdout.strip().splitlines()[-1]
        deadline = time.monotonic() + 60
        written = []
        while time.monotonic() < deadline and not written:
            written = [p for p in (tmp_path / "mail").glob("*") if vip_id in p.read_text()]
            time.sleep(0.5)
        assert written, "the worker did not write the invitation e-mail"
        assert "v@embedded.example" in written[0].read_text()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
