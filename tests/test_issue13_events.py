"""Issue 13: each app records its own history kinds (its events.py) and says how they read; the history text of
every kind is what `CustomerEvent.details` showed before the registry (byte for byte, in both languages)."""

import pytest
from django.utils import translation

from customers.models import CustomerEvent

#: (language, kind, stored parameters, history text) — the texts were taken from the if-chain the registry replaced.
HISTORY_TEXTS = [
    ("en", "created", {"company_name": "Fjällmedia AB"}, ""),
    (
        "en",
        "updated",
        {
            "changes": {"company_name": ["A", "B"], "city": ["X", "Y"], "vip_admins": [[], []], "unknown": [1, 2]},
            "invited": ["a@b.example"],
        },
        "company name, city, VIP admins, unknown",
    ),
    (
        "en",
        "invitation_sent",
        {"vip_id": "0123456789ABCDEF0123", "recipients": ["a@b.example"], "sending": 1},
        "VIP ID 0123456789ABCDEF0123",
    ),
    (
        "en",
        "invitation_resent",
        {"vip_id": "0123456789ABCDEF0123", "recipients": [], "sending": 2},
        "VIP ID 0123456789ABCDEF0123",
    ),
    ("en", "invitation_accepted", {"vip_id": "0123456789ABCDEF0123"}, "VIP ID 0123456789ABCDEF0123"),
    ("en", "status_changed", {"from": "active", "to": "delayed", "overdue": ["PA00000001"]}, "Active → Delayed"),
    ("en", "status_changed", {"from": "bogus"}, "? → ?"),
    (
        "en",
        "pa_created",
        {
            "reference": "PA00000001",
            "license_type": "team",
            "po_number": "",
            "deadline": "2026-04-01",
            "lines": [
                {"sku": "65-1", "product": "Photoshop", "quantity": 5},
                {"sku": "65-2", "product": "Acrobat Pro", "quantity": 12},
            ],
        },
        "PA00000001: Photoshop × 5, Acrobat Pro × 12",
    ),
    (
        "en",
        "pa_withdrawn",
        {
            "reference": "PA00000001",
            "lines": [
                {"sku": "65-1", "product": "Photoshop", "quantity": 5},
                {"sku": "65-2", "product": "Acrobat Pro", "quantity": 12},
            ],
            "reason": "access removed",
        },
        "PA00000001: Photoshop × 5, Acrobat Pro × 12",
    ),
    (
        "en",
        "pa_products_removed",
        {"reference": "PA00000001", "lines": [{"sku": "65-1", "product": "Photoshop", "quantity": 5}]},
        "PA00000001: Photoshop × 5",
    ),
    (
        "en",
        "order_placed",
        {
            "order_number": "LWS-1",
            "reference": "PA00000001",
            "order_date": "2026-03-02",
            "proposed_duration_months": 12,
            "entered_by_hand": True,
        },
        "LWS-1 → PA00000001 (entered by hand)",
    ),
    (
        "en",
        "order_placed",
        {"order_number": "LWS-1", "reference": "PA00000001", "entered_by_hand": False},
        "LWS-1 → PA00000001",
    ),
    ("en", "duration_set", {"order_number": "LWS-1", "proposed": 12, "previous": None, "months": 7}, "LWS-1: 12 → 7"),
    ("en", "duration_set", {"order_number": "LWS-1", "proposed": 12, "previous": 7, "months": 9}, "LWS-1: 7 → 9"),
    (
        "en",
        "return_requested",
        {
            "order_number": "LWS-1",
            "lines": [
                {"sku": "65-1", "product": "Photoshop", "quantity": 5},
                {"sku": "65-2", "product": "Acrobat Pro", "quantity": 12},
            ],
        },
        "LWS-1: Photoshop × 5, Acrobat Pro × 12",
    ),
    ("en", "license_assigned", {"email": "u@x.example", "product": "Photoshop"}, "u@x.example: Photoshop"),
    ("en", "license_released", {"email": "u@x.example", "product": "Photoshop"}, "u@x.example: Photoshop"),
    ("en", "vip_admin_sign_in_created", {"email": "v@x.example"}, "v@x.example"),
    ("en", "vip_admin_sign_in_revoked", {"email": "v@x.example", "user": 4}, "v@x.example"),
    (
        "en",
        "renewal_quantity_chosen",
        {"product": "Photoshop", "sku": "65-R", "before": 5, "after": 3, "losing_access": []},
        "Photoshop: 5 → 3",
    ),
    (
        "en",
        "renewed",
        {
            "order_number": "R-1",
            "anniversary_before": "2026-03-10",
            "anniversary_after": "2027-03-10",
            "entered_by_hand": True,
            "lines": [
                {"product": "Photoshop", "before": 5, "after": 3},
                {"product": "Acrobat Pro", "before": 1, "after": 0},
            ],
        },
        "10 Mar 2026 → 10 Mar 2027: Photoshop 5 → 3, Acrobat Pro 1 → 0 (entered by hand)",
    ),
    (
        "en",
        "renewed",
        {
            "order_number": "R-1",
            "anniversary_before": "2026-03-10",
            "anniversary_after": "2027-03-10",
            "entered_by_hand": False,
            "lines": [],
        },
        "10 Mar 2026 → 10 Mar 2027: ",
    ),
    ("en", "access_removed", {"anniversary": "2026-03-10", "lines": [{"product": "Photoshop", "quantity": 5}]}, ""),
    ("en", "reinstated", {"anniversary": "2026-03-10"}, ""),
    ("en", "reinstated", {"anniversary": None, "vip_id": "0123456789ABCDEF0123"}, "VIP ID 0123456789ABCDEF0123"),
    ("en", "pa_created", {}, ": "),
    ("en", "renewed", {}, " → : "),
    ("sv", "created", {"company_name": "Fjällmedia AB"}, ""),
    (
        "sv",
        "updated",
        {
            "changes": {"company_name": ["A", "B"], "city": ["X", "Y"], "vip_admins": [[], []], "unknown": [1, 2]},
            "invited": ["a@b.example"],
        },
        "företagsnamn, ort, VIP-administratörer, unknown",
    ),
    (
        "sv",
        "invitation_sent",
        {"vip_id": "0123456789ABCDEF0123", "recipients": ["a@b.example"], "sending": 1},
        "VIP ID 0123456789ABCDEF0123",
    ),
    (
        "sv",
        "invitation_resent",
        {"vip_id": "0123456789ABCDEF0123", "recipients": [], "sending": 2},
        "VIP ID 0123456789ABCDEF0123",
    ),
    ("sv", "invitation_accepted", {"vip_id": "0123456789ABCDEF0123"}, "VIP ID 0123456789ABCDEF0123"),
    ("sv", "status_changed", {"from": "active", "to": "delayed", "overdue": ["PA00000001"]}, "Aktiv → Försenad"),
    ("sv", "status_changed", {"from": "bogus"}, "? → ?"),
    (
        "sv",
        "pa_created",
        {
            "reference": "PA00000001",
            "license_type": "team",
            "po_number": "",
            "deadline": "2026-04-01",
            "lines": [
                {"sku": "65-1", "product": "Photoshop", "quantity": 5},
                {"sku": "65-2", "product": "Acrobat Pro", "quantity": 12},
            ],
        },
        "PA00000001: Photoshop × 5, Acrobat Pro × 12",
    ),
    (
        "sv",
        "pa_withdrawn",
        {
            "reference": "PA00000001",
            "lines": [
                {"sku": "65-1", "product": "Photoshop", "quantity": 5},
                {"sku": "65-2", "product": "Acrobat Pro", "quantity": 12},
            ],
            "reason": "access removed",
        },
        "PA00000001: Photoshop × 5, Acrobat Pro × 12",
    ),
    (
        "sv",
        "pa_products_removed",
        {"reference": "PA00000001", "lines": [{"sku": "65-1", "product": "Photoshop", "quantity": 5}]},
        "PA00000001: Photoshop × 5",
    ),
    (
        "sv",
        "order_placed",
        {
            "order_number": "LWS-1",
            "reference": "PA00000001",
            "order_date": "2026-03-02",
            "proposed_duration_months": 12,
            "entered_by_hand": True,
        },
        "LWS-1 → PA00000001 (inmatad för hand)",
    ),
    (
        "sv",
        "order_placed",
        {"order_number": "LWS-1", "reference": "PA00000001", "entered_by_hand": False},
        "LWS-1 → PA00000001",
    ),
    ("sv", "duration_set", {"order_number": "LWS-1", "proposed": 12, "previous": None, "months": 7}, "LWS-1: 12 → 7"),
    ("sv", "duration_set", {"order_number": "LWS-1", "proposed": 12, "previous": 7, "months": 9}, "LWS-1: 7 → 9"),
    (
        "sv",
        "return_requested",
        {
            "order_number": "LWS-1",
            "lines": [
                {"sku": "65-1", "product": "Photoshop", "quantity": 5},
                {"sku": "65-2", "product": "Acrobat Pro", "quantity": 12},
            ],
        },
        "LWS-1: Photoshop × 5, Acrobat Pro × 12",
    ),
    ("sv", "license_assigned", {"email": "u@x.example", "product": "Photoshop"}, "u@x.example: Photoshop"),
    ("sv", "license_released", {"email": "u@x.example", "product": "Photoshop"}, "u@x.example: Photoshop"),
    ("sv", "vip_admin_sign_in_created", {"email": "v@x.example"}, "v@x.example"),
    ("sv", "vip_admin_sign_in_revoked", {"email": "v@x.example", "user": 4}, "v@x.example"),
    (
        "sv",
        "renewal_quantity_chosen",
        {"product": "Photoshop", "sku": "65-R", "before": 5, "after": 3, "losing_access": []},
        "Photoshop: 5 → 3",
    ),
    (
        "sv",
        "renewed",
        {
            "order_number": "R-1",
            "anniversary_before": "2026-03-10",
            "anniversary_after": "2027-03-10",
            "entered_by_hand": True,
            "lines": [
                {"product": "Photoshop", "before": 5, "after": 3},
                {"product": "Acrobat Pro", "before": 1, "after": 0},
            ],
        },
        "10 mars 2026 → 10 mars 2027: Photoshop 5 → 3, Acrobat Pro 1 → 0 (inmatad för hand)",
    ),
    (
        "sv",
        "renewed",
        {
            "order_number": "R-1",
            "anniversary_before": "2026-03-10",
            "anniversary_after": "2027-03-10",
            "entered_by_hand": False,
            "lines": [],
        },
        "10 mars 2026 → 10 mars 2027: ",
    ),
    ("sv", "access_removed", {"anniversary": "2026-03-10", "lines": [{"product": "Photoshop", "quantity": 5}]}, ""),
    ("sv", "reinstated", {"anniversary": "2026-03-10"}, ""),
    ("sv", "reinstated", {"anniversary": None, "vip_id": "0123456789ABCDEF0123"}, "VIP ID 0123456789ABCDEF0123"),
    ("sv", "pa_created", {}, ": "),
    ("sv", "renewed", {}, " → : "),
]


@pytest.mark.parametrize(("language", "kind", "parameters", "text"), HISTORY_TEXTS)
def test_every_kind_reads_as_before(language, kind, parameters, text):
    with translation.override(language):
        assert CustomerEvent(kind=kind, parameters=parameters).details == text
