"""Benchmark the daily jobs against their floors on PostgreSQL.

    python bench/run.py --customers 1000000            # fresh database "bench", seeded, then measured
    python bench/run.py --database bench --no-seed     # measure an existing seeded database again

For each daily job it first runs the hand-written SQL that makes the same change (the floor) inside a
transaction that is rolled back after paying its deferred constraint checks (`SET CONSTRAINTS ALL IMMEDIATE`:
what the job's COMMITs pay), then the job itself (committed), each in its own process so peak RSS is the job's
own. It prints wall time, rows changed, queries issued, peak RSS and the job/floor ratio. No timing is asserted
anywhere: targets live in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: The floors: one statement (with CTEs) per job making the same change the job makes on `%(day)s`: the same rows
#: written (status, dates, history events with their parameters, outbox rows of the same size), from the same reads.
FLOORS = {
    "enforce_order_deadlines": """
        WITH old AS (
            SELECT c.id, c.status FROM customers_customer c
            WHERE c.status IN ('invitation_sent', 'active')
              AND EXISTS (SELECT 1 FROM authorizations_purchaseauthorization pa
                          WHERE pa.customer_id = c.id AND pa.status = 'pending' AND pa.order_deadline < %(day)s)
            FOR UPDATE
        ), changed AS (
            UPDATE customers_customer c SET status = 'delayed', updated_at = now(), delayed_for = %(day)s FROM old
            WHERE c.id = old.id RETURNING c.id, old.status AS previous
        )
        INSERT INTO customers_customerevent (customer_id, kind, actor_id, at, parameters, source, source_detail)
        SELECT id, 'status_changed', NULL, now(),
            jsonb_build_object('from', previous, 'to', 'delayed', 'overdue',
                (SELECT jsonb_agg(pa.reference ORDER BY pa.id) FROM authorizations_purchaseauthorization pa
                 WHERE pa.customer_id = changed.id AND pa.status = 'pending' AND pa.order_deadline < %(day)s)),
            'job', 'enforce_order_deadlines'
        FROM changed
    """,
    "refresh_renewal_overview": """
        INSERT INTO renewals_renewalrow (customer_id, product_id, anniversary_date, quantity_held,
            proposed_quantity, quantity_edited_by_id, quantity_edited_at, created_at)
        SELECT h.customer_id, h.product_id, c.anniversary_date, h.deployed, h.deployed, NULL, NULL, now()
        FROM authorizations_holding h JOIN customers_customer c ON c.id = h.customer_id
        WHERE h.deployed > 0 AND c.status IN ('invitation_sent', 'active', 'delayed')
          AND c.anniversary_date BETWEEN %(day)s::date - 30 AND %(day)s::date + 90
        ON CONFLICT DO NOTHING
    """,
    # The e-mails are written whole, as the job writes them: the same texts filled in by the database (English
    # wording, the customer's values, the licences held in product-name order, HTML-escaped in the HTML part).
    "send_renewal_notices": """
        WITH due AS (
            SELECT k.kind, c.id, c.company_name, c.vip_id, c.anniversary_date, c.preferred_language, r.name AS reseller,
                to_char(c.anniversary_date, 'Mon DD, YYYY') AS anniversary,
                to_char(c.anniversary_date + 30, 'Mon DD, YYYY') AS grace_end,
                to_char(c.anniversary_date + 31, 'Mon DD, YYYY') AS removal
            FROM customers_customer c
            JOIN accounts_reseller r ON r.id = c.reseller_id
            JOIN (VALUES ('renewal_due', -30, -1), ('renewal_overdue', 0, 22), ('access_removal', 23, 30))
                 AS k(kind, first_day, last_day)
              ON c.anniversary_date BETWEEN %(day)s::date - k.last_day AND %(day)s::date - k.first_day
            WHERE c.status IN ('invitation_sent', 'active', 'delayed')
              AND EXISTS (SELECT 1 FROM customers_vipadmin v WHERE v.customer_id = c.id)
        ), filled AS (
            SELECT due.*,
                (SELECT jsonb_agg(DISTINCT v.email ORDER BY v.email) FROM customers_vipadmin v
                 WHERE v.customer_id = due.id) AS recipients,
                CASE kind WHEN 'renewal_due' THEN 'It is time to renew your VIP membership: your anniversary '
                    || 'date is ' || anniversary || '.'
                    WHEN 'renewal_overdue' THEN 'Your renewal should have been made by your anniversary date, '
                    || anniversary || '. Renew by ' || grace_end || ' to keep access to your software.'
                    ELSE 'Nothing has been purchased for your renewal yet. The grace period ends on ' || grace_end
                    || '; on ' || removal || ' your users lose access to the software.' END AS intro,
                coalesce((SELECT string_agg('  - ' || p.name || ' × ' || h.deployed, E'\n' ORDER BY p.name, h.id)
                          FROM authorizations_holding h JOIN catalogue_product p ON p.id = h.product_id
                          WHERE h.customer_id = due.id AND h.deployed > 0), '  -') AS text_lines,
                coalesce((SELECT string_agg('<li>' || replace(replace(p.name, '&', '&amp;'), '<', '&lt;') || ' × '
                                            || h.deployed || '</li>', '' ORDER BY p.name, h.id)
                          FROM authorizations_holding h JOIN catalogue_product p ON p.id = h.product_id
                          WHERE h.customer_id = due.id AND h.deployed > 0), '<li>—</li>') AS html_lines
            FROM due
        )
        INSERT INTO notifications_outboundemail (kind, customer_id, dedupe_key, anniversary, recipients, language,
            subject, body_text, body_html, state, attempts, last_error, next_attempt_at, created_at, delivered_to)
        SELECT kind, id, kind || ':' || id || ':' || anniversary_date, anniversary_date, recipients,
            preferred_language, 'Time to renew: ' || company_name || '''s VIP anniversary is ' || anniversary,
            E'Hello,\n\n' || intro || E'\n\nOrganisation: ' || company_name || E'\nVIP ID: ' || vip_id
                || E'\nAnniversary date: ' || anniversary || E'\nLicences up for renewal:\n' || text_lines
                || E'\n\nContact your account manager at ' || reseller || E' to renew.\n',
            E'<!doctype html>\n<html><head><meta charset="utf-8"></head>\n'
                || E'<body style="font-family: Arial, sans-serif; color: #1d1d1f; line-height: 1.5;">\n'
                || E'  <p>Hello,</p>\n  <p>' || intro || E'</p>\n'
                || E'  <table role="presentation" style="border-collapse:collapse;margin:12px 0;">\n'
                || '  <tr><td style="padding:2px 12px 2px 0;color:#5a5a66;">Organisation</td><td>'
                || replace(replace(company_name, '&', '&amp;'), '<', '&lt;') || E'</td></tr>\n'
                || '  <tr><td style="padding:2px 12px 2px 0;color:#5a5a66;">VIP ID</td>'
                || '<td style="font-family:monospace;">' || vip_id || E'</td></tr>\n'
                || '  <tr><td style="padding:2px 12px 2px 0;color:#5a5a66;">Anniversary date</td><td>' || anniversary
                || E'</td></tr>\n</table>\n<p>Licences up for renewal:</p>\n<ul>' || html_lines
                || E'</ul>\n<p>Contact your account manager at '
                || replace(replace(reseller, '&', '&amp;'), '<', '&lt;') || E' to renew.</p>\n\n</body></html>\n',
            'pending', 0, '', now(), now(), '[]'
        FROM filled
        ON CONFLICT DO NOTHING
    """,
    # Pending PAs are withdrawn first (their lines in the event), then the licences still held after them are
    # recorded as removed: the job's events, in one statement.
    "remove_expired_access": """
        WITH lapsed AS (
            SELECT id, status, anniversary_date FROM customers_customer
            WHERE status IN ('invitation_sent', 'active', 'delayed') AND anniversary_date < %(day)s::date - 30
              AND (reinstated_for IS NULL OR reinstated_for <> anniversary_date)
            FOR UPDATE
        ), withdrawn AS (
            UPDATE authorizations_purchaseauthorization pa SET status = 'withdrawn', withdrawn_at = now()
            FROM lapsed WHERE pa.customer_id = lapsed.id AND pa.status = 'pending'
            RETURNING pa.id, pa.customer_id, pa.reference
        ), released AS (
            SELECT w.customer_id, l.product_id, sum(l.quantity) AS quantity
            FROM withdrawn w JOIN authorizations_purchaseauthorizationline l
              ON l.purchase_authorization_id = w.id AND l.removed_at IS NULL
            GROUP BY 1, 2
        ), held AS (
            SELECT h.customer_id, jsonb_agg(jsonb_build_object('product', p.name,
                       'quantity', h.deployed - coalesce(r.quantity, 0)) ORDER BY p.name, h.id) AS lines
            FROM authorizations_holding h JOIN lapsed ON lapsed.id = h.customer_id
            JOIN catalogue_product p ON p.id = h.product_id
            LEFT JOIN released r ON r.customer_id = h.customer_id AND r.product_id = h.product_id
            WHERE h.deployed > 0 AND h.deployed - coalesce(r.quantity, 0) > 0
            GROUP BY 1
        ), holdings AS (
            UPDATE authorizations_holding h SET deployed = 0 FROM lapsed WHERE h.customer_id = lapsed.id
              AND h.deployed > 0 RETURNING h.id
        ), assignments AS (
            UPDATE authorizations_assignment a SET released_at = now() FROM lapsed
            WHERE a.customer_id = lapsed.id AND a.released_at IS NULL RETURNING a.id
        ), changed AS (
            UPDATE customers_customer c SET status = 'inactive', updated_at = now(), delayed_for = NULL FROM lapsed
            WHERE c.id = lapsed.id RETURNING c.id, lapsed.status AS previous, lapsed.anniversary_date
        )
        INSERT INTO customers_customerevent (customer_id, kind, actor_id, at, parameters, source, source_detail)
        SELECT customer_id, kind, NULL, now(), parameters, 'job', 'remove_expired_access' FROM (
            SELECT 0 AS n, w.id AS ordering, w.customer_id, 'pa_withdrawn' AS kind,
                jsonb_build_object('reference', w.reference, 'reason', 'access removed', 'lines',
                    (SELECT coalesce(jsonb_agg(jsonb_build_object('sku', p.sku_new, 'product', p.name,
                                                                  'quantity', l.quantity) ORDER BY l.id), '[]')
                     FROM authorizations_purchaseauthorizationline l JOIN catalogue_product p ON p.id = l.product_id
                     WHERE l.purchase_authorization_id = w.id AND l.removed_at IS NULL)) AS parameters
            FROM withdrawn w
            UNION ALL
            SELECT 1, c.id, c.id, e.kind, e.parameters FROM changed c
            LEFT JOIN held ON held.customer_id = c.id
            CROSS JOIN LATERAL (VALUES
                ('access_removed', jsonb_build_object('anniversary', c.anniversary_date,
                                                      'lines', coalesce(held.lines, '[]'))),
                ('status_changed', jsonb_build_object('from', c.previous, 'to', 'inactive',
                                                      'reason', 'grace period ended'))) AS e(kind, parameters)
        ) AS events
        ORDER BY n, ordering
    """,
}
JOBS = list(FLOORS)


#: Production settings (DEBUG off) for the measured processes.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "resellerconsole.settings.base",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "benchmark-only-secret-key",
    "DJANGO_ALLOWED_HOSTS": "localhost",
    "CONSOLE_BASE_URL": "http://localhost:8000",
    "EMAIL_URL": "dummymail://",
}


def _django(database_url: str) -> None:
    os.environ.update(PRODUCTION_ENV)
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds(backend: int) -> float | None:
    """CPU seconds used so far by this process and by its PostgreSQL backend (None if the server is not on this
    machine): on a machine shared with other work, wall time stretches with the load, CPU time much less."""
    try:
        fields = Path(f"/proc/{backend}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    # utime and stime: fields 14 and 15 of /proc/PID/stat, 12 and 13 after the command name.
    return time.process_time() + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_one(kind: str, job: str, day: date, database_url: str) -> dict:
    """Run in a child process: the floor (rolled back), the job rolled back, or the job (committed); one JSON line.

    A rolled-back job runs its batches as savepoints of one transaction and pays its deferred checks before the
    rollback, as the floor does: it can be repeated on the same data, beside the floor, to take medians.
    """
    _django(database_url)
    from django.db import connection, transaction

    from jobs.services import run_job

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    cpu_started = _cpu_seconds(backend)
    started = time.monotonic()
    if kind in ("floor", "unchecked floor"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(FLOORS[job], {"day": day})
            rows = cursor.rowcount
            if kind == "floor":
                # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: the job pays their checks at each
                # batch's COMMIT, so the floor pays them here (retroactively, every row it wrote) before rolling back.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            transaction.set_rollback(True)
        queries = 1
    else:
        # Count statements without keeping their text (bulk inserts carry whole e-mails: keeping them
        # would measure the harness, not the job).
        issued = []

        def counter(execute, sql, params, many, context):
            issued.append(1)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            if kind == "rolled back job":
                with transaction.atomic():
                    counts = run_job(job, on=day)
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    transaction.set_rollback(True)
            else:
                counts = run_job(job, on=day)
        # Rows changed: every count except the number of customers looked at.
        rows = sum(value for key, value in counts.items() if key != "customers")
        queries = len(issued)
    seconds = time.monotonic() - started
    cpu = _cpu_seconds(backend)
    return {
        "kind": kind,
        "job": job,
        "seconds": seconds,
        "cpu_seconds": None if cpu is None or cpu_started is None else cpu - cpu_started,
        "rows": rows,
        "queries": queries,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def child(kind: str, job: str, day: date, database_url: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, job, day.isoformat(), database_url],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


#: The issue's targets (issue 15): each job within this multiple of its floor, and its peak RSS.
RATIO_TARGETS = {
    "enforce_order_deadlines": 1.25,
    "refresh_renewal_overview": 1.5,
    "send_renewal_notices": 1.5,
    "remove_expired_access": 1.25,
}
RSS_TARGET_MB = 250
#: Seeding 1,000,000 customers with PAs and holdings, on a quiet machine (scaled for other N).
SEED_TARGET_SECONDS = 180


def _cpu_ratio(floors: list[dict], jobs: list[dict]) -> float:
    """median(job CPU seconds) / median(floor CPU seconds), client and database backend together."""
    floor_cpu = [f["cpu_seconds"] for f in floors if f["cpu_seconds"] is not None]
    job_cpu = [j["cpu_seconds"] for j in jobs if j["cpu_seconds"] is not None]
    if not floor_cpu or not job_cpu:
        return float("nan")
    return statistics.median(job_cpu) / statistics.median(floor_cpu)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def load() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--database", default="bench", help="PostgreSQL database (recreated unless --no-seed)")
    parser.add_argument("--server", default=os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--today", default=date.today().isoformat())
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="time the floor and the rolled-back job this many times each, interleaved, before the committed run;"
        " the ratio is then median(job runs) / median(floor runs)",
    )
    parser.add_argument(
        "--unchecked-floors", action="store_true", help="also time each floor without its deferred checks (before)"
    )
    parser.add_argument(
        "--jobs", nargs="+", choices=JOBS, default=JOBS, metavar="JOB", help=f"only these jobs (of {', '.join(JOBS)})"
    )
    parser.add_argument(
        "--no-commit",
        action="store_true",
        help="roll the last job run back too, so the same seeded database can be measured again (--no-seed)",
    )
    parser.add_argument(
        "--no-vacuum",
        action="store_true",
        help="do not VACUUM before each timed run (each rolled-back run leaves its rows behind as dead tuples, which"
        " the next run's reads and unique checks walk through: the outbox's, 12,000 a run at 100,000 customers)",
    )
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, job, day, url = args.child
        print(json.dumps(measure_one(kind, job, date.fromisoformat(day), url)))
        return 0
    url = f"{args.server}/{args.database}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "true"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    seeding = None
    if not args.no_seed:
        maintenance = f"{args.server}/postgres"
        for sql in (f'DROP DATABASE IF EXISTS "{args.database}"', f'CREATE DATABASE "{args.database}"'):
            subprocess.run(["psql", maintenance, "-q", "-c", sql], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
        started = time.monotonic()
        subprocess.run(
            [*manage, "seed_scale", "--customers", str(args.customers), "--today", args.today], env=env, check=True
        )
        seeding = time.monotonic() - started
        target = SEED_TARGET_SECONDS * args.customers / 1_000_000
        print(
            f"seed_scale {args.customers} customers: {seeding:.1f} s (target < {target:.0f} s, "
            f"{SEED_TARGET_SECONDS} s per 1,000,000) {verdict(seeding < target)}   load {load()}"
        )
    day = date.fromisoformat(args.today) + timedelta(days=1)
    print(f"\nDaily jobs for {day} on {args.database}: {args.repeat} floor run(s), interleaved with rolled-back job")
    print("runs when more than one, then the committed job run; the medians of each:")
    print(
        f"{'job':<26}{'floor s':>9}{'job s':>9}{'ratio':>7}{'target':>8}{'':>6}{'rows':>9}{'floor rows':>11}"
        f"{'queries':>9}{'RSS MB':>8}{'':>6}  load"
    )
    results = []

    def timed(kind: str, job: str) -> dict:
        if not args.no_vacuum:  # every run starts from the same tables, not after the last one's dead rows
            subprocess.run(["psql", url, "-q", "-c", "VACUUM"], check=True, stdout=subprocess.DEVNULL)
        return child(kind, job, day, url)

    for job in args.jobs:
        unchecked = timed("unchecked floor", job) if args.unchecked_floors else None
        floors, jobs = [], []
        for _ in range(args.repeat):
            floors.append(timed("floor", job))
            if args.repeat > 1:
                jobs.append(timed("rolled back job", job))
        measured = timed("rolled back job" if args.no_commit else "job", job)
        floor_seconds = statistics.median(f["seconds"] for f in floors)
        job_seconds = statistics.median([*(j["seconds"] for j in jobs), measured["seconds"]])
        ratio = job_seconds / floor_seconds if floor_seconds else float("nan")
        cpu_ratio = _cpu_ratio(floors, [*jobs, measured])
        target = RATIO_TARGETS[job]
        results.append(
            {
                "job": job,
                "floor": floors[-1],
                "measured": measured,
                "floor_seconds": floor_seconds,
                "job_seconds": job_seconds,
                "ratio": ratio,
                "cpu_ratio": cpu_ratio,
                "target": target,
                "rolled_back": jobs,
                "floors": floors,
                "load": os.getloadavg(),
            }
        )
        rss = measured["peak_rss_mb"]
        print(
            f"{job:<26}{floor_seconds:>9.2f}{job_seconds:>9.2f}{ratio:>7.2f}{'≤ ' + str(target):>8}"
            f"{verdict(ratio <= target):>6}{measured['rows']:>9}{floors[-1]['rows']:>11}{measured['queries']:>9}"
            f"{rss:>8.0f}{verdict(rss < RSS_TARGET_MB):>6}  {load()}  CPU ratio {cpu_ratio:.2f}"
        )
        if unchecked:
            print(
                f"{'  floor without checks':<26}{unchecked['seconds']:>9.2f}{'':>9}"
                f"{measured['seconds'] / unchecked['seconds']:>7.2f}"
            )
    print(
        f"(peak RSS target < {RSS_TARGET_MB} MB; load = 1/5/15-minute load average after the job; CPU ratio: the"
        " same medians of CPU seconds, the process and its PostgreSQL backend, which the load stretches less)"
    )
    (ROOT / "bench" / "last-run.json").write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
