from django.urls import path

from . import views

urlpatterns = [
    path("webhooks/", views.endpoint_list, name="webhook-endpoint-list"),
    path("webhooks/new/", views.endpoint_create, name="webhook-endpoint-create"),
    path("webhooks/<int:pk>/", views.endpoint_detail, name="webhook-endpoint-detail"),
    path("webhooks/<int:pk>/rotate/", views.endpoint_rotate, name="webhook-endpoint-rotate"),
    path("webhooks/<int:pk>/delete/", views.endpoint_delete, name="webhook-endpoint-delete"),
    path("webhooks/<int:pk>/test/", views.endpoint_test, name="webhook-endpoint-test"),
    path("webhooks/deliveries/<int:pk>/", views.delivery_detail, name="webhook-delivery-detail"),
    path("webhooks/deliveries/<int:pk>/send-again/", views.delivery_send_again, name="webhook-delivery-send-again"),
]
