from django.urls import path

from . import views

urlpatterns = [
    path("customers/<int:pk>/authorizations/<int:pa_pk>/order/", views.order_record, name="order-record"),
    path("customers/<int:pk>/renewals/order/", views.renewal_order, name="renewal-order"),
]
