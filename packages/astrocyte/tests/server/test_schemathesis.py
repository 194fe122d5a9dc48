"""Schemathesis over the published OpenAPI document against a running uvicorn: for generated requests
(valid and not) the server answers no 5xx, and every response matches the documented status codes,
content types and schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from astrocyte.config import load_config_dict
from astrocyte.server.rest import create_app

from ._support import key_of, running, server_section

schemathesis.serializer.alias("application/x-ndjson", "text/plain")  # an import body is JSON Lines text

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def api_schema() -> Iterator[Any]:
    section = server_section(None, limits={"rate_per_second": 10_000, "rate_burst": 10_000})
    with running(create_app(load_config_dict({"profile": "memory", "server": section}))) as url:
        yield schemathesis.openapi.from_url(f"{url}/v1/openapi.json")


def test_no_server_error_and_no_schema_violation(api_schema: Any) -> None:
    """Every operation in turn (the schemathesis pytest plugin does not run under pytest 9, so Hypothesis
    drives each operation's strategy directly)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 23  # 13 memory and service operations, 10 knowledge ones

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def exercise(case: Any) -> None:
            case.call_and_validate(headers=key_of("root"), checks=CHECKS)

        exercise()
