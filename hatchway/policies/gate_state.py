"""Which gate model is in force: kept as the ``gate`` row of the model pins, set by training.

Activating a new gate demotes every category in auto mode whose evidence was made with
another gate version: its certification no longer describes the model that scores it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.policies.automation import Actor, demote
from hatchway.policies.gate import (
    GATE_MODEL,
    GateArtifact,
    GateModel,
    GateSettings,
    UnknownGate,
    load_gate,
    load_reviewed_drafts,
    split_examples,
    train_gate,
)
from hatchway.store import Database
from hatchway.store.models import AuditEvent, Category, CategoryMode, ModelPin, utcnow
from hatchway.store.prepared import Prepared
from hatchway.store.tables import MODEL_PINS

__all__ = [
    "GATE_NODE",
    "GateInForce",
    "GateRetrainSchedule",
    "TrainingOutcome",
    "activate_gate",
    "current_gate",
    "current_gate_version",
    "train_and_activate",
]

if TYPE_CHECKING:
    from hatchway.config import Settings

log = logging.getLogger(__name__)

GATE_NODE = "gate"
NO_GATE = "no gate model is trained yet (`hatchway gate train`), so nothing is sent automatically"


_GATE_VERSION: Final = Prepared(select(MODEL_PINS.c.spec).where(MODEL_PINS.c.node == GATE_NODE))


def current_gate_version(session: Session) -> str | None:
    """The version of the gate in force, or None before the first training."""
    version: str | None = _GATE_VERSION.scalar(session)
    return version


def current_gate(session: Session, models_dir: Path) -> GateModel | UnknownGate:
    """The gate in force, loaded and hash-checked; UnknownGate before the first training."""
    version = current_gate_version(session)
    if version is None:
        return UnknownGate(NO_GATE)
    return load_gate(models_dir, version.rpartition("@sha256:")[2])


class GateInForce:
    """The gate in force at each use, so a retrain takes effect in running workers at once;
    each version is loaded (and hash-checked) once."""

    def __init__(self, database: Database, models_dir: Path) -> None:
        self.database = database
        self.models_dir = models_dir
        self._loaded: tuple[str, GateModel] | None = None

    def current(self) -> GateModel | UnknownGate:
        """One small query for the pinned version; the model itself comes from memory."""
        with self.database.reading() as connection:
            version = _GATE_VERSION.scalar(connection)
        if version is None:
            return UnknownGate(NO_GATE)
        if self._loaded is None or self._loaded[0] != version:
            self._loaded = (version, load_gate(self.models_dir, version.rpartition("@sha256:")[2]))
        return self._loaded[1]


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


@dataclass(frozen=True)
class TrainingOutcome:
    """What a training run did: the version put in force, or why nothing changed."""

    version: str | None
    examples: int
    reason: str | None = None
    demoted: tuple[str, ...] = ()


def train_and_activate(
    database: Database,
    *,
    gate: GateSettings,
    trivial_edit: float,
    models_dir: Path,
    actor: Actor,
) -> TrainingOutcome:
    """Train the gate on the training split of reviewed drafts and put it in force."""
    with database.session() as session:
        examples = load_reviewed_drafts(session, trivial_edit=trivial_edit)
    split = split_examples(examples, fraction=gate.held_out_fraction, salt=gate.split_salt)
    result = train_gate(split.train, out_dir=models_dir, settings=gate)
    if not isinstance(result, GateArtifact):
        return TrainingOutcome(None, len(split.train), reason=result.reason)
    with database.session() as session:
        if current_gate_version(session) == result.version:
            return TrainingOutcome(result.version, len(split.train), reason="unchanged")
        demoted = activate_gate(session, version=result.version, actor=actor)
    return TrainingOutcome(result.version, len(split.train), demoted=tuple(demoted))


class GateRetrainSchedule:
    """A worker poller: retrain the gate every ``gate.retrain_every_hours``."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self.last_run: datetime | None = None

    def __call__(self) -> None:
        every = self.settings.gate.retrain_every_hours
        now = utcnow()
        if every is None or (self.last_run and now - self.last_run < timedelta(hours=every)):
            return
        self.last_run = now
        outcome = train_and_activate(
            self.database,
            gate=self.settings.gate,
            trivial_edit=self.settings.triage.trivial_edit,
            models_dir=self.settings.models_dir,
            actor=Actor("system:gate-schedule"),
        )
        log.info("scheduled gate training: %s", outcome)
