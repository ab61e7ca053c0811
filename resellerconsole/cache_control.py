"""Personal answers are never stored by browsers or shared caches."""

from django.utils.cache import patch_cache_control

from .redaction import is_credential_path


class PrivateResponseMiddleware:
    """`Cache-Control: private, no-store` on every answer to a signed-in request (pages, CSV exports, the
    admin), every /api/ answer and the invitation page. Static files never get here (WhiteNoise answers them
    earlier in MIDDLEWARE), and the public log-in page keeps Django's own headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)  # DRF's token authentication sets it on this request too
        if (
            (user is not None and user.is_authenticated)
            or request.path.startswith("/api/")
            or is_credential_path(request.path)
        ):
            patch_cache_control(response, private=True, no_store=True)
        return response
