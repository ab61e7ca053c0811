"""The customer timeline on the VIP details tab: a server-side SVG with today marked, and the same dates as a list."""

import re
from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations.models import Order, PurchaseAuthorization
from notifications.models import OutboundEmail
from pages.timeline import TimelineItem, TimelineKind, customer_timeline
from pages.timeline_chart import MARGIN, MARKER_HEIGHT, WIDTH, timeline_chart
from tests.factories import ActiveCustomerFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)
ANNIVERSARY = date(2026, 6, 21)
_numbers = count(1)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime(2026, 6, 1, 10, 0, tzinfo=UTC), tick=False):
        yield


def pending_pa(customer, deadline: date) -> PurchaseAuthorization:
    n = next(_numbers)
    return PurchaseAuthorization.objects.create(
        reference=f"PA-T{n:06d}",
        customer=customer,
        license_type="team",
        order_deadline=deadline,
        deployed_at=datetime.combine(deadline - timedelta(days=30), datetime.min.time(), tzinfo=UTC),
    )


def order(customer, order_date: date) -> Order:
    pa = pending_pa(customer, order_date + timedelta(days=20))
    PurchaseAuthorization.objects.filter(pk=pa.pk).update(status="ordered")
    return Order.objects.create(
        order_number=f"LWS-T{next(_numbers):06d}",
        purchase_authorization=pa,
        customer=customer,
        order_date=order_date,
        fingerprint="x",
        duration_months_proposed=12,
    )


def sent_notice(customer, kind: str, sent_on: date) -> OutboundEmail:
    return OutboundEmail.objects.create(
        kind=kind,
        customer=customer,
        dedupe_key=f"{kind}:{customer.pk}:{customer.anniversary_date.isoformat()}",
        anniversary=customer.anniversary_date,
        recipients=["vip@customer.example"],
        language="en",
        subject="Time to renew",
        body_text="…",
        state=OutboundEmail.State.SENT,
        sent_at=datetime.combine(sent_on, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9),
    )


@pytest.fixture
def customer(sales):
    """Anniversary in 20 days: the window is open, the first notice went out, a PA is overdue, one is due."""
    customer = ActiveCustomerFactory(
        reseller=sales.reseller, anniversary_date=ANNIVERSARY, anniversary_day=ANNIVERSARY.day
    )
    pending_pa(customer, date(2026, 5, 25))  # overdue
    pending_pa(customer, date(2026, 6, 15))
    order(customer, date(2026, 5, 25))  # returnable until 8 June
    sent_notice(customer, OutboundEmail.Kind.RENEWAL_DUE, date(2026, 5, 22))
    return customer


EXPECTED = [
    (date(2026, 3, 23), TimelineKind.OVERVIEW, "Licences enter the renewal overview"),
    (date(2026, 5, 22), TimelineKind.WINDOW, "Renewal window opens"),
    (date(2026, 5, 22), TimelineKind.NOTICE, "“Time to renew” e-mail to the VIP admins"),
    (date(2026, 5, 25), TimelineKind.PA_DEADLINE, "Order deadline of PA-T"),
    (date(2026, 6, 8), TimelineKind.RETURN, "Last day to return lines of order LWS-T"),
    (date(2026, 6, 15), TimelineKind.PA_DEADLINE, "Order deadline of PA-T"),
    (date(2026, 6, 21), TimelineKind.ANNIVERSARY, "Anniversary date"),
    (date(2026, 6, 21), TimelineKind.NOTICE, "“Renewal should have been made” e-mail to the VIP admins"),
    (date(2026, 7, 14), TimelineKind.NOTICE, "Last-chance e-mail before access is removed"),
    (date(2026, 7, 21), TimelineKind.GRACE_END, "Grace period ends"),
    (date(2026, 7, 22), TimelineKind.REMOVAL, "Access removed if not renewed"),
]


def details(client, customer, **headers):
    response = client.get(reverse("customer-detail", args=[customer.pk]), headers=headers)
    assert response.status_code == 200
    return response


def svg_of(page: str) -> str:
    match = re.search(r'<svg class="timeline-svg".*?</svg>', page, re.S)
    assert match, "no timeline chart on the page"
    return match.group(0)


