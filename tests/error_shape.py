"""Reading the API's one error shape in tests: {"code", "message", "errors": [{"field", "code", "message"}]}."""


def error_fields(response) -> list[str | None]:
    return [problem["field"] for problem in response.json()["errors"]]


def error_messages(response, field: str | None = None) -> list[str]:
    return [problem["message"] for problem in response.json()["errors"] if field is None or problem["field"] == field]


def has_error_at(response, field: str | None) -> bool:
    """A problem at `field` or inside it (`vip_admins` holds `vip_admins.0.email`)."""
    return any(
        found == field or (field is not None and found is not None and found.startswith(f"{field}."))
        for found in error_fields(response)
    )
