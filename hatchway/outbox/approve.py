"""Approving a draft puts exactly one entry in the outbox; undo cancels it while it is held."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hatchway.errors import HatchwayError
from hatchway.mail.ids import make_message_id
from hatchway.store.models import (
    Approval,
    AuditEvent,
    Draft,
    InboundMessage,
    InboundStatus,
    OutboxEntry,
    OutboxState,
    utcnow,
)
from hatchway.webhooks.events import record_back_in_review

__all__ = ["ApprovalRefused", "approve_draft", "cancel_held"]


class ApprovalRefused(HatchwayError):
    """The draft may not be sent: ``reason`` says why (loop mail, no approver...)."""

    def __init__(self, draft_id: int, reason: str) -> None:
        self.draft_id = draft_id
        self.reason = reason
        super().__init__(f"draft {draft_id}: {reason}")


def approve_draft(
    session: Session,
    *,
    draft: Draft,
    approval: Approval,
    from_address: str,
    hold: timedelta,
    approved_by: int | None = None,
    subject: str | None = None,
    body: str | None = None,
    model_pins: dict[str, Any] | None = None,
) -> OutboxEntry:
    """Queue the reply to ``draft``'s message. Its Message-ID is fixed here, once.

    Approving the same draft again returns the entry made the first time (invariant I3).
    """
    existing = session.scalar(select(OutboxEntry).where(OutboxEntry.draft_id == draft.id))
    if existing is not None:
        return existing
    inbound = session.get(InboundMessage, draft.inbound_message_id)
    _check_may_approve(draft, inbound, approval, approved_by)
    assert inbound is not None and inbound.from_address is not None
    entry = OutboxEntry(
        draft_id=draft.id,
        inbound_message_id=inbound.id,
        message_id=make_message_id(from_address.rpartition("@")[2]),
        approval=approval,
        approved_by=approved_by,
        from_address=from_address,
        to_addresses=list(inbound.reply_to) or [inbound.from_address],
        subject=subject if subject is not None else draft.subject,
        body=body if body is not None else draft.body,
        in_reply_to=inbound.message_id,
        references=list(inbound.references),
        hold_until=utcnow() + hold,
        model_pins=model_pins,
    )
    session.add(entry)
    inbound.status, inbound.status_reason = InboundStatus.APPROVED, None
    session.flush()
    _audit(session, "outbox.approved", entry, approved_by, {"approval": approval.value})
    return entry


def _check_may_approve(
    draft: Draft, inbound: InboundMessage | None, approval: Approval, approved_by: int | None
) -> None:
    if inbound is None or inbound.from_address is None:
        raise ApprovalRefused(draft.id, "its inbound message has no sender to reply to")
    if inbound.loop_signals:  # invariant I6, whatever the caller thinks
        raise ApprovalRefused(draft.id, "its inbound message must never be answered (loop mail)")
    if approval == Approval.HUMAN and approved_by is None:
        raise ApprovalRefused(draft.id, "a human approval needs the approving user")


def cancel_held(session: Session, entry_id: int, *, by_user: int | None, reason: str) -> bool:
    """Undo: cancel the send while it is still held. False when it is already on its way."""
    result = session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id == entry_id, OutboxEntry.state == OutboxState.HELD)
        .values(state=OutboxState.CANCELLED, last_error=reason)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    entry = session.get(OutboxEntry, entry_id)
    assert entry is not None
    session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == entry.inbound_message_id)
        .values(status=InboundStatus.IN_REVIEW, status_reason=f"send undone: {reason}")
    )
    record_back_in_review(
        session, entry.inbound_message_id, reason=f"send undone: {reason}", draft_id=entry.draft_id
    )
    _audit(session, "outbox.cancelled", entry, by_user, {"reason": reason})
    return True


def _audit(
    session: Session, action: str, entry: OutboxEntry, user: int | None, details: dict[str, Any]
) -> None:
    session.add(
        AuditEvent(
            actor=f"user:{user}" if user is not None else "system",
            actor_user_id=user,
            action=action,
            subject_type="outbox_entry",
            subject_id=str(entry.id),
            details={"message_id": entry.message_id, **details},
        )
    )
