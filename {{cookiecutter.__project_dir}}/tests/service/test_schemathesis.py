"""Property-based requests over the whole OpenAPI: no server error, no operation ignoring auth."""

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from ..utils.accounts import MakeUser, bearer, sign_in


def property_test(operation: Any, headers: dict[str, str]) -> Callable[[], None]:
    """Generated requests to one operation, with the user's token and without any."""
    secured = bool(operation.definition.raw.get("security"))

    @given(case=operation.as_strategy())
    @settings(
        max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error])
        anonymous = case.call()
        assert anonymous.status_code < 500, f"{operation.label}: {anonymous.status_code}"
        if secured:
            # Whatever the generated input, no credential means no entry.
            assert anonymous.status_code == 401, f"{operation.label} ignored auth"

    return check


@pytest.mark.slow
def test_api_answers_without_server_errors_and_enforces_auth(
    app: FastAPI, client: TestClient, make_user: MakeUser
) -> None:
    make_user()
    headers = bearer(sign_in(client)["access_token"])
    schema: Any = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9

    for operation in operations:
        property_test(operation, headers)()
