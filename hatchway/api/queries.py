"""Reading items for the API: a filtered page, and one item with drafts, decisions, outbox."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from hatchway.api.errors import ApiError
from hatchway.api.schemas import (
    DecisionPublic,
    DraftPublic,
    MessageDetail,
    MessagePage,
    MessageSummary,
    OutboxPublic,
)
from hatchway.store.models import Draft, InboundMessage, InboundStatus, OutboxEntry, ReviewDecision

__all__ = ["get_message", "message_detail", "message_page"]


def message_page(
    session: Session,
    *,
    status: InboundStatus | None,
    category: str | None,
    before_id: int | None,
    limit: int,
) -> MessagePage:
    """Items newest first, after the keyset cursor ``before_id`` (stable under new mail)."""
    query = select(InboundMessage).options(
        defer(InboundMessage.raw),
        defer(InboundMessage.text_body),
        defer(InboundMessage.html_body),
    )
    if status is not None:
        query = query.where(InboundMessage.status == status)
    if category is not None:
        query = query.where(InboundMessage.category == category)
    if before_id is not None:
        query = query.where(InboundMessage.id < before_id)
    rows = list(session.scalars(query.order_by(InboundMessage.id.desc()).limit(limit + 1)))
    items = [MessageSummary.model_validate(row) for row in rows[:limit]]
    more = len(rows) > limit
    return MessagePage(items=items, next_before_id=items[-1].id if more else None)


def get_message(session: Session, message_id: int) -> InboundMessage:
    """The message without its raw bytes, or ApiError 404."""
    message = session.get(InboundMessage, message_id, options=[defer(InboundMessage.raw)])
    if message is None:
        raise ApiError(404, "not_found", f"There is no message {message_id}.")
    return message


def message_detail(session: Session, message_id: int) -> MessageDetail:
    """One item with its drafts (oldest first), decisions and outbox entries."""
    message = get_message(session, message_id)
    drafts = session.scalars(
        select(Draft).where(Draft.inbound_message_id == message_id).order_by(Draft.id)
    )
    decisions = session.scalars(
        select(ReviewDecision)
        .where(ReviewDecision.inbound_message_id == message_id)
        .order_by(ReviewDecision.id)
    )
    outbox = session.scalars(
        select(OutboxEntry)
        .where(OutboxEntry.inbound_message_id == message_id)
        .order_by(OutboxEntry.id)
    )
    summary = MessageSummary.model_validate(message).model_dump()
    return MessageDetail(
        **summary,
        from_name=message.from_name,
        to_addresses=message.to_addresses,
        in_reply_to=message.in_reply_to,
        text_body=message.text_body,
        sent_at=message.sent_at,
        assignee_id=message.assignee_id,
        assigned_role=message.assigned_role,
        drafts=[DraftPublic.model_validate(draft) for draft in drafts],
        decisions=[DecisionPublic.model_validate(decision) for decision in decisions],
        outbox=[OutboxPublic.model_validate(entry) for entry in outbox],
    )
