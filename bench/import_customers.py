"""Benchmark the bulk import of customers on PostgreSQL: read, dry run and import of N rows (default 10,000).

    python bench/import_customers.py --database h18_bench10k --rows 10000   # an existing, migrated database

The rows are written as the template's CSV for a new reseller, read back as an upload, checked (the dry run),
then imported in one transaction (rolled back at the end unless --keep). No timing is asserted anywhere: the
figures live in docs/performance.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import _django, _peak_rss_mb  # noqa: E402  (the path above first)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database", default="h18_bench10k")
    parser.add_argument("--server", default=os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    _django(f"{args.server}/{args.database}")
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from accounts.models import Reseller, User
    from customers import imports
    from resellerconsole.csv_export import SafeCsvWriter

    with transaction.atomic():
        stamp = str(int(time.time()))
        reseller = Reseller.objects.create(name=f"Import bench {stamp}", partner_id=f"IMP{stamp}", country="SE")
        admin = User.objects.create_user(f"import-{stamp}", role=User.Role.RESELLER_ADMIN, reseller=reseller)
        buffer = io.StringIO()
        writer = SafeCsvWriter(buffer)
        writer.writerow(imports.COLUMNS)
        for n in range(args.rows):
            writer.writerow([f"Import {n} AB", f"Gatan {n}", "", "111 22", "Stockholm", "SE", "commercial", "sv",
                             f"Admin {n}", f"admin{n}@import{n}.example"])  # fmt: skip
        upload = SimpleUploadedFile("customers.csv", buffer.getvalue().encode())
        timings = {}
        started = time.monotonic()
        rows = imports.rows_read(upload)
        timings["read_s"] = round(time.monotonic() - started, 2)
        started = time.monotonic()
        checked = imports.rows_check(rows=rows, user=admin, reseller=reseller)
        timings["dry_run_s"] = round(time.monotonic() - started, 2)
        assert not any(row.errors for row in checked)
        started = time.monotonic()
        created = imports.customers_import(rows=rows, user=admin, reseller=reseller)
        timings["import_s"] = round(time.monotonic() - started, 2)
        if not args.keep:
            transaction.set_rollback(True)
    print(json.dumps({"rows": len(created), **timings, "peak_rss_mb": round(_peak_rss_mb(), 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
