"""Quarantined mail: retry parsing the stored bytes (a fixed parser may read them now), or
dismiss it (it stays stored and quarantined, hidden from the list, with an audit event)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hatchway.intake import reparse
from hatchway.store.models import AuditEvent, InboundMessage, InboundStatus

__all__ = ["QuarantineRow", "RetryOutcome", "dismiss", "list_quarantine", "retry_parse"]


@dataclass(frozen=True)
class QuarantineRow:
    """One quarantined message in the list."""

    id: int
    received_at: datetime
    reason: str | None
    size: int


@dataclass(frozen=True)
class RetryOutcome:
    """What a retry did: ``status`` is the message's status afterwards."""

    status: InboundStatus
    reason: str | None


def list_quarantine(session: Session, *, limit: int) -> tuple[list[QuarantineRow], int]:
    """The newest quarantined messages not dismissed, and how many there are."""
    visible = (
        InboundMessage.status == InboundStatus.QUARANTINED,
        InboundMessage.dismissed_at.is_(None),
    )
    rows = session.execute(
        select(
            InboundMessage.id,
            InboundMessage.received_at,
            InboundMessage.status_reason,
            func.length(InboundMessage.raw),
        )
        .where(*visible)
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(limit)
    ).all()
    total = session.scalar(select(func.count()).where(*visible)) or 0
    return [QuarantineRow(r[0], r[1], r[2], int(r[3] or 0)) for r in rows], total


def retry_parse(
    session: Session,
    message: InboundMessage,
    *,
    own_domains: frozenset[str],
    actor: str,
    actor_user_id: int,
) -> RetryOutcome:
    """Parse the stored bytes again (as intake does); when that works, the row is filled,
    threaded and its triage queued unless it is never answered."""
    status = reparse(session, message, own_domains=own_domains)
    outcome = RetryOutcome(status, message.status_reason)
    _audit(session, message, "quarantine.retried", actor, actor_user_id, outcome.status.value)
    return outcome


def dismiss(
    session: Session, message: InboundMessage, *, now: datetime, actor: str, actor_user_id: int
) -> None:
    """Hide a quarantined message from the list; it stays stored (nothing is dropped, I1)."""
    message.dismissed_at = now
    _audit(session, message, "quarantine.dismissed", actor, actor_user_id, "dismissed")


def _audit(
    session: Session,
    message: InboundMessage,
    action: str,
    actor: str,
    actor_user_id: int,
    result: str,
) -> None:
    session.add(
        AuditEvent(
            actor=actor,
            actor_user_id=actor_user_id,
            action=action,
            subject_type="inbound_message",
            subject_id=str(message.id),
            details={"result": result, "reason": message.status_reason},
        )
    )
