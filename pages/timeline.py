"""The customer timeline on the VIP details tab: one customer's dates across the apps, in order.

Each app gives its dates through its own selector (the pending PAs' order deadlines and the orders' return
windows from authorizations, the renewal year from renewals' calendar, the renewal notices with what became of
them from notifications); this module puts them in one list with the console's words. The chart is drawn from
that list (pages/timeline_chart.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from authorizations.dates import is_overdue
from authorizations.selectors import pending_order_deadlines, return_window_ends
from customers.models import Customer
from notifications.models import OutboundEmail
from notifications.selectors import renewal_notice_dates
from renewals.dates import renewal_year


class TimelineKind:
    """What a date on the customer timeline is about; the chart colours its marker by it."""

    PA_DEADLINE = "pa_deadline"
    RETURN = "return"
    OVERVIEW = "overview"
    WINDOW = "window"
    NOTICE = "notice"
    ANNIVERSARY = "anniversary"
    GRACE_END = "grace_end"
    REMOVAL = "removal"


@dataclass(frozen=True)
class TimelineItem:
    day: date
    label: str
    past: bool
    kind: str = ""
    #: For a renewal notice, what became of it (sent on …, queued, due …); "overdue" for a passed PA deadline.
    status: str = ""


def _notice_labels() -> dict[str, str]:
    return {
        OutboundEmail.Kind.RENEWAL_DUE: _("“Time to renew” e-mail to the VIP admins"),
        OutboundEmail.Kind.RENEWAL_OVERDUE: _("“Renewal should have been made” e-mail to the VIP admins"),
        OutboundEmail.Kind.ACCESS_REMOVAL: _("Last-chance e-mail before access is removed"),
    }


def customer_timeline(*, customer: Customer, on: date) -> list[TimelineItem]:
    """One customer's dates in order: PA deadlines, return windows, and the renewal year around the anniversary
    with the three renewal notices (sent, queued or due). Three queries, whatever the number of PAs and orders."""
    items = [
        TimelineItem(
            deadline,
            _("Order deadline of %(reference)s") % {"reference": reference},
            deadline < on,
            TimelineKind.PA_DEADLINE,
            pgettext("order deadline", "overdue") if is_overdue(deadline, on) else "",
        )
        for reference, deadline in pending_order_deadlines(customer=customer)
    ]
    items += [
        TimelineItem(
            last_day,
            _("Last day to return lines of order %(number)s") % {"number": number},
            last_day < on,
            TimelineKind.RETURN,
        )
        for number, last_day in return_window_ends(customer=customer, on=on)
    ]
    if customer.anniversary_date:
        year = renewal_year(customer.anniversary_date)
        renewal_dates = [
            (year.overview_from, _("Licences enter the renewal overview"), TimelineKind.OVERVIEW),
            (year.window_opens, _("Renewal window opens"), TimelineKind.WINDOW),
            (year.anniversary, _("Anniversary date"), TimelineKind.ANNIVERSARY),
            (year.grace_end, _("Grace period ends"), TimelineKind.GRACE_END),
            (year.access_removed, _("Access removed if not renewed"), TimelineKind.REMOVAL),
        ]
        items += [TimelineItem(day, label, day < on, kind) for day, label, kind in renewal_dates]
        labels = _notice_labels()
        items += [
            TimelineItem(notice.day, labels[notice.kind], notice.day < on, TimelineKind.NOTICE, notice.status)
            for notice in renewal_notice_dates(customer=customer, on=on)
        ]
    # Stable: on one day, a PA deadline comes before a return, the window before its e-mail.
    return sorted(items, key=lambda item: item.day)
