"""Labelled examples for the gate: agent drafts joined with the reviewer's verdict on them.

Label: *unchanged* when the draft was sent as written or with a trivial edit (normalised
edit distance at or below ``trivial_edit``), *changed* when it was edited more or rejected.
Escalations and reassignments carry no verdict and are ignored; when a draft has several
verdicts the latest counts. Human-written drafts are not the gate's business and are left out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.store.models import (
    DecisionAction,
    DecisionLabel,
    Draft,
    DraftAuthor,
    InboundMessage,
    ReviewDecision,
)

__all__ = [
    "ReviewedDraft",
    "Split",
    "in_categories",
    "is_held_out",
    "load_reviewed_drafts",
    "split_examples",
]

_VERDICTS = (DecisionAction.SEND, DecisionAction.REJECT)


@dataclass(frozen=True)
class ReviewedDraft:
    """A draft as it was before review, the email it answers, and the reviewer's verdict."""

    id: int
    category: str | None
    body: str
    email_text: str
    unchanged: bool
    decided_at: datetime
    classifier_confidence: float | None = None
    rule_hits: list[Any] = field(default_factory=list)
    check_results: list[Any] = field(default_factory=list)
    risks: list[Any] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when a reviewer edited the draft beyond a trivial edit, or rejected it."""
        return not self.unchanged


@dataclass(frozen=True)
class Split:
    """Training examples and the held-out ones that only certification may look at."""

    train: tuple[ReviewedDraft, ...]
    held_out: tuple[ReviewedDraft, ...]


def load_reviewed_drafts(
    session: Session, *, trivial_edit: float, categories: Collection[str] | None = None
) -> list[ReviewedDraft]:
    """Every agent draft with a send/reject verdict, ordered by draft id.

    ``categories`` restricts to one category or a group certified together.
    """
    query = (
        select(Draft, ReviewDecision, InboundMessage.text_body, InboundMessage.html_body)
        .join(ReviewDecision, ReviewDecision.draft_id == Draft.id)
        .join(InboundMessage, InboundMessage.id == Draft.inbound_message_id)
        .where(Draft.author == DraftAuthor.AGENT, ReviewDecision.action.in_(_VERDICTS))
        .order_by(Draft.id, ReviewDecision.decided_at, ReviewDecision.id)
    )
    if categories is not None:
        query = query.where(Draft.category.in_(sorted(categories)))
    latest: dict[int, ReviewedDraft] = {}
    for draft, decision, text_body, html_body in session.execute(query):
        latest[draft.id] = _example(draft, decision, text_body or html_body or "", trivial_edit)
    return [latest[key] for key in sorted(latest)]


def _example(
    draft: Draft, decision: ReviewDecision, email_text: str, trivial_edit: float
) -> ReviewedDraft:
    return ReviewedDraft(
        id=draft.id,
        category=draft.category,
        body=draft.body,
        email_text=email_text,
        unchanged=_unchanged(decision, trivial_edit),
        decided_at=decision.decided_at,
        classifier_confidence=draft.classifier_confidence,
        rule_hits=list(draft.rule_hits or []),
        check_results=list(draft.check_results or []),
        risks=list(draft.risks or []),
    )


def _unchanged(decision: ReviewDecision, trivial_edit: float) -> bool:
    """The label under today's trivial-edit threshold, from the stored edit distance."""
    if decision.action == DecisionAction.REJECT or decision.label == DecisionLabel.REJECTED:
        return False
    if decision.edit_distance is not None:
        return decision.edit_distance <= trivial_edit
    return decision.label == DecisionLabel.SENT_UNCHANGED


def is_held_out(draft_id: int, *, fraction: float, salt: str) -> bool:
    """Deterministic coin for ``draft_id``: the same draft is always on the same side."""
    digest = hashlib.sha256(f"{salt}:{draft_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def split_examples(examples: Iterable[ReviewedDraft], *, fraction: float, salt: str) -> Split:
    """Split by draft-id hash, so adding new reviews never moves old drafts across."""
    train: list[ReviewedDraft] = []
    held_out: list[ReviewedDraft] = []
    for example in examples:
        side = held_out if is_held_out(example.id, fraction=fraction, salt=salt) else train
        side.append(example)
    return Split(train=tuple(train), held_out=tuple(held_out))


def in_categories(
    examples: Sequence[ReviewedDraft], categories: Collection[str]
) -> list[ReviewedDraft]:
    """The examples of one category or a group of categories certified together."""
    wanted = set(categories)
    return [example for example in examples if example.category in wanted]
