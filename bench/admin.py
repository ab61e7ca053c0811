"""The Django admin's changelists and their search at scale, for one operator (issue 15: p95 < 300 ms).

    python bench/admin.py --database bench [--requests 20]

Signs a superuser in with Django's test client (in-process, production settings, DEBUG off) and requests each
changelist — plain, searched and filtered — one after the other, as one operator would. Prints p50, p95, the
queries of one request and PASS/FAIL against the target, with the load average; and the median CPU time of
this process per request (Python's share, which moves less with the other sessions' load than wall time). The
database must be seeded (bench/run.py or manage.py seed_scale). No timing is asserted anywhere: targets live in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

P95_TARGET_MS = 300


def _django(database_url: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "resellerconsole.settings.base",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "benchmark-only-secret-key",
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "CONSOLE_BASE_URL": "http://testserver",
            "DJANGO_SECURE_COOKIES": "false",
            "EMAIL_URL": "dummymail://",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()


def pages() -> dict[str, str]:
    """Each changelist, its search by the fields operators type (a name fragment, an exact key) and a filter."""
    from authorizations.models import Order, PurchaseAuthorization
    from customers.models import Customer

    customer = Customer.objects.exclude(vip_id=None).order_by("pk").first()
    fragment = customer.company_name.split()[-1]
    pa = PurchaseAuthorization.objects.order_by("pk").first()
    order = Order.objects.order_by("pk").first()
    return {
        # The admin's own cost on this machine now: the index page reads no table of ours.
        "admin index (reference)": "/admin/",
        "customers": "/admin/customers/customer/",
        "customers, search name fragment": f"/admin/customers/customer/?q={fragment}",
        "customers, search VIP ID": f"/admin/customers/customer/?q={customer.vip_id}",
        "customers, filter status": "/admin/customers/customer/?status__exact=active",
        "PAs": "/admin/authorizations/purchaseauthorization/",
        "PAs, search reference": f"/admin/authorizations/purchaseauthorization/?q={pa.reference}",
        "PAs, search name fragment": f"/admin/authorizations/purchaseauthorization/?q={fragment}",
        "PAs, filter pending": "/admin/authorizations/purchaseauthorization/?status__exact=pending",
        "orders": "/admin/authorizations/order/",
        "orders, search order number": f"/admin/authorizations/order/?q={order.order_number if order else 'x'}",
        "orders, search name fragment": f"/admin/authorizations/order/?q={fragment}",
        "outbox": "/admin/notifications/outboundemail/",
        "outbox, search name fragment": f"/admin/notifications/outboundemail/?q={fragment}",
        "outbox, filter pending": "/admin/notifications/outboundemail/?state__exact=pending",
        "events": "/admin/customers/customerevent/",
        "events, search VIP ID": f"/admin/customers/customerevent/?q={customer.vip_id}",
        "events, search name fragment": f"/admin/customers/customerevent/?q={fragment}",
        "events, filter a kind": "/admin/customers/customerevent/?kind__exact=status_changed",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="bench")
    parser.add_argument("--server", default=os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page (after one warm-up)")
    parser.add_argument("--pages", default="", help="only pages whose label contains this")
    args = parser.parse_args()
    _django(f"{args.server}/{args.database}")
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import User

    call_command("collectstatic", interactive=False, verbosity=0)  # the admin's pages name hashed static files
    operator, _ = User.objects.get_or_create(username="bench.admin", defaults={"is_staff": True, "is_superuser": True})
    client = Client()
    client.force_login(operator)
    print(f"Django admin, one operator, {args.requests} requests per page (p95 target < {P95_TARGET_MS} ms):")
    print(f"{'page':<36}{'p50 ms':>8}{'p95 ms':>8}{'target':>9}{'queries':>9}{'':>6}{'cpu ms':>8}  load")
    failed = 0
    for label, path in pages().items():
        if args.pages and args.pages not in label:
            continue
        queries: list[str] = []

        def counted(execute, sql, *rest, queries=queries):
            # Counted here: the test client's request_started signal resets Django's own query log.
            queries.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(counted):
            response = client.get(path)
        if response.status_code != 200:
            print(f"{label:<36} HTTP {response.status_code}  FAIL")
            failed += 1
            continue
        times, cpu = [], []
        for _ in range(args.requests):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
        ok = p95 < P95_TARGET_MS
        failed += not ok
        load = "/".join(f"{value:.1f}" for value in os.getloadavg())
        verdict = "PASS" if ok else "FAIL"
        print(
            f"{label:<36}{statistics.median(times):>8.1f}{p95:>8.1f}{'< ' + str(P95_TARGET_MS):>9}{len(queries):>9}"
            f"{verdict:>6}{statistics.median(cpu):>8.1f}  {load}",
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
