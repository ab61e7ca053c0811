"""Renewal notices filled in from stencils are byte for byte what Django renders per e-mail (issue 15)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from licences.models import Holding
from notifications import notices
from notifications import stencils as stencils_module
from notifications.models import OutboundEmail
from notifications.services import email_render
from notifications.stencils import DATE, NUMBER, TEXT, Fields, Stencils, stencil_build
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerFactory

pytestmark = pytest.mark.django_db
ANNIVERSARY = date(2026, 9, 15)
#: A day on which each kind is due for one of the anniversaries below.
DAYS = {
    "renewal_due": ANNIVERSARY - timedelta(days=30),
    "renewal_overdue": ANNIVERSARY + timedelta(days=2),
    "access_removal": ANNIVERSARY + timedelta(days=25),
}
NAMES = [
    "Plain AB",
    "A & B <Ltd> \"Quoted\" 'single'",
    "Åsa Öberg   Konsult  AB",  # runs of spaces: the subject makes them one
    "{{ not a tag }} {% neither %} %(name)s 100 %",
    "Tab\tand\nnewline",
    "x" * 120,
]
PRODUCTS = ["Acrobat Pro", "Photoshop & Lightroom", "<Illustrator>", 'Åtta "quoted"']


def expected(kind: str, email: OutboundEmail):
    """What the job rendered before issue 15: Django templates with the model instances, per e-mail."""
    customer = email.customer
    grace_end = customer.anniversary_date + timedelta(days=30)
    lines = [
        (h.product.name, h.deployed)
        for h in Holding.objects.filter(customer=customer, deployed__gt=0)
        .select_related("product")
        .order_by("product__name")
    ]
    return email_render(
        template=kind,
        context={
            "customer": customer,
            "reseller": customer.reseller,
            "anniversary": customer.anniversary_date,
            "grace_end": grace_end,
            "removal_date": grace_end + timedelta(days=1),
            "lines": lines,
        },
        language=customer.preferred_language,
    )


def varied_customers():
    products = [ProductFactory(name=name) for name in PRODUCTS]
    reseller = ResellerFactory(name='Reseller & <Partners> "AB"')
    customers = []
    for index, name in enumerate(NAMES * 2):
        customer = ActiveCustomerFactory(
            reseller=reseller,
            company_name=name[:120],
            preferred_language="sv" if index % 2 else "en",
            anniversary_date=ANNIVERSARY,
            anniversary_day=ANNIVERSARY.day,
            vip_admins=[(f"Admin {n}", f"admin{n}.{index}@c.example") for n in range(1 + index % 3)],
        )
        for count, product in enumerate(products[: index % (len(products) + 1)]):
            Holding.objects.create(customer=customer, product=product, deployed=[1, 7, 1000, 123456][count])
        customers.append(customer)
    return customers


@pytest.mark.parametrize("kind", list(DAYS))
def test_each_notice_is_what_django_renders_for_it(kind):
    customers = varied_customers()
    notices.send_renewal_notices(on=DAYS[kind])
    emails = list(OutboundEmail.objects.filter(kind=kind).select_related("customer__reseller"))
    assert len(emails) == len(customers)
    for email in emails:
        rendered = expected(kind, email)
        assert (email.subject, email.body_text, email.body_html) == (
            rendered.subject,
            rendered.body_text,
            rendered.body_html,
        )
        assert email.recipients == sorted(email.customer.vip_admins.values_list("email", flat=True))
        assert email.dedupe_key == f"{kind}:{email.customer_id}:{ANNIVERSARY.isoformat()}"
    assert {email.language for email in emails} == {"en", "sv"}


@pytest.mark.parametrize("kind", list(DAYS))
def test_the_notice_templates_fit_their_stencils(kind, monkeypatch):
    """Every notice is filled in from its stencils (Django renders none of them), thousands grouped as the
    templates' ``count`` groups them, and is still byte for byte what Django renders for it."""

    def rendered_by_django(*args, **kwargs):
        raise AssertionError("a notice fell back to Django: a template no longer fits its stencil")

    monkeypatch.setattr(notices, "_renewal_notice", rendered_by_django)
    customers = varied_customers()
    notices.send_renewal_notices(on=DAYS[kind])
    emails = list(OutboundEmail.objects.filter(kind=kind).select_related("customer__reseller"))
    assert len(emails) == len(customers)
    for email in emails:
        rendered = expected(kind, email)
        assert (email.body_text, email.body_html) == (rendered.body_text, rendered.body_html)
    assert any("123\xa0456" in email.body_text for email in emails if email.language == "sv")
    assert any("123,456" in email.body_text for email in emails if email.language == "en")


