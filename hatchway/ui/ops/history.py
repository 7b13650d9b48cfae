"""A category's recent history from the audit log: mode changes, certifications, switches."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.store.models import AuditEvent, User
from hatchway.ui.ops.audit_log import LogRow, row_of

__all__ = ["CATEGORY_ACTIONS", "category_history"]

CATEGORY_ACTIONS = (
    "category.mode_review",
    "category.mode_shadow",
    "category.mode_auto",
    "category.certified",
    "kill_switch.on",
    "kill_switch.off",
)


def category_history(session: Session, *, name: str, limit: int = 15) -> list[LogRow]:
    """The newest events about category ``name`` (served by the action index)."""
    query = (
        select(AuditEvent, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_user_id)
        .where(AuditEvent.action.in_(CATEGORY_ACTIONS), AuditEvent.subject_id == name)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return [row_of(event, user) for event, user in session.execute(query)]
