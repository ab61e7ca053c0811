"""Issue 17: long commands show progress on a terminal (a line per batch with rows and rate) and stay quiet
when their output is not a terminal (a log, a pipe, cron)."""

import io
import re
from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from authorizations import services as pa
from pages.management.commands.seed_scale import step_line
from resellerconsole import progress
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory

FIRST_ORDER = date(2025, 3, 10)
# 80 days before the customers' anniversary (2026-03-10): all of them enter the renewal overview.
DAY = "2025-12-20"
BATCH_LINE = re.compile(r"^refresh_renewal_overview: batch \d+, [\d,]+ rows \([\d,]+ in [\d.]+ s, [\d,]+ rows/s\)$")


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def customers(db, settings):
    settings.SWEEP_BATCH_SIZE = 2
    admin = ResellerAdminFactory()
    product = ProductFactory()
    with time_machine.travel(FIRST_ORDER, tick=False):
        for n in range(5):
            customer = ActiveCustomerFactory(reseller=admin.reseller)
            authorization = pa.purchase_authorization_create(
                customer=customer, license_type="team", lines=[pa.LineRequest(product, 2)], actor=admin
            )
            pa.order_place(
                order_number=f"P-{n}",
                order_date=FIRST_ORDER,
                pa_reference=authorization.reference,
                lines=[pa.OrderLineRequest(product.sku_new, 2)],
                actor=admin,
            )


def test_a_job_command_on_a_terminal_shows_each_batch_with_rows_and_rate(customers):
    out = Terminal()

    call_command("refresh_renewal_overview", "--date", DAY, stdout=out)

    lines = out.getvalue().splitlines()
    batches = [line for line in lines if BATCH_LINE.match(line)]
    assert len(batches) == 3, lines  # 5 customers in batches of 2
    assert [line.split(",")[0] for line in batches] == [f"refresh_renewal_overview: batch {n}" for n in (1, 2, 3)]
    assert any(line.startswith("refresh_renewal_overview: done, 3 batches, 5 rows in") for line in lines), lines


def test_the_same_command_in_a_log_or_a_pipe_prints_only_its_result(customers):
    out = io.StringIO()

    call_command("refresh_renewal_overview", "--date", DAY, stdout=out)

    text = out.getvalue()
    assert "batch" not in text and "rows/s" not in text
    assert text.strip(), "the command's own result is still printed"


def test_run_daily_jobs_on_a_terminal_reports_every_job(customers):
    out = Terminal()

    call_command("run_daily_jobs", "--date", DAY, stdout=out)

    done = [line.split(":")[0] for line in out.getvalue().splitlines() if ": done, " in line]
    assert done == [
        "enforce_order_deadlines",
        "refresh_renewal_overview",
        "auto_renew_subscriptions",
        "send_renewal_notices",
        "remove_expired_access",
    ]
    assert any(BATCH_LINE.match(line) for line in out.getvalue().splitlines())

    quiet = io.StringIO()
    call_command("run_daily_jobs", "--date", DAY, stdout=quiet)
    assert ": done, " not in quiet.getvalue() and "rows/s" not in quiet.getvalue()


def test_without_a_command_listening_batches_report_nowhere():
    progress.batch_done(10)  # no reporter: nothing happens, nothing raises
    with progress.on_terminal(io.StringIO()) as reporter:
        assert reporter is None


def test_seed_scale_step_lines_carry_rows_and_rate():
    assert step_line(2, 9, "customers", 1_000_000, 20.0) == "[2/9] customers: 1,000,000 rows in 20.0 s, 50,000 rows/s"
    assert step_line(9, 9, "analyze", 0, 1.5) == "[9/9] analyze: 0 rows in 1.5 s"
