"""The delivery log: fan events out to endpoints, claim due deliveries under a lease, record.

Claims follow the job queue (:mod:`hatchway.store.jobs`): ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite, and a ``lease_token`` bumped on every claim so a
worker whose lease expired cannot overwrite the outcome recorded by the one that took over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from hatchway.store import Database
from hatchway.store.models import DeliveryState, WebhookDelivery, WebhookEvent, utcnow
from hatchway.webhooks.settings import WebhookSettings

__all__ = [
    "ClaimedDelivery",
    "claim_delivery",
    "fan_out",
    "record_delivered",
    "record_failed",
    "schedule_retry",
]


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery this worker holds, with the event it carries and the token that proves it."""

    id: int
    endpoint: str
    attempts: int
    max_attempts: int
    lease_token: int
    event_id: int
    event_type: str
    occurred_at: datetime
    payload: dict[str, Any]


def fan_out(
    session: Session, endpoints: Sequence[WebhookSettings], *, limit: int
) -> list[WebhookEvent]:
    """One delivery row per event and subscribed endpoint; returns the events handled.

    Runs in the caller's transaction (the CRM activity job is queued in the same one).
    """
    pending = (
        select(WebhookEvent)
        .where(WebhookEvent.fanned_out_at.is_(None))
        .order_by(WebhookEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    events = list(session.scalars(pending))
    for event in events:
        for endpoint in endpoints:
            if endpoint.wants(event.type):
                session.add(
                    WebhookDelivery(
                        event_id=event.id,
                        endpoint=endpoint.endpoint,
                        max_attempts=endpoint.max_attempts,
                        next_attempt_at=utcnow(),
                    )
                )
        event.fanned_out_at = utcnow()
    session.flush()
    return events


def claim_delivery(database: Database, *, owner: str, lease: timedelta) -> ClaimedDelivery | None:
    """Take the next due delivery (pending and due, or delivering with an expired lease)."""
    now = utcnow()
    due = or_(
        and_(
            WebhookDelivery.state == DeliveryState.PENDING, WebhookDelivery.next_attempt_at <= now
        ),
        and_(
            WebhookDelivery.state == DeliveryState.DELIVERING,
            WebhookDelivery.lease_expires_at < now,
        ),
    )
    query = (
        select(WebhookDelivery)
        .where(due)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    with database.session() as session:
        delivery = session.scalars(query).first()
        if delivery is None:
            return None
        delivery.state, delivery.lease_owner = DeliveryState.DELIVERING, owner
        delivery.lease_expires_at, delivery.last_attempt_at = now + lease, now
        delivery.lease_token += 1
        delivery.attempts += 1
        event = session.get_one(WebhookEvent, delivery.event_id)
        return ClaimedDelivery(
            id=delivery.id,
            endpoint=delivery.endpoint,
            attempts=delivery.attempts,
            max_attempts=delivery.max_attempts,
            lease_token=delivery.lease_token,
            event_id=event.id,
            event_type=event.type,
            occurred_at=event.occurred_at,
            payload=dict(event.payload),
        )


def record_delivered(database: Database, claim: ClaimedDelivery, *, status_code: int) -> bool:
    """The endpoint answered 2xx. False when our lease was lost meanwhile."""
    return _finish(
        database,
        claim,
        state=DeliveryState.DELIVERED,
        delivered_at=utcnow(),
        last_status_code=status_code,
        last_error=None,
    )


def record_failed(
    database: Database, claim: ClaimedDelivery, *, status_code: int | None, error: str
) -> bool:
    """Give up: a permanent refusal, or the last attempt failed. Redeliver by hand."""
    return _finish(
        database,
        claim,
        state=DeliveryState.FAILED,
        last_status_code=status_code,
        last_error=error[:4000],
    )


def schedule_retry(
    database: Database,
    claim: ClaimedDelivery,
    *,
    status_code: int | None,
    error: str,
    delay: timedelta,
) -> bool:
    """Try again after ``delay``; the time is stored, so the retry survives a restart."""
    return _finish(
        database,
        claim,
        state=DeliveryState.PENDING,
        next_attempt_at=utcnow() + delay,
        last_status_code=status_code,
        last_error=error[:4000],
    )


def _finish(database: Database, claim: ClaimedDelivery, **values: Any) -> bool:
    with database.session() as session:
        result = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == claim.id, WebhookDelivery.lease_token == claim.lease_token)
            .values(lease_owner=None, lease_expires_at=None, **values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
