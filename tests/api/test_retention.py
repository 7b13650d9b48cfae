"""Idempotency-Keys are forgotten after their window; Message-ID repeats are known for good."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from hatchway.api.retention import IdempotencyKeyExpiry
from hatchway.config import ApiSettings
from hatchway.store.models import IdempotencyRecord, InboundMessage, utcnow
from tests.api.conftest import ApiStack, raw_mail


def _scopes(api: ApiStack) -> list[str]:
    with api.database.session() as session:
        return sorted(s.split(":")[0] for s in session.scalars(select(IdempotencyRecord.scope)))


def _age(api: ApiStack, hours: float) -> None:
    with api.database.session() as session:
        then = utcnow() - timedelta(hours=hours)
        session.execute(update(IdempotencyRecord).values(created_at=then))


def test_old_keys_are_forgotten_and_message_ids_kept(api: ApiStack) -> None:
    first = api.submit_raw(raw_mail("<keep-1@example.com>"), **{"Idempotency-Key": "k-old"})
    assert _scopes(api) == ["content", "key", "message-id"]
    expiry = IdempotencyKeyExpiry(api.database, ApiSettings(idempotency_key_hours=24))
    _age(api, hours=23)
    assert expiry() == 0 and len(_scopes(api)) == 3  # still inside the window
    expiry.last_run = None
    _age(api, hours=25)
    assert expiry() == 1
    assert _scopes(api) == ["content", "message-id"]
    # The old message is still recognised; the key may now name a new submission.
    again = api.submit_raw(raw_mail("<keep-1@example.com>"))
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    new = api.submit_raw(raw_mail("<keep-2@example.com>"), **{"Idempotency-Key": "k-old"})
    assert new.status_code == 201 and new.json()["id"] != first.json()["id"]
    assert api.count(InboundMessage) == 2


def test_the_expiry_runs_at_most_once_an_hour(api: ApiStack) -> None:
    api.submit_raw(raw_mail("<hourly@example.com>"), **{"Idempotency-Key": "k-1"})
    expiry = IdempotencyKeyExpiry(api.database, ApiSettings(idempotency_key_hours=1))
    assert expiry() == 0  # nothing old yet; this counts as the hour's run
    _age(api, hours=2)
    assert expiry() == 0  # not again within the hour
    expiry.last_run = utcnow() - timedelta(hours=1, minutes=1)
    assert expiry() == 1