@pytest.mark.parametrize(("source", "fits"), [("{% load console_formats %}{{ n|count }}", True), ("{{ n }}", False)])
def test_a_number_is_filled_in_as_count_prints_it(tmp_path, settings, source, fits):
    """A number printed plainly ("1234567") is not what the stencil prints ("1,234,567"): Django renders it."""
    (tmp_path / "probe.html").write_text(source)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    stencils = Stencils(["probe.html"], lambda values: {"n": values[0]})
    filled = stencils.render(language="en", kinds=(NUMBER,), values=[12])
    assert filled == (("12",) if fits else None)
    if fits:
        assert stencils.render(language="sv", kinds=(NUMBER,), values=[1500]) == ("1\xa0500",)


def test_a_template_that_does_more_than_print_its_values_is_rendered_by_django(tmp_path, settings):
    """A field the stencil's values lack (the city), and a value transformed (upper): Django renders those."""
    folder = tmp_path / "notifications"
    folder.mkdir()
    (folder / "renewal_due_subject.txt").write_text("{{ customer.company_name|upper }} in {{ customer.city }}")
    (folder / "renewal_due_body.txt").write_text("{{ customer.company_name }}")
    (folder / "renewal_due_body.html").write_text("<p>{{ reseller.name }}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    customer = ActiveCustomerFactory(company_name="Small & Co", anniversary_date=ANNIVERSARY)
    notices.send_renewal_notices(on=DAYS["renewal_due"])
    email = OutboundEmail.objects.get(customer=customer)
    # Django escapes these .txt templates too (no autoescape off): the stencil of the body does the same.
    assert (email.subject, email.body_text) == ("SMALL &amp; CO in Stockholm", "Small &amp; Co")
    assert email.body_html == f"<p>{customer.reseller.name.replace('&', '&amp;')}</p>"


@pytest.mark.parametrize(
    ("source", "fits"),
    [
        ("{{ customer.company_name }} {{ day|date:'DATE_FORMAT' }}", True),
        ("{% autoescape off %}{{ customer.company_name }}{% endautoescape %}", True),
        ("{{ customer.company_name|lower }}", False),
        ("{{ customer.company_name|truncatechars:3 }}", False),
        ("{{ day|date:'Y' }}", False),
        ("{{ day }}", True),  # a date printed as it is: in DATE_FORMAT too
        ("{{ customer.city }}", False),
        ("{{ customer }}", False),
        ("{% if customer.company_name == 'Ab' %}yes{% endif %}", True),  # the first real e-mail is checked too
    ],
)
def test_a_stencil_refuses_what_it_cannot_fill(tmp_path, settings, source, fits):
    (tmp_path / "probe.html").write_text(source)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]

    def context(values):
        return {"customer": Fields(company_name=values[0]), "day": values[1]}

    built = stencil_build("probe.html", language="en", kinds=(TEXT, DATE), context=context)
    assert (built is not None) is fits


