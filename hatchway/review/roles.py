"""Who may send an item: the lowest role its rule hits allow, and whom it can be escalated to."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.store.models import ROLE_RANK, Draft, Role

__all__ = ["ESCALATION_ROLES", "outranks", "required_role", "role_required_by"]

ESCALATION_ROLES: tuple[Role, ...] = (Role.OPS, Role.ADMIN)


def outranks(role: Role, needed: Role) -> bool:
    """True when ``role`` is ``needed`` or above it."""
    return ROLE_RANK[role] >= ROLE_RANK[needed]


def required_role(session: Session, message_id: int) -> Role:
    """The lowest role that may send this item: raised by rule hits asking for a role."""
    draft = session.scalar(
        select(Draft).where(Draft.inbound_message_id == message_id).order_by(Draft.id.desc())
    )
    return role_required_by(draft.rule_hits if draft is not None else [])


def role_required_by(rule_hits: Sequence[object]) -> Role:
    """The lowest role that may send a draft with these rule hits (a draft already read)."""
    needed = Role.REVIEWER
    for hit in rule_hits:
        role = _role_of(hit)
        if role is not None and not outranks(needed, role):
            needed = role
    return needed


def _role_of(hit: object) -> Role | None:
    value = hit.get("role") if isinstance(hit, dict) else None
    return Role(value) if isinstance(value, str) and value in Role._value2member_map_ else None
