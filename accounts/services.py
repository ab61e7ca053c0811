from typing import cast

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from resellerconsole.errors import DomainError

from .models import ApiTokenUse, Reseller, StaffEvent, User


def staff_member_create(
    *,
    reseller: Reseller,
    actor: User,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    password: str,
) -> User:
    """A reseller admin adds a colleague (admin or sales) to their own reseller."""
    if role not in User.RESELLER_ROLES:
        raise DomainError(_("Choose Reseller admin or Sales."), code="invalid_role", field="role")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("That username is taken."), code="duplicate_username", field="username")
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        reseller=reseller,
    )
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        raise DomainError.from_validation_error(error) from None
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), code="weak_password", field="password1") from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            StaffEvent.objects.create(
                reseller=reseller,
                member=user,
                kind=StaffEvent.Kind.CREATED,
                actor=actor,
                parameters={"username": username, "email": email, "role": role},
            )
    except IntegrityError:
        # Someone took the username between the check and the insert.
        raise DomainError(_("That username is taken."), code="duplicate_username", field="username") from None
    return user


def staff_member_set_active(*, member: User, actor: User, active: bool) -> User:
    """Deactivate (or reactivate) a colleague; nobody locks themselves out."""
    if member.pk == actor.pk:
        raise DomainError(_("You cannot deactivate your own account."), code="self", field=None)
    with transaction.atomic():
        member = User.objects.select_for_update().get(pk=member.pk)
        if member.is_active == active:
            return member  # a second click changes and records nothing
        member.is_active = active
        member.save(update_fields=["is_active"])
        StaffEvent.objects.create(
            reseller=cast(Reseller, member.reseller),  # only a reseller's staff are managed here
            member=member,
            kind=StaffEvent.Kind.REACTIVATED if active else StaffEvent.Kind.DEACTIVATED,
            actor=actor,
            parameters={"is_active": [not active, active]},
        )
    return member


def api_token_record_use(*, token, at) -> None:
    """Remember when an API token was last used (the admin shows it): one upsert statement."""
    ApiTokenUse.objects.bulk_create(
        [ApiTokenUse(token=token, last_used_at=at)],
        update_conflicts=True,
        unique_fields=["token"],
        update_fields=["last_used_at"],
    )


def api_tokens_revoke(*, user: User) -> int:
    """Delete the user's API tokens: a changed password or a deactivation must not leave an old token working."""
    count, _ = Token.objects.filter(user=user).delete()
    return count
