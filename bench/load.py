"""Load run: gunicorn with the production settings, wrk on 127.0.0.1, 8 concurrent users per page (issue 15).

    python bench/load.py --database bench --duration 60 [--pages TEXT]

For each page it prints requests/s, p50, p95, p99 and errors, then the targets and PASS/FAIL: p95 < 100 ms,
0 errors, throughput ≥ 5 % of the trivial view (/ping, measured first as the ceiling). The pages are the
issue's list: the customer list with every filter, sort and search (also as internal sales over all resellers),
the customer page and its history, the renewal overview and its CSV, the API lists (/api/v1/… and /v3) and the
dashboard of the reseller with the most customers and of internal sales over all.

The database must be seeded (manage.py seed_scale; the renewal overview and the outbox need the daily jobs once,
as bench/run.py runs them). `resolve()` finds the users, customers and keys the URLs need; tests/test_bench_load.py
runs it on a tiny database and requests every page once, so the list stays valid. No timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
P95_TARGET_MS = 100
SHARE_TARGET = 0.05  # of the trivial view's requests/s
FIRST_REQUEST_TIMEOUT = 60
#: A page whose one request takes longer is reported from that request alone: 8 users on it would hold both
#: workers past gunicorn's timeout (they are killed) and the next pages would be measured against the backlog.
SLOW_PAGE_SECONDS = 5
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("P50 %d\\nP95 %d\\nP99 %d\\nERRORS %d\\n", latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
  io.write(string.format("KINDS status=%d connect=%d read=%d write=%d timeout=%d\\n", summary.errors.status,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
"""


