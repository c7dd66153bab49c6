"""Schemathesis generates requests from /openapi.json (valid and invalid bodies, queries, paths)
against the whole server in process: no request gets a 5xx. It runs through schemathesis's Python
API (each operation's hypothesis strategy), a few dozen examples per operation."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from bot.server.api_keys import KeyStore
from bot.server.app import create_server
from bot.server.channels import enabled_channels


@pytest.fixture(scope="module")
def key(base_app: App, tmp_path_factory: pytest.TempPathFactory) -> str:
    return KeyStore(base_app.storage.sessions, base_app.clock).create(
        f"fuzz-{tmp_path_factory.getbasetemp().name}", per_minute=100_000
    )


def test_no_generated_request_gets_a_server_error(base_app: App, key: str) -> None:
    server = create_server(base_app, [c for c in enabled_channels(base_app) if c.name != "jobs"])
    schema = schemathesis.openapi.from_asgi("/openapi.json", server)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert any(operation.path == "/v1/ask" for operation in operations)
    headers = {"Authorization": f"Bearer {key}"}
    strategy = st.one_of(*(operation.as_strategy() for operation in operations))
    failures: list[str] = []

    @settings(max_examples=40 * len(operations), deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def call(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}")

    call()
    assert failures == []
