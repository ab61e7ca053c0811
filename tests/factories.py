from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory

from accounts.models import Reseller, User
from catalogue.models import MarketSegment
from customers.models import Customer, CustomerStatus, Language, VipAdmin
from customers.services import new_vip_id


class ResellerFactory(DjangoModelFactory):
    class Meta:
        model = Reseller
        django_get_or_create = ("partner_id",)

    name = factory.Sequence(lambda n: f"Reseller {n} AB")
    partner_id = factory.Sequence(lambda n: f"P{2000000 + n}")
    country = "SE"


class SalesFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"sales{n}")
    first_name = "Sally"
    last_name = factory.Sequence(lambda n: f"Seller{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = User.Role.SALES
    reseller = factory.SubFactory(ResellerFactory)
    password = factory.django.Password("pw-for-tests-123")


class ResellerAdminFactory(SalesFactory):
    username = factory.Sequence(lambda n: f"reselleradmin{n}")
    role = User.Role.RESELLER_ADMIN


class InternalSalesFactory(SalesFactory):
    username = factory.Sequence(lambda n: f"internal{n}")
    role = User.Role.INTERNAL_SALES
    reseller = None


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    reseller = factory.SubFactory(ResellerFactory)
    company_name = factory.Sequence(lambda n: f"Customer {n:04d} AB")
    address_line1 = "Storgatan 1"
    postal_code = "111 22"
    city = "Stockholm"
    country = "SE"
    market_segment = MarketSegment.COMMERCIAL
    preferred_language = Language.ENGLISH
    status = CustomerStatus.NOT_INVITED

    @factory.post_generation
    def vip_admins(self, create, extracted, **kwargs):
        if create:
            default = [("Vera VIP", f"vip{self.pk}@customer.example")]
            for name, email in default if extracted is None else extracted:
                VipAdmin.objects.create(customer=self, name=name, email=email)


class InvitedCustomerFactory(CustomerFactory):
    status = CustomerStatus.INVITATION_SENT
    vip_id = factory.LazyFunction(new_vip_id)
    invitation_sent_at = factory.Faker("past_datetime", tzinfo=datetime.UTC)


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = "catalogue.Product"
        django_get_or_create = ("sku_new",)

    name = factory.Sequence(lambda n: f"Product {n:03d}")
    license_type = "team"
    for_commercial = True
    for_education = False
    for_government = True
    is_education_device_license = False
    sku_new = factory.Sequence(lambda n: f"{65300000 + n:08d}CA01A12")
    sku_renewal = factory.Sequence(lambda n: f"{65300000 + n:08d}CA02A12")
    unit_price = "100.00"
    currency = "EUR"


class ActiveCustomerFactory(InvitedCustomerFactory):
    status = CustomerStatus.ACTIVE
    invitation_accepted_at = factory.Faker("past_datetime", tzinfo=datetime.UTC)
