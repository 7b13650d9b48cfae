"""What ops must not miss: automatic demotions of the last days and kill switches that are on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.store.models import AUTO_SEND_KILL_SWITCH, AuditEvent, Category, Flag

__all__ = ["Demotion", "KillSwitches", "automatic_demotions", "kill_switches"]

# Demotions made by the system (an audited error, a changed pin or gate) rather than a person.
_AUTOMATIC_REASONS = ("gate model changed", "model pin changed", "audited error")
_CAUSES = ("gate.activated", "model_pin.changed")


@dataclass(frozen=True)
class Demotion:
    """A category moved back to review without anyone clicking Demote."""

    category: str
    at: datetime
    reason: str
    actor: str


@dataclass(frozen=True)
class KillSwitches:
    """The global switch (with its reason) and the categories stopped one by one."""

    global_on: bool
    global_reason: str | None
    global_since: datetime | None
    categories: list[tuple[str, str]]  # (category, reason given when it was stopped)

    @property
    def any_on(self) -> bool:
        return self.global_on or bool(self.categories)


def automatic_demotions(session: Session, *, now: datetime, days: int) -> list[Demotion]:
    """Automatic demotions in the last ``days`` days, newest first.

    A demotion is automatic when a ``system:*`` actor made it, when its reason is one the
    system gives, or when it came with a gate activation or model pin change (same actor,
    within a minute): those demote with the actor who changed the pin.
    """
    since = now - timedelta(days=days)
    query = (
        select(AuditEvent)
        .where(AuditEvent.at >= since, AuditEvent.action.in_(["category.mode_review", *_CAUSES]))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    events = list(session.scalars(query))
    causes = [e for e in events if e.action in _CAUSES]
    found = []
    for event in events:
        if event.action != "category.mode_review":
            continue
        reason = str((event.details or {}).get("reason") or "")
        caused = any(
            c.actor == event.actor and abs((c.at - event.at).total_seconds()) < 60 for c in causes
        )
        if event.actor.startswith("system") or reason.startswith(_AUTOMATIC_REASONS) or caused:
            found.append(Demotion(event.subject_id or "?", event.at, reason, event.actor))
    return found


def kill_switches(session: Session) -> KillSwitches:
    """Which kill switches are on now."""
    flag = session.get(Flag, AUTO_SEND_KILL_SWITCH)
    stopped = list(
        session.scalars(
            select(Category.name).where(Category.kill_switch.is_(True)).order_by(Category.name)
        )
    )
    reasons: dict[str, str] = {}
    if stopped:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "kill_switch.on", AuditEvent.subject_id.in_(stopped))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
        for event in events:
            reasons.setdefault(event.subject_id or "", str((event.details or {}).get("reason", "")))
    on = flag is not None and flag.enabled
    return KillSwitches(
        global_on=on,
        global_reason=flag.reason if on and flag is not None else None,
        global_since=flag.updated_at if on and flag is not None else None,
        categories=[(name, reasons.get(name, "")) for name in stopped],
    )
