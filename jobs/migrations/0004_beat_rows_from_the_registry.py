"""From here on, the daily jobs' beat rows come from the job registry (each app's jobs.py): one function writes them.

The migrations that wrote them before (authorizations 0002, renewals 0002, jobs 0002) stay as history; their rows
already send the jobs, so on an existing database this changes nothing, and on a new one it finds them too. A job
registered later gets its row from a new jobs migration that runs `write_beat_rows` again.
"""

from django.db import migrations

from jobs.beat import write_beat_rows


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0003_jobrun_source"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(write_beat_rows, migrations.RunPython.noop)]
