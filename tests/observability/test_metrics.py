"""/metrics: values computed from the database match a known set of events."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from hatchway.config import load_settings
from hatchway.store import Database
from hatchway.store.models import (
    Approval,
    DecisionAction,
    DecisionLabel,
    Draft,
    GraphRun,
    InboundMessage,
    InboundSource,
    InboundStatus,
    Job,
    JobState,
    NodeRun,
    NodeRunStatus,
    OutboxEntry,
    OutboxState,
    ReviewDecision,
    Route,
    utcnow,
)
from hatchway.ui.app import create_app

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _message(session: Session, status: InboundStatus, n: int) -> InboundMessage:
    message = InboundMessage(
        source=InboundSource.FILE, raw=b"x", content_sha256=f"{n:064d}", status=status
    )
    session.add(message)
    session.flush()
    return message


def _seed(database: Database) -> None:
    """3 in review, 2 quarantined, 1 sent; jobs; node runs; drafts; outbox; decisions."""
    now = utcnow()
    with database.session() as session:
        statuses = [InboundStatus.IN_REVIEW] * 3 + [InboundStatus.QUARANTINED] * 2
        messages = [_message(session, s, n) for n, s in enumerate(statuses)]
        sent = _message(session, InboundStatus.SENT, 99)
        session.add_all([
            Job(kind="triage", state=JobState.QUEUED, created_at=now - timedelta(seconds=120)),
            Job(kind="triage", state=JobState.QUEUED, created_at=now),
            Job(kind="review_decision", state=JobState.RUNNING),
            Job(kind="triage", state=JobState.FAILED),
            Job(kind="triage", state=JobState.DONE),
        ])  # fmt: skip
        run = GraphRun(thread_id="1", inbound_message_id=messages[0].id, graph_name="triage",
                       graph_version="1")  # fmt: skip
        session.add(run)
        session.flush()
        for node, model, latency, tokens, status in [
            ("classify", "local:intent@sha256:a", 5, None, NodeRunStatus.OK),
            ("classify", "local:intent@sha256:a", 40, None, NodeRunStatus.OK),
            ("draft", "openai:gpt-x-2025-01-01", 1200, (100, 50), NodeRunStatus.OK),
            ("draft", "openai:gpt-x-2025-01-01", 70000, (30, None), NodeRunStatus.ERROR),
        ]:
            session.add(NodeRun(
                graph_run_id=run.id, node=node, status=status, model_version=model,
                latency_ms=latency, input_tokens=tokens and tokens[0],
                output_tokens=tokens and tokens[1], cost_usd=Decimal("0"),
            ))  # fmt: skip
        drafts = [
            Draft(inbound_message_id=m.id, subject="s", body="b", route=route)
            for m, route in zip(
                [sent, *messages[:3]], [Route.AUTO, Route.AUTO, Route.REVIEW, None], strict=True
            )
        ]
        session.add_all(drafts)
        session.flush()
        for n, (draft, approval) in enumerate(
            [(drafts[0], Approval.AUTO), (drafts[1], Approval.HUMAN)]
        ):
            session.add(OutboxEntry(
                draft_id=draft.id, inbound_message_id=draft.inbound_message_id,
                message_id=f"<m{n}@shop.example>", approval=approval,
                from_address="s@shop.example", subject="s", body="b", hold_until=now,
                state=OutboxState.SENT,
            ))  # fmt: skip
        for draft, action, label in [
            (drafts[1], DecisionAction.SEND, DecisionLabel.SENT_UNCHANGED),
            (drafts[2], DecisionAction.REJECT, DecisionLabel.REJECTED),
        ]:
            session.add(ReviewDecision(
                draft_id=draft.id, inbound_message_id=draft.inbound_message_id, action=action,
                label=label,
            ))  # fmt: skip


def _scrape(client: TestClient, **headers: str) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _get(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def test_metrics_match_the_database(database: Database) -> None:
    _seed(database)
    samples = _scrape(TestClient(create_app(load_settings(dev_mode=True), database)))
    assert {labels: v for (name, labels), v in samples.items() if name == "hatchway_items"} == {
        frozenset({("status", "in_review")}): 3,
        frozenset({("status", "quarantined")}): 2,
        frozenset({("status", "sent")}): 1,
    }
    assert _get(samples, "hatchway_queue_depth", kind="triage") == 2
    assert 119 <= _get(samples, "hatchway_queue_oldest_age_seconds", kind="triage") < 180
    assert _get(samples, "hatchway_jobs_running", kind="review_decision") == 1
    assert _get(samples, "hatchway_jobs_failed_total", kind="triage") == 1
    classify = {"node": "classify", "model": "local:intent@sha256:a"}
    draft = {"node": "draft", "model": "openai:gpt-x-2025-01-01"}
    assert _get(samples, "hatchway_node_latency_seconds_bucket", **classify, le="0.01") == 1
    assert _get(samples, "hatchway_node_latency_seconds_bucket", **classify, le="0.05") == 2
    assert _get(samples, "hatchway_node_latency_seconds_bucket", **draft, le="2.5") == 1
    assert _get(samples, "hatchway_node_latency_seconds_bucket", **draft, le="60.0") == 1
    assert _get(samples, "hatchway_node_latency_seconds_bucket", **draft, le="+Inf") == 2
    assert _get(samples, "hatchway_node_latency_seconds_count", **draft) == 2
    assert _get(samples, "hatchway_node_latency_seconds_sum", **draft) == pytest.approx(71.2)
    assert _get(samples, "hatchway_model_tokens_total", **draft, direction="input") == 130
    assert _get(samples, "hatchway_model_tokens_total", **draft, direction="output") == 50
    assert _get(samples, "hatchway_node_errors_total", **draft) == 1
    assert _get(samples, "hatchway_node_errors_total", **classify) == 0
    assert _get(samples, "hatchway_outbox_entries_total", approval="auto", state="sent") == 1
    assert _get(samples, "hatchway_outbox_entries_total", approval="human", state="sent") == 1
    assert _get(samples, "hatchway_drafts_routed_total", route="auto") == 2
    assert _get(samples, "hatchway_drafts_routed_total", route="review") == 1
    assert _get(samples, "hatchway_drafts_routed_total", route="none") == 1
    decided = {"action": "send", "label": "sent_unchanged"}
    assert _get(samples, "hatchway_review_decisions_total", **decided) == 1
    assert _get(samples, "hatchway_review_decisions_total", action="reject", label="rejected") == 1


def test_metrics_follow_the_database_between_scrapes(database: Database) -> None:
    client = TestClient(create_app(load_settings(dev_mode=True), database))
    assert not any(name == "hatchway_items" for name, _ in _scrape(client))
    with database.session() as session:
        _message(session, InboundStatus.RECEIVED, 1)
    assert _get(_scrape(client), "hatchway_items", status="received") == 1


def test_a_metrics_token_is_required_when_set(database: Database) -> None:
    settings = load_settings(dev_mode=True, observability={"metrics_token": "scrape-me-please"})
    client = TestClient(create_app(settings, database))
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert _scrape(client, Authorization="Bearer scrape-me-please") is not None
