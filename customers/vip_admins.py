"""VIP admins and their admin-console sign-ins: per-admin invitation links, sign-up, revocation, edits in place.

A sign-in (accounts.User, role VIP admin) belongs to one VipAdmin row. Removing the row or revoking the
sign-in ends it at once: the user is deactivated (the row stays for the audit trail), its password made
unusable and its sessions deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from resellerconsole.errors import DomainError

from .events import vip_admin_sign_in_created_record, vip_admin_sign_in_revoked_record
from .models import Customer, VipAdmin
from .signals import invitation_links_issued

INVITATION_SALT = "customers.invitation"
#: Engines whose sessions live in the database and can be searched for one user's.
DATABASE_SESSION_ENGINES = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


@dataclass(frozen=True)
class VipAdminContact:
    name: str
    email: str
    #: The VipAdmin row this contact edits, when the form or API names it; else matched by e-mail.
    id: int | None = None


# ---------------------------------------------------------------------------
# Invitation links: one per VIP admin, the latest one only, used once
# ---------------------------------------------------------------------------
def invitation_token(vip_admin: VipAdmin) -> str:
    return signing.dumps({"vip_admin": vip_admin.pk, "n": vip_admin.invitation_nonce}, salt=INVITATION_SALT)


def invitation_url(vip_admin: VipAdmin) -> str:
    path = reverse("invitation-accept", kwargs={"token": invitation_token(vip_admin)})
    return settings.CONSOLE_BASE_URL.rstrip("/") + path


def invitation_links_issue(*, customer: Customer, vip_admins: Sequence[VipAdmin]) -> None:
    """Give each of these VIP admins their own new invitation link; any earlier link to them stops working.

    Each is e-mailed their link in this transaction by whoever listens (`notifications.receivers`).
    """
    for vip_admin in vip_admins:
        vip_admin.invitation_nonce += 1
        vip_admin.invitation_used_at = None
        vip_admin.save(update_fields=["invitation_nonce", "invitation_used_at"])
    if vip_admins:
        invitation_links_issued.send(sender=Customer, customer=customer, vip_admins=list(vip_admins))


def vip_admin_from_invitation_token(token: str, *, lock: bool = False) -> VipAdmin:
    """The VIP admin a signed invitation link was sent to; a clear error when it is forged, old or replaced."""
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=settings.INVITATION_LINK_MAX_AGE_DAYS * 24 * 3600)
    except signing.SignatureExpired:
        raise DomainError(
            _("This invitation link has expired. Ask your reseller to resend the invitation."), code="expired"
        ) from None
    except signing.BadSignature:
        raise DomainError(_("This invitation link is not valid."), code="invalid_token") from None
    if not isinstance(payload, dict) or "vip_admin" not in payload:
        # Links sent before invitations became personal named only the customer.
        raise DomainError(
            _("This invitation link is no longer valid. Ask your reseller to resend the invitation."),
            code="outdated_link",
        )
    contacts = VipAdmin.objects.select_related("customer__reseller")
    if lock:
        contacts = contacts.select_for_update(of=("self",))
    contact = contacts.filter(pk=payload.get("vip_admin")).first()
    if contact is None:
        raise DomainError(
            _("This invitation link is no longer valid: its address is no longer a VIP admin of the customer."),
            code="invalid_token",
        )
    if contact.invitation_nonce != payload.get("n"):
        raise DomainError(
            _("This invitation link was replaced by a newer one. Use the link in the latest invitation e-mail."),
            code="superseded",
        )
    return contact


def vip_admin_sign_in_create(*, token: str, password: str, email: str | None = None) -> User:
    """The VIP admin the link was sent to sets up their admin-console sign-in; the link then is used up."""
    contact = vip_admin_from_invitation_token(token)
    customer = contact.customer
    if customer.invitation_accepted_at is None:
        raise DomainError(_("Accept the invitation first."), code="not_accepted")
    if email and email.strip().lower() != contact.email.lower():
        raise DomainError(
            _("This link was sent to %(email)s and creates the sign-in for that address only.")
            % {"email": contact.email},
            code="wrong_address",
            field="email",
        )
    user = User(username=contact.email.lower(), email=contact.email, role=User.Role.VIP_ADMIN, customer=customer)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), code="weak_password", field="password1") from None
    already = DomainError(
        _("%(email)s already has a sign-in. Log in instead.") % {"email": contact.email},
        code="duplicate_username",
        field="email",
    )
    try:
        with transaction.atomic():
            contact = vip_admin_from_invitation_token(token, lock=True)
            if contact.invitation_used_at is not None or User.objects.filter(vip_admin=contact).exists():
                raise DomainError(
                    _("This invitation link has already been used to create a sign-in. Log in instead."),
                    code="link_used",
                )
            existing = User.objects.select_for_update().filter(username__iexact=user.username).first()
            if existing is not None:
                # A sign-in that ended earlier comes back through a new link to the same address.
                if existing.role != User.Role.VIP_ADMIN or existing.customer_id != customer.pk or existing.vip_admin_id:
                    raise already
                user = existing
                user.date_joined = timezone.now()
            user.email, user.is_active, user.vip_admin = contact.email, True, contact
            user.set_password(password)
            user.save()
            contact.invitation_used_at = timezone.now()
            contact.save(update_fields=["invitation_used_at"])
            vip_admin_sign_in_created_record(customer=customer, email=contact.email)
    except IntegrityError:
        raise already from None
    return user


# ---------------------------------------------------------------------------
# Ending a sign-in
# ---------------------------------------------------------------------------
def _sessions_delete(user_ids: set[int]) -> None:
    if settings.SESSION_ENGINE not in DATABASE_SESSION_ENGINES:
        # Cookie or cache sessions cannot be searched; the unusable password changes the session hash,
        # so Django ends those sessions on their next request.
        return
    store = import_module(settings.SESSION_ENGINE).SessionStore
    wanted = {str(pk) for pk in user_ids}
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) in wanted:
            store(session_key=session.session_key).delete()


def sign_ins_end(users: Sequence[User]) -> None:
    """Deactivate these sign-ins at once: no login, no password, no live session. The user rows stay."""
    for user in users:
        user.is_active = False
        user.vip_admin = None
        user.set_unusable_password()
        user.save(update_fields=["is_active", "vip_admin", "password"])
    if users:
        _sessions_delete({user.pk for user in users})


def vip_admin_sign_in_revoke(*, vip_admin: VipAdmin, actor: User) -> VipAdmin:
    """A reseller ends one VIP admin's admin-console sign-in; the contact stays (and keeps its e-mails)."""
    with transaction.atomic():
        contact = VipAdmin.objects.select_for_update().select_related("customer").get(pk=vip_admin.pk)
        user = User.objects.select_for_update().filter(vip_admin=contact).first()
        if user is None:
            raise DomainError(
                _("%(email)s has no admin-console sign-in.") % {"email": contact.email}, code="no_sign_in"
            )
        sign_ins_end([user])
        # An outstanding link must not bring the sign-in straight back.
        contact.invitation_nonce += 1
        contact.save(update_fields=["invitation_nonce"])
        vip_admin_sign_in_revoked_record(customer=contact.customer, actor=actor, email=contact.email, user=user)
    return contact


