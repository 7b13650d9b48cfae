"""The audit log: who did what, when — newest first, paged, filtered by action."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hatchway.store.models import AuditEvent, User

__all__ = ["LogPage", "LogRow", "audit_log", "known_actions", "row_of"]

DETAILS_CHARS = 400


@dataclass(frozen=True)
class LogRow:
    """One audit event as the log shows it."""

    id: int
    at: datetime
    actor: str
    user: str | None
    action: str
    subject: str
    reason: str | None
    details: str


@dataclass(frozen=True)
class LogPage:
    """A page of the log."""

    rows: list[LogRow]
    total: int
    page: int
    pages: int


def known_actions(session: Session) -> list[str]:
    """The distinct actions in the log, for the filter (served by the action index)."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def audit_log(session: Session, *, action: str, page: int, page_size: int) -> LogPage:
    """Newest first; ``action`` empty for every action."""
    where = [AuditEvent.action == action] if action else []
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
    pages = max(1, -(-total // page_size))
    page = min(page, pages)
    query = (
        select(AuditEvent, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_user_id)
        .where(*where)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    rows = [row_of(event, name) for event, name in session.execute(query)]
    return LogPage(rows, total, page, pages)


def row_of(event: AuditEvent, user: str | None) -> LogRow:
    """An event for display: the reason apart, the other details as compact JSON."""
    details = dict(event.details or {})
    reason = details.pop("reason", None)
    text = json.dumps(details, ensure_ascii=False, sort_keys=True, default=str) if details else ""
    if len(text) > DETAILS_CHARS:
        text = text[:DETAILS_CHARS] + "…"
    return LogRow(
        id=event.id,
        at=event.at,
        actor=event.actor,
        user=user,
        action=event.action,
        subject=f"{event.subject_type} {event.subject_id}"
        if event.subject_id
        else event.subject_type,
        reason=None if reason is None else str(reason),
        details=text,
    )
