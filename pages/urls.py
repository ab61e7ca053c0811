from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from authorizations import api as authorizations_api
from catalogue import api as catalogue_api
from customers import api as customers_api
from intake import api as intake_api
from renewals import api as renewals_api
from vipmp import schema as vipmp_schema

from . import customer_page, metrics, views

api_v1 = [
    path("customers/", customers_api.CustomerListCreateApi.as_view(), name="api-customer-list"),
    path("customers/<int:pk>/", customers_api.CustomerDetailApi.as_view(), name="api-customer-detail"),
    path(
        "customers/<int:pk>/invitation/",
        customers_api.CustomerInvitationApi.as_view(),
        name="api-customer-invitation",
    ),
    path(
        "purchase-authorizations/",
        authorizations_api.PurchaseAuthorizationListCreateApi.as_view(),
        name="api-purchase-authorization-list",
    ),
    path(
        "purchase-authorizations/<int:pk>/",
        authorizations_api.PurchaseAuthorizationDetailApi.as_view(),
        name="api-purchase-authorization-detail",
    ),
    path(
        "purchase-authorizations/<int:pk>/withdraw/",
        authorizations_api.PurchaseAuthorizationWithdrawApi.as_view(),
        name="api-purchase-authorization-withdraw",
    ),
    path(
        "purchase-authorizations/<int:pk>/remove-products/",
        authorizations_api.PurchaseAuthorizationRemoveProductsApi.as_view(),
        name="api-purchase-authorization-remove-products",
    ),
    path("orders/", intake_api.OrderListIntakeApi.as_view(), name="api-order-intake"),
    path("orders/<int:pk>/", authorizations_api.OrderDetailApi.as_view(), name="api-order-detail"),
    path("orders/<int:pk>/duration/", authorizations_api.OrderDurationApi.as_view(), name="api-order-duration"),
    path("orders/<int:pk>/returns/", authorizations_api.OrderReturnApi.as_view(), name="api-order-returns"),
    path("products/", catalogue_api.ProductListApi.as_view(), name="api-product-list"),
    path("products/<int:pk>/", catalogue_api.ProductDetailApi.as_view(), name="api-product-detail"),
    path("renewals/", renewals_api.RenewalOverviewApi.as_view(), name="api-renewal-overview"),
    path("customers/<int:pk>/renewal/", renewals_api.CustomerRenewalApi.as_view(), name="api-customer-renewal"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # /v3's own description (VIP Marketplace partner API), beside ours: docs/vip-marketplace-api.md.
    path("api/schema/v3/", vipmp_schema.v3_schema, name="vipmp-schema"),
    path("v3/", include("vipmp.urls")),
    path("ims/", include("vipmp.ims_urls")),
    path("", include("accounts.urls")),
    # The customer page and its tabs (each tab's content is served by its app: pages/customer_page.py).
    path("customers/<int:pk>/", customer_page.customer_detail, name="customer-detail"),
    path("customers/<int:pk>/plans/", customer_page.customer_detail, {"tab": "plans"}, name="customer-plans"),
    path("customers/<int:pk>/history/", customer_page.customer_detail, {"tab": "history"}, name="customer-history"),
    path("customers/<int:pk>/renewals/", customer_page.customer_detail, {"tab": "renewals"}, name="customer-renewals"),
    path("", include("customers.urls")),
    path("", include("authorizations.urls")),
    path("", include("renewals.urls")),
    path("", include("intake.urls")),
    path("", include("dashboard.urls")),
    path("", include("webhooks.urls")),
]

handler404 = "resellerconsole.views.page_not_found"
handler400 = "resellerconsole.api_error_views.bad_request"
handler403 = "resellerconsole.api_error_views.permission_denied"
handler500 = "resellerconsole.api_error_views.server_error"
