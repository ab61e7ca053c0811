"""The Idempotency-Key header in the OpenAPI schema: on every API write, with the answers it can give."""

from .middleware import HEADER, WRITE_METHODS

#: The API's one error shape (resellerconsole.openapi.ErrorOutput), which every operation's 401 already uses.
KEY_ERRORS = {"$ref": "#/components/schemas/ErrorOutput"}


def document_idempotency_key(result, generator, request, public):
    """drf-spectacular post-processing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    parameter = {
        "in": "header",
        "name": HEADER,
        "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
        "description": (
            "Makes a retry safe: the same key with the same request returns the first response again (header "
            "Idempotent-Replayed: true); the same key with another request is refused with 422. Requests are "
            "the same when method, path, query and body match; JSON bodies are compared as parsed (key order "
            "and whitespace do not matter). A request refused for its method or permissions gets that answer "
            "and uses no key. Keys are kept at least 24 hours."
        ),
    }
    answers = {
        "400": "Malformed Idempotency-Key (invalid_idempotency_key), or invalid input",
        "409": "A request with this Idempotency-Key is still being processed (idempotency_key_in_progress); retry "
        "after Retry-After seconds",
        "422": "This Idempotency-Key was already used for a different request (idempotency_key_reused)",
    }
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            if method.upper() not in WRITE_METHODS:
                continue
            operation.setdefault("parameters", []).append(parameter)
            responses = operation.setdefault("responses", {})
            for status, description in answers.items():
                if status not in responses:
                    responses[status] = {
                        "description": description,
                        "content": {"application/json": {"schema": KEY_ERRORS}},
                    }
    return result