def test_the_selector_lists_every_date_in_order_with_notice_states(customer):
    items = customer_timeline(customer=customer, on=TODAY)

    assert [(i.day, i.kind) for i in items] == [(day, kind) for day, kind, _label in EXPECTED]
    assert all(label in item.label for item, (_d, _k, label) in zip(items, EXPECTED, strict=True))
    assert [i.past for i in items] == [day < TODAY for day, _k, _l in EXPECTED]
    statuses = {(i.day, i.kind): i.status for i in items}
    assert statuses[(date(2026, 5, 22), TimelineKind.NOTICE)] == "sent on 22 May 2026"
    assert statuses[(date(2026, 6, 21), TimelineKind.NOTICE)] == "due"
    assert statuses[(date(2026, 5, 25), TimelineKind.PA_DEADLINE)] == "overdue"
    assert statuses[(date(2026, 6, 15), TimelineKind.PA_DEADLINE)] == ""


def test_the_svg_marks_today_and_places_each_date_in_order(sales_client, customer):
    svg = svg_of(details(sales_client, customer).content.decode())

    markers = re.findall(
        r'<g class="tl-marker ([^"]*)" data-date="([\d-]+)" data-x="([\d.]+)" data-numbers="([^"]+)"', svg
    )
    today = re.search(r'<g class="tl-today" data-date="([\d-]+)" data-x="([\d.]+)"', svg)
    marker_days = [date.fromisoformat(day) for _c, day, _x, _n in markers]
    xs = [float(x) for _c, _d, x, _n in markers]
    today_x = float(today.group(2))

    # One marker per day; both dates of 22 May and of 21 June share one marker ("2–3", "7–8").
    assert marker_days == sorted({day for day, _k, _l in EXPECTED})
    assert [n for _c, _d, _x, n in markers] == ["1", "2–3", "4", "5", "6", "7–8", "9", "10", "11"]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    assert today.group(1) == TODAY.isoformat()
    assert max(x for x, day in zip(xs, marker_days, strict=True) if day < TODAY) < today_x
    assert today_x < min(x for x, day in zip(xs, marker_days, strict=True) if day > TODAY)
    assert ">Today</text>" in svg
    # Past markers are marked as such, the overdue PA deadline too.
    classes = dict(zip(marker_days, [c for c, _d, _x, _n in markers], strict=True))
    assert "tl-is-past" in classes[date(2026, 3, 23)] and "tl-is-past" not in classes[date(2026, 6, 8)]
    assert "tl-is-overdue" in classes[date(2026, 5, 25)] and "tl-anniversary" in classes[ANNIVERSARY]


def test_positions_are_proportional_to_the_dates(customer):
    items = customer_timeline(customer=customer, on=TODAY)
    chart = timeline_chart(items=items, on=TODAY)
    span = (chart.last_day - chart.first_day).days
    usable = WIDTH - 2 * MARGIN

    for marker in chart.markers:
        assert marker.x == pytest.approx(MARGIN + (marker.day - chart.first_day).days / span * usable, abs=0.06)
    assert chart.today_x == pytest.approx(MARGIN + (TODAY - chart.first_day).days / span * usable, abs=0.06)
    assert chart.first_day < items[0].day and chart.last_day > items[-1].day
    assert chart.today_index == 4  # four dates lie before today


def test_the_svg_is_an_accessible_image_that_scales(sales_client, customer):
    page = details(sales_client, customer).content.decode()
    svg = svg_of(page)

    opening = svg.split(">", 1)[0]
    assert 'role="img"' in opening and f'viewBox="0 0 {WIDTH} ' in opening
    assert "width=" not in opening and "height=" not in opening  # the CSS scales it to the card
    labelled_by = re.search(r'aria-labelledby="([^"]+)"', opening).group(1).split()
    for element_id in labelled_by:
        assert re.search(rf'<(title|desc) id="{element_id}">[^<]+</\1>', svg)
    desc = re.search(r'<desc id="[^"]+">([^<]+)</desc>', svg).group(1)
    assert "11 dates from 23 Mar 2026 to 22 Jul 2026; today is 1 Jun 2026." in desc
    assert "style=" not in page and "<script>" not in svg  # the Content-Security-Policy allows neither


