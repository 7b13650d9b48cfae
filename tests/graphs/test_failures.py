"""Every failure ends in the review inbox with its reason (invariant I4); nothing is sent."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic_ai.exceptions import ModelHTTPError
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo
from sqlalchemy import select

from hatchway.agents.deprecations import PinDeprecation, today_utc
from hatchway.graphs.runner import TriageRunner, thread_config
from hatchway.graphs.services import TriageSettings
from hatchway.policies.gate import GateModel
from hatchway.store import Database
from hatchway.store.models import (
    GraphRun,
    GraphRunStatus,
    InboundMessage,
    InboundStatus,
    NodeRun,
    NodeRunStatus,
    OutboxEntry,
)
from tests.graphs.conftest import CLASSIFICATION, Responder, answering, make_services


def _server_error(calls: list[int], status: int = 503) -> Responder:
    def respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        calls.append(1)
        raise ModelHTTPError(status, "gpt-test", body="overloaded")

    return respond


def _run(
    database: Database, checkpointer: BaseCheckpointSaver[Any], message_id: int, **models: Any
) -> TriageRunner:
    runner = TriageRunner(make_services(database, **models), checkpointer, owner="w")
    assert runner.start(message_id) == GraphRunStatus.INTERRUPTED
    return runner


def _assert_in_review(database: Database, message_id: int, reason: str) -> None:
    with database.session() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None and message.status == InboundStatus.IN_REVIEW
        assert reason in (message.status_reason or "")
        assert session.scalars(select(OutboxEntry)).all() == []
        assert reason in (session.scalars(select(GraphRun)).one().error or "")


def test_server_errors_are_retried_then_go_to_review(
    database: Database, checkpointer: BaseCheckpointSaver[Any], message_id: int
) -> None:
    calls: list[int] = []
    runner = _run(database, checkpointer, message_id, classify=_server_error(calls))
    assert len(calls) == 2  # model_attempts=2
    _assert_in_review(database, message_id, "classify failed: ModelHTTPError")
    assert runner.waiting_for_review(message_id)
    with database.session() as session:
        runs = {run.node: run for run in session.scalars(select(NodeRun))}
    assert runs["classify"].status == NodeRunStatus.ERROR
    assert "draft" not in runs  # model nodes skip after a failure; the escape hatch runs


def test_a_bad_request_is_not_retried(
    database: Database, checkpointer: BaseCheckpointSaver[Any], message_id: int
) -> None:
    calls: list[int] = []
    _run(database, checkpointer, message_id, draft=_server_error(calls, status=400))
    assert len(calls) == 1
    _assert_in_review(database, message_id, "draft failed")


def test_invalid_structured_output_after_retries_goes_to_review(
    database: Database, checkpointer: BaseCheckpointSaver[Any], message_id: int
) -> None:
    invented = {**CLASSIFICATION, "category": "free_money"}
    _run(database, checkpointer, message_id, classify=answering(invented))
    _assert_in_review(database, message_id, "classify failed")


def test_a_slow_model_times_out_into_review(
    database: Database, checkpointer: BaseCheckpointSaver[Any], message_id: int
) -> None:
    async def slow(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        await asyncio.sleep(10)
        raise AssertionError("unreachable")

    # Long enough for the fast classify step on a loaded machine; the slow draft never ends.
    settings = TriageSettings(model_attempts=1, node_timeout_seconds=2)
    runner = TriageRunner(
        make_services(database, draft=slow, settings=settings),
        checkpointer,
        owner="w",  # type: ignore[arg-type]
    )
    runner.start(message_id)
    _assert_in_review(database, message_id, "draft failed: TimeoutError")


def test_a_broken_lookup_goes_to_review(
    database: Database,
    checkpointer: BaseCheckpointSaver[Any],
    message_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = make_services(database)

    def down(**_: object) -> None:
        raise ConnectionError("CRM at crm.internal:443 refused the connection")

    monkeypatch.setattr(services.lookup, "lookup", down)
    runner = TriageRunner(services, checkpointer, owner="w")
    runner.start(message_id)
    _assert_in_review(database, message_id, "lookup failed: ConnectionError: CRM")
    assert runner.graph.get_state(thread_config(message_id)).values.get("draft") is None


def test_the_graph_run_keeps_the_threads_last_failure(
    database: Database,
    checkpointer: BaseCheckpointSaver[Any],
    message_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """check fails, then gate (it runs after a failure, to bring the item to a human):
    the run's error is what the thread's state keeps, the later failure."""

    class GateDown:
        def current(self) -> GateModel:
            raise RuntimeError("gate store unreachable")

    def claims_down(*_: object, **__: object) -> None:
        raise RuntimeError("claim checker crashed")

    services = replace(make_services(database), gate=GateDown())
    monkeypatch.setattr("hatchway.graphs.nodes.policy.check_claims", claims_down)
    runner = TriageRunner(services, checkpointer, owner="w")
    assert runner.start(message_id) == GraphRunStatus.INTERRUPTED
    failure = runner.graph.get_state(thread_config(message_id)).values["failure"]
    assert failure.startswith("gate failed: RuntimeError: gate store unreachable")
    with database.session() as session:
        run = session.scalars(select(GraphRun)).one()
        reasons = runner.graph.get_state(thread_config(message_id)).values["review_reasons"]
    assert run.error == failure
    assert any(reason.startswith("check failed") for reason in reasons)


def test_a_model_its_provider_retired_is_not_called_and_the_item_goes_to_review(
    database: Database, checkpointer: BaseCheckpointSaver[Any], message_id: int
) -> None:
    calls: list[int] = []
    services = make_services(database, draft=_server_error(calls))
    retired = PinDeprecation(
        services.draft.pin,
        "https://example.com/deprecations",
        retirement_date=today_utc() - timedelta(days=1),
        rerouted_to="another-model",
    )
    services = replace(services, draft=replace(services.draft, deprecation=retired))
    assert TriageRunner(services, checkpointer, owner="w").start(message_id) == (
        GraphRunStatus.INTERRUPTED
    )
    assert calls == []
    _assert_in_review(database, message_id, "draft failed: ConfigError: models.pins.draft")
    _assert_in_review(database, message_id, "the API answers it with 'another-model'")
