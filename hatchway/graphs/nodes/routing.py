"""route: auto-send only a proven category with a certain, flag-free draft; else review.

auto = the category is in auto mode AND the gate's score reaches its certified threshold
AND no rule, check or failure asked for a human. Shadow mode records what auto would have
done and still asks a human. A rule hit that escalates assigns the review item to a senior
role (``nodes.escalation``). The draft (with everything a reviewer needs to judge it) is
stored here, once per thread, so a re-run after a crash does not store it twice.
"""

from __future__ import annotations

from itertools import product
from typing import Any, Final

from sqlalchemy import Connection, bindparam, case, insert, select, update

from hatchway.agents.outputs import Classification, DraftReply
from hatchway.graphs.nodes.escalation import escalation_of
from hatchway.graphs.recording import NodeFunction, NodeRecord, NodeResult
from hatchway.graphs.services import TriageServices
from hatchway.graphs.state import TriageState
from hatchway.store.models import ROLE_RANK, CategoryMode, InboundStatus, Role, Route
from hatchway.store.prepared import Prepared
from hatchway.store.tables import CATEGORIES, DRAFTS, MESSAGES
from hatchway.webhooks import EventType
from hatchway.webhooks.events import ITEM_COLUMNS, ItemRow, item_payload_of, record_event_in

__all__ = ["make_route"]


def make_route(services: TriageServices) -> NodeFunction:
    """route: pick auto or review, store the draft, and put the message where it belongs."""

    def route(state: TriageState) -> NodeResult:
        with services.database.transaction() as connection:
            mode, threshold = _category_mode(connection, state)
            would_auto = _auto_allowed(state, threshold)
            chosen = Route.AUTO if would_auto and mode == CategoryMode.AUTO else Route.REVIEW
            recorded = Route.SHADOW if mode == CategoryMode.SHADOW else chosen
            draft_id = _store_draft(connection, state, recorded, would_auto)
            item = _update_message(connection, state, mode, to_review=chosen == Route.REVIEW)
            if chosen == Route.REVIEW:
                record_event_in(
                    connection,
                    type=EventType.DRAFT_READY_FOR_REVIEW,
                    payload=item_payload_of(state["message_id"], item, draft_id=draft_id),
                )
        summary = (
            f"{chosen.value} (mode {mode.value}, auto would {'' if would_auto else 'not '}send)"
        )
        return {"route": chosen.value, "draft_id": draft_id}, NodeRecord(output_summary=summary)

    return route


# What route runs for every email, built once (see hatchway.store.database on why).
_CATEGORY_MODE: Final = Prepared(
    select(CATEGORIES.c.mode, CATEGORIES.c.threshold, CATEGORIES.c.kill_switch).where(
        CATEGORIES.c.name == bindparam("b_name")
    )
)
_EXISTING_DRAFT: Final = Prepared(
    select(DRAFTS.c.id).where(
        DRAFTS.c.graph_run_id == bindparam("b_run_id"), DRAFTS.c.revision == 1
    )
)
_INSERT_DRAFT: Final = Prepared(insert(DRAFTS).returning(DRAFTS.c.id))


def _category_mode(connection: Connection, state: TriageState) -> tuple[CategoryMode, float | None]:
    classification = state.get("classification")
    if classification is None:
        return CategoryMode.REVIEW, None
    category = _CATEGORY_MODE.first(connection, {"b_name": classification["category"]})
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
    connection: Connection, state: TriageState, route: Route, would_auto: bool
) -> int | None:
    if state.get("draft") is None:
        return None
    existing = _EXISTING_DRAFT.scalar(connection, {"b_run_id": state["graph_run_id"]})
    if existing is not None:
        return int(existing)
    reply = DraftReply.model_validate(state["draft"])
    classification = Classification.model_validate(state["classification"])
    gate: dict[str, Any] = state.get("gate", {})
    row = {
        "inbound_message_id": state["message_id"],
        "graph_run_id": state["graph_run_id"],
        "category": classification.category,
        "subject": reply.subject,
        "body": reply.body,
        "facts": state.get("facts", []),
        "risks": reply.risks,
        "rule_hits": state.get("rule_hits", []),
        "check_results": state.get("check_results", []),
        "classifier_confidence": classification.confidence,
        "gate_score": gate.get("score"),
        "gate_version": gate.get("version"),
        "route": route,
        "would_auto_send": would_auto,
        "review_reasons": [*state.get("review_reasons", []), *_shadow_note(route, would_auto)],
    }
    return int(_INSERT_DRAFT.scalar(connection, row))


def _shadow_note(route: Route, would_auto: bool) -> list[str]:
    if route != Route.SHADOW:
        return []
    return [f"shadow mode: automation would {'have sent' if would_auto else 'not have sent'} this"]


def _update_message(
    connection: Connection, state: TriageState, mode: CategoryMode, *, to_review: bool
) -> ItemRow | None:
    """The message's category and, for review, its status and reasons (and a rule's
    escalation) in one statement; its item payload columns as they are now."""
    params: dict[str, Any] = {"b_id": state["message_id"]}
    if (classification := state.get("classification")) is not None:
        params["b_category"] = classification["category"]
    escalation = escalation_of(state.get("rule_hits", [])) if to_review else None
    if to_review:
        reasons = state.get("review_reasons") or [
            f"category mode is {mode.value}: a person reviews"
        ]
        params["b_reason"] = "; ".join(reasons)[:4000]
    if escalation is not None:
        role = escalation.role
        params["b_role"] = role.value
        params["b_senior"] = [other.value for other in Role if ROLE_RANK[other] > ROLE_RANK[role]]
    shape = (classification is not None, to_review, escalation is not None)
    row: ItemRow | None = _MESSAGE_STATEMENTS[shape].first(connection, params)
    return row


def _message_statement(category: bool, review: bool, escalate: bool) -> Any:
    """The UPDATE … RETURNING (or SELECT, when nothing changes) for one shape of values.

    An escalation raises ``assigned_role`` to ``b_role``, never lowers it: a rule that
    escalates assigns the item to its role, unless a more senior one (``b_senior``) is
    assigned already."""
    which = MESSAGES.c.id == bindparam("b_id")
    values: dict[str, Any] = {}
    if category:
        values["category"] = bindparam("b_category")
    if review:
        values |= {"status": InboundStatus.IN_REVIEW, "status_reason": bindparam("b_reason")}
    if escalate:
        senior = MESSAGES.c.assigned_role.in_(bindparam("b_senior", expanding=True))
        values["assigned_role"] = case(
            (senior, MESSAGES.c.assigned_role), else_=bindparam("b_role")
        )
    if not values:
        return select(*ITEM_COLUMNS).where(which)
    return update(MESSAGES).where(which).values(values).returning(*ITEM_COLUMNS)


_MESSAGE_STATEMENTS: Final = {
    shape: Prepared(_message_statement(*shape)) for shape in product((False, True), repeat=3)
}
