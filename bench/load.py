"""Load run: gunicorn with the production settings, wrk on 127.0.0.1, 8 concurrent users per page.

    python bench/load.py --database bench --duration 60

Reports requests/s, p50, p95, p99 and errors per page, and the same for a trivial view (/ping) as the ceiling.
The database must be seeded (bench/run.py or manage.py seed_scale).
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("P50 %d\\nP95 %d\\nP99 %d\\nERRORS %d\\n", latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
  io.write(string.format("KINDS status=%d connect=%d read=%d write=%d timeout=%d\\n", summary.errors.status,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="bench")
    parser.add_argument("--server", default=os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pages", default="", help="only pages whose label contains this (the trivial view always)")
    args = parser.parse_args()
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.server}/{args.database}",
        "DJANGO_SETTINGS_MODULE": "resellerconsole.settings.base",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "benchmark-only-secret-key",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CONSOLE_BASE_URL": "http://127.0.0.1",
        "DJANGO_SECURE_COOKIES": "false",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--no-input", "-v0"], env=env, check=True)
    # A sales user of the first reseller, signed in: its session cookie goes into every request.
    setup = subprocess.run(
        [
            *manage,
            "shell",
            "-c",
            (
                "from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY\n"
                "from django.contrib.sessions.backends.db import SessionStore\n"
                "from accounts.models import Reseller, User\n"
                "r = Reseller.objects.order_by('pk').first()\n"
                "u, _ = User.objects.get_or_create(username='load.sales', defaults={'role': 'sales', 'reseller': r})\n"
                "s = SessionStore(); s[SESSION_KEY] = str(u.pk)\n"
                "s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
                "s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s.save()\n"
                "c = r.customers.exclude(vip_id=None).order_by('pk').first()\n"
                "print(s.session_key, c.pk, c.vip_id[:8], c.company_name.split()[0])"
            ),
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    session, customer, vip_prefix, name = setup[-4:]
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "resellerconsole.wsgi:application",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    pages = {
        "trivial view (/ping)": "/ping",
        "customer list": "/customers/",
        "customer list, search name": f"/customers/?q={name}",
        "customer list, search VIP ID": f"/customers/?q={vip_prefix}",
        "customer list, filter active": "/customers/?status=active",
        "customer list, sort newest": "/customers/?sort=-created",
        "customer detail": f"/customers/{customer}/",
        "order and authorization history": f"/customers/{customer}/history/",
        "renewal overview": "/renewals/",
        "API customer list": "/api/v1/customers/",
        "API renewal overview": "/api/v1/renewals/",
    }
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA)
        print(f"{'page':<34}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'errors':>8}{'% trivial':>10}")
        ceiling = None
        for label, path in pages.items():
            if args.pages and args.pages not in label and path != "/ping":
                continue
            output = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.users}",
                    f"-d{args.duration}s",
                    "-s",
                    script.name,
                    "-H",
                    f"Cookie: sessionid={session}",
                    f"http://127.0.0.1:{port}{path}",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
            p50, p95, p99, errors = (
                int(re.search(rf"{key} (\d+)", output).group(1)) for key in ("P50", "P95", "P99", "ERRORS")
            )
            ceiling = ceiling or rps
            print(
                f"{label:<34}{rps:>8.0f}{p50 / 1000:>8.1f}{p95 / 1000:>8.1f}{p99 / 1000:>8.1f}{errors:>8}"
                f"{100 * rps / ceiling:>9.1f}%"
            )
            if errors:
                print(f"{'':<34}errors: {re.search(r'KINDS (.*)', output).group(1)}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
