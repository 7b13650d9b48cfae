"""The last check before a send: does its approval still stand? (invariant I2)"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.store.models import (
    AUTO_SEND_KILL_SWITCH,
    Approval,
    Category,
    CategoryMode,
    Draft,
    Flag,
    ModelPin,
    OutboxEntry,
    User,
)

__all__ = ["refusal_reason"]


def refusal_reason(session: Session, entry: OutboxEntry) -> str | None:
    """Why ``entry`` may not be sent now, or None when it may.

    A human approval stands while its approver's account is active. An automatic one
    stands only while the kill switches are off, the draft's category is still in auto
    mode, and every model pin is the one the decision was made under.
    """
    if entry.approval == Approval.HUMAN:
        user = session.get(User, entry.approved_by) if entry.approved_by is not None else None
        return None if user is not None and user.active else "its approver's account is inactive"
    return _auto_refusal(session, entry)


def _auto_refusal(session: Session, entry: OutboxEntry) -> str | None:
    kill = session.get(Flag, AUTO_SEND_KILL_SWITCH)
    if kill is not None and kill.enabled:
        return "auto-send stopped by the global kill switch"
    draft = session.get(Draft, entry.draft_id)
    category = None
    if draft is not None and draft.category is not None:
        category = session.scalar(select(Category).where(Category.name == draft.category))
    if category is None:
        return "auto-send refused: the draft has no known category"
    if category.kill_switch:
        return f"auto-send stopped by the kill switch of category {category.name}"
    if category.mode != CategoryMode.AUTO:
        return f"category {category.name} is no longer in auto mode ({category.mode.value})"
    current = {pin.node: pin.spec for pin in session.scalars(select(ModelPin))}
    if entry.model_pins is None or entry.model_pins != current:
        return "the model pins changed since this reply was approved automatically"
    return None
