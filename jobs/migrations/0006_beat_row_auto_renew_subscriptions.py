"""The beat row of `auto_renew_subscriptions` (renewals/jobs.py): write_beat_rows creates what is missing."""

from django.db import migrations

from jobs.beat import write_beat_rows


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0005_source_vipmp_channel"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("renewals", "0004_auto_renewal"),
    ]

    operations = [migrations.RunPython(write_beat_rows, migrations.RunPython.noop)]
