"""The model nodes: classify (with an optional larger fallback when unsure) and draft."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import bindparam, select

from hatchway.agents.outputs import Classification
from hatchway.agents.requests import ClassifyRequest, DraftRequest, Fact
from hatchway.graphs.model_calls import call_node_model
from hatchway.graphs.nodes.common import load_message, model_record
from hatchway.graphs.recording import NodeFunction, NodeRecord, NodeResult
from hatchway.graphs.services import NodeModel, TriageServices
from hatchway.graphs.state import TriageState
from hatchway.store.prepared import Prepared
from hatchway.store.tables import CATEGORIES as _CATEGORIES

__all__ = ["classify_is_unsure", "make_classify", "make_classify_fallback", "make_draft"]


def _classify_with(
    services: TriageServices, node_model: NodeModel[Classification], node: str
) -> NodeFunction:
    def classify(state: TriageState) -> NodeResult:
        message = load_message(services.database, state["message_id"])
        request = ClassifyRequest(
            subject=message.subject or "",
            sender=message.from_address or "",
            text=message.text_body or "",
        )
        result, info = call_node_model(
            node_model, request, node=node, settings=services.settings, loop=services.model_loop
        )
        update: dict[str, Any] = {"classification": result.model_dump(mode="json")}
        summary = f"{result.category} ({result.confidence:.2f}, {result.language})"
        record = model_record(
            node_model.pin, info, input_summary=request.subject, output_summary=summary
        )
        return update, record

    return classify


def make_classify(services: TriageServices) -> NodeFunction:
    """classify: category, language and entities of the email."""
    return _classify_with(services, services.classify, "classify")


def make_classify_fallback(services: TriageServices) -> NodeFunction:
    """classify_fallback: a larger model's second opinion when the first was unsure."""
    assert services.classify_fallback is not None
    return _classify_with(services, services.classify_fallback, "classify_fallback")


def classify_is_unsure(state: TriageState, threshold: float) -> bool:
    """True when the classification's confidence is below the threshold."""
    classification = state.get("classification")
    return classification is None or float(classification["confidence"]) < threshold


def make_draft(services: TriageServices) -> NodeFunction:
    """draft: a reply built from the looked-up facts, or none for never-answered categories."""

    def draft(state: TriageState) -> NodeResult:
        classification = Classification.model_validate(state["classification"])
        if not _answerable(services, classification.category):
            reason = f"category {classification.category}: no reply is drafted, a person decides"
            return {"draft": None, "review_reasons": [reason]}, NodeRecord(output_summary=reason)
        message = load_message(services.database, state["message_id"])
        request = DraftRequest(
            category=classification.category,
            language=classification.language,
            customer=state.get("customer"),
            facts=[Fact.model_validate(fact) for fact in state.get("facts", [])],
            subject=message.subject or "",
            sender=message.from_address or "",
            text=message.text_body or "",
            notes=state.get("notes", []),
        )
        reply, info = call_node_model(
            services.draft,
            request,
            node="draft",
            settings=services.settings,
            loop=services.model_loop,
        )
        record = model_record(
            services.draft.pin,
            info,
            input_summary=f"{request.category}/{request.language}, {len(request.facts)} facts",
            output_summary=reply.body[:500],
        )
        reasons = [f"the draft notes: {risk}" for risk in reply.risks]
        return {"draft": reply.model_dump(mode="json"), "review_reasons": reasons}, record

    return draft


_ANSWERABLE: Final = Prepared(
    select(_CATEGORIES.c.answerable).where(_CATEGORIES.c.name == bindparam("b_name"))
)


def _answerable(services: TriageServices, category: str) -> bool:
    with services.database.reading() as connection:
        answerable = _ANSWERABLE.scalar(connection, {"b_name": category})
    return answerable is None or bool(answerable)