# ---------------------------------------------------------------------------
# Editing the list in place
# ---------------------------------------------------------------------------
@dataclass
class VipAdminChanges:
    before: list[str]
    after: list[str]
    #: Rows added, or given a new address, that need their own invitation link.
    to_invite: list[VipAdmin]

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _match(current: list[VipAdmin], contacts: Sequence[VipAdminContact]) -> list[VipAdmin | None]:
    """Each wanted contact's existing row: by id when given, else by e-mail (case-insensitive)."""
    by_id = {a.pk: a for a in current}
    matched: list[VipAdmin | None] = [None] * len(contacts)
    used: set[int] = set()
    for index, contact in enumerate(contacts):
        if contact.id is not None:
            row = by_id.get(contact.id)
            if row is None or row.pk in used:
                raise DomainError(
                    _("A VIP admin in this list is not one of this customer's; reload the page and try again."),
                    code="unknown_vip_admin",
                    field="vip_admins",
                )
            matched[index] = row
            used.add(row.pk)
    by_email = {a.email.lower(): a for a in current if a.pk not in used}
    for index, contact in enumerate(contacts):
        row = by_email.get(contact.email.lower())
        if matched[index] is None and row is not None and row.pk not in used:
            matched[index] = row
            used.add(row.pk)
    return matched


def vip_admins_apply(*, customer: Customer, contacts: Sequence[VipAdminContact]) -> VipAdminChanges:
    """Update the customer's VIP admins in place; the caller holds the customer's lock.

    A kept admin (same id, or same e-mail) keeps its row and sign-in; a removed one loses its sign-in.
    """
    current = list(VipAdmin.objects.select_for_update().filter(customer=customer).order_by("pk"))
    matched = _match(current, contacts)
    kept = {row.pk for row in matched if row is not None}
    removed = [row for row in current if row.pk not in kept]
    changes = VipAdminChanges(before=[str(a) for a in current], after=[], to_invite=[])
    sign_ins = {u.vip_admin_id: u for u in User.objects.select_for_update().filter(vip_admin__in=current)}
    try:
        with transaction.atomic():
            sign_ins_end([sign_ins[row.pk] for row in removed if row.pk in sign_ins])
            VipAdmin.objects.filter(pk__in=[row.pk for row in removed]).delete()
            for row, contact in zip(matched, contacts, strict=True):
                if row is None:
                    row = VipAdmin.objects.create(customer=customer, name=contact.name, email=contact.email)
                    changes.to_invite.append(row)
                elif (row.name, row.email) != (contact.name, contact.email):
                    readdressed = row.email.lower() != contact.email.lower()
                    row.name, row.email = contact.name, contact.email
                    row.save(update_fields=["name", "email"])
                    user = sign_ins.get(row.pk)
                    if user is not None:
                        user.email, user.username = row.email, row.email.lower()
                        user.save(update_fields=["email", "username"])
                    elif readdressed:
                        changes.to_invite.append(row)
                changes.after.append(str(row))
    except IntegrityError:
        raise DomainError(
            _("These VIP admin changes clash with another address or sign-in; save them in two steps."),
            code="vip_admin_clash",
            field="vip_admins",
        ) from None
    return changes
