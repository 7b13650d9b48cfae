"""The model pinned to each graph node (and the gate), with who pinned it and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hatchway.policies.gate_state import GATE_NODE
from hatchway.store.models import ModelPin, NodeRun, User

__all__ = ["PinRow", "model_pins"]


@dataclass(frozen=True)
class PinRow:
    """One node's pin, and when a run last used a model at that node."""

    node: str
    spec: str
    provider: str
    model: str
    version: str
    pinned_at: datetime
    pinned_by: str | None
    is_gate: bool
    last_run_at: datetime | None


def model_pins(session: Session) -> list[PinRow]:
    """Every pin, the gate last, with the latest run per node (one grouped query)."""
    last_runs = dict(
        session.execute(
            select(NodeRun.node, func.max(NodeRun.started_at)).group_by(NodeRun.node)
        ).all()
    )
    query = (
        select(ModelPin, User.display_name)
        .outerjoin(User, User.id == ModelPin.pinned_by)
        .order_by(ModelPin.node == GATE_NODE, ModelPin.node)
    )
    return [
        PinRow(
            node=pin.node,
            spec=pin.spec,
            provider=pin.provider,
            model=pin.model,
            version=pin.version,
            pinned_at=pin.pinned_at,
            pinned_by=name,
            is_gate=pin.node == GATE_NODE,
            last_run_at=last_runs.get(pin.node),
        )
        for pin, name in session.execute(query)
    ]
