"""The /v3 endpoints (a door: customers.services and customers.selectors do the work; mapping.py translates).

Every /v3 view: Adobe's authentication (bearer token + X-Api-Key), Adobe's error body for every refusal,
X-Request-Id and X-Correlation-Id echoed, and on every write the X-Correlation-Id as idempotency key (the same
id with the same request answers the first answer again, for VIPMP_CORRELATION_ID_DAYS, at least 10 days).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from idempotency.middleware import KEY_PATTERN, WRITE_METHODS, claim_finish, replay_response
from idempotency.services import request_claim
from resellerconsole.parsers import JSONParser

from . import errors, mapping, selectors, serializers, services
from .authentication import IsApiClient, VipMarketplaceAuthentication

CORRELATION_HEADER = "X-Correlation-Id"
REQUEST_HEADER = "X-Request-Id"


class _Replay(exceptions.APIException):
    def __init__(self, record):
        super().__init__()
        self.record = record


class VipmpView(APIView):
    authentication_classes = [VipMarketplaceAuthentication]
    permission_classes = [IsApiClient]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    #: Not part of /api/'s schema (our own API); /v3 is described by Adobe's description of its API.
    schema = None

    def get_exception_handler(self):
        return errors.exception_handler

    @property
    def client(self):
        return self.request.auth.client

    # --- X-Correlation-Id: after authentication, permissions and throttles, before the handler ---------------
    def initial(self, request, *args, **kwargs):
        self.idempotency_record = None
        super().initial(request, *args, **kwargs)
        method = request.method.lower()
        if request.method in WRITE_METHODS and method in self.http_method_names and hasattr(self, method):
            self._claim(request)

    def _claim(self, request) -> None:
        key = request.headers.get(CORRELATION_HEADER, "")
        if not KEY_PATTERN.fullmatch(key):
            raise errors.VipmpError(
                errors.CORRELATION_ID_INVALID,
                _("Correlation ID is invalid or missing: send X-Correlation-Id, 1 to 255 visible ASCII characters."),
                details=[CORRELATION_HEADER],
            )
        days = max(10, settings.VIPMP_CORRELATION_ID_DAYS)
        claim = request_claim(request=request._request, user=request.user, key=key, keep_for=timedelta(days=days))
        if claim.outcome == "mismatch":
            raise errors.VipmpError(
                errors.CORRELATION_ID_INVALID,
                _("This X-Correlation-Id was already used for another request; use a new one for a new request."),
                details=[CORRELATION_HEADER],
            )
        if claim.outcome == "in_progress":
            raise errors.VipmpError(
                errors.IN_PROGRESS,
                _("This request is already being processed. Please wait a moment and try again."),
                headers={"Retry-After": "1"},
            )
        if claim.outcome == "replay":
            raise _Replay(claim.record)
        self.idempotency_record = claim.record

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return replay_response(exc.record)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response[REQUEST_HEADER] = request.headers.get(REQUEST_HEADER) or str(uuid.uuid4())
        if request.headers.get(CORRELATION_HEADER):
            response[CORRELATION_HEADER] = request.headers[CORRELATION_HEADER]
        record = getattr(self, "idempotency_record", None)
        if record is not None:
            if hasattr(response, "render"):
                response.render()
            claim_finish(record, response)
        return response

    # --- Shared reads ---------------------------------------------------------------------------------------
    def customer_or_404(self, customer_id: str):
        found = selectors.customer_for_client(client=self.client, vip_id=customer_id)
        if found is None:
            raise errors.VipmpError(errors.INVALID_CUSTOMER, _("Invalid Customer"), status=404)
        return found

    def customer_answer(self, customer, *, status: int = 200) -> Response:
        return Response(mapping.customer_body(selectors.customer_resource(customer=customer)), status=status)


class CustomerCreateView(VipmpView):
    def post(self, request):
        serializer = serializers.CustomerCreate(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = selectors.actor_for_reseller(client=self.client, partner_id=serializer.validated_data["resellerId"])
        if actor is None:
            raise errors.VipmpError(errors.INVALID_RESELLER, _("Invalid Reseller"), status=404, details=["resellerId"])
        customer = services.customer_create(client=self.client, actor=actor, request=serializer.validated_data)
        _actor, customer = self.customer_or_404(customer.vip_id)
        return self.customer_answer(customer, status=201)


class CustomerDetailView(VipmpView):
    def get(self, request, customer_id: str):
        _actor, customer = self.customer_or_404(customer_id)
        return self.customer_answer(customer)

    def patch(self, request, customer_id: str):
        actor, customer = self.customer_or_404(customer_id)
        serializer = serializers.CustomerUpdate(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.customer_change(client=self.client, actor=actor, customer=customer, request=serializer.validated_data)
        _actor, customer = self.customer_or_404(customer_id)
        return self.customer_answer(customer)


class NotFoundView(VipmpView):
    """Any other URL under /v3: authenticated like every /v3 URL, then Adobe's 404 body (never the console's
    page). Nothing runs, so no X-Correlation-Id is asked for or kept."""

    def _claim(self, request) -> None:
        return None

    def _not_found(self, request, *args, **kwargs):
        raise errors.VipmpError("404", _("Not found."), status=404)

    get = post = put = patch = delete = _not_found
