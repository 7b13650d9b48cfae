"""The state of one triage thread (thread_id = the inbound message's id)."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

__all__ = ["TriageState"]


class TriageState(TypedDict, total=False):
    """Everything the nodes pass along; JSON-friendly so every checkpointer can store it.

    ``review_reasons`` accumulates: every node may add why a human must look. ``failure``
    is set by the first node that fails; later model nodes then skip and the item goes to
    the review inbox with that reason (invariant I4).
    """

    message_id: int
    graph_run_id: int
    classification: dict[str, Any]
    customer: dict[str, Any] | None
    facts: list[dict[str, Any]]
    notes: list[str]
    rule_hits: list[dict[str, Any]]
    draft: dict[str, Any] | None
    check_results: list[dict[str, Any]]
    gate: dict[str, Any]
    route: str
    draft_id: int | None
    review_reasons: Annotated[list[str], operator.add]
    failure: str | None
    decision: dict[str, Any] | None
    outbox_entry_id: int | None
    outcome: str
