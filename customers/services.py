"""Every change to customers goes through these functions: validate, then act, in one transaction."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Reseller, User
from resellerconsole.errors import DomainError

from .events import (
    customer_created_record,
    customer_event,
    customer_event_record,
    customer_events_write,
    customer_updated_record,
    invitation_accepted_record,
    invitation_sent_record,
)
from .models import Customer, CustomerEvent, CustomerStatus, Language, VipAdmin
from .transitions import customer_lock, customer_status_change
from .vip_admins import (
    VipAdminContact,
    invitation_links_issue,
    invitation_token,
    invitation_url,
    vip_admin_from_invitation_token,
    vip_admin_sign_in_create,
    vip_admin_sign_in_revoke,
    vip_admins_apply,
)

__all__ = [  # the customer write API other apps and doors use (some live in vip_admins)
    "VipAdminContact",
    "customer_event_record",
    "invitation_token",
    "invitation_url",
    "vip_admin_sign_in_create",
    "vip_admin_sign_in_revoke",
]

#: Fields a reseller edits on a customer (the VIP ID, status and audit fields are never edited).
EDITABLE_FIELDS = (
    "company_name",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "market_segment",
    "preferred_language",
)


# ---------------------------------------------------------------------------
# Create and edit
# ---------------------------------------------------------------------------
def _clean_vip_admins(vip_admins: Sequence[VipAdminContact]) -> list[VipAdminContact]:
    cleaned: list[VipAdminContact] = []
    seen: set[str] = set()
    for contact in vip_admins:
        name, email = contact.name.strip(), contact.email.strip()
        if not name:
            raise DomainError(_("Every VIP admin needs a name."), code="required", field="vip_admins")
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError(
                _("“%(email)s” is not a valid e-mail address.") % {"email": email},
                code="invalid_email",
                field="vip_admins",
            ) from None
        if email.lower() in seen:
            raise DomainError(
                _("%(email)s is listed twice.") % {"email": email}, code="duplicate_email", field="vip_admins"
            )
        seen.add(email.lower())
        cleaned.append(VipAdminContact(name=name, email=email, id=contact.id))
    if not cleaned:
        raise DomainError(_("Add at least one VIP admin."), code="required", field="vip_admins")
    return cleaned


def _check_duplicate_company(customer: Customer, *, allow_duplicate: bool) -> None:
    if allow_duplicate:
        return
    twin = (
        Customer.objects.filter(reseller_id=customer.reseller_id, company_name__iexact=customer.company_name)
        .exclude(pk=customer.pk)
        .first()
    )
    if twin is not None:
        raise DomainError(
            _(
                "Your reseller already has a customer named “%(name)s” (VIP ID %(vip_id)s). "
                "Confirm to save another one with the same name."
            )
            % {"name": twin.company_name, "vip_id": twin.vip_id or _("not issued yet")},
            code="duplicate_company",
            field="company_name",
        )


def _check_country_code(value: Any) -> None:
    """Refuse what django-countries cannot even read: its lookup raises on non-ASCII digits such as "²"."""
    if not (isinstance(value, str) and value.isascii()):
        raise DomainError(
            _("“%(value)s” is not a country code.") % {"value": value}, code="invalid_choice", field="country"
        )


def _full_clean(customer: Customer) -> None:
    try:
        customer.full_clean(exclude=["reseller", "created_by"], validate_unique=False)
    except ValidationError as error:
        raise DomainError.from_validation_error(error) from None


def customer_create(
    *,
    reseller: Reseller,
    actor: User,
    company_name: str,
    address_line1: str,
    postal_code: str,
    city: str,
    country: str,
    market_segment: str,
    vip_admins: Sequence[VipAdminContact],
    preferred_language: str = Language.ENGLISH,
    address_line2: str = "",
    allow_duplicate: bool = False,
) -> Customer:
    _check_country_code(country)
    customer = Customer(
        reseller=reseller,
        company_name=company_name.strip(),
        address_line1=address_line1.strip(),
        address_line2=address_line2.strip(),
        postal_code=postal_code.strip(),
        city=city.strip(),
        country=country,
        market_segment=market_segment,
        preferred_language=preferred_language,
        created_by=actor,
    )
    _full_clean(customer)
    contacts = _clean_vip_admins(vip_admins)
    with transaction.atomic():
        _check_duplicate_company(customer, allow_duplicate=allow_duplicate)
        customer.save()
        VipAdmin.objects.bulk_create([VipAdmin(customer=customer, name=c.name, email=c.email) for c in contacts])
        customer_created_record(customer=customer, actor=actor)
    return customer


def customers_create_bulk(
    *, reseller: Reseller, actor: User, customers: Sequence[dict], contacts: Sequence[VipAdminContact]
) -> list[Customer]:
    """Create many customers at once (the bulk import), each with one VIP admin and its "created" event: three
    INSERTs. The caller has checked every row as the customer form does (customers.imports.rows_check)."""
    now = timezone.now()
    rows = [
        Customer(
            reseller=reseller, created_by=actor, **{name: str(values.get(name, "")).strip() for name in EDITABLE_FIELDS}
        )
        for values in customers
    ]
    for customer in rows:
        customer.preferred_language = customer.preferred_language or Language.ENGLISH
    with transaction.atomic():
        created = Customer.objects.bulk_create(rows)
        VipAdmin.objects.bulk_create(
            VipAdmin(customer=customer, name=contact.name.strip(), email=contact.email.strip())
            for customer, contact in zip(created, contacts, strict=True)
        )
        customer_events_write(
            customer_event(
                customer_id=customer.pk,
                kind=CustomerEvent.Kind.CREATED,
                at=now,
                parameters={"company_name": customer.company_name},
                actor=actor,
            )
            for customer in created
        )
    return created


def customer_create_and_invite(*, invite: bool, **details) -> Customer:
    """The console's "Create" (invite False) and "Create and send invitation" (invite True): the customer is
    created and invited together or not at all. `details` are customer_create's arguments."""
    with transaction.atomic(durable=True):
        customer = customer_create(**details)
        if invite:
            customer = customer_send_invitation(customer=customer, actor=details["actor"])
    return customer


