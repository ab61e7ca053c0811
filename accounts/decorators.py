from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def console_view(view):
    """Signed-in reseller staff or internal sales; everyone else is sent to log in or refused."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_console_user:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def vip_admin_view(view):
    """The customer-side admin console: only a customer's own current VIP admins (their row still exists)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.administers(request.user.customer_id):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def reseller_admin_view(view):
    """Only a reseller's admins manage its staff."""

    @console_view
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_reseller_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
