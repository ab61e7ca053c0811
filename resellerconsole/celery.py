import os
from pathlib import Path

from celery import Celery
from celery.signals import task_failure
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resellerconsole.settings.base")

app = Celery("resellerconsole")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Each task's log lines carry its task_id and the request_id of the request that queued it (django-structlog).
app.steps["worker"].add(DjangoStructLogInitStep)


@app.on_after_configure.connect
def create_filesystem_broker_folders(sender, **kwargs) -> None:
    # kombu's filesystem transport needs its folders before the first message (it does not create them).
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@task_failure.connect
def count_task_failure(sender=None, **kwargs) -> None:
    # The metrics endpoint reads the count (console_worker_task_failures_total); the cache is shared by every worker.
    from .metrics import count_task_failure

    count_task_failure(getattr(sender, "name", None) or "unknown")
