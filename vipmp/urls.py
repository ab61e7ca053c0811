"""/v3 at the host root (pages/urls.py), as Adobe's partner API: clients build their URLs from the base."""

from django.urls import path, re_path

from . import notifications, orders, renewal_orders, subscriptions, views

# The renewal order types register their handlers with order_types when their module loads.
ORDER_TYPE_MODULES = (renewal_orders,)

urlpatterns = [
    path("customers", views.CustomerCreateView.as_view(), name="vipmp-customers"),
    path("customers/<str:customer_id>", views.CustomerDetailView.as_view(), name="vipmp-customer"),
    path("customers/<str:customer_id>/orders", orders.OrdersView.as_view(), name="vipmp-orders"),
    path("customers/<str:customer_id>/orders/<str:order_id>", orders.OrderDetailView.as_view(), name="vipmp-order"),
    path(
        "customers/<str:customer_id>/subscriptions",
        subscriptions.SubscriptionListView.as_view(),
        name="vipmp-subscriptions",
    ),
    path(
        "customers/<str:customer_id>/subscriptions/<str:subscription_id>",
        subscriptions.SubscriptionDetailView.as_view(),
        name="vipmp-subscription",
    ),
    path("notifications", notifications.NotificationListView.as_view(), name="vipmp-notifications"),
    # Last: every other /v3 URL answers Adobe's 404 body.
    re_path(r"^.*$", views.NotFoundView.as_view(), name="vipmp-not-found"),
]
