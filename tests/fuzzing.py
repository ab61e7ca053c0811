"""What the schemathesis fuzz tests share: the checks of our own descriptions and hypothesis's settings."""

from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

#: Every check of a description we write ourselves (Adobe's reference is held to fewer: test_vipmp_conformance).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def fuzz_settings(max_examples: int) -> hypothesis_settings:
    """Derandomized (a failure repeats), no example database, no deadline (speed is not what these tests judge)."""
    return hypothesis_settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        # Not shrinking keeps a failing run short; derandomized, the same example fails again.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
