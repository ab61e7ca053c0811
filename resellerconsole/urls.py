from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from customers import api as customers_api

from . import views

api_v1 = [
    path("customers/", customers_api.CustomerListCreateApi.as_view(), name="api-customer-list"),
    path("customers/<int:pk>/", customers_api.CustomerDetailApi.as_view(), name="api-customer-detail"),
    path(
        "customers/<int:pk>/invitation/",
        customers_api.CustomerInvitationApi.as_view(),
        name="api-customer-invitation",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("accounts.urls")),
    path("", include("customers.urls")),
    path("", include("authorizations.urls")),
]
