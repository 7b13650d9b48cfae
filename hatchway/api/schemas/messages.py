"""Inbound messages: the structured submission, the submission's answer, list and detail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hatchway.store.models import (
    Approval,
    DecisionAction,
    DecisionLabel,
    DraftAuthor,
    InboundSource,
    InboundStatus,
    OutboxState,
    Route,
)

__all__ = [
    "DecisionPublic",
    "DraftPublic",
    "MessageCreate",
    "MessageDetail",
    "MessagePage",
    "MessageSummary",
    "OutboxPublic",
    "SubmissionPublic",
]

# One header line: no CR/LF (header injection), at most RFC 5322's line limit.
HeaderText = Annotated[str, StringConstraints(max_length=998, pattern=r"^[^\r\n]*$")]
Address = Annotated[
    str, StringConstraints(min_length=3, max_length=320, pattern=r"^[^\r\n<>@\s]+@[^\r\n<>@\s]+$")
]
MessageIdText = Annotated[
    str, StringConstraints(min_length=3, max_length=998, pattern=r"^<?[^\r\n<>\s]+@[^\r\n<>\s]+>?$")
]


class MessageCreate(BaseModel):
    """An inbound e-mail as structured fields, for a CRM that receives mail itself."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Address = Field(alias="from", description="The sender's address.")
    from_name: HeaderText | None = Field(default=None, description="The sender's display name.")
    to: list[Address] = Field(min_length=1, max_length=100)
    subject: HeaderText = ""
    text: str = Field(max_length=1_000_000, description="The plain-text body.")
    html: str | None = Field(default=None, max_length=2_000_000)
    message_id: MessageIdText | None = Field(
        default=None, description="Its Message-ID; made from the content when absent."
    )
    in_reply_to: MessageIdText | None = None
    references: list[MessageIdText] = Field(default_factory=list, max_length=100)
    date: datetime | None = Field(default=None, description="When it was sent (with a zone).")


class SubmissionPublic(BaseModel):
    """What a submission did: the stored message and where it is now."""

    id: int
    status: InboundStatus
    status_reason: str | None
    message_id: str | None
    duplicate: bool = Field(description="True when it had been stored before this request.")


class MessageSummary(BaseModel):
    """One item of the list."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source: InboundSource
    status: InboundStatus
    status_reason: str | None
    category: str | None
    message_id: str | None
    from_address: str | None
    subject: str | None
    received_at: datetime
    thread_id: int | None


class MessagePage(BaseModel):
    """A page of items, newest first; pass ``next_before_id`` as ``before_id`` for the next."""

    items: list[MessageSummary]
    next_before_id: int | None


class DraftPublic(BaseModel):
    """A reply draft with what the reviewer and the gate judged it on."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    revision: int
    author: DraftAuthor
    category: str | None
    subject: str
    body: str
    facts: list[Any]
    rule_hits: list[Any]
    check_results: list[Any]
    review_reasons: list[Any]
    gate_score: float | None
    route: Route | None
    created_at: datetime


class DecisionPublic(BaseModel):
    """A reviewer's decision on a draft."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    draft_id: int
    reviewer_id: int | None
    action: DecisionAction
    label: DecisionLabel
    reason: str | None
    edit_distance: float | None
    decided_at: datetime


class OutboxPublic(BaseModel):
    """An approved reply on its way out."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    draft_id: int
    state: OutboxState
    approval: Approval
    message_id: str
    hold_until: datetime
    sent_at: datetime | None


class MessageDetail(MessageSummary):
    """One item with its content, drafts, decisions and outbox state."""

    from_name: str | None
    to_addresses: list[Any]
    in_reply_to: str | None
    text_body: str | None
    sent_at: datetime | None
    assignee_id: int | None
    assigned_role: str | None
    drafts: list[DraftPublic]
    decisions: list[DecisionPublic]
    outbox: list[OutboxPublic]
