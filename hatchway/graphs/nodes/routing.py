"""route: auto-send only a proven category with a certain, flag-free draft; else review.

auto = the category is in auto mode AND the gate's score reaches its certified threshold
AND no rule, check or failure asked for a human. Shadow mode records what auto would have
done and still asks a human. A rule hit that escalates assigns the review item to a senior
role (``nodes.escalation``). The draft (with everything a reviewer needs to judge it) is
stored here, once per thread, so a re-run after a crash does not store it twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, literal, select, update
from sqlalchemy.orm import Session

from hatchway.agents.outputs import Classification, DraftReply
from hatchway.graphs.nodes.escalation import escalation_of
from hatchway.graphs.recording import NodeFunction, NodeRecord, NodeResult
from hatchway.graphs.services import TriageServices
from hatchway.graphs.state import TriageState
from hatchway.store.models import (
    ROLE_RANK,
    Category,
    CategoryMode,
    Draft,
    InboundMessage,
    InboundStatus,
    Role,
    Route,
)
from hatchway.webhooks import EventType, record_event
from hatchway.webhooks.events import ITEM_COLUMNS, ItemRow, item_payload_of

__all__ = ["make_route"]


def make_route(services: TriageServices) -> NodeFunction:
    """route: pick auto or review, store the draft, and put the message where it belongs."""

    def route(state: TriageState) -> NodeResult:
        with services.database.session() as session:
            mode, threshold = _category_mode(session, state)
            would_auto = _auto_allowed(state, threshold)
            chosen = Route.AUTO if would_auto and mode == CategoryMode.AUTO else Route.REVIEW
            recorded = Route.SHADOW if mode == CategoryMode.SHADOW else chosen
            draft_id = _store_draft(session, state, recorded, would_auto)
            item = _update_message(session, state, mode, to_review=chosen == Route.REVIEW)
            if chosen == Route.REVIEW:
                record_event(
                    session,
                    type=EventType.DRAFT_READY_FOR_REVIEW,
                    payload=item_payload_of(state["message_id"], item, draft_id=draft_id),
                )
        summary = (
            f"{chosen.value} (mode {mode.value}, auto would {'' if would_auto else 'not '}send)"
        )
        return {"route": chosen.value, "draft_id": draft_id}, NodeRecord(output_summary=summary)

    return route


def _category_mode(session: Session, state: TriageState) -> tuple[CategoryMode, float | None]:
    classification = state.get("classification")
    if classification is None:
        return CategoryMode.REVIEW, None
    category = session.execute(
        select(Category.mode, Category.threshold, Category.kill_switch).where(
            Category.name == classification["category"]
        )
    ).first()
    if category is None or category.kill_switch:
        return CategoryMode.REVIEW, None
    return CategoryMode(category.mode), category.threshold


def _auto_allowed(state: TriageState, threshold: float | None) -> bool:
    score = state.get("gate", {}).get("score")
    return (
        not state.get("failure")
        and state.get("draft") is not None
        and not state.get("review_reasons")
        and threshold is not None
        and score is not None
        and score >= threshold
    )


def _store_draft(
    session: Session, state: TriageState, route: Route, would_auto: bool
) -> int | None:
    if state.get("draft") is None:
        return None
    existing = session.scalar(
        select(Draft.id).where(Draft.graph_run_id == state["graph_run_id"], Draft.revision == 1)
    )
    if existing is not None:
        return existing
    reply = DraftReply.model_validate(state["draft"])
    classification = Classification.model_validate(state["classification"])
    gate: dict[str, Any] = state.get("gate", {})
    draft = Draft(
        inbound_message_id=state["message_id"],
        graph_run_id=state["graph_run_id"],
        category=classification.category,
        subject=reply.subject,
        body=reply.body,
        facts=state.get("facts", []),
        risks=reply.risks,
        rule_hits=state.get("rule_hits", []),
        check_results=state.get("check_results", []),
        classifier_confidence=classification.confidence,
        gate_score=gate.get("score"),
        gate_version=gate.get("version"),
        route=route,
        would_auto_send=would_auto,
        review_reasons=[*state.get("review_reasons", []), *_shadow_note(route, would_auto)],
    )
    session.add(draft)
    session.flush()
    return draft.id


def _shadow_note(route: Route, would_auto: bool) -> list[str]:
    if route != Route.SHADOW:
        return []
    return [f"shadow mode: automation would {'have sent' if would_auto else 'not have sent'} this"]


def _update_message(
    session: Session, state: TriageState, mode: CategoryMode, *, to_review: bool
) -> ItemRow | None:
    """The message's category and, for review, its status and reasons (and a rule's
    escalation) in one statement; its item payload columns as they are now."""
    values: dict[str, Any] = {}
    if (classification := state.get("classification")) is not None:
        values["category"] = classification["category"]
    if to_review:
        reasons = state.get("review_reasons") or [
            f"category mode is {mode.value}: a person reviews"
        ]
        values.update(status=InboundStatus.IN_REVIEW, status_reason="; ".join(reasons)[:4000])
        if (escalation := escalation_of(state.get("rule_hits", []))) is not None:
            values["assigned_role"] = _raised_role(escalation.role)
    if not values:
        return session.execute(
            select(*ITEM_COLUMNS).where(InboundMessage.id == state["message_id"])
        ).first()
    return session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == state["message_id"])
        .values(**values)
        .returning(*ITEM_COLUMNS)
    ).first()


def _raised_role(role: Role) -> Any:
    """``assigned_role`` raised to ``role``, never lowered: a rule that escalates assigns the
    item to its role, unless a more senior one is assigned already."""
    senior = [other.value for other in Role if ROLE_RANK[other] > ROLE_RANK[role]]
    return case(
        (InboundMessage.assigned_role.in_(senior), InboundMessage.assigned_role),
        else_=literal(role.value),
    )
