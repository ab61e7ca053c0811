from django.urls import path

from . import exports, import_views, views

urlpatterns = [
    path("customers/", views.customer_list, name="customer-list"),
    path("customers/export.csv", exports.customer_list_export, {"fmt": "csv"}, name="customer-list-csv"),
    path("customers/export.xlsx", exports.customer_list_export, {"fmt": "xlsx"}, name="customer-list-xlsx"),
    path("customers/events/export.csv", exports.audit_export, {"fmt": "csv"}, name="customer-events-csv"),
    path("customers/events/export.xlsx", exports.audit_export, {"fmt": "xlsx"}, name="customer-events-xlsx"),
    path("customers/import/", import_views.customer_import, name="customer-import"),
    path("customers/import/confirm/", import_views.customer_import_confirm, name="customer-import-confirm"),
    path("customers/import/done/", import_views.customer_import_done, name="customer-import-done"),
    path("customers/import/invite/", import_views.customer_import_invite, name="customer-import-invite"),
    path("customers/import/template.csv", import_views.customer_import_template, name="customer-import-template"),
    path("customers/new/", views.customer_create, name="customer-create"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer-edit"),
    path("customers/<int:pk>/invitation/", views.customer_send_invitation, name="customer-send-invitation"),
    path(
        "customers/<int:pk>/vip-admins/<int:admin_pk>/sign-in/revoke/",
        views.vip_admin_sign_in_revoke,
        name="vip-admin-sign-in-revoke",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
