"""CI runs a small version of the benchmark (10,000 customers) to prove it works; no timing is asserted."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_benchmark_seeds_and_measures_every_job(tmp_path):
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    server = f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    result = subprocess.run(
        [sys.executable, "bench/run.py", "--customers", "10000", "--database", "bench_ci", "--server", server],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    measured = json.loads((ROOT / "bench" / "last-run.json").read_text())
    assert [row["job"] for row in measured] == [
        "enforce_order_deadlines",
        "refresh_renewal_overview",
        "send_renewal_notices",
        "remove_expired_access",
    ]
    for row in measured:
        # The job and its floor change the same number of rows on the same data.
        assert row["measured"]["rows"] > 0, row
        assert row["floor"]["rows"] >= row["measured"]["rows"] > 0, row
