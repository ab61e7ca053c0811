"""Who may use the API, and who may enter orders: the one owner of those rules (API, console and services ask)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from .models import User

#: Console roles that may record an order by hand (the LWS was down, a paper order): not sales.
ORDER_BY_HAND_ROLES = (User.Role.RESELLER_ADMIN, User.Role.INTERNAL_SALES)


def may_place_orders_through_api(user) -> bool:
    """Orders through the API are the licensing website's alone."""
    return bool(user and user.is_authenticated and user.is_licensing_website)


def may_enter_orders_by_hand(user) -> bool:
    """Recording an order (new or renewal) in the console: reseller admins and internal sales."""
    return bool(user and user.is_authenticated and user.is_console_user and user.role in ORDER_BY_HAND_ROLES)


def may_place_orders_through_marketplace(user) -> bool:
    """A VIP Marketplace API client places orders as its user at the customer's reseller (reseller staff)."""
    return bool(user and user.is_authenticated and user.is_active and user.is_reseller_staff)


def order_entered_by_hand(actor, *, through_marketplace: bool = False) -> bool:
    """Whether an order placed by `actor` is entered by hand (False: the LWS or a VIP Marketplace API client
    placed it; `through_marketplace` is the /v3 door's word that the request came from one of its clients).

    Raises PermissionDenied for anyone else, so no door (API, console, admin, command) can place one for them.
    """
    if may_place_orders_through_api(actor):
        return False
    if through_marketplace and may_place_orders_through_marketplace(actor):
        return False
    if may_enter_orders_by_hand(actor):
        return True
    raise PermissionDenied(_("Only the licensing website, reseller admins and internal sales may place orders."))


class IsConsoleUser(BasePermission):
    """Reseller staff and internal sales; everyone else is refused by the API."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_console_user)


class IsLicensingWebsite(BasePermission):
    """The order intake: only the licensing website's own token places orders."""

    def has_permission(self, request, view) -> bool:
        return may_place_orders_through_api(request.user)


class IsLicensingWebsiteOrConsoleUser(BasePermission):
    """Reads the licensing website shares with console users (each sees its own rows)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_licensing_website or user.is_console_user))