def _signed_in(username: str, **defaults) -> dict[str, str]:
    """A console user's session cookie (the user is made on the first run)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.models import User

    user, _ = User.objects.get_or_create(username=username, defaults=defaults)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"}


def _api_client(reseller) -> dict[str, str]:
    """A /v3 client acting for `reseller`, with a fresh bearer token (the client is made on the first run)."""
    from vipmp import services
    from vipmp.models import ApiClient

    client = ApiClient.objects.filter(name="Load run", resellers=reseller).first()
    if client is None:
        client = services.api_client_create(name="Load run", resellers=[reseller]).client
    token = services.access_token_issue(client=client).token
    return {"Authorization": f"Bearer {token}", "X-Api-Key": client.client_id}


def resolve() -> dict:
    """The pages with the headers each is requested with; runs inside Django, on the seeded database.

    Returns {"auth": {name: headers}, "pages": [[label, path, auth name or ""], …], "reseller_customers": n}.
    """
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import Reseller, User
    from authorizations.models import Order
    from customers.models import Customer
    from renewals import selectors as renewal_selectors
    from resellerconsole.pagination import keyset_page

    # The reseller with the most customers (seed_scale spreads them evenly: 100,000 each of 10 at 1,000,000).
    busiest = Customer.objects.values("reseller").annotate(n=Count("pk")).order_by("-n", "reseller").first()
    reseller = Reseller.objects.get(pk=busiest["reseller"])
    sales = _signed_in("load.sales", role=User.Role.SALES, reseller=reseller)
    internal = _signed_in("load.internal", role=User.Role.INTERNAL_SALES)
    auth = {"sales": sales, "internal": internal, "v3": _api_client(reseller)}
    # A customer with an order (the history and /v3's order list have rows to show) and a VIP ID.
    order = Order.objects.filter(customer__reseller=reseller, customer__vip_id__isnull=False).order_by("pk").first()
    customer = order.customer if order else reseller.customers.exclude(vip_id=None).order_by("pk").first()
    name = customer.company_name.split()[0]  # the first word: names sort by it (the hard case, docs)
    fragment = customer.company_name.split()[-1]  # the running number: few matches
    # The renewal overview's second page: its CSV link then exports that page only.
    user = User.objects.get(username="load.sales")
    overview = renewal_selectors.renewal_overview(user=user, on=timezone.localdate())
    cursor = keyset_page(overview, ordering=renewal_selectors.OVERVIEW_ORDERINGS["days_left"], size=25).next_cursor
    c, v = customer.pk, customer.vip_id
    pages = [
        ("trivial view (/ping)", "/ping", ""),
        ("customer list", "/customers/", "sales"),
        ("customer list, search name (first word)", f"/customers/?q={name}", "sales"),
        ("customer list, search name fragment", f"/customers/?q={fragment}", "sales"),
        ("customer list, search VIP ID prefix", f"/customers/?q={v[:8]}", "sales"),
        ("customer list, search VIP ID", f"/customers/?q={v}", "sales"),
        ("customer list, filter status active", "/customers/?status=active", "sales"),
        ("customer list, filter status delayed", "/customers/?status=delayed", "sales"),
        ("customer list, filter segment", "/customers/?segment=education", "sales"),
        ("customer list, show no products", "/customers/?requests=no_products", "sales"),
        ("customer list, show pending requests", "/customers/?requests=pending_requests", "sales"),
        ("customer list, show due within 7 days", "/customers/?requests=due_soon", "sales"),
        ("customer list, show past due", "/customers/?requests=past_due", "sales"),
        ("customer list, sort name descending", "/customers/?sort=-name", "sales"),
        ("customer list, sort oldest", "/customers/?sort=created", "sales"),
        ("customer list, sort newest", "/customers/?sort=-created", "sales"),
        ("customer list, sort status", "/customers/?sort=status", "sales"),
        ("customer list, sort status descending", "/customers/?sort=-status", "sales"),
        (
            "customer list, status + segment + sort",
            "/customers/?status=active&segment=commercial&sort=-created",
            "sales",
        ),
        ("customer list, internal sales, all", "/customers/", "internal"),
        ("customer list, internal sales, reseller", f"/customers/?reseller={reseller.pk}", "internal"),
        ("customer detail", f"/customers/{c}/", "sales"),
        ("customer history", f"/customers/{c}/history/", "sales"),
        ("renewal overview", "/renewals/", "sales"),
        ("renewal overview, internal sales", "/renewals/", "internal"),
        ("renewal overview CSV (every page)", "/renewals/export.csv", "sales"),
        *([("renewal overview CSV (one page)", f"/renewals/export.csv?after={cursor}", "sales")] if cursor else []),
        ("API v1 customers", "/api/v1/customers/", "sales"),
        ("API v1 customers, search name", f"/api/v1/customers/?q={fragment}", "sales"),
        ("API v1 purchase authorizations of a customer", f"/api/v1/purchase-authorizations/?customer={c}", "sales"),
        ("API v1 orders", "/api/v1/orders/", "sales"),
        ("API v1 products", "/api/v1/products/", "sales"),
        ("API v1 renewal overview", "/api/v1/renewals/", "sales"),
        ("/v3 orders of a customer", f"/v3/customers/{v}/orders", "v3"),
        ("/v3 subscriptions of a customer", f"/v3/customers/{v}/subscriptions", "v3"),
        ("/v3 notifications", "/v3/notifications?notification-type=LICENSES_PENDING_PARTNER_ORDER", "v3"),
        ("dashboard, reseller", "/dashboard/", "sales"),
        ("dashboard, internal sales over all", "/dashboard/", "internal"),
    ]
    return {"auth": auth, "pages": [list(page) for page in pages], "reseller_customers": busiest["n"]}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _first_request(port: int, path: str, headers: dict[str, str]) -> tuple[int | None, float]:
    """One request before the timed run, its status and seconds. wrk counts only 4xx/5xx as errors, so a redirect
    to the sign-in page would otherwise pass as a fast page (http.client follows no redirect)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=FIRST_REQUEST_TIMEOUT)
    started = time.monotonic()
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    except OSError:  # a timeout, or a worker killed under it
        return None, time.monotonic() - started
    finally:
        connection.close()


def verdict(*, p95_ms: float, errors: int, share: float | None) -> str:
    missed = []
    if p95_ms >= P95_TARGET_MS:
        missed.append("p95")
    if errors:
        missed.append("errors")
    if share is not None and share < SHARE_TARGET:
        missed.append("req/s")
    return "PASS" if not missed else "FAIL " + ",".join(missed)


