"""Categories as the API shows them, and the requests that change their mode."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hatchway.store.models import CategoryMode

__all__ = ["CategoryPublic", "DemoteRequest", "PromoteRequest"]


class CategoryPublic(BaseModel):
    """A category's mode, certified threshold and evidence, and what keeps it from auto."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    description: str | None
    answerable: bool
    mode: CategoryMode
    threshold: float | None
    target_error: float
    kill_switch: bool
    evidence: dict[str, Any] | None
    evidence_at: datetime | None
    updated_at: datetime
    auto_blockers: list[str] = Field(
        default_factory=list, description="Why the evidence does not justify auto now."
    )


class PromoteRequest(BaseModel):
    """review → shadow, or shadow → auto (on current evidence)."""

    model_config = ConfigDict(extra="forbid")

    to: Literal[CategoryMode.SHADOW, CategoryMode.AUTO]


class DemoteRequest(BaseModel):
    """Back to review mode; the reason goes to the audit log."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")
