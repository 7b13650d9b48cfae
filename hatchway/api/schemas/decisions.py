"""A review decision as the API takes it, and the answer once it is queued."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hatchway.store.models import Role

__all__ = ["DecisionCreate", "DecisionQueued"]


class DecisionCreate(BaseModel):
    """A person's decision on an item waiting for review, relayed by the calling program.

    ``reviewer`` is the username of the hatchway user who decided: decisions are labels the
    gate learns from and belong to a person, whatever program relays them.
    """

    model_config = ConfigDict(extra="forbid")

    action: Literal["send", "reject", "escalate", "reassign"]
    reviewer: str = Field(min_length=1, max_length=100)
    subject: str | None = Field(default=None, max_length=998, pattern=r"^[^\r\n]*$")
    body: str | None = Field(default=None, max_length=100_000)
    reason: str | None = Field(
        default=None, max_length=2000, description="Required to reject: why no reply."
    )
    escalate_to: Literal[Role.OPS, Role.ADMIN] | None = Field(
        default=None, description="Required to escalate: the role it goes to."
    )
    assignee: str | None = Field(
        default=None, max_length=100, description="Required to reassign: a username."
    )


class DecisionQueued(BaseModel):
    """The decision was accepted and a worker will carry it out."""

    message_id: int
    job_id: int
    action: str
