"""Property-based tests from the OpenAPI schema: no request, however odd, makes a 5xx,
and every answer is one the schema documents."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.strategies import SearchStrategy
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hatchway.api import create_api_app
from hatchway.config import load_settings
from hatchway.intake import accept_raw_message
from hatchway.store.models import InboundSource, Role, WebhookDelivery
from hatchway.webhooks import EventType, record_event
from tests.api.conftest import ApiStack, raw_mail

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Raw mail is sent as the bytes generated for a binary string.
schemathesis.serializer.alias("message/rfc822", "application/octet-stream")


def _schema(api: ApiStack) -> tuple[schemathesis.BaseSchema, dict[str, list[object]]]:
    """The API's own schema, loaded from the running API app, and ids that exist."""
    with api.database.session() as session:
        stored = accept_raw_message(
            session, raw=raw_mail("<seed-1@example.com>"), source=InboundSource.API
        ).message.id
        junk = accept_raw_message(session, raw=b"\x00 junk", source=InboundSource.API).message.id
        event = record_event(session, type=EventType.REVIEW_REJECTED, payload={"item_id": stored})
        session.flush()
        delivery = WebhookDelivery(event_id=event.id, endpoint="https://crm.example/hook")
        session.add(delivery)
        session.flush()
        delivery_id = delivery.id
    app_settings = load_settings(dev_mode=True, database_url=str(api.database.url))
    app = create_api_app(app_settings, api.database)
    known: dict[str, list[object]] = {
        "message_id": [stored, junk],
        "name": ["order_status", "refund"],
        "delivery_id": [delivery_id],
    }
    return schemathesis.openapi.from_asgi("/openapi.json", app), known


def _strategies(
    operation: APIOperation, known: dict[str, list[object]]
) -> list[SearchStrategy[Case]]:
    """Valid and invalid requests, and valid ones aimed at each row that exists (each its
    own run, so that the rows that exist are always reached)."""
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    names = [parameter.name for parameter in operation.path_parameters]
    for values in zip(*(known[name] for name in names), strict=True) if names else []:
        fixed = dict(zip(names, values, strict=True))
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed))
    return strategies


def _check(api: ApiStack, strategy: SearchStrategy[Case]) -> None:
    @given(case=strategy)
    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def no_server_error(case: Case) -> None:
        headers = {**(case.headers or {}), **api.headers(Role.ADMIN)}
        # Also holds the answers to the schema: documented status, media type and body.
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        assert response.status_code < 500, (case.as_curl_command(), response.text)
        assert response.headers["content-type"] == ["application/json"]
        if response.status_code >= 400:
            assert set(response.json()["error"]) == {"code", "message", "field"}

    no_server_error()


# schemathesis.pytest.from_fixture does not run on this pytest (it reads a private
# attribute), so each operation gets its own Hypothesis runs here.
@pytest.mark.slow
def test_no_request_makes_a_server_error(api: ApiStack) -> None:
    schema, known = _schema(api)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 10
    for operation in operations:
        for strategy in _strategies(operation, known):
            _check(api, strategy)
