from django.urls import path

from . import views

urlpatterns = [
    path("renewals/", views.renewal_overview, name="renewal-overview"),
    path("renewals/export.csv", views.renewal_overview_csv, name="renewal-overview-csv"),
    path("customers/<int:pk>/renewals/quantity/", views.renewal_quantity, name="renewal-quantity"),
    path("customers/<int:pk>/renewals/auto-renewal/", views.auto_renewal, name="auto-renewal"),
    path("customers/<int:pk>/reinstate/", views.customer_reinstate, name="customer-reinstate"),
]
