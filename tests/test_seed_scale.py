"""manage.py seed_scale makes the same data set for the same seed and business date, however it is made faster
(issue 15: seeding 1,000,000 customers under 180 s). Each customer's columns come from its row number alone, so
their fingerprint is fixed; the other tables' rows hash the customers' keys, which differ between databases."""

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

#: md5 of every seeded customer's columns in name order, taken from the seeder before it was made faster.
CUSTOMERS_FINGERPRINT = "25197936e90a9ccf353fea11a39aaf72"


def test_the_seeded_customers_are_the_same_for_the_same_seed_and_date():
    call_command("seed_scale", customers=2000, resellers=3, today="2026-11-02", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*), md5(string_agg(concat_ws('|', r.partner_id, c.company_name, c.address_line1,
                c.market_segment, c.preferred_language, c.status, c.vip_id, c.invitation_sent_at IS NULL,
                c.invitation_accepted_at IS NULL, c.anniversary_date, c.anniversary_day), ',' ORDER BY c.company_name))
            FROM customers_customer c JOIN accounts_reseller r ON r.id = c.reseller_id
            """
        )
        count, fingerprint = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM customers_vipadmin")
        admins = cursor.fetchone()[0]
    assert count == 2000
    assert 2000 <= admins <= 10_000  # 1-5 each
    assert fingerprint == CUSTOMERS_FINGERPRINT
    # Loaded without triggers: the customers with a pending PA (authorizations.PendingCustomer) are rebuilt after.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT count(*) FROM authorizations_pendingcustomer k
                    JOIN customers_customer c ON c.id = k.customer_id AND c.reseller_id = k.reseller_id),
                   (SELECT count(DISTINCT customer_id) FROM authorizations_purchaseauthorization
                    WHERE status = 'pending')
            """
        )
        kept, pending = cursor.fetchone()
    assert kept == pending > 0