def test_marker_boxes_never_overlap_and_stay_inside_the_drawing():
    # Twenty dates a day or two apart, several on one day: the lanes must keep every box apart.
    items = [
        TimelineItem(TODAY + timedelta(days=offset), f"date {n}", offset < 0, TimelineKind.PA_DEADLINE)
        for n, offset in enumerate(sorted([-3, -3, -2, 0, 1, 1, 1, 2, 3, 5, 6, 8, 9, 9, 10, 12, 13, 14, 60, 61]))
    ]
    chart = timeline_chart(items=items, on=TODAY)

    boxes = [(m.lane, m.box_x, m.box_x + m.box_width) for m in chart.markers]
    for i, (lane, left, right) in enumerate(boxes):
        assert left >= 0 and right <= WIDTH
        for other_lane, other_left, other_right in boxes[i + 1 :]:
            assert lane != other_lane or right <= other_left or other_right <= left
    assert sum(m.last - m.first + 1 for m in chart.markers) == len(items)
    assert chart.axis_y >= max(m.box_y for m in chart.markers) + MARKER_HEIGHT
    assert chart.height > chart.axis_y


@pytest.mark.parametrize("offsets", [[0], [10], [-3, 20], [-200, 400], [-30, 30, 90, 120]])
def test_tick_labels_keep_their_distance_and_name_the_year(offsets):
    items = [TimelineItem(TODAY + timedelta(days=o), "date", o < 0, TimelineKind.PA_DEADLINE) for o in sorted(offsets)]
    chart = timeline_chart(items=items, on=TODAY)

    labelled = [tick for tick in chart.ticks if tick.label]
    assert labelled and labelled[0].year  # the first label says which year
    weekly = " " in labelled[0].label  # "8 Jun" on a short span, "Jun" on a long one
    for left, right in zip(labelled, labelled[1:], strict=False):
        assert right.x - left.x >= (56 if weekly else 40) * 0.99
    assert all(MARGIN <= tick.x <= WIDTH - MARGIN for tick in chart.ticks)
    years = [int(tick.year) for tick in labelled if tick.year]
    assert years == sorted(set(years))  # each year named once, where its first label is
    if offsets == [-200, 400]:
        assert years == [2025, 2026, 2027]


def test_the_list_under_the_chart_holds_the_same_dates_with_today_in_place(sales_client, customer):
    page = details(sales_client, customer).content.decode()
    listing = re.search(r'<ol class="timeline-list".*?</ol>', page, re.S).group(0)
    rows = re.findall(r"<li class=\"([^\"]*)\"[^>]*>(.*?)</li>", listing, re.S)

    assert page.index("timeline-svg") < page.index("timeline-list")
    assert [cls.split()[0] for cls, _text in rows].index("tl-today-row") == 4
    entries = [(cls, text) for cls, text in rows if cls != "tl-today-row"]
    assert len(entries) == len(EXPECTED)
    for number, ((cls, text), (day, kind, label)) in enumerate(zip(entries, EXPECTED, strict=True), start=1):
        assert f'<span class="tl-list-num">{number}</span>' in text
        assert f'datetime="{day.isoformat()}"' in text and label in text and f"tl-{kind}" in cls
    assert "sent on 22 May 2026" in listing and "overdue" in listing


def test_swedish_dates_and_words(sales_client, customer):
    page = details(sales_client, customer, **{"Accept-Language": "sv"}).content.decode()
    svg = svg_of(page)

    assert "21 juni 2026" in page and ">I dag<" in page and "Årsdag" in page and "skickat 22 maj 2026" in page
    # Numbers in the drawing stay machine-readable: no decimal comma in a coordinate.
    assert not re.search(r'(x|y|width|height|x1|x2|y1|y2|cx|cy)="\d+,\d', svg)


def test_a_customer_without_dates_shows_the_empty_state(sales_client, sales):
    fresh = ActiveCustomerFactory(reseller=sales.reseller)
    page = details(sales_client, fresh).content.decode()
    assert "No dates yet" in page and "timeline-svg" not in page


def test_today_after_every_date_goes_last_in_the_list(sales_client, sales):
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    pending_pa(customer, TODAY - timedelta(days=3))
    page = details(sales_client, customer).content.decode()
    listing = re.search(r'<ol class="timeline-list".*?</ol>', page, re.S).group(0)
    assert listing.index("Order deadline of") < listing.index("tl-today-row")


