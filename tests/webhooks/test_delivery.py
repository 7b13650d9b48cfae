"""Signed deliveries to a real local HTTP receiver, on SQLite and PostgreSQL: retries,
permanent refusals, attempts used up, redelivery, leases, retry times kept in the row."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hatchway.config import Settings
from hatchway.store import Database
from hatchway.store.models import DeliveryState, WebhookDelivery, utcnow
from hatchway.webhooks import (
    EventType,
    SignatureInvalid,
    WebhookSettings,
    list_deliveries,
    record_event,
    redeliver,
    verify_signature,
)
from hatchway.webhooks.deliveries import claim_delivery, record_delivered
from hatchway.webhooks.dispatcher import (
    WebhookDispatcher,
    backoff_delay,
    build_webhook_dispatcher,
)
from hatchway.worker import Worker
from tests.webhooks._receiver import Receiver
from tests.webhooks.conftest import SECRET

PAYLOAD = {"category": "refunds", "from": "review", "to": "shadow", "actor": "user:olga"}


def _record(database: Database, type: EventType = EventType.CATEGORY_MODE_CHANGED) -> int:
    with database.session() as session:
        event = record_event(session, type=type, payload=PAYLOAD)
        session.flush()
        return event.id


def _delivery(database: Database) -> WebhookDelivery:
    with database.session() as session:
        return session.scalars(select(WebhookDelivery)).one()


def _run_until_settled(dispatcher: WebhookDispatcher, database: Database, passes: int = 40) -> None:
    for _ in range(passes):
        dispatcher()
        if _delivery(database).state in (DeliveryState.DELIVERED, DeliveryState.FAILED):
            return
        time.sleep(0.06)  # longer than the endpoint's longest backoff


def test_a_delivery_is_signed_and_the_signature_verifies(
    database: Database, receiver: Receiver, endpoint: WebhookSettings
) -> None:
    event_id = _record(database)
    result = WebhookDispatcher(database, [endpoint])()
    assert (result.events, result.delivered) == (1, 1)
    [request] = receiver.received
    delivery = _delivery(database)
    assert request.path == "/hooks/crm"
    assert request.headers["hatchway-event"] == "category.mode_changed"
    assert request.headers["hatchway-delivery"] == str(delivery.id)
    assert request.headers["content-type"] == "application/json"
    body = json.loads(request.body)
    assert body["id"] == event_id and body["type"] == "category.mode_changed"
    assert body["data"] == PAYLOAD
    header = request.headers["hatchway-signature"]
    timestamp = verify_signature(SECRET, header, request.body)
    assert abs(timestamp - time.time()) < 60
    tampered = request.body.replace(b"shadow", b"auto")
    with pytest.raises(SignatureInvalid, match="no signature matches"):
        verify_signature(SECRET, header, tampered)
    with pytest.raises(SignatureInvalid):
        verify_signature("another-secret", header, request.body)
    with pytest.raises(SignatureInvalid, match="tolerance"):
        verify_signature(SECRET, header, request.body, now=timestamp + 301)
    assert delivery.state == DeliveryState.DELIVERED and delivery.last_status_code == 200
    assert delivery.delivered_at is not None and delivery.attempts == 1


def test_a_500_is_retried_and_the_event_delivered_once(
    database: Database, receiver: Receiver, endpoint: WebhookSettings
) -> None:
    _record(database)
    receiver.answer({"status": 500})
    dispatcher = WebhookDispatcher(database, [endpoint])
    _run_until_settled(dispatcher, database)
    for _ in range(3):
        dispatcher()
    assert [r.answered for r in receiver.received] == [500, 200]
    assert len({r.headers["hatchway-delivery"] for r in receiver.received}) == 1
    delivery = _delivery(database)
    assert (delivery.state, delivery.attempts) == (DeliveryState.DELIVERED, 2)
    assert delivery.last_status_code == 200 and delivery.last_error is None


def test_a_timeout_is_retried(
    database: Database,
    receiver: Receiver,
    endpoint: WebhookSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _record(database)
    receiver.answer({"delay": 1.5})  # the endpoint's timeout is 0.5 s
    dispatcher = WebhookDispatcher(database, [endpoint])
    assert dispatcher().retried == 1
    _run_until_settled(dispatcher, database)
    assert _delivery(database).state == DeliveryState.DELIVERED
    assert len(receiver.received) == 2 and _delivery(database).attempts == 2
    assert "timed out" in caplog.text


def test_a_refused_connection_is_retried(database: Database, endpoint: WebhookSettings) -> None:
    closed = endpoint.model_copy(update={"url": "http://127.0.0.1:9/hooks"})
    _record(database)
    WebhookDispatcher(database, [closed])()
    delivery = _delivery(database)
    assert delivery.state in (DeliveryState.PENDING, DeliveryState.FAILED)
    assert "connection failed" in (delivery.last_error or "")


@pytest.mark.parametrize("status", [400, 401, 404, 410])
def test_a_permanent_4xx_stops_at_once(
    database: Database, receiver: Receiver, endpoint: WebhookSettings, status: int
) -> None:
    _record(database)
    receiver.answer({"status": status})
    dispatcher = WebhookDispatcher(database, [endpoint])
    result = dispatcher()
    time.sleep(0.06)
    dispatcher()
    assert result.failed == 1 and len(receiver.received) == 1
    delivery = _delivery(database)
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 1)
    assert delivery.last_status_code == status and f"HTTP {status}" in (delivery.last_error or "")


@pytest.mark.parametrize("status", [408, 429, 502, 503])
def test_408_429_and_5xx_are_temporary(
    database: Database, receiver: Receiver, endpoint: WebhookSettings, status: int
) -> None:
    _record(database)
    receiver.answer({"status": status, "headers": {"Retry-After": "0"}})
    dispatcher = WebhookDispatcher(database, [endpoint])
    _run_until_settled(dispatcher, database)
    assert [r.answered for r in receiver.received] == [status, 200]


def test_attempts_used_up_fail_and_redelivery_delivers(
    database: Database, receiver: Receiver, endpoint: WebhookSettings
) -> None:
    _record(database)
    receiver.answer({"status": 500}, {"status": 500}, {"status": 503})
    dispatcher = WebhookDispatcher(database, [endpoint])
    _run_until_settled(dispatcher, database)
    failed = _delivery(database)
    assert (failed.state, failed.attempts) == (DeliveryState.FAILED, endpoint.max_attempts)
    assert "still failing after 3 attempts" in (failed.last_error or "")
    assert [r.id for r in list_deliveries(database, failed_only=True)] == [failed.id]
    dispatcher()
    assert len(receiver.received) == 3  # failed stays failed until someone redelivers
    record = redeliver(database, failed.id)
    assert (record.state, record.attempts) == (DeliveryState.PENDING, 0)
    assert dispatcher().delivered == 1
    assert _delivery(database).state == DeliveryState.DELIVERED
    assert list_deliveries(database, failed_only=True) == []
    assert {r.headers["hatchway-delivery"] for r in receiver.received} == {str(failed.id)}


def test_the_next_attempt_time_is_kept_in_the_row(
    database: Database, receiver: Receiver, endpoint: WebhookSettings
) -> None:
    slow = endpoint.model_copy(update={"retry_initial_seconds": 60, "retry_max_seconds": 120})
    _record(database)
    receiver.answer({"status": 500})
    before = utcnow()
    dispatcher = WebhookDispatcher(database, [slow])
    assert dispatcher().retried == 1
    delivery = _delivery(database)
    assert delivery.state == DeliveryState.PENDING
    assert before <= delivery.next_attempt_at <= utcnow() + timedelta(seconds=60)
    # A new dispatcher (a restarted worker) does not try before that time.
    assert WebhookDispatcher(database, [slow])().retried == 0
    assert len(receiver.received) == 1


def test_backoff_grows_with_jitter_and_is_capped(endpoint: WebhookSettings) -> None:
    settings = endpoint.model_copy(update={"retry_initial_seconds": 10, "retry_max_seconds": 100})
    for attempts, ceiling in [(1, 10), (2, 20), (3, 40), (8, 100)]:
        delays = [backoff_delay(settings, attempts).total_seconds() for _ in range(50)]
        assert all(0 <= delay <= ceiling for delay in delays)
        assert len(set(delays)) > 1  # jitter: not all the same
    assert max(backoff_delay(settings, 30).total_seconds() for _ in range(50)) <= 100


def test_a_claimed_delivery_is_not_claimed_twice(
    database: Database, endpoint: WebhookSettings
) -> None:
    _record(database)
    WebhookDispatcher(database, [endpoint]).fan_out()
    first = claim_delivery(database, owner="worker-a", lease=timedelta(minutes=5))
    assert first is not None
    assert claim_delivery(database, owner="worker-b", lease=timedelta(minutes=5)) is None
    # The lease runs out (worker-a died): worker-b takes it over; worker-a's answer is void.
    claim_delivery(database, owner="worker-b", lease=timedelta(minutes=5))
    with database.session() as session:
        session.get_one(WebhookDelivery, first.id).lease_expires_at = utcnow() - timedelta(1)
    second = claim_delivery(database, owner="worker-b", lease=timedelta(minutes=5))
    assert second is not None and second.lease_token == first.lease_token + 1
    assert not record_delivered(database, first, status_code=200)
    assert record_delivered(database, second, status_code=200)


def test_endpoints_get_only_the_events_they_asked_for(
    database: Database, receiver: Receiver, endpoint: WebhookSettings
) -> None:
    only_sent = endpoint.model_copy(update={"events": [EventType.REPLY_SENT]})
    _record(database, EventType.CATEGORY_MODE_CHANGED)
    _record(database, EventType.REPLY_SENT)
    dispatcher = WebhookDispatcher(database, [only_sent])
    assert dispatcher().events == 2
    assert dispatcher().events == 0  # fanned out once
    assert [r.headers["hatchway-event"] for r in receiver.received] == ["reply.sent"]
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1


def test_a_delivery_to_an_endpoint_no_longer_configured_fails_without_a_request(
    database: Database, receiver: Receiver, endpoint: WebhookSettings
) -> None:
    _record(database)
    WebhookDispatcher(database, [endpoint]).fan_out()
    assert WebhookDispatcher(database, [])().failed == 1
    assert receiver.received == []
    assert "no longer configured" in (_delivery(database).last_error or "")


def test_the_worker_runs_the_dispatcher_as_a_poller(
    database: Database, receiver: Receiver, endpoint: WebhookSettings
) -> None:
    settings = Settings(dev_mode=True, webhooks=[endpoint])
    dispatcher = build_webhook_dispatcher(settings, database)
    assert dispatcher is not None
    _record(database)
    Worker(database, {}, pollers=[dispatcher]).poll()
    assert _delivery(database).state == DeliveryState.DELIVERED
    assert len(receiver.received) == 1
    dispatcher.close()


def test_two_dispatchers_at_once_post_each_delivery_once(
    database: Database, receiver: Receiver, endpoint: WebhookSettings
) -> None:
    for _ in range(20):
        _record(database)
    dispatchers = [WebhookDispatcher(database, [endpoint], owner=f"w{n}", batch=3) for n in (1, 2)]
    errors: list[BaseException] = []

    def work(dispatcher: WebhookDispatcher) -> None:
        try:
            for _ in range(30):
                dispatcher()
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(d,)) for d in dispatchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    ids = [r.headers["hatchway-delivery"] for r in receiver.received]
    assert len(ids) == 20 and len(set(ids)) == 20
    with database.session() as session:
        states = session.scalars(select(WebhookDelivery.state)).all()
    assert states == [DeliveryState.DELIVERED] * 20
