"""Every way a password changes or an account is deactivated (console, password form, admin, set_password in
code) ends in a save of the user; this one receiver revokes the user's API tokens there."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from . import services
from .models import User


@receiver(post_save, sender=User, dispatch_uid="accounts.revoke_api_tokens")
def revoke_api_tokens(sender, instance: User, created: bool, update_fields=None, **kwargs):
    if created:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    # Django keeps the raw password in _password from set_password() until the save completes (post_save
    # runs before it is cleared); a hasher upgrade at log-in clears it first, so it revokes nothing.
    password_changed = getattr(instance, "_password", None) is not None
    if password_changed or not instance.is_active:
        services.api_tokens_revoke(user=instance)
