"""/v3 at the host root (pages/urls.py), as Adobe's partner API: clients build their URLs from the base."""

from django.urls import path, re_path

from . import orders, views

urlpatterns = [
    path("customers", views.CustomerCreateView.as_view(), name="vipmp-customers"),
    path("customers/<str:customer_id>", views.CustomerDetailView.as_view(), name="vipmp-customer"),
    path("customers/<str:customer_id>/orders", orders.OrdersView.as_view(), name="vipmp-orders"),
    path("customers/<str:customer_id>/orders/<str:order_id>", orders.OrderDetailView.as_view(), name="vipmp-order"),
    # Last: every other /v3 URL answers Adobe's 404 body.
    re_path(r"^.*$", views.NotFoundView.as_view(), name="vipmp-not-found"),
]
