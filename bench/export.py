"""Benchmark the customer export (CSV and XLSX) on PostgreSQL: wall time and peak memory of the whole download.

    python bench/export.py --customers 100000            # fresh database "bench_export", seeded, then measured
    python bench/export.py --no-seed                       # measure the seeded database again

Each export runs in its own process (so its peak RSS is its own), as internal sales (every customer), through
the console's URL with Django's test client, consuming the streamed body chunk by chunk. No timing is asserted
anywhere: the figures live in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import _django, _peak_rss_mb  # noqa: E402  (the path above first)


def measure(fmt: str, database_url: str) -> dict:
    _django(database_url)
    from django.test import Client

    from accounts.models import User

    user = User.objects.filter(role=User.Role.INTERNAL_SALES).first() or User.objects.create_user(
        "bench-internal", role=User.Role.INTERNAL_SALES
    )
    client = Client(HTTP_HOST="localhost")  # the production settings' one allowed host
    client.force_login(user)
    # Loads the URL map, the middleware and the export code (an export of no rows) before the peak is read.
    b"".join(client.get(f"/customers/export.{fmt}?q=no-such-customer-warm-up").streaming_content)
    before = _peak_rss_mb()
    started = time.monotonic()
    response = client.get(f"/customers/export.{fmt}")
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    return {
        "format": fmt,
        "status": response.status_code,
        "seconds": round(time.monotonic() - started, 2),
        "bytes": size,
        "lines": lines if fmt == "csv" else None,
        "peak_rss_before_mb": round(before, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--database", default="bench_export")
    parser.add_argument("--server", default=os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*args.child)))
        return 0
    url = f"{args.server}/{args.database}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "true"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    if not args.no_seed:
        for sql in (f'DROP DATABASE IF EXISTS "{args.database}"', f'CREATE DATABASE "{args.database}"'):
            subprocess.run(["psql", f"{args.server}/postgres", "-q", "-c", sql], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
        started = time.monotonic()
        subprocess.run([*manage, "seed_scale", "--customers", str(args.customers)], env=env, check=True)
        print(f"seed_scale {args.customers} customers: {time.monotonic() - started:.1f} s")
    for fmt in ("csv", "xlsx"):
        output = subprocess.run(
            [sys.executable, __file__, "--child", fmt, url], capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout
        print(output.strip().splitlines()[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