def production_env(url: str, *, host: str = "127.0.0.1") -> dict[str, str]:
    """The production settings the pages are measured under, on database `url`, served as `host`."""
    return {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "resellerconsole.settings.base",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "benchmark-only-secret-key",
        "DJANGO_ALLOWED_HOSTS": f"{host},localhost",
        "CONSOLE_BASE_URL": f"http://{host}",
        "DJANGO_SECURE_COOKIES": "false",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        # The API's per-user and per-address limits (600 and 1,200 a minute) would answer most of a run with 429:
        # the run measures the pages, not the throttle.
        "API_THROTTLE_USER_RATE": "10000000/minute",
        "API_THROTTLE_ADDRESS_RATE": "10000000/minute",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="bench")
    parser.add_argument("--server", default=os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--pages", default="", help="only pages whose label contains this, or one of A|B|… (the trivial view always)"
    )
    parser.add_argument("--resolve", action="store_true", help=argparse.SUPPRESS)  # the child: print resolve()
    args = parser.parse_args()
    env = {**os.environ, **production_env(f"{args.server}/{args.database}")}
    if args.resolve:
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        print(json.dumps(resolve()))
        return 0
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--no-input", "-v0"], env=env, check=True)
    resolved = json.loads(
        subprocess.run(
            [sys.executable, __file__, "--resolve", "--database", args.database, "--server", args.server],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()[-1]
    )
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
    failed = 0
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        for _ in range(2 * args.workers):  # each worker loads the application on its first request
            _first_request(port, "/ping", {})
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA)
        print(
            f"{args.users} users, {args.duration} s a page, {args.workers} gunicorn workers; the busiest reseller "
            f"has {resolved['reseller_customers']:,} customers. Targets: p95 < {P95_TARGET_MS} ms, 0 errors, "
            f"req/s ≥ {SHARE_TARGET:.0%} of the trivial view."
        )
        print(
            f"{'page':<44}{'req/s':>7}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'errors':>7}{'% /ping':>8}"
            f"  {'result':<18}load"
        )
        ceiling = None
        for label, path, who in resolved["pages"]:
            if args.pages and not any(part in label for part in args.pages.split("|")) and path != "/ping":
                continue
            headers = resolved["auth"][who] if who else {}
            url = f"http://127.0.0.1:{port}{path}"
            status, seconds = _first_request(port, path, headers)
            if status != 200 or (seconds > SLOW_PAGE_SECONDS and path != "/ping"):
                answer = f"HTTP {status}" if status else "no answer"
                print(f"{label:<44} {answer} after {seconds:.1f} s (one request)  FAIL", flush=True)
                failed += 1
                continue
            output = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.users}",
                    f"-d{args.duration}s",
                    "--timeout",
                    "10s",
                    "-s",
                    script.name,
                    *(part for name, value in headers.items() for part in ("-H", f"{name}: {value}")),
                    url,
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
            p50, p95, p99, errors = (
                int(re.search(rf"{key} (\d+)", output).group(1)) for key in ("P50", "P95", "P99", "ERRORS")
            )
            share = None if ceiling is None else rps / ceiling
            ceiling = ceiling or rps
            # No answer within the run (a page slower than its duration) has no latency to show: a failed p95.
            p95_ms = p95 / 1000 if rps else float("inf")
            result = "(ceiling)" if share is None else verdict(p95_ms=p95_ms, errors=errors, share=share)
            failed += result.startswith("FAIL")
            load = "/".join(f"{value:.1f}" for value in os.getloadavg())
            print(
                f"{label:<44}{rps:>7.0f}{p50 / 1000:>8.1f}{p95 / 1000:>8.1f}{p99 / 1000:>8.1f}{errors:>7}"
                f"{100 * rps / ceiling:>7.1f}%  {result:<18}{load}",
                flush=True,
            )
            if errors:
                print(f"{'':<44}errors: {re.search(r'KINDS (.*)', output).group(1)}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
