"""The triage graph through its interrupt for real, on the SQLite and the Postgres checkpointer."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver
from sqlalchemy import event, select

from hatchway.graphs.checkpoint import open_checkpointer
from hatchway.graphs.nodes.review import ReviewerDecision
from hatchway.graphs.runner import DecisionRefused, TriageRunner, thread_config
from hatchway.store import Database
from hatchway.store.models import (
    Approval,
    Category,
    CategoryMode,
    DecisionLabel,
    Draft,
    GraphRun,
    GraphRunStatus,
    InboundMessage,
    InboundStatus,
    NodeRun,
    NodeRunStatus,
    OutboxEntry,
    ReviewDecision,
    utcnow,
)
from tests.graphs.conftest import DRAFT, make_services

PIPELINE = ["classify", "lookup", "rules", "draft", "check", "gate", "route"]


def _inbound(database: Database, message_id: int) -> InboundMessage:
    with database.session() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None
        return message


def test_a_message_stops_at_review_with_its_draft(
    database: Database, runner: TriageRunner, message_id: int
) -> None:
    assert runner.start(message_id) == GraphRunStatus.INTERRUPTED
    snapshot = runner.graph.get_state(thread_config(message_id))
    assert snapshot.next == ("review",)
    assert snapshot.interrupts[0].value["draft_id"] is not None
    with database.session() as session:
        draft = session.scalars(select(Draft)).one()
        assert draft.body == DRAFT["body"] and draft.category == "order_status"
        assert any("not a customer in the CRM" in r for r in draft.review_reasons)
        assert session.scalars(select(OutboxEntry)).all() == []
    message = _inbound(database, message_id)
    assert message.status == InboundStatus.IN_REVIEW and message.category == "order_status"


def test_every_node_run_is_attributable(
    database: Database, runner: TriageRunner, message_id: int
) -> None:
    runner.start(message_id)
    with database.session() as session:
        runs = {run.node: run for run in session.scalars(select(NodeRun))}
    assert list(runs) == PIPELINE
    assert all(run.status == NodeRunStatus.OK for run in runs.values())
    classify, draft = runs["classify"], runs["draft"]
    assert (classify.provider, classify.model, classify.model_version) == (
        "openai",
        "gpt-4.1-mini-2025-04-14",
        "2025-04-14",
    )
    assert draft.provider == "anthropic" and draft.model_version == "20250929"
    assert classify.prompt_hash and len(classify.prompt_hash) == 64
    assert classify.input_tokens and classify.output_tokens
    assert classify.cost_usd is not None and classify.latency_ms is not None


def test_a_runs_node_records_are_written_in_one_statement_each_with_its_start(
    database: Database, runner: TriageRunner, message_id: int
) -> None:
    inserts: list[int] = []

    def count(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO NODE_RUNS"):
            inserts.append(len(params) if isinstance(params, list) else 1)

    event.listen(database.engine, "before_cursor_execute", count)
    before = utcnow()
    try:
        runner.start(message_id)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    after = utcnow()
    assert inserts == [len(PIPELINE)]  # the whole run's records, one executemany
    with database.session() as session:
        runs = list(session.scalars(select(NodeRun).order_by(NodeRun.id)))
    assert [run.node for run in runs] == PIPELINE
    starts = [run.started_at for run in runs]
    assert starts == sorted(starts) and before <= starts[0] < starts[-1] <= after
    lookup = runs[PIPELINE.index("lookup")]
    assert lookup.provider is None and lookup.prompt_hash is None  # NULLs kept as NULL


def _decide(reviewer_id: int, **fields: Any) -> ReviewerDecision:
    return ReviewerDecision(reviewer_id=reviewer_id, **{"action": "send", **fields})


def test_send_after_a_restart_queues_exactly_one_reply(
    database: Database, runner: TriageRunner, message_id: int, reviewer_id: int
) -> None:
    runner.start(message_id)
    # A new process: new checkpointer connection, new compiled graph, same thread.
    with open_checkpointer(database) as fresh:
        restarted = TriageRunner(make_services(database), fresh, owner="worker-b")
        assert restarted.waiting_for_review(message_id)
        assert restarted.resume(message_id, _decide(reviewer_id)) == GraphRunStatus.COMPLETED
        with pytest.raises(DecisionRefused):
            restarted.resume(message_id, _decide(reviewer_id))
    with database.session() as session:
        entry = session.scalars(select(OutboxEntry)).one()
        assert entry.approval == Approval.HUMAN and entry.approved_by == reviewer_id
        assert entry.body == DRAFT["body"]
        decision = session.scalars(select(ReviewDecision)).one()
        assert decision.label == DecisionLabel.SENT_UNCHANGED and decision.edit_distance == 0
    assert _inbound(database, message_id).status == InboundStatus.APPROVED


def test_an_edited_reply_is_labelled_edited(
    database: Database, runner: TriageRunner, message_id: int, reviewer_id: int
) -> None:
    runner.start(message_id)
    body = "Hello Emma,\n\nyour parcel was handed to DHL today and arrives Tuesday.\n\nNorthwind"
    runner.resume(message_id, _decide(reviewer_id, body=body))
    with database.session() as session:
        assert session.scalars(select(OutboxEntry)).one().body == body
        decision = session.scalars(select(ReviewDecision)).one()
    assert decision.label == DecisionLabel.EDITED
    assert decision.edit_distance is not None and 0.02 < decision.edit_distance < 1


def test_reject_sends_nothing(
    database: Database, runner: TriageRunner, message_id: int, reviewer_id: int
) -> None:
    runner.start(message_id)
    runner.resume(message_id, _decide(reviewer_id, action="reject", reason="duplicate"))
    with database.session() as session:
        assert session.scalars(select(OutboxEntry)).all() == []
        assert session.scalars(select(ReviewDecision)).one().label == DecisionLabel.REJECTED
    assert _inbound(database, message_id).status == InboundStatus.REJECTED


def test_escalate_goes_back_to_review_then_send_works(
    database: Database, runner: TriageRunner, message_id: int, reviewer_id: int
) -> None:
    runner.start(message_id)
    status = runner.resume(message_id, _decide(reviewer_id, action="escalate", reason="VIP"))
    assert status == GraphRunStatus.INTERRUPTED and runner.waiting_for_review(message_id)
    runner.resume(message_id, _decide(reviewer_id))
    with database.session() as session:
        assert len(session.scalars(select(OutboxEntry)).all()) == 1
        labels = sorted(d.label for d in session.scalars(select(ReviewDecision)))
    assert labels == [DecisionLabel.NONE, DecisionLabel.SENT_UNCHANGED]


def test_auto_mode_without_a_trained_gate_still_asks_a_human(
    database: Database, runner: TriageRunner, message_id: int
) -> None:
    with database.session() as session:
        category = session.scalars(select(Category).where(Category.name == "order_status")).one()
        category.mode, category.threshold = CategoryMode.AUTO, 0.5
    assert runner.start(message_id) == GraphRunStatus.INTERRUPTED
    with database.session() as session:
        assert session.scalars(select(OutboxEntry)).all() == []


def test_starting_twice_does_not_run_the_pipeline_twice(
    database: Database, runner: TriageRunner, message_id: int
) -> None:
    runner.start(message_id)
    runner.start(message_id)
    with database.session() as session:
        assert len(session.scalars(select(Draft)).all()) == 1
        assert len(session.scalars(select(NodeRun)).all()) == len(PIPELINE)
        assert session.scalars(select(GraphRun)).one().status == GraphRunStatus.INTERRUPTED


def test_checkpointer_kinds(database: Database, checkpointer: BaseCheckpointSaver[Any]) -> None:
    expected = "SqliteSaver" if database.dialect == "sqlite" else "PostgresSaver"
    assert type(checkpointer).__name__ == expected
