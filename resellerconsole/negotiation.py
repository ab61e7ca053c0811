"""Which renderer answers an API request."""

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation


class JSONWhenUnmatched(DefaultContentNegotiation):
    """A browser opening an API URL asks for text/html; the API speaks JSON only (the browsable API's forms
    cannot render views without a queryset, and its inline scripts break the CSP), so it answers JSON rather
    than 406: what the person at the browser wanted to see."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type
