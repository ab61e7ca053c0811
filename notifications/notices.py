"""Renewal notices to VIP admins and Delayed notices to reseller staff, created set-wise in the outbox.

Each notice kind has a span of days around the anniversary. The job creates, for every customer inside a
span, the one row (customer, kind, anniversary) that may exist; a missed day is caught up, but a notice whose
span has passed is never sent late, and a renewal moves the anniversary so nothing more is due.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef

from accounts.models import User
from catalogue.models import Product
from customers.models import Customer, CustomerStatus, VipAdmin
from licences.models import Holding
from renewals.dates import RenewalPeriods, renewal_year
from resellerconsole.batching import KeyRange, keyset_batches
from resellerconsole.querying import among_sql

from .models import OutboundEmail
from .services import (
    StencilledEmail,
    email_build,
    email_rendered,
    email_row,
    email_subject,
    emails_insert,
    emails_insert_stencilled,
)
from .stencils import DATE, NUMBER, TEXT, Fields, Stencil, Stencils, fill_all, printed_date, printed_number

LIVE_STATUSES = CustomerStatus.live()
RENEWAL_NOTICES = (
    OutboundEmail.Kind.RENEWAL_DUE,
    OutboundEmail.Kind.RENEWAL_OVERDUE,
    OutboundEmail.Kind.ACCESS_REMOVAL,
)


def notice_span(kind: str) -> tuple[int, int]:
    """First and last day of a notice, in days relative to the anniversary (both inclusive)."""
    before = settings.RENEWAL_WINDOW_OPENS_DAYS
    grace = settings.RENEWAL_GRACE_DAYS
    warning = grace - settings.ACCESS_REMOVAL_NOTICE_DAYS
    return {
        OutboundEmail.Kind.RENEWAL_DUE: (-before, -1),
        OutboundEmail.Kind.RENEWAL_OVERDUE: (0, warning - 1),
        OutboundEmail.Kind.ACCESS_REMOVAL: (warning, grace),
    }[kind]


def in_span(kind: str, *, on: date):
    """The live customers whose anniversary puts them inside the span of this notice on `on`."""
    first, last = notice_span(kind)
    return Customer.objects.filter(
        status__in=LIVE_STATUSES,
        anniversary_date__gte=on - timedelta(days=last),
        anniversary_date__lte=on - timedelta(days=first),
    )


def due_customers(kind: str, *, on: date):
    # Sent already, or overtaken: a run for a later date sent a later notice for this anniversary, so a run for
    # an earlier date (a catch-up afterwards) never sends "time to renew" after "should have been made".
    later = RENEWAL_NOTICES[RENEWAL_NOTICES.index(kind) :]
    already = OutboundEmail.objects.filter(
        customer=OuterRef("pk"), kind__in=later, anniversary=OuterRef("anniversary_date")
    )
    return in_span(kind, on=on).filter(~Exists(already))


@dataclass
class NoticeRun:
    created: dict[str, int] = field(default_factory=dict)


def send_renewal_notices(
    *, on: date, dry_run: bool = False, batch_size: int | None = None, key_range: KeyRange | None = None
) -> NoticeRun:
    """Create the due renewal notices (delivery follows after commit through the outbox sender).

    Each (kind, language) is rendered by Django into one stencil for any number of licence lines, the first e-mail
    of each number of lines is also rendered by Django and compared, and each e-mail is filled in from plain values
    (notifications/stencils.py): the bytes Django renders, without a template render or a model instance per
    e-mail. On PostgreSQL three statements a batch, whatever its size: the locked read of the batch, its licences,
    and the outbox INSERT in which the database fills the bodies in and adds the VIP admins.
    """
    batch_size = batch_size or settings.SWEEP_BATCH_SIZE
    in_database = connection.vendor == "postgresql"
    run = NoticeRun()
    for kind in RENEWAL_NOTICES:
        run.created[kind] = 0
        renderer = NoticeRenderer(kind)
        # Customers without VIP admins get no notice.
        due = due_customers(kind, on=on).filter(Exists(VipAdmin.objects.filter(customer=OuterRef("pk"))))
        for rows in keyset_batches(
            due,
            batch_size=batch_size,
            lock=not dry_run,
            fields=NOTICE_FIELDS if in_database else ("pk",),
            key_range=key_range,
            # Each batch's keys from the live customers' anniversary index, not a walk over every customer in key
            # order that skips 15 of 16 (batch reads at 1 M customers 1.96 -> 1.69 s, keys included). In key order,
            # not the index's: a batch of one or two anniversaries is spread over the whole table (its customers',
            # holdings' and outbox pages), which cost the database 2 s more than it saved.
            keys=in_span(kind, on=on).values_list("pk", flat=True),
        ):
            # A run in parallel (a second beat) may have created these notices and committed while this batch
            # waited for the lock, after the candidates were read: on PostgreSQL the outbox INSERT asks again (its
            # statement sees that commit); elsewhere they are read again here, under the lock.
            customers = (
                rows
                if in_database
                else list(due.filter(pk__in=[row["pk"] for row in rows]).order_by("pk").values(*NOTICE_FIELDS))
            )
            run.created[kind] += renderer.insert(customers, due=due, dry_run=dry_run)
    return run


#: What a renewal notice says about its customer.
NOTICE_FIELDS = ("pk", "company_name", "vip_id", "anniversary_date", "preferred_language", "reseller__name")
#: A notice's slots: name, VIP ID, reseller, anniversary, grace end, removal date, then product and quantity a line.
NOTICE_SLOTS = (TEXT, TEXT, TEXT, DATE, DATE, DATE)
LINE_SLOTS = (TEXT, NUMBER)


def notice_context(values) -> dict:
    """The notice templates' context from the slots' values (markers for a stencil, real values for Django)."""
    name, vip_id, reseller, anniversary, grace_end, removal_date, *lines = values
    return {
        "customer": Fields(company_name=name, vip_id=vip_id),
        "reseller": Fields(name=reseller),
        "anniversary": anniversary,
        "grace_end": grace_end,
        "removal_date": removal_date,
        "lines": list(zip(lines[0::2], lines[1::2], strict=True)),
    }


class NoticeRenderer:
    """The renewal notices of one kind, a batch of customers (as `NOTICE_FIELDS` values) at a time."""

    def __init__(self, kind: str):
        self.kind = kind
        self.stencils = Stencils(
            [f"notifications/{kind}_{part}" for part in ("subject.txt", "body.txt", "body.html")],
            notice_context,
            head=NOTICE_SLOTS,
            item=LINE_SLOTS,
        )
        #: The stencils by (language, number of lines), once `Stencils.verified` has checked them (or None).
        self._verified: dict[tuple[str, int], tuple[Stencil, ...] | None] = {}

    def insert(self, customers: list[dict], *, due, dry_run: bool) -> int:
        """Put the batch's notices in the outbox; returns how many. `due`: the customers due this notice.

        On PostgreSQL the database fills the bodies in from the stencils and adds the VIP admins' addresses
        (`emails_insert_stencilled`); elsewhere, and for e-mails no stencil fits, the rows are built here.
        """
        in_database = connection.vendor == "postgresql"
        periods = RenewalPeriods.configured()
        ids = [customer["pk"] for customer in customers]
        lines = self._lines(ids)
        recipients = {} if in_database else self._recipients(ids)
        stencilled: list[StencilledEmail] = []
        bodies: dict[tuple[str, int], int] = {}  # (language, lines): its index in `pairs`
        pairs: list[tuple[Stencil, Stencil]] = []
        built: list[OutboundEmail] = []
        by_django: list[int] = []
        # The printed dates per (anniversary, language), worked out once a batch (many rows share them).
        dates: dict[tuple[date, str], tuple[str, str, str]] = {}
        for customer in customers:
            pk = customer["pk"]
            language, held = customer["preferred_language"], lines[pk]
            key = (language, len(held) // 2)
            if key in self._verified:
                stencils = self._verified[key]
            else:
                kinds, values = self._values(customer, held, periods)
                stencils = self._verified[key] = self.stencils.verified(language=language, kinds=kinds, values=values)
            if stencils is None:
                by_django.append(pk)
                continue
            anniversary = customer["anniversary_date"]
            printed = dates.get((anniversary, language))
            if printed is None:
                printed = dates[anniversary, language] = _printed_dates(anniversary, language, periods)
            # The values as the templates print them (`stencils.printed`), in one pass.
            shown = [customer["company_name"], customer["vip_id"], customer["reseller__name"], *printed]
            for index in range(0, len(held), 2):
                shown += (held[index], printed_number(held[index + 1], language))
            if in_database:
                if key not in bodies:
                    bodies[key] = len(pairs)
                    pairs.append((stencils[1], stencils[2]))
                stencilled.append(
                    StencilledEmail(
                        pk,
                        notice_dedupe_key(self.kind, pk, anniversary),
                        anniversary.isoformat(),
                        None,  # the recipients: the customer's VIP admins
                        language,
                        email_subject(stencils[0].fill(shown)),
                        bodies[key],
                        shown,
                    )
                )
                continue
            subject, body_text, body_html = fill_all(stencils, shown)
            built.append(
                email_row(
                    kind=self.kind,
                    dedupe_key=notice_dedupe_key(self.kind, pk, anniversary),
                    recipients=recipients[pk],
                    rendered=email_rendered(subject=subject, body_text=body_text, body_html=body_html),
                    language=language,
                    customer_id=pk,
                    anniversary=anniversary,
                )
            )
        if by_django:
            # The templates do more than print these values: Django renders them, from the model instances.
            if in_database:
                recipients = self._recipients(by_django)
            models = due.filter(pk__in=by_django).select_related("reseller").in_bulk()
            for pk in models:
                models[pk].held = list(zip(lines[pk][0::2], lines[pk][1::2], strict=True))
                built.append(_renewal_notice(self.kind, models[pk], recipients[pk]))
        if dry_run:
            return len(stencilled) + len(built)
        inserted = emails_insert_stencilled(
            kind=self.kind,
            emails=stencilled,
            bodies=pairs,
            unless_sent=RENEWAL_NOTICES[RENEWAL_NOTICES.index(self.kind) :],
        )
        emails_insert(built)
        return inserted + len(built)

    def _recipients(self, ids: list[int]) -> dict[int, list[str]]:
        """The VIP admins' addresses per customer."""
        among, parameters = among_sql("customer_id", ids, vendor=connection.vendor)
        recipients: dict[int, list[str]] = defaultdict(list)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT customer_id, email FROM {VipAdmin._meta.db_table} WHERE {among}",  # noqa: S608 no input
                parameters,
            )
            for customer_id, email in cursor.fetchall():
                recipients[customer_id].append(email)
        return recipients

    def _lines(self, ids: list[int]) -> dict[int, list]:
        """The licences held (product, quantity, … by product name) per customer, read as plain tuples: a dict or a
        model instance per row was a third of the job."""
        among, parameters = among_sql("h.customer_id", ids, vendor=connection.vendor)
        lines: dict[int, list] = defaultdict(list)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT h.customer_id, p.name, h.deployed FROM {Holding._meta.db_table} h"  # noqa: S608 no input
                f" JOIN {Product._meta.db_table} p ON p.id = h.product_id"
                f" WHERE {among} AND h.deployed > 0 ORDER BY p.name, h.id",
                parameters,
            )
            for customer_id, product, deployed in cursor.fetchall():
                lines[customer_id] += [product, deployed]
        return lines

    def _values(self, customer: dict, held: list, periods: RenewalPeriods) -> tuple[tuple[str, ...], tuple]:
        """The slots of the customer's stencil and their values."""
        year = renewal_year(customer["anniversary_date"], periods)
        values = (
            customer["company_name"],
            customer["vip_id"],
            customer["reseller__name"],
            year.anniversary,
            year.grace_end,
            year.access_removed,
            *held,
        )
        return NOTICE_SLOTS + LINE_SLOTS * (len(held) // 2), values


def _printed_dates(anniversary: date, language: str, periods: RenewalPeriods) -> tuple[str, str, str]:
    """The anniversary, the grace period's end and the removal date as the templates print them (the batch keeps
    them per anniversary and language: an lru_cache hashed the frozen periods on every call)."""
    year = renewal_year(anniversary, periods)
    return tuple(printed_date(day, language) for day in (year.anniversary, year.grace_end, year.access_removed))


def notice_dedupe_key(kind: str, customer_id: int, anniversary: date) -> str:
    return f"{kind}:{customer_id}:{anniversary.isoformat()}"


def _renewal_notice(kind: str, customer: Customer, recipients: list[str]) -> OutboundEmail:
    """A notice rendered by Django from the model instances (`customer.held`: its (product, quantity) lines)."""
    anniversary = customer.anniversary_date
    year = renewal_year(anniversary)
    return email_build(
        kind=kind,
        dedupe_key=notice_dedupe_key(kind, customer.pk, anniversary),
        recipients=recipients,
        template=kind,
        context={
            "customer": customer,
            "reseller": customer.reseller,
            "anniversary": anniversary,
            "grace_end": year.grace_end,
            "removal_date": year.access_removed,
            "lines": customer.held,
        },
        language=customer.preferred_language,
        customer=customer,
        anniversary=anniversary,
    )


def delayed_notices(customer_ids: list[int], overdue: dict[int, list[str]]) -> list[OutboundEmail]:
    """One e-mail per account that became Delayed, to its reseller's active staff (once per overdue PA)."""
    customers = list(Customer.objects.filter(pk__in=customer_ids).select_related("reseller"))
    staff: dict[int, list[str]] = {}
    for reseller_id, email in (
        User.objects.filter(
            reseller_id__in={c.reseller_id for c in customers}, is_active=True, role__in=User.RESELLER_ROLES
        )
        .exclude(email="")
        .values_list("reseller_id", "email")
    ):
        staff.setdefault(reseller_id, []).append(email)
    return [
        email_build(
            kind=OutboundEmail.Kind.ACCOUNT_DELAYED,
            dedupe_key=f"account_delayed:{customer.pk}:{(overdue.get(customer.pk) or ['?'])[0]}",
            recipients=staff[customer.reseller_id],
            template="account_delayed",
            context={"customer": customer, "reseller": customer.reseller, "overdue": overdue.get(customer.pk, [])},
            language=settings.LANGUAGE_CODE,
            customer=customer,
        )
        for customer in customers
        if staff.get(customer.reseller_id)
    ]
