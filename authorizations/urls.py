from django.urls import path

from . import views

urlpatterns = [
    path(
        "customers/<int:pk>/authorizations/new/",
        views.purchase_authorization_create,
        name="purchase-authorization-create",
    ),
    path(
        "customers/<int:pk>/authorizations/<int:pa_pk>/withdraw/",
        views.purchase_authorization_withdraw,
        name="purchase-authorization-withdraw",
    ),
    path(
        "customers/<int:pk>/authorizations/<int:pa_pk>/remove-products/",
        views.purchase_authorization_remove_products,
        name="purchase-authorization-remove-products",
    ),
    path("customers/<int:pk>/orders/<int:order_pk>/duration/", views.order_set_duration, name="order-set-duration"),
    path("customers/<int:pk>/orders/<int:order_pk>/return/", views.return_request, name="return-request"),
]

from . import admin_console  # noqa: E402

urlpatterns += [
    path("admin-console/", admin_console.admin_console, name="admin-console"),
    path("admin-console/assignments/<int:pk>/release/", admin_console.assignment_release, name="assignment-release"),
]
