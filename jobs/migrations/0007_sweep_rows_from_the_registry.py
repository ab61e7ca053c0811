"""The periodic sweeps' beat rows from now on come from their register (resellerconsole.sweeps, each app's jobs.py).

The three apps' own schedule migrations ran before this one and stay as history; in a database where an operator
deleted one of those rows, this puts it back (a sweep without its row would never run). Rows that exist are kept.
"""

from django.db import migrations

from jobs.beat import write_beat_rows


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0006_beat_row_auto_renew_subscriptions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("idempotency", "0002_purge_schedule"),
        ("notifications", "0002_outbox_sweep_schedule"),
        ("webhooks", "0002_sweep_schedule"),
    ]

    operations = [migrations.RunPython(write_beat_rows, migrations.RunPython.noop)]