def test_the_first_real_email_of_a_stencil_is_checked_against_django(tmp_path, settings):
    (tmp_path / "probe.html").write_text("{% if customer.company_name == 'Ab' %}yes{% endif %}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    stencils = Stencils(["probe.html"], lambda values: {"customer": Fields(company_name=values[0])})
    assert stencils.render(language="en", kinds=(TEXT,), values=["Ab"]) is None  # Django says "yes"
    assert stencils.render(language="en", kinds=(TEXT,), values=["Cd"]) is None  # and renders every one after


def test_the_queries_do_not_grow_with_the_number_of_notices():
    def queries(count: int, anniversary: date) -> int:
        for _ in range(count):
            customer = ActiveCustomerFactory(anniversary_date=anniversary, anniversary_day=anniversary.day)
            Holding.objects.create(customer=customer, product=ProductFactory(), deployed=3)
        with CaptureQueriesContext(connection) as captured:
            created = notices.send_renewal_notices(on=anniversary - timedelta(days=30)).created["renewal_due"]
        assert created == count
        return len(captured.captured_queries)

    assert queries(3, ANNIVERSARY) == queries(30, ANNIVERSARY + timedelta(days=1))


def test_one_stencil_serves_any_number_of_licence_lines(monkeypatch):
    """The stencils are built from the renders of none, one, two and three lines, whatever the line counts of the
    run; notices with more lines are still byte for byte what Django renders (their first one is compared)."""
    shapes = []
    build, marked = stencils_module.stencil_build, stencils_module._marked

    def lines(kinds):
        return (len(kinds) - len(notices.NOTICE_SLOTS)) // len(notices.LINE_SLOTS)

    def recording(name, *, language, kinds, context):
        shapes.append(lines(kinds))
        return build(name, language=language, kinds=kinds, context=context)

    def recording_marked(name, language, kinds, context):
        shapes.append(lines(kinds))
        return marked(name, language, kinds, context)

    monkeypatch.setattr(stencils_module, "stencil_build", recording)
    monkeypatch.setattr(stencils_module, "_marked", recording_marked)
    monkeypatch.setattr(notices, "_renewal_notice", lambda *a, **k: pytest.fail("a notice fell back to Django"))
    products = [ProductFactory(name=f"Product {index} & <co>") for index in range(7)]
    for count in range(8):
        customer = ActiveCustomerFactory(
            anniversary_date=ANNIVERSARY, anniversary_day=ANNIVERSARY.day, preferred_language=("en", "sv")[count % 2]
        )
        for product in products[:count]:
            Holding.objects.create(customer=customer, product=product, deployed=1000 + count)
    notices.send_renewal_notices(on=DAYS["renewal_due"])
    emails = list(OutboundEmail.objects.filter(kind="renewal_due").select_related("customer__reseller"))
    assert len(emails) == 8
    for email in emails:
        rendered = expected("renewal_due", email)
        assert (email.subject, email.body_text, email.body_html) == (
            rendered.subject,
            rendered.body_text,
            rendered.body_html,
        )
    assert set(shapes) == {0, 1, 2, 3}


@pytest.mark.parametrize(
    ("source", "shared"),
    [
        ("{{ name }}:{% for product, n in lines %}<{{ product }} {{ n|count }}>{% endfor %}.", True),
        ("{% for product, n in lines %}{{ product }}{% if not forloop.last %}, {% endif %}{% endfor %}", True),
        ("{% for product, n in lines %}{% if forloop.last %} and {% endif %}{{ product }}{% endfor %}", False),
        ("{% for product, n in lines %}{{ forloop.counter }}. {{ product }}{% endfor %}", False),
        ("{{ lines|length }} lines", False),
    ],
)
def test_a_loop_shares_its_stencil_only_if_each_line_repeats_the_same_text(tmp_path, settings, source, shared):
    """Where the lines do more than repeat (a counter, the last one different), each line count gets its own
    stencil or Django renders it; either way the output is Django's."""
    (tmp_path / "probe.html").write_text("{% load console_formats %}" + source)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]

    def context(values):
        name, *rest = values
        return {"name": name, "lines": list(zip(rest[0::2], rest[1::2], strict=True))}

    stencils = Stencils(["probe.html"], context, head=(TEXT,), item=(TEXT, NUMBER))
    for count in range(1, 6):
        values = ["A & B", *[value for n in range(count) for value in (f"P{n} <x>", 999 + n)]]
        kinds = (TEXT, *(TEXT, NUMBER) * count)
        filled = stencils.render(language="en", kinds=kinds, values=values)
        if filled is not None:
            assert filled == (render_to_string("probe.html", context(values)),)
    assert (stencils._repeated["en"] is not None) is shared


@pytest.mark.postgres
def test_a_notice_is_not_inserted_once_a_later_one_exists():
    """On PostgreSQL the outbox INSERT itself asks whether this or a later notice exists, so a run that read its
    candidates before another run committed (it waited for the lock) sends nothing twice nor out of order."""
    customer = ActiveCustomerFactory(anniversary_date=ANNIVERSARY, anniversary_day=ANNIVERSARY.day)
    row = notices.due_customers("renewal_due", on=DAYS["renewal_due"]).values(*notices.NOTICE_FIELDS).get()
    OutboundEmail.objects.create(
        kind="renewal_overdue",
        customer=customer,
        anniversary=ANNIVERSARY,
        dedupe_key="later",
        recipients=["a@c.example"],
        language="en",
        subject="s",
        body_text="t",
    )
    due = notices.due_customers("renewal_due", on=DAYS["renewal_due"])
    assert notices.NoticeRenderer("renewal_due").insert([row], due=due, dry_run=False) == 0
    assert not OutboundEmail.objects.filter(kind="renewal_due").exists()
