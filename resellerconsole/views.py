from django.views import defaults
from rest_framework.exceptions import NotFound

from .api_errors import error_json_response
from .errors import Problem


def page_not_found(request, exception):
    """No URL pattern matched (say /api/v1/customers/-1/): the API's paths still answer in JSON, as its schema
    documents; every other path gets the console's page."""
    if request.path.startswith("/api/"):
        return error_json_response([Problem(None, NotFound.default_code, str(NotFound.default_detail))], status=404)
    return defaults.page_not_found(request, exception)
