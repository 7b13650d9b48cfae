"""The graph's remaining paths, on both checkpointers: auto (no interrupt, a held auto entry),
shadow (recorded as shadow, still reviewed), and the classify fallback (offline classifier
unsure → LLM classifier; no LLM configured → review with the reason)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo, FunctionModel
from sqlalchemy import select

from hatchway.agents.classify import classify_prompt, make_classify_agent
from hatchway.agents.offline import train_intent_classifier
from hatchway.agents.offline.intent import load_intent_classifier
from hatchway.agents.offline.intent_model import IntentClassifierModel
from hatchway.agents.pins import parse_pin
from hatchway.connectors.crm import Customer, InMemoryCrm, Order
from hatchway.connectors.lookup import ConnectorLookup
from hatchway.graphs.runner import TriageRunner, thread_config
from hatchway.graphs.services import FixedGate, NodeModel, TriageServices
from hatchway.intake import accept_raw_message
from hatchway.policies.gate import GateArtifact, GateModel, GateSettings, load_gate, train_gate
from hatchway.store import Database
from hatchway.store.models import (
    Approval,
    Category,
    CategoryMode,
    Draft,
    GraphRunStatus,
    InboundMessage,
    InboundSource,
    InboundStatus,
    NodeRun,
    OutboxEntry,
    OutboxState,
    Route,
    utcnow,
)
from tests.agents.offline_support import TRAINING_CSV
from tests.graphs.conftest import CLASSIFICATION, Responder, answering, make_services
from tests.policies.gate._synthetic import synthetic_drafts

EMMA = Customer(id="7", email="emma@example.com", name="Emma Hughes", tier="standard")
OWN = Order(
    id="NW-100231",
    customer_id="7",
    status="shipped",
    currency="EUR",
    total=Decimal("49.00"),
    carrier="DHL",
    tracking_number="00340434114679844789",
)
CLEAN_DRAFT = {
    "subject": "Re: Where is order NW-100231?",
    "body": "Hello Emma,\n\nyour order NW-100231 was shipped with DHL.\n\nNorthwind",
    "facts_used": ["order.NW-100231.status"],
    "risks": [],
}

LONGER_MAIL = (
    b"From: Emma Hughes <emma@example.com>\r\nTo: support@shop.example\r\n"
    b"Subject: Where is order NW-100231?\r\nMessage-ID: <g2@example.com>\r\n\r\n"
    b"Hi, where is my order NW-100231? I ordered it last week. Thanks, Emma\r\n"
)


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> GateModel:
    models = tmp_path_factory.mktemp("models")
    artifact = train_gate(synthetic_drafts(400), out_dir=models, settings=GateSettings())
    assert isinstance(artifact, GateArtifact)
    return load_gate(models, artifact.sha256)


def _services(database: Database, gate: GateModel, **models: Any) -> TriageServices:
    services = make_services(database, draft=answering(CLEAN_DRAFT), **models)
    lookup = ConnectorLookup(InMemoryCrm([EMMA], [OWN]), None)
    return replace(services, lookup=lookup, gate=FixedGate(gate))


def _set_mode(database: Database, mode: CategoryMode, threshold: float | None) -> None:
    with database.session() as session:
        category = session.scalars(select(Category).where(Category.name == "order_status")).one()
        category.mode, category.threshold = mode, threshold


def _nodes(database: Database) -> list[str]:
    with database.session() as session:
        return [run.node for run in session.scalars(select(NodeRun).order_by(NodeRun.id))]


def _score(runner: TriageRunner, message_id: int) -> float:
    score = runner.graph.get_state(thread_config(message_id)).values["gate"]["score"]
    assert isinstance(score, float)
    return score


def test_auto_mode_above_the_threshold_queues_a_held_auto_send_without_review(
    database: Database, checkpointer: BaseCheckpointSaver[Any], message_id: int, gate: GateModel
) -> None:
    _set_mode(database, CategoryMode.AUTO, 0.5)
    runner = TriageRunner(_services(database, gate), checkpointer, owner="w")
    assert runner.start(message_id) == GraphRunStatus.COMPLETED
    snapshot = runner.graph.get_state(thread_config(message_id))
    assert snapshot.next == () and not snapshot.interrupts
    assert snapshot.values["review_reasons"] == []
    assert _score(runner, message_id) >= 0.5
    assert _nodes(database) == [
        *("classify", "lookup", "rules", "draft", "check", "gate", "route", "dispatch")
    ]
    with database.session() as session:
        draft = session.scalars(select(Draft)).one()
        assert (draft.route, draft.would_auto_send) == (Route.AUTO, True)
        entry = session.scalars(select(OutboxEntry)).one()
        assert (entry.approval, entry.state, entry.approved_by) == (
            Approval.AUTO,
            OutboxState.HELD,
            None,
        )
        assert entry.hold_until > utcnow() and entry.body == CLEAN_DRAFT["body"]
        assert entry.model_pins is not None and entry.model_pins["gate"] == gate.version
        message = session.get(InboundMessage, message_id)
        assert message is not None and message.status == InboundStatus.APPROVED


def test_auto_mode_with_the_gate_below_the_threshold_asks_a_human(
    database: Database, checkpointer: BaseCheckpointSaver[Any], message_id: int, gate: GateModel
) -> None:
    with database.session() as session:  # an email the gate scores low (its length)
        longer = accept_raw_message(session, raw=LONGER_MAIL, source=InboundSource.FILE)
    _set_mode(database, CategoryMode.AUTO, 0.5)
    runner = TriageRunner(_services(database, gate), checkpointer, owner="w")
    assert runner.start(longer.message.id) == GraphRunStatus.INTERRUPTED
    assert _score(runner, longer.message.id) < 0.5
    assert runner.graph.get_state(thread_config(longer.message.id)).values["review_reasons"] == []
    with database.session() as session:
        draft = session.scalars(select(Draft)).one()
        assert (draft.route, draft.would_auto_send) == (Route.REVIEW, False)
        assert session.scalars(select(OutboxEntry)).all() == []


def test_shadow_mode_records_what_auto_would_do_and_still_asks_a_human(
    database: Database, checkpointer: BaseCheckpointSaver[Any], message_id: int, gate: GateModel
) -> None:
    _set_mode(database, CategoryMode.SHADOW, 0.5)
    runner = TriageRunner(_services(database, gate), checkpointer, owner="w")
    assert runner.start(message_id) == GraphRunStatus.INTERRUPTED
    assert runner.waiting_for_review(message_id)
    assert "dispatch" not in _nodes(database)
    with database.session() as session:
        draft = session.scalars(select(Draft)).one()
        assert (draft.route, draft.would_auto_send) == (Route.SHADOW, True)
        assert "shadow mode: automation would have sent this" in draft.review_reasons
        assert session.scalars(select(OutboxEntry)).all() == []
        message = session.get(InboundMessage, message_id)
        assert message is not None and message.status == InboundStatus.IN_REVIEW
        assert "category mode is shadow" in (message.status_reason or "")


# The classify fallback: the real offline classifier, unsure on a vague email.

VAGUE_MAIL = (
    b"From: Emma Hughes <emma@example.com>\r\nTo: support@shop.example\r\n"
    b"Subject: hello\r\nMessage-ID: <v1@example.com>\r\n\r\nhello, quick question\r\n"
)


@pytest.fixture(scope="module")
def intent(tmp_path_factory: pytest.TempPathFactory) -> NodeModel[Any]:
    models = tmp_path_factory.mktemp("intent")
    artifact = train_intent_classifier(TRAINING_CSV, models)
    model = IntentClassifierModel(load_intent_classifier(models, artifact.sha256))
    return NodeModel(
        make_classify_agent(model), parse_pin("classify", artifact.pin), classify_prompt()
    )


def _vague_message(database: Database) -> int:
    with database.session() as session:
        return accept_raw_message(session, raw=VAGUE_MAIL, source=InboundSource.FILE).message.id


def _counting(calls: list[str], responder: Responder) -> Responder:
    def respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        calls.append("called")
        return responder(messages, info)

    return respond


def test_an_unsure_offline_classifier_hands_over_to_the_llm_classifier(
    database: Database,
    checkpointer: BaseCheckpointSaver[Any],
    message_id: int,
    gate: GateModel,
    intent: NodeModel[Any],
) -> None:
    vague = _vague_message(database)
    calls: list[str] = []
    fallback = NodeModel(
        make_classify_agent(FunctionModel(_counting(calls, answering(CLASSIFICATION)))),
        parse_pin("classify_fallback", "openai:gpt-4.1-2025-04-14"),
        classify_prompt(),
    )
    services = replace(_services(database, gate), classify=intent, classify_fallback=fallback)
    runner = TriageRunner(services, checkpointer, owner="w")
    assert runner.start(vague) == GraphRunStatus.INTERRUPTED
    values = runner.graph.get_state(thread_config(vague)).values
    assert calls == ["called"]
    assert values["classification"]["category"] == "order_status"
    assert not any("unsure" in reason for reason in values["review_reasons"])
    assert _nodes(database)[:3] == ["classify", "classify_fallback", "lookup"]
    with database.session() as session:
        runs = {run.node: run for run in session.scalars(select(NodeRun))}
        first = runs["classify"]
        assert (first.provider, first.model) == ("local", "intent-tfidf")
        assert float((first.output_summary or "").split("(")[1].split(",")[0]) < 0.5
        assert runs["classify_fallback"].model_version == "2025-04-14"
        assert session.scalars(select(Draft)).one().category == "order_status"


def test_an_unsure_offline_classifier_without_an_llm_goes_to_review_with_the_reason(
    database: Database,
    checkpointer: BaseCheckpointSaver[Any],
    message_id: int,
    gate: GateModel,
    intent: NodeModel[Any],
) -> None:
    vague = _vague_message(database)
    services = replace(_services(database, gate), classify=intent)
    assert services.classify_fallback is None
    runner = TriageRunner(services, checkpointer, owner="w")
    assert runner.start(vague) == GraphRunStatus.INTERRUPTED
    assert "classify_fallback" not in _nodes(database)
    with database.session() as session:
        message = session.get(InboundMessage, vague)
        assert message is not None and message.status == InboundStatus.IN_REVIEW
        assert "the classifier is unsure (" in (message.status_reason or "")
        assert session.scalars(select(OutboxEntry)).all() == []
