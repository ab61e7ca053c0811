"""Issue 16: every message where a number meets a noun has a plural form, in English and in Swedish.

The catalogue holds every message of the source (tests/test_i18n.py checks it is current), so it is the list to
walk: a message without a plural form (msgid_plural) may not put a count next to a countable noun or a verb
that agrees with it ("1 are assigned", "1 licences", "1 users", Swedish "1 licenser"), in the English msgid nor
in the Swedish msgstr.
"""

from __future__ import annotations

import re

import polib
import pytest
from django.utils import translation
from django.utils.translation import gettext

from tests.test_i18n import PO_PATH, _describe

#: Placeholders that hold a count: %(…)d always, and these names whatever their conversion.
COUNT_NAMES = {
    "count",
    "counter",
    "n",
    "num",
    "days",
    "months",
    "years",
    "quantity",
    "deployed",
    "assigned",
    "releasing",
    "given",
    "max",
    "limit",
    "limit_value",
    "show_value",
    "total",
    "created",
    "held",
    "users_count",
}
PLACEHOLDER = r"(?:%\((?P<name>[^)]+)\)(?P<conversion>[sd])|\{\{\s*(?P<var>\w+)\s*\}\})"
#: Between the count and its noun: at most two words or placeholders ("3 pending purchase authorizations",
#: "5 Photoshop licences").
BETWEEN = r"(?:\s+(?:%\([^)]+\)[sd]|[\w-]+)){0,2}?"
NOUNS = {
    "en": (
        "licences?|licenses?|users?|days?|months?|years?|products?|customers?|characters?|levels?|problems?"
        "|lines?|forms?|e-mails?|invitations?|orders?|authorizations?|dates?|admins?|rows?|seats?|accounts?"
        "|renewals?|are|is|was|were|has|have"
    ),
    "sv": (
        "licens(?:er)?|användare|dag(?:ar)?|månad(?:er)?|år|produkt(?:er)?|kund(?:er)?|tecken|nivå(?:er)?"
        "|problem|rad(?:er)?|formulär|e-postmeddelanden?|inbjudan|inbjudningar|order|ordrar"
        "|inköpsauktorisering(?:ar)?|datum|administratörer|konton?|förlängning(?:ar)?|är|var|har"
    ),
}


def count_next_to_noun(text: str, language: str) -> list[str]:
    """The places in `text` where a count placeholder is followed by a noun (or a verb agreeing with it)."""
    pattern = re.compile(PLACEHOLDER + BETWEEN + r"\s+(?P<noun>" + NOUNS[language] + r")\b", re.IGNORECASE)
    found = []
    for match in pattern.finditer(text):
        name = match.group("name") or match.group("var")
        # "SKU × 3 is missing": a multiplier, the verb agrees with the line.
        multiplier = text[: match.start()].rstrip().endswith("×")
        if (match.group("conversion") == "d" or name in COUNT_NAMES) and not multiplier:
            found.append(match.group(0))
    return found


def test_a_count_next_to_a_noun_has_a_plural_form_in_both_languages():
    po = polib.pofile(str(PO_PATH))
    problems = []
    for entry in po:
        if entry.obsolete or entry.msgid_plural:
            continue
        for language, text in (("en", entry.msgid), ("sv", entry.msgstr)):
            if found := count_next_to_noun(text, language):
                problems.append(f"[{language}] {_describe(entry)}: {found} without a plural form")
    assert not problems, "Use ngettext / {% blocktranslate count %}:\n" + "\n".join(problems)


def test_every_plural_entry_has_both_swedish_forms_and_keeps_its_count():
    po = polib.pofile(str(PO_PATH))
    problems = []
    for entry in po:
        if entry.obsolete or not entry.msgid_plural:
            continue
        forms = [entry.msgstr_plural.get(index, "") for index in (0, 1)]
        if not all(form.strip() for form in forms):
            problems.append(f"{_describe(entry)}: a Swedish form is empty")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("text", "language", "flagged"),
    [
        ("%(assigned)s are assigned to users", "en", True),
        ("%(quantity)s %(product)s licences will be renewed", "en", True),
        ("%(count)d failed e-mails", "en", True),
        ("Enter a whole number of licences from 1 to %(max)s.", "en", False),
        ("%(email)s already has a %(product)s licence.", "en", False),
        ("Remove product row %(number)s", "en", False),
        ("%(quantity)s licenser kommer att förlängas", "sv", True),
        ("blir %(count)s användare utan åtkomst", "sv", True),
        ("Order %(number)s har registrerats", "sv", False),
    ],
)
def test_the_check_finds_a_count_next_to_its_noun(text, language, flagged):
    assert bool(count_next_to_noun(text, language)) is flagged


ONE_LICENCE = {
    "en": ["1 of 1 licence would be released", "But 1 user holds a licence"],
    "sv": ["1 av 1 licens skulle frigöras", "Men 1 användare har en licens"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "sv"])
def test_one_licence_held_by_one_user_reads_in_the_singular(language):
    """The issue's "1 are assigned" and "1 licences": the release rule's own message."""
    from licences.services import ReleaseBlocker
    from tests.factories import ProductFactory

    blocker = ReleaseBlocker(
        product=ProductFactory(name="Photoshop"), deployed=1, assigned=1, releasing=1, holders=["a@b.example"]
    )
    with translation.override(language):
        message = blocker.message
    for part in ONE_LICENCE[language]:
        assert part in message
    assert " are " not in message and "licences" not in message and "licenser" not in message


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "sv"])
def test_a_product_of_the_other_licence_type_reads_without_a_wrong_article(language):
    """The issue's "a Enterprise licence": the refusal names the type without an article."""
    from authorizations.services.create import _line_product_problem
    from tests.factories import ActiveCustomerFactory, ProductFactory

    product = ProductFactory(name="Acrobat Pro", license_type="enterprise")
    with translation.override(language):
        code, message = _line_product_problem(ActiveCustomerFactory(), "team", product)
    assert code == "license_type_mismatch"
    assert "a Enterprise" not in message and "en Enterprise" not in message
    assert {"en": "Acrobat Pro is sold as Enterprise licences", "sv": "Acrobat Pro säljs som Enterprise-licenser"}[
        language
    ] in message


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_pa_dialog_sent_empty_says_what_to_do(client, sales, language):
    from django.urls import reverse

    from tests.factories import ActiveCustomerFactory

    customer = ActiveCustomerFactory(reseller=sales.reseller)
    client.force_login(sales)
    empty = {
        "license_type": "team",
        "po_number": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": "",
        "lines-0-quantity": "",
        "action": "create",
    }
    with translation.override(language):
        response = client.post(
            reverse("purchase-authorization-create", args=[customer.pk]), empty, HTTP_ACCEPT_LANGUAGE=language
        )
        expected = gettext("Add a product: choose it in the list and enter the number of licences.")
    page = response.content.decode()
    assert "Please submit" not in page and "1 form" not in page
    assert expected in page
