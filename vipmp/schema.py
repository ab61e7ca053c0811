"""Our own OpenAPI description of /v3 (vipmp/openapi-v3.yaml), served beside /api/schema/ at /api/schema/v3/.

Maintained by hand beside the views (they answer Adobe's shapes, which drf-spectacular would not infer);
tests/test_vipmp_schema.py holds it to the routes and validates it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from django.http import JsonResponse
from django.views.decorators.http import require_safe

DESCRIPTION = Path(__file__).with_name("openapi-v3.yaml")


@cache
def v3_description() -> dict:
    return yaml.safe_load(DESCRIPTION.read_text(encoding="utf-8"))


@require_safe
def v3_schema(request):
    """The description as JSON (public, as /api/schema/ is: it describes the API, no one's data)."""
    return JsonResponse(v3_description(), content_type="application/vnd.oai.openapi+json")
