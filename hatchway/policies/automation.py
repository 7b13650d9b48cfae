"""Category modes: review (launch state) → shadow → auto, promoted only on current evidence.

Promotion to auto needs a certification stored on the category (see policies/gate/certify)
that meets the category's target error, made with the gate version and model pins that are
in force now, and the category must have run in shadow mode first. Every change — promotion,
demotion, kill switch — is an audit event naming who did it and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.errors import HatchwayError
from hatchway.store.models import (
    AUTO_SEND_KILL_SWITCH,
    AuditEvent,
    Category,
    CategoryMode,
    Flag,
    ModelPin,
    utcnow,
)
from hatchway.webhooks import EventType, record_event

__all__ = [
    "Actor",
    "PromotionRefused",
    "demote",
    "evidence_problems",
    "promote",
    "record_evidence",
    "set_kill_switch",
]


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a user (id and name) or the system, for the audit trail."""

    name: str
    user_id: int | None = None

    @property
    def label(self) -> str:
        return f"user:{self.name}" if self.user_id is not None else self.name


class PromotionRefused(HatchwayError):
    """A promotion without the evidence it needs; ``missing`` lists what, in plain words."""

    def __init__(self, category: str, missing: list[str]) -> None:
        self.category = category
        self.missing = missing
        super().__init__(f"category {category} cannot be promoted: " + "; ".join(missing))


def current_pins(session: Session) -> dict[str, str]:
    """The model pins in force, node → spec."""
    return {pin.node: pin.spec for pin in session.scalars(select(ModelPin))}


def evidence_problems(
    session: Session, category: Category, *, gate_version: str | None
) -> list[str]:
    """Why the category's stored evidence does not justify auto mode now (empty: it does)."""
    evidence: Mapping[str, Any] | None = category.evidence
    if not evidence:
        return ["no certification yet: run `hatchway gate certify` on reviewed drafts"]
    problems = []
    bound = float(evidence.get("upper_bound", 1.0))
    if bound > category.target_error:
        problems.append(
            f"the certified error bound {bound:.2%} is above the target {category.target_error:.2%}"
        )
    if gate_version is None or evidence.get("gate_version") != gate_version:
        problems.append("the evidence was made with another gate model than the current one")
    if evidence.get("model_pins") != current_pins(session):
        problems.append("the evidence was made under other model pins than the current ones")
    if category.threshold is None:
        problems.append("no certified threshold is stored")
    return problems


def promote(
    session: Session,
    *,
    name: str,
    to: CategoryMode,
    actor: Actor,
    gate_version: str | None,
) -> Category:
    """Move a category to shadow or auto; auto only from shadow and on current evidence."""
    category = _category(session, name)
    if to == CategoryMode.AUTO:
        missing = evidence_problems(session, category, gate_version=gate_version)
        if category.mode != CategoryMode.SHADOW:
            missing.insert(0, "run it in shadow mode first (review → shadow → auto)")
        if _kill_switch_on(session, category):
            missing.append("a kill switch is on")
        if missing:
            raise PromotionRefused(name, missing)
    _change_mode(session, category, to, actor, reason="promoted")
    return category


def demote(session: Session, *, name: str, actor: Actor, reason: str) -> Category:
    """Back to review mode, with the reason in the audit trail."""
    category = _category(session, name)
    _change_mode(session, category, CategoryMode.REVIEW, actor, reason=reason)
    return category


def set_kill_switch(
    session: Session, *, enabled: bool, actor: Actor, reason: str, name: str | None = None
) -> None:
    """Stop (or allow again) auto-sending: globally, or for one category."""
    if name is None:
        flag = session.get(Flag, AUTO_SEND_KILL_SWITCH) or Flag(name=AUTO_SEND_KILL_SWITCH)
        flag.enabled, flag.reason, flag.updated_at = enabled, reason, utcnow()
        flag.updated_by = actor.user_id
        session.add(flag)
        subject = "*"
    else:
        category = _category(session, name)
        category.kill_switch, category.updated_at = enabled, utcnow()
        subject = name
    action = "kill_switch.on" if enabled else "kill_switch.off"
    _audit(session, actor, action, subject, {"reason": reason})


def record_evidence(
    session: Session, *, names: list[str], evidence: dict[str, Any], threshold: float, actor: Actor
) -> None:
    """Store a certification (n, errors, bound, coverage, gate version, pins, date) on each."""
    for name in names:
        category = _category(session, name)
        category.evidence = {**evidence, "model_pins": current_pins(session), "group": names}
        category.threshold, category.evidence_at = threshold, utcnow()
        _audit(session, actor, "category.certified", name, {"evidence": category.evidence})


def _category(session: Session, name: str) -> Category:
    category = session.scalar(select(Category).where(Category.name == name))
    if category is None:
        known = ", ".join(session.scalars(select(Category.name).order_by(Category.name)))
        raise PromotionRefused(name, [f"no such category (known: {known})"])
    return category


def _kill_switch_on(session: Session, category: Category) -> bool:
    flag = session.get(Flag, AUTO_SEND_KILL_SWITCH)
    return category.kill_switch or bool(flag is not None and flag.enabled)


def _change_mode(
    session: Session, category: Category, to: CategoryMode, actor: Actor, *, reason: str
) -> None:
    before = category.mode
    category.mode, category.updated_at, category.updated_by = to, utcnow(), actor.user_id
    details = {"from": before.value, "to": to.value, "reason": reason}
    _audit(session, actor, f"category.mode_{to.value}", category.name, details)
    if before != to:
        who = {"actor": actor.label, "actor_user_id": actor.user_id}
        payload = {"category": category.name, **details, **who, "changed_at": category.updated_at}
        record_event(session, type=EventType.CATEGORY_MODE_CHANGED, payload=payload)


def _audit(
    session: Session, actor: Actor, action: str, subject: str, details: dict[str, Any]
) -> None:
    session.add(
        AuditEvent(
            actor=actor.label,
            actor_user_id=actor.user_id,
            action=action,
            subject_type="category",
            subject_id=subject,
            details=details,
        )
    )
