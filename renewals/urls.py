from django.urls import path

from . import exports, views

urlpatterns = [
    path("renewals/", views.renewal_overview, name="renewal-overview"),
    path("renewals/export.csv", views.renewal_overview_csv, name="renewal-overview-csv"),
    path("history/export.csv", exports.history_export, {"fmt": "csv"}, name="history-csv"),
    path("history/export.xlsx", exports.history_export, {"fmt": "xlsx"}, name="history-xlsx"),
    path("customers/<int:pk>/history/export.csv", exports.history_export, {"fmt": "csv"}, name="customer-history-csv"),
    path(
        "customers/<int:pk>/history/export.xlsx", exports.history_export, {"fmt": "xlsx"}, name="customer-history-xlsx"
    ),
    path("customers/<int:pk>/renewals/quantity/", views.renewal_quantity, name="renewal-quantity"),
    path("customers/<int:pk>/renewals/auto-renewal/", views.auto_renewal, name="auto-renewal"),
    path("customers/<int:pk>/reinstate/", views.customer_reinstate, name="customer-reinstate"),
]
