"""Reading the delivery log and redelivering by hand (for the CLI, the ops UI and the API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from hatchway.errors import HatchwayError
from hatchway.store import Database
from hatchway.store.models import DeliveryState, WebhookDelivery, WebhookEvent, utcnow

__all__ = ["DeliveryNotFound", "DeliveryRecord", "get_delivery", "list_deliveries", "redeliver"]


class DeliveryNotFound(HatchwayError):
    """No delivery with this id."""

    def __init__(self, delivery_id: int) -> None:
        self.delivery_id = delivery_id
        super().__init__(f"webhook delivery {delivery_id} does not exist")


@dataclass(frozen=True)
class DeliveryRecord:
    """One line of the delivery log."""

    id: int
    event_id: int
    event_type: str
    endpoint: str
    state: DeliveryState
    attempts: int
    max_attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


def list_deliveries(
    database: Database, *, failed_only: bool = False, limit: int = 50
) -> list[DeliveryRecord]:
    """The newest deliveries first; only failed ones with ``failed_only``."""
    query = (
        select(WebhookDelivery, WebhookEvent.type)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if failed_only:
        query = query.where(WebhookDelivery.state == DeliveryState.FAILED)
    with database.session() as session:
        return [_record(row, event_type) for row, event_type in session.execute(query)]


def redeliver(database: Database, delivery_id: int) -> DeliveryRecord:
    """Send this delivery again as soon as a worker polls, with a fresh set of attempts.

    The lease token is bumped, so a worker still holding the old claim cannot record over it.
    The delivery keeps its id: receivers that de-duplicate on ``Hatchway-Delivery`` see a
    repeat, not a new event.
    """
    with database.session() as session:
        result = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(
                state=DeliveryState.PENDING,
                attempts=0,
                next_attempt_at=utcnow(),
                lease_owner=None,
                lease_expires_at=None,
                lease_token=WebhookDelivery.lease_token + 1,
                delivered_at=None,
            )
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise DeliveryNotFound(delivery_id)
    return get_delivery(database, delivery_id)


def get_delivery(database: Database, delivery_id: int) -> DeliveryRecord:
    """One delivery by id."""
    query = (
        select(WebhookDelivery, WebhookEvent.type)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id == delivery_id)
    )
    with database.session() as session:
        row = session.execute(query).first()
    if row is None:
        raise DeliveryNotFound(delivery_id)
    return _record(*row)


def _record(row: WebhookDelivery, event_type: str) -> DeliveryRecord:
    return DeliveryRecord(
        id=row.id,
        event_id=row.event_id,
        event_type=event_type,
        endpoint=row.endpoint,
        state=row.state,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        next_attempt_at=row.next_attempt_at,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
    )
