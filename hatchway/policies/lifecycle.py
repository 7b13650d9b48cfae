"""Automation lifecycle rules that hold whatever else happens: a changed model pin demotes.

Production teams do not want their system to change under them: when the model pinned to
any node changes, every category in shadow or auto mode drops back to review until it is
re-qualified on evidence gathered with the new model. Each change is an audit event.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.agents.pins import ModelPin as PinSpec
from hatchway.policies.automation import Actor, demote
from hatchway.store.models import AuditEvent, Category, CategoryMode, ModelPin, utcnow
from hatchway.store.serial import serialise_transaction

__all__ = ["PINS_LOCK_ID", "apply_model_pins"]

PINS_LOCK_ID = 0x68617470  # "hatp": serialises apply_model_pins across processes (PostgreSQL)


def apply_model_pins(session: Session, pins: Mapping[str, PinSpec], *, actor: str) -> list[str]:
    """Store the configured pins; on any change demote shadow/auto categories. Returns changes.

    Workers starting together apply the same pins one at a time (on PostgreSQL a transaction
    advisory lock; SQLite's write transactions are serial already): the later one sees the
    rows the first stored, instead of inserting them again (a unique violation that stopped
    the worker) or recording the same change twice."""
    serialise_transaction(session, PINS_LOCK_ID)
    stored = {row.node: row for row in session.scalars(select(ModelPin))}
    changes: list[str] = []
    for node, pin in sorted(pins.items()):
        row = stored.get(node)
        if row is not None and row.spec == pin.spec:
            continue
        before = None if row is None else row.spec
        if row is None:
            row = ModelPin(node=node)
            session.add(row)
        row.spec, row.provider, row.model, row.version = (
            pin.spec,
            pin.provider,
            pin.model,
            pin.version,
        )
        row.pinned_at = utcnow()
        _audit(
            session, actor, "model_pin.changed", "model_pin", node, {"from": before, "to": pin.spec}
        )
        if before is not None:
            changes.append(f"{node}: {before} → {pin.spec}")
    if changes:
        _demote_all(session, actor, "model pin changed: " + "; ".join(changes))
    session.flush()
    return changes


def _demote_all(session: Session, actor: str, reason: str) -> None:
    automated = select(Category.name).where(Category.mode != CategoryMode.REVIEW)
    for name in list(session.scalars(automated)):
        demote(session, name=name, actor=Actor(actor), reason=reason)


def _audit(
    session: Session,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    details: dict[str, object],
) -> None:
    session.add(
        AuditEvent(
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            details=details,
        )
    )
