"""Which gate model is in force: kept as the ``gate`` row of the model pins, set by training.

Activating a new gate demotes every category in auto mode whose evidence was made with
another gate version: its certification no longer describes the model that scores it.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.policies.automation import Actor, demote
from hatchway.policies.gate import GATE_MODEL, GateModel, UnknownGate, load_gate
from hatchway.store.models import AuditEvent, Category, CategoryMode, ModelPin, utcnow

__all__ = ["GATE_NODE", "activate_gate", "current_gate", "current_gate_version"]

GATE_NODE = "gate"
NO_GATE = "no gate model is trained yet (`hatchway gate train`), so nothing is sent automatically"


def current_gate_version(session: Session) -> str | None:
    """The version of the gate in force, or None before the first training."""
    row = session.scalar(select(ModelPin).where(ModelPin.node == GATE_NODE))
    return None if row is None else row.spec


def current_gate(session: Session, models_dir: Path) -> GateModel | UnknownGate:
    """The gate in force, loaded and hash-checked; UnknownGate before the first training."""
    version = current_gate_version(session)
    if version is None:
        return UnknownGate(NO_GATE)
    return load_gate(models_dir, version.rpartition("@sha256:")[2])


def activate_gate(session: Session, *, version: str, actor: Actor) -> list[str]:
    """Put a trained gate in force; demote auto categories certified with another. Returns them."""
    row = session.scalar(select(ModelPin).where(ModelPin.node == GATE_NODE))
    if row is None:
        row = ModelPin(node=GATE_NODE, provider="local", model=GATE_MODEL)
        session.add(row)
    before = row.spec if row.spec else None
    row.spec, row.version, row.pinned_at = version, version.rpartition("@")[2], utcnow()
    row.pinned_by = actor.user_id
    session.add(
        AuditEvent(
            actor=actor.label,
            actor_user_id=actor.user_id,
            action="gate.activated",
            subject_type="model_pin",
            subject_id=GATE_NODE,
            details={"from": before, "to": version},
        )
    )
    demoted = []
    for category in list(
        session.scalars(select(Category).where(Category.mode == CategoryMode.AUTO))
    ):
        if (category.evidence or {}).get("gate_version") != version:
            demote(
                session,
                name=category.name,
                actor=actor,
                reason=f"gate model changed to {version}; evidence not re-established",
            )
            demoted.append(category.name)
    session.flush()
    return demoted
