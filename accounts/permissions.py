from rest_framework.permissions import BasePermission


class IsConsoleUser(BasePermission):
    """Reseller staff and internal sales; everyone else is refused by the API."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_console_user)
