"""Where a page's time goes: each page of bench/load.py requested in-process, with its SQL (issue 15).

    python bench/queries.py --database bench [--pages TEXT] [--repeat 3] [--explain]

For each page it prints the wall time of one request (the median of --repeat), the time its queries took, their
number and the slowest query's time; --explain adds that query's `EXPLAIN (ANALYZE, BUFFERS)`. The load run says
whether a page meets its targets; this says whether the database or the rest of the request is what it waits for.
The pages, users and keys are bench/load.py's `resolve()`. No timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _headers(auth: dict[str, str]) -> dict[str, str]:
    """bench/load.py's HTTP headers as the test client's WSGI keys."""
    return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in auth.items()}


def measure(label: str, path: str, headers: dict[str, str], *, repeat: int, explain: bool) -> str:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    runs = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path, **headers)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            wall = time.perf_counter() - started
        runs.append((wall, list(queries.captured_queries), response.status_code))
    wall, captured, status = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
    seconds = [float(q["time"]) for q in captured]
    slowest = max(range(len(captured)), key=lambda i: seconds[i]) if captured else None
    line = (
        f"{label:<48}{status:>4}{wall * 1000:>9.1f}{sum(seconds) * 1000:>9.1f}{len(captured):>5}"
        f"{(seconds[slowest] * 1000 if slowest is not None else 0):>9.1f}   load {os.getloadavg()[0]:.1f}"
    )
    if explain and slowest is not None:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured[slowest]["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        line += f"\n    {captured[slowest]['sql'][:400]}\n" + "\n".join("    " + p for p in plan.splitlines()) + "\n"
    return line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="bench")
    parser.add_argument("--server", default=os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--pages", default="", help="only pages whose label contains this, or one of A|B|…")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="print the slowest query's plan")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from load import production_env, resolve  # the same settings, pages, users and keys as the load run

    os.environ.update(production_env(f"{args.server}/{args.database}", host="testserver"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # the production settings' hashed names

    resolved = resolve()
    wanted = [w for w in args.pages.split("|") if w]
    print(f"{'page':<48}{'HTTP':>4}{'wall ms':>9}{'SQL ms':>9}{'n':>5}{'max ms':>9}")
    for label, path, auth in resolved["pages"]:
        if wanted and not any(w in label for w in wanted):
            continue
        headers = _headers(resolved["auth"][auth]) if auth else {}
        print(measure(label, path, headers, repeat=args.repeat, explain=args.explain), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
