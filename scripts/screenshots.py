"""Screenshots of the console over the demo data, in the real browser: `make screenshots`.

Builds a throw-away demo installation (SQLite and the filesystem broker under a temporary VAR_DIR), serves it
with Django's development server, and drives Debian's Chromium (Playwright) through the pages the README
shows. Writes PNG files to docs/screenshots/. Nothing of the developer's own var/ is touched.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "demo-pass-2026"

#: Run in the demo installation: a customer worth showing and a VIP admin sign-in whose renewal window is open.
SETUP = """
import os
from datetime import timedelta
from django.utils import timezone
from accounts.models import User
from customers.models import Customer
today = timezone.localdate()
sam = User.objects.get(username="sam.sales")
mine = Customer.objects.filter(reseller=sam.reseller, vip_id__isnull=False).order_by("company_name")
pending = mine.filter(purchase_authorizations__status="pending", anniversary_date__isnull=False)
shown = pending.first() or mine.first()
soon = mine.filter(anniversary_date__gte=today, anniversary_date__lte=today + timedelta(days=30))
renewing = soon.filter(vip_admins__isnull=False).order_by("anniversary_date").first()
email = renewing.vip_admins.order_by("pk").first().email
defaults = {"email": email, "role": "vip_admin", "customer": renewing}
vip, _ = User.objects.get_or_create(username=email, defaults=defaults)
vip.set_password(os.environ["SCREENSHOT_PASSWORD"])
vip.save()
print(shown.pk, email)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> int:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as var:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DATABASE_URL", "CELERY_", "REDIS_URL", "EMAIL_URL", "DJANGO_"))
        }
        env.update(
            DJANGO_DEBUG="true",
            VAR_DIR=var,
            DJANGO_SETTINGS_MODULE="resellerconsole.settings.base",
            SCREENSHOT_PASSWORD=PASSWORD,
        )
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "load_demo_data"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        setup = subprocess.run(
            [*manage, "shell", "--verbosity", "0", "-c", SETUP],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        customer, vip_admin = setup[-2], setup[-1]
        port = free_port()
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
                )
                shoot(browser, base, customer, vip_admin)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    for path in sorted(OUT.glob("*.png")):
        print(path.relative_to(ROOT))
    return 0


def log_in(page, base: str, username: str, language: str = "en") -> None:
    page.goto(f"{base}/login/")
    if language != "en":
        with page.expect_navigation():
            page.select_option("#language-select", language)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("form:has(#id_password) [type=submit]").click()


def shoot(browser, base: str, customer: str, vip_admin: str) -> None:
    def new_page(width=1280, height=800):
        return browser.new_context(viewport={"width": width, "height": height}, locale="en-GB").new_page()

    page = new_page()
    log_in(page, base, "sam.sales")
    shots = {
        "dashboard": "/",
        "customer-list": "/customers/",
        "customer-plans": f"/customers/{customer}/plans/",
        "customer-history": f"/customers/{customer}/history/",
        "customer-timeline": f"/customers/{customer}/renewals/",
        "renewal-overview": "/renewals/",
    }
    for name, path in shots.items():
        page.goto(base + path)
        page.screenshot(path=OUT / f"{name}.png", full_page=True)
    page.goto(f"{base}/customers/{customer}/plans/")
    page.locator("[data-opens-dialog=pa-dialog]").click()
    page.locator("dialog#pa-dialog").wait_for(state="visible")
    page.wait_for_timeout(300)
    page.screenshot(path=OUT / "pa-dialog.png")

    swedish = new_page()
    log_in(swedish, base, "sam.sales", language="sv")
    swedish.goto(f"{base}/customers/")
    swedish.screenshot(path=OUT / "customer-list-sv.png", full_page=True)

    # A phone (390 px): each row a card of "label: value" lines, its status and action on screen.
    phone = new_page(width=390, height=844)
    log_in(phone, base, "sam.sales")
    phone.goto(f"{base}/customers/")
    phone.screenshot(path=OUT / "customer-list-390.png")
    phone.goto(f"{base}/customers/{customer}/history/")
    phone.screenshot(path=OUT / "customer-history-390.png")

    vip = new_page()
    log_in(vip, base, vip_admin)
    vip.screenshot(path=OUT / "vip-admin-banner.png", full_page=True)
    vip_phone = new_page(width=390, height=844)
    log_in(vip_phone, base, vip_admin)
    vip_phone.screenshot(path=OUT / "vip-admin-console-390.png", full_page=True)


if __name__ == "__main__":
    raise SystemExit(main())