def test_only_this_customers_dates_and_other_resellers_get_404(sales_client, sales, customer):
    sibling = ActiveCustomerFactory(reseller=sales.reseller)
    sibling_pa = pending_pa(sibling, TODAY + timedelta(days=3))
    stranger = ActiveCustomerFactory(anniversary_date=ANNIVERSARY, anniversary_day=ANNIVERSARY.day)
    stranger_pa = pending_pa(stranger, TODAY + timedelta(days=4))

    page = details(sales_client, customer).content.decode()

    assert sibling_pa.reference not in page and stranger_pa.reference not in page
    assert sales_client.get(reverse("customer-detail", args=[stranger.pk])).status_code == 404


def test_query_count_does_not_grow_with_the_number_of_pas_and_orders(sales_client, sales):
    def queries_for(pas: int, orders: int) -> int:
        customer = ActiveCustomerFactory(
            reseller=sales.reseller, anniversary_date=ANNIVERSARY, anniversary_day=ANNIVERSARY.day
        )
        for n in range(pas):
            pending_pa(customer, TODAY + timedelta(days=n))
        for n in range(orders):
            order(customer, TODAY - timedelta(days=n))
        sent_notice(customer, OutboundEmail.Kind.RENEWAL_DUE, date(2026, 5, 22))
        details(sales_client, customer)  # warm the session and the caches alike for both sizes
        with CaptureQueriesContext(connection) as queries:
            page = details(sales_client, customer).content.decode()
        assert page.count('class="tl-pa_deadline') == pas and page.count('class="tl-return') == orders
        return len(queries)

    assert queries_for(1, 1) == queries_for(12, 8)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "sv"])
def test_readable_at_360_px_in_a_real_browser(page, live_server, language):
    from authorizations.services import today as local_today
    from tests.factories import SalesFactory

    today = local_today()  # the live server runs on the real clock
    sales = SalesFactory(username="tina")
    anniversary = today + timedelta(days=20)
    customer = ActiveCustomerFactory(
        reseller=sales.reseller, anniversary_date=anniversary, anniversary_day=anniversary.day
    )
    for offset in (-7, -6, 2, 3, 14, 20):  # dates close together, some on the anniversary itself
        pending_pa(customer, today + timedelta(days=offset))
    order(customer, today - timedelta(days=7))
    refused: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    page.set_viewport_size({"width": 360, "height": 800})
    page.set_extra_http_headers({"Accept-Language": language})
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "tina")
    page.fill("#id_password", "pw-for-tests-123")
    with page.expect_navigation():
        page.click("form:has(#id_password) [type=submit]")
    page.goto(f"{live_server.url}{reverse('customer-detail', args=[customer.pk])}")

    measured = page.evaluate(
        """() => {
            const card = document.querySelector('[data-testid=timeline]');
            const svg = card.querySelector('svg.timeline-svg');
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            const boxes = [...svg.querySelectorAll('.tl-box')].map(b => b.getBoundingClientRect());
            let overlaps = 0;
            boxes.forEach((a, i) => boxes.slice(i + 1).forEach(b => {
                const apart = a.right - 0.5 <= b.left || b.right - 0.5 <= a.left
                    || a.bottom - 0.5 <= b.top || b.bottom - 0.5 <= a.top;
                if (!apart) overlaps++;
            }));
            const number = svg.querySelector('.tl-num');
            return {
                cardOverflows: card.scrollWidth > card.clientWidth,
                svgWidth: svg.getBoundingClientRect().width,
                numberPx: parseFloat(getComputedStyle(number).fontSize) * scale,
                tickPx: parseFloat(getComputedStyle(svg.querySelector('.tl-tick-label')).fontSize) * scale,
                overlaps: overlaps,
                listItems: card.querySelectorAll('.timeline-list li').length,
            };
        }"""
    )

    assert not measured["cardOverflows"] and measured["svgWidth"] <= 360
    assert measured["numberPx"] >= 10.5 and measured["tickPx"] >= 10, measured
    assert measured["overlaps"] == 0
    assert measured["listItems"] == 7 + 5 + 3 + 1  # PAs and the order's return, the renewal year, notices, today
    assert refused == []