def customer_update(
    *,
    customer: Customer,
    actor: User,
    vip_admins: Sequence[VipAdminContact] | None = None,
    allow_duplicate: bool = False,
    **changes,
) -> Customer:
    """Change the editable fields named in `changes` and, when given, update the VIP admin list in place."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))},
            code="not_editable",
            field=sorted(unknown)[0],
        )
    if "country" in changes:
        _check_country_code(changes["country"])
    contacts = _clean_vip_admins(vip_admins) if vip_admins is not None else None
    with transaction.atomic():
        customer = customer_lock(customer)
        before = {name: str(getattr(customer, name)) for name in changes}
        for name, value in changes.items():
            setattr(customer, name, value.strip() if isinstance(value, str) else value)
        _full_clean(customer)
        if "company_name" in changes:
            _check_duplicate_company(customer, allow_duplicate=allow_duplicate)
        changed: dict[str, list[Any]] = {
            name: [before[name], str(getattr(customer, name))]
            for name in changes
            if before[name] != str(getattr(customer, name))
        }
        if changed:
            customer.save(update_fields=[*changed, "updated_at"])
        invited: list[str] = []
        if contacts is not None:
            admins = vip_admins_apply(customer=customer, contacts=contacts)
            if admins.changed:
                changed["vip_admins"] = [admins.before, admins.after]
            if customer.status != CustomerStatus.NOT_INVITED:
                # An admin added (or readdressed) after the invitation gets their own link.
                invitation_links_issue(customer=customer, vip_admins=admins.to_invite)
                invited = [vip_admin.email for vip_admin in admins.to_invite]
        if changed:
            customer_updated_record(customer=customer, actor=actor, changes=changed, invited=invited)
    return customer


# ---------------------------------------------------------------------------
# Invitations and VIP IDs
# ---------------------------------------------------------------------------
def new_vip_id() -> str:
    """20 upper-case hexadecimal characters from the operating system's cryptographic source."""
    return secrets.token_hex(10).upper()


def _issue_vip_id(customer: Customer) -> None:
    # 80 random bits make a collision vanishingly rare; the unique index makes it impossible.
    for _attempt in range(5):
        customer.vip_id = new_vip_id()
        try:
            with transaction.atomic():
                customer.save(update_fields=["vip_id", "updated_at"])
            return
        except IntegrityError:
            continue
    raise DomainError(_("Could not issue a unique VIP ID; please try again."), code="vip_id_exhausted")


def customer_send_invitation(*, customer: Customer, actor: User, resend: bool = False) -> Customer:
    """Send the VIP invitation, issuing the VIP ID at once; with `resend`, send it again (same VIP ID).

    A plain "send" to a customer already invited is refused (a double click must not e-mail twice), and
    resending is refused once the customer has accepted.
    """
    with transaction.atomic():
        customer = customer_lock(customer, related=("reseller",))
        now = timezone.now()
        if customer.status == CustomerStatus.NOT_INVITED:
            _issue_vip_id(customer)
            customer_status_change(customer=customer, to=CustomerStatus.INVITATION_SENT, actor=actor)
            resending = False
        elif customer.invitation_accepted_at is None and customer.status in (
            CustomerStatus.INVITATION_SENT,
            CustomerStatus.DELAYED,
        ):
            if not resend:
                raise DomainError(
                    _("%(name)s was already invited (VIP ID %(vip_id)s). Use “Resend invitation” to send it again.")
                    % {"name": customer.company_name, "vip_id": customer.vip_id},
                    code="already_invited",
                )
            resending = True
        else:
            raise DomainError(
                _("%(name)s has already accepted the invitation.") % {"name": customer.company_name},
                code="invalid_transition",
            )
        customer.invitation_sent_at = now
        customer.save(update_fields=["invitation_sent_at", "updated_at"])
        # The customer's lock covers its admins; one with a sign-in already needs no link.
        contacts = list(customer.vip_admins.filter(sign_in__isnull=True).order_by("pk"))
        invitation_sent_record(customer=customer, actor=actor, resend=resending, recipients=[a.email for a in contacts])
        # One e-mail per admin with their own link, so a link proves its holder's mailbox.
        invitation_links_issue(customer=customer, vip_admins=contacts)
    return customer


def customer_from_invitation_token(token: str) -> Customer:
    """The customer whose VIP admin a current invitation link names; a clear error otherwise."""
    return vip_admin_from_invitation_token(token).customer


def customer_accept_invitation(*, token: str) -> Customer:
    """Accept the invitation: the customer becomes Active. Accepting twice changes nothing."""
    customer = customer_from_invitation_token(token)
    with transaction.atomic():
        customer = customer_lock(customer)
        if customer.invitation_accepted_at is not None:
            return customer
        customer.invitation_accepted_at = timezone.now()
        customer.save(update_fields=["invitation_accepted_at", "updated_at"])
        if customer.status == CustomerStatus.INVITATION_SENT:
            customer_status_change(customer=customer, to=CustomerStatus.ACTIVE, actor=None)
        invitation_accepted_record(customer=customer)
    return customer
