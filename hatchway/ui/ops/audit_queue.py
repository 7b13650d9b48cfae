"""The audit queue: sampled auto-sent replies with the email they answered, pending first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hatchway.store.models import AuditSample, AuditVerdict, InboundMessage, OutboxEntry, User

__all__ = ["AuditItem", "AuditQueuePage", "audit_queue"]

BODY_CHARS = 20_000  # an auditor reads the whole reply; this only stops a pathological one


@dataclass(frozen=True)
class AuditItem:
    """One sampled reply, the email it answered, and the verdict so far."""

    id: int
    category: str
    sampled_at: datetime
    verdict: AuditVerdict
    verdict_by: str | None
    verdict_at: datetime | None
    note: str | None
    message_id: int
    from_address: str | None
    email_subject: str | None
    email_text: str | None
    reply_to: str
    reply_subject: str
    reply_body: str
    sent_at: datetime | None


@dataclass(frozen=True)
class AuditQueuePage:
    """A page of the queue and how many are still waiting."""

    items: list[AuditItem]
    pending: int
    total: int
    page: int
    pages: int


def audit_queue(session: Session, *, page: int, page_size: int) -> AuditQueuePage:
    """Pending samples oldest first (they wait longest), then decided ones newest first."""
    pending_first = case((AuditSample.verdict == AuditVerdict.PENDING, 0), else_=1)
    decided_newest = case((AuditSample.verdict == AuditVerdict.PENDING, 0), else_=-AuditSample.id)
    query = (
        select(
            AuditSample,
            User.display_name,
            InboundMessage.id,
            InboundMessage.from_address,
            InboundMessage.subject,
            InboundMessage.text_body,  # only the columns shown: never the raw bytes
            OutboxEntry.to_addresses,
            OutboxEntry.subject,
            OutboxEntry.body,
            OutboxEntry.sent_at,
        )
        .join(OutboxEntry, OutboxEntry.id == AuditSample.outbox_entry_id)
        .join(InboundMessage, InboundMessage.id == OutboxEntry.inbound_message_id)
        .outerjoin(User, User.id == AuditSample.verdict_by)
        .order_by(pending_first, decided_newest, AuditSample.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    items = [_item(*row) for row in session.execute(query)]
    waiting = func.coalesce(
        func.sum(case((AuditSample.verdict == AuditVerdict.PENDING, 1), else_=0)), 0
    )
    total, pending = session.execute(select(func.count(), waiting).select_from(AuditSample)).one()
    total, pending = int(total), int(pending)
    pages = max(1, -(-total // page_size))
    return AuditQueuePage(items, pending, total, min(page, pages), pages)


def _item(
    sample: AuditSample,
    verdict_by: str | None,
    message_id: int,
    from_address: str | None,
    email_subject: str | None,
    email_text: str | None,
    to_addresses: list[object] | None,
    reply_subject: str,
    reply_body: str,
    sent_at: datetime | None,
) -> AuditItem:
    return AuditItem(
        id=sample.id,
        category=sample.category,
        sampled_at=sample.sampled_at,
        verdict=sample.verdict,
        verdict_by=verdict_by,
        verdict_at=sample.verdict_at,
        note=sample.note,
        message_id=message_id,
        from_address=from_address,
        email_subject=email_subject,
        email_text=(email_text or "")[:BODY_CHARS] or None,
        reply_to=", ".join(str(a) for a in to_addresses or []),
        reply_subject=reply_subject,
        reply_body=reply_body[:BODY_CHARS],
        sent_at=sent_at,
    )
