"""The HTTP adapter against a real server process: retries, Retry-After, errors, auth."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from hatchway.connectors._jsonhttp import parse_retry_after
from hatchway.connectors.crm import HttpCrm, HttpCrmSettings
from hatchway.errors import AuthError, ProtocolError, TransientError
from tests.fixtures.crm_http import CrmHttpServer

EMMA = "emma.hughes@mailbox.example"


def _settings(server: CrmHttpServer, **overrides: object) -> HttpCrmSettings:
    values: dict[str, object] = {
        "base_url": server.base_url,
        "auth_value": server.auth_value,
        "timeout_seconds": 2.0,
        "attempts": 3,
        "retry_initial_wait_seconds": 0,
        "retry_max_wait_seconds": 2,
    }
    return HttpCrmSettings.model_validate(values | overrides)


@pytest.fixture
def crm(crm_http: CrmHttpServer) -> Iterator[HttpCrm]:
    client = HttpCrm(_settings(crm_http))
    yield client
    client.close()


def test_sends_the_auth_header_and_encodes_path_segments(
    crm: HttpCrm, crm_http: CrmHttpServer
) -> None:
    assert crm.order_by_id("NW-1/../2") is None
    (seen,) = crm_http.requests()
    assert seen["path"] == "/api/orders/NW-1%2F..%2F2"
    assert seen["headers"]["authorization"] == crm_http.auth_value


def test_5xx_is_retried_then_succeeds(
    crm: HttpCrm, crm_http: CrmHttpServer, caplog: pytest.LogCaptureFixture
) -> None:
    crm_http.script({"status": 500, "body": "oops"}, {"status": 502})
    with caplog.at_level(logging.WARNING):
        order = crm.order_by_id("NW-100201")
    assert order is not None and order.status == "delivered"
    assert len(crm_http.requests()) == 3
    assert [r.getMessage()[:24] for r in caplog.records] == ["crm: attempt 1/3 failed "] + [
        "crm: attempt 2/3 failed "
    ]


def test_429_honours_retry_after(crm: HttpCrm, crm_http: CrmHttpServer) -> None:
    crm_http.script({"status": 429, "headers": {"Retry-After": "1"}})
    started = time.monotonic()
    assert crm.customer_by_email(EMMA) is not None
    assert time.monotonic() - started >= 0.95


def test_persistent_503_ends_in_transient_error(crm: HttpCrm, crm_http: CrmHttpServer) -> None:
    crm_http.script(*[{"status": 503, "headers": {"Retry-After": "0"}}] * 3)
    with pytest.raises(TransientError, match="HTTP 503") as caught:
        crm.customer_by_email(EMMA)
    assert caught.value.retry_after == 0.0 and caught.value.connector == "crm"
    assert len(crm_http.requests()) == 3


def test_timeout_is_transient(crm_http: CrmHttpServer) -> None:
    crm_http.script({"delay": 1.0}, {"delay": 1.0})
    client = HttpCrm(_settings(crm_http, timeout_seconds=0.3, attempts=2))
    try:
        with pytest.raises(TransientError, match="timed out"):
            client.order_by_id("NW-100201")
    finally:
        client.close()


def test_wrong_token_is_auth_error_without_retry(crm_http: CrmHttpServer) -> None:
    client = HttpCrm(_settings(crm_http, auth_value="Bearer wrong"))
    try:
        with pytest.raises(AuthError, match="HTTP 401"):
            client.customer_by_email(EMMA)
    finally:
        client.close()
    assert len(crm_http.requests()) == 1


@pytest.mark.parametrize(
    ("response", "message"),
    [
        ({"status": 200, "body": "{not json"}, "not JSON"),
        ({"status": 200, "body": '{"customers": []}'}, "JSON array"),
        ({"status": 200, "body": '[{"id": "1"}]'}, "unusable Customer record: email"),
        ({"status": 400, "body": '{"error": "bad"}'}, "HTTP 400"),
    ],
)
def test_unusable_answers_are_protocol_errors(
    crm: HttpCrm, crm_http: CrmHttpServer, response: dict[str, object], message: str
) -> None:
    crm_http.script(response)
    with pytest.raises(ProtocolError, match=message):
        crm.customer_by_email(EMMA)


def test_refused_connection_is_transient() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = HttpCrmSettings(
        base_url=f"http://127.0.0.1:{port}/api", attempts=2, retry_initial_wait_seconds=0
    )
    client = HttpCrm(settings)
    try:
        with pytest.raises(TransientError, match="ConnectError"):
            client.customer_by_email(EMMA)
    finally:
        client.close()


def test_retried_post_keeps_its_idempotency_key(crm: HttpCrm, crm_http: CrmHttpServer) -> None:
    emma = crm.customer_by_email(EMMA)
    assert emma is not None
    crm_http.reset()
    crm_http.script({"status": 503})
    crm.log_activity(emma, "email_reply", "tracking sent")
    posts = crm_http.requests()
    assert [p["method"] for p in posts] == ["POST", "POST"]
    assert posts[0]["headers"]["idempotency-key"] == posts[1]["headers"]["idempotency-key"]
    assert len(crm_http.activities()) == 1


def test_a_given_idempotency_key_is_sent_and_logs_once(
    crm: HttpCrm, crm_http: CrmHttpServer
) -> None:
    emma = crm.customer_by_email(EMMA)
    assert emma is not None
    crm_http.reset()
    for _ in range(2):  # e.g. a job retried after its first run's answer was lost
        crm.log_activity(emma, "email_reply", "tracking sent", idempotency_key="reply-42")
    posts = crm_http.requests()
    assert [p["headers"]["idempotency-key"] for p in posts] == ["reply-42", "reply-42"]
    assert len(crm_http.activities()) == 1


def test_activity_for_unknown_customer_is_a_protocol_error(crm: HttpCrm) -> None:
    emma = crm.customer_by_email(EMMA)
    assert emma is not None
    ghost = emma.model_copy(update={"id": "9999"})
    with pytest.raises(ProtocolError, match="HTTP 404"):
        crm.log_activity(ghost, "email_reply", "x")


def test_parse_retry_after() -> None:
    now = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Sun, 22 Nov 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Sun, 22 Nov 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_settings_refuse_a_non_http_url() -> None:
    with pytest.raises(ValueError, match="http:// or https://"):
        HttpCrmSettings(base_url="ftp://crm.example")
