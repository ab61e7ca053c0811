"""The outbox sender against a bare smtplib loop, both sending the same pre-rendered messages (one to each
recipient of a row) over one SMTP connection to the same local sink running in its own process.

    python bench/mail.py --messages 2000 --recipients 2 --rounds 3   # database "bench_mail" on the local PostgreSQL

With --rounds N the two run in turn N times (bare, sender, bare, sender, …; the rows are put back to pending in
between), so a change in the machine's load falls on both; the medians are printed with the target.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import statistics
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_sink(port: int) -> subprocess.Popen:
    """aiosmtpd's own command-line server, discarding messages (the Sink handler), in its own process."""
    sink = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return sink
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the SMTP sink did not start")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--recipients", type=int, default=2, help="recipients per outbox row")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds; medians are printed")
    parser.add_argument("--database", default="bench_mail")
    parser.add_argument("--server", default=os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432"))
    args = parser.parse_args()
    port = free_port()
    url = f"{args.server}/{args.database}"
    for sql in (f'DROP DATABASE IF EXISTS "{args.database}"', f'CREATE DATABASE "{args.database}"'):
        subprocess.run(["psql", f"{args.server}/postgres", "-q", "-c", sql], check=True, stdout=subprocess.DEVNULL)
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "resellerconsole.settings.base",
            "DJANGO_SECRET_KEY": "benchmark-only-secret-key",
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "CONSOLE_BASE_URL": "http://localhost:8000",
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        }
    )
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], check=True)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from notifications.models import OutboundEmail
    from notifications.sending import email_deliver

    rows = [
        OutboundEmail(
            kind="renewal_due",
            dedupe_key=f"bench:{n}",
            recipients=[f"admin{n}-{r}@customer.example" for r in range(args.recipients)],
            language="en",
            subject=f"Time to renew: Customer {n}",
            body_text="Hello,\n\nIt is time to renew.\n" * 20,
            body_html="<p>Hello,</p><p>It is time to renew.</p>" * 20,
        )
        for n in range(args.messages)
    ]
    OutboundEmail.objects.bulk_create(rows)
    messages = []
    for row in OutboundEmail.objects.order_by("pk"):
        for recipient in row.recipients:  # one message to each recipient, as the sender does
            message = EmailMessage()
            message["Subject"], message["From"], message["To"] = row.subject, settings.DEFAULT_FROM_EMAIL, recipient
            message.set_content(row.body_text)
            message.add_alternative(row.body_html, subtype="html")
            messages.append(message)

    sink = start_sink(port)
    count = len(messages)
    print(f"{args.messages} rows x {args.recipients} recipients = {count} messages over one SMTP connection")
    bares, outboxes = [], []
    try:
        for round_ in range(1, args.rounds + 1):
            OutboundEmail.objects.update(
                state="pending", delivered_to=[], attempts=0, sent_at=None, claimed_at=None, last_error=""
            )
            with connection.cursor() as cursor:  # each round starts from a clean table (the last one's dead rows)
                cursor.execute(f"VACUUM ANALYZE {OutboundEmail._meta.db_table}")
            bare = bare_loop(port, messages)
            outbox, sent = sender_run(email_deliver)
            bares.append(bare)
            outboxes.append(outbox)
            print(
                f"round {round_}: bare smtplib {bare:.2f} s ({bare / count * 1000:.2f} ms/msg), "
                f"outbox sender {outbox:.2f} s ({outbox / count * 1000:.2f} ms/msg, rows sent {sent}), "
                f"ratio {outbox / bare:.2f}"
            )
    finally:
        sink.terminate()
        sink.wait(timeout=10)
    bare, outbox = statistics.median(bares), statistics.median(outboxes)
    ratio = statistics.median(o / b for o, b in zip(outboxes, bares, strict=True))
    print(f"bare smtplib loop: {bare:.2f} s median ({count / bare:.0f} msg/s, {bare / count * 1000:.2f} ms/msg)")
    print(f"outbox sender:     {outbox:.2f} s median ({count / outbox:.0f} msg/s, {outbox / count * 1000:.2f} ms/msg)")
    print(
        f"outbox sender / bare smtplib: {ratio:.2f}x median of {args.rounds} round(s) "
        f"(marks every {settings.OUTBOX_MARK_EVERY} messages); target <= {TARGET}x: "
        f"{'PASS' if ratio <= TARGET else 'FAIL'}"
    )
    return 0


#: docs/performance.md: the outbox sender at most this many times a bare smtplib loop over the same messages.
TARGET = 1.5


def bare_loop(port: int, messages: list) -> float:
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", port) as connection:
        for message in messages:
            connection.send_message(message)
    return time.monotonic() - started


def sender_run(email_deliver) -> tuple[float, int]:
    started = time.monotonic()
    sent = 0
    while (result := email_deliver(limit=500)).claimed:
        sent += result.sent
    return time.monotonic() - started, sent


if __name__ == "__main__":
    raise SystemExit(main())
