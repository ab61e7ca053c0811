from django.utils import timezone

from renewals.selectors import renewal_banner as banner_for


def renewal_banner(request) -> dict:
    """The renewal banner on every page of a VIP admin's admin console."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.is_vip_admin):
        return {}
    return {"renewal_banner": banner_for(customer=user.customer, on=timezone.localdate())}
