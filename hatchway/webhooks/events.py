"""Webhook events, recorded in the same transaction as the change they announce.

That is the transactional outbox: an event row commits or rolls back with its cause, so
nothing is announced that did not happen and nothing that happened is lost. A dispatcher
(see :mod:`hatchway.webhooks.dispatcher`) turns each row into deliveries later.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, Row, insert, select
from sqlalchemy.orm import Session

from hatchway.store.models import (
    Approval,
    OutboxEntry,
    User,
    WebhookEvent,
    utcnow,
)
from hatchway.store.prepared import Prepared
from hatchway.store.tables import MESSAGES, WEBHOOK_EVENTS

__all__ = [
    "ITEM_COLUMNS",
    "ItemRow",
    "REPLY_SENT_EVENTS",
    "EventType",
    "item_payload",
    "item_payload_of",
    "record_back_in_review",
    "record_event",
    "record_event_in",
    "reply_event_type",
    "reply_payload",
]


class EventType(enum.StrEnum):
    """What a CRM can be told about."""

    DRAFT_READY_FOR_REVIEW = "draft.ready_for_review"
    REPLY_AUTO_SENT = "reply.auto_sent"
    REPLY_SENT = "reply.sent"  # sent after a reviewer approved it
    REVIEW_REJECTED = "review.rejected"
    CATEGORY_MODE_CHANGED = "category.mode_changed"


REPLY_SENT_EVENTS = frozenset({EventType.REPLY_AUTO_SENT, EventType.REPLY_SENT})


def record_event(session: Session, *, type: EventType, payload: Mapping[str, Any]) -> WebhookEvent:
    """Add an event in the caller's transaction (it commits or rolls back with the change)."""
    event = WebhookEvent(**_event_row(type, payload))
    session.add(event)
    return event


_INSERT_EVENT: Final = Prepared(insert(WEBHOOK_EVENTS))


def record_event_in(connection: Connection, *, type: EventType, payload: Mapping[str, Any]) -> None:
    """:func:`record_event` on a Core connection, in its transaction (the graph's route
    node records one per email this way, without an ORM session)."""
    _INSERT_EVENT.run(connection, _event_row(type, payload))


def _event_row(type: EventType, payload: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": type.value, "payload": _jsonable(payload), "occurred_at": utcnow()}


def record_back_in_review(
    session: Session, message_id: int, *, reason: str, draft_id: int | None = None
) -> WebhookEvent:
    """draft.ready_for_review for an item that came back to the inbox (a failure, an undo)."""
    payload = item_payload(session, message_id, draft_id=draft_id, reason=reason)
    return record_event(session, type=EventType.DRAFT_READY_FOR_REVIEW, payload=payload)


# The message's columns an item payload carries (select them, or RETURNING them).
ItemRow = Row[str | None, str | None, str | None, str | None, datetime]
ITEM_COLUMNS: Final = (
    MESSAGES.c.message_id,
    MESSAGES.c.from_address,
    MESSAGES.c.subject,
    MESSAGES.c.category,
    MESSAGES.c.received_at,
)


def item_payload(session: Session, message_id: int, **extra: Any) -> dict[str, Any]:
    """What a CRM needs to link an event to an email: ids, sender, subject, category."""
    row = session.execute(select(*ITEM_COLUMNS).where(MESSAGES.c.id == message_id)).first()
    return item_payload_of(message_id, row, **extra)


def item_payload_of(message_id: int, row: ItemRow | None, **extra: Any) -> dict[str, Any]:
    """:func:`item_payload` from the message's :data:`ITEM_COLUMNS` as read (None: no
    such message)."""
    fields: dict[str, Any] = {"item_id": message_id}
    if row is not None:
        fields |= {
            "message_id": row.message_id,
            "customer_email": row.from_address,
            "subject": row.subject,
            "category": row.category,
            "received_at": row.received_at,
        }
    return fields | extra


def reply_event_type(entry: OutboxEntry) -> EventType:
    """reply.auto_sent for an automatic approval, reply.sent for a reviewer's."""
    return EventType.REPLY_AUTO_SENT if entry.approval == Approval.AUTO else EventType.REPLY_SENT


def reply_payload(session: Session, entry: OutboxEntry) -> dict[str, Any]:
    """The sent reply: item, draft, outbox entry, its Message-ID, who approved it and when."""
    approver = session.get(User, entry.approved_by) if entry.approved_by is not None else None
    return item_payload(
        session,
        entry.inbound_message_id,
        draft_id=entry.draft_id,
        outbox_entry_id=entry.id,
        reply_message_id=entry.message_id,
        reply_subject=entry.subject,
        to=list(entry.to_addresses),
        approval=entry.approval.value,
        approved_by=_who(approver),
        approved_at=entry.approved_at,
        sent_at=entry.sent_at,
    )


def _who(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"user_id": user.id, "username": user.username}


def _jsonable(value: Any) -> Any:
    """Datetimes as ISO 8601 (UTC), enums as their values; the rest as JSON already is."""
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value
