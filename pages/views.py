"""The home page and the health checks: /healthz asks the kernel, the broker and the daily jobs' record."""

import logging

from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from jobs.services import last_runs as job_last_runs
from resellerconsole.celery import app as celery_app

logger = logging.getLogger(__name__)


def home(request):
    """The console user's dashboard, the VIP admin's admin console; anyone else is asked to sign in first."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.is_vip_admin:
        return redirect("admin-console")
    if request.user.is_console_user:
        return redirect("dashboard")
    return redirect("customer-list")


def _database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        logger.warning("Health check: database unreachable", exc_info=True)
        return False


def _broker_reachable() -> bool:
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.warning("Health check: broker unreachable", exc_info=True)
        return False


def ping(request):
    """Liveness without touching the database or broker (load balancers; the load run's ceiling)."""
    return HttpResponse("pong", content_type="text/plain")


@never_cache
def healthz(request):
    """200 when the database and the broker answer and no daily job is overdue; 503 naming what is wrong."""
    checks = {"database": _database_reachable(), "broker": _broker_reachable()}
    failing = sorted(name for name, ok in checks.items() if not ok)
    last_runs, stale = ({}, [])
    if checks["database"]:
        last_runs, stale = job_last_runs()
        failing += [f"job:{name}" for name in stale]
    body = {
        "status": "ok" if not failing else "unavailable",
        "checks": checks,
        "daily_jobs_last_success": last_runs,
        "failing": failing,
    }
    return JsonResponse(body, status=503 if failing else 200)
