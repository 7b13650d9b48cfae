"""The triage graph over real HTTP: pydantic-ai's OpenAI provider against a scripted server.

The server (tests/graphs/_openai_server.py) runs in its own process and answers each Chat
Completions request with the next scripted step: completions, tool calls, 429 with
Retry-After, 5xx, slow answers (timeouts) and malformed JSON. Classify goes through
``OpenAIProvider`` (``models.openai.base_url``), draft through an OpenAI-compatible server
(``models.compatible``), as a local llama.cpp or vLLM server would be configured.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic_ai.models import override_allow_model_requests
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider
from sqlalchemy import select

from hatchway.agents.classify import classify_prompt, make_classify_agent
from hatchway.agents.draft import draft_prompt, make_draft_agent
from hatchway.agents.model_settings import ModelSettings
from hatchway.agents.providers import build_model
from hatchway.graphs.model_loop import ModelLoop
from hatchway.graphs.runner import TriageRunner
from hatchway.graphs.services import NodeModel, TriageServices, TriageSettings
from hatchway.store import Database
from hatchway.store.models import (
    Draft,
    GraphRun,
    GraphRunStatus,
    InboundMessage,
    InboundStatus,
    NodeRun,
    NodeRunStatus,
    OutboxEntry,
)
from tests.fixtures._process import ready_file_server
from tests.graphs.conftest import CLASSIFICATION, DRAFT

CLASSIFY_PIN = "openai:gpt-4.1-mini-2025-04-14"
DRAFT_PIN = "scripted:chat-model@1.0.0"


class ScriptedServer:
    """The test's handle on the server process: set the script, read what arrived."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/v1"
        self._root = f"http://127.0.0.1:{port}"

    def script(self, *steps: dict[str, Any]) -> None:
        httpx.post(f"{self._root}/_script", json={"steps": list(steps)}).raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        response = httpx.get(f"{self._root}/_requests")
        response.raise_for_status()
        received: list[dict[str, Any]] = response.json()
        return received


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScriptedServer]:
    folder = tmp_path_factory.mktemp("openai-server")
    command = [sys.executable, "-m", "tests.graphs._openai_server", str(folder / "ready")]
    with ready_file_server(
        command,
        ready_file=folder / "ready",
        log_path=folder / "server.log",
        name="scripted OpenAI server",
        seconds=20,
    ) as ready:
        yield ScriptedServer(int(ready["port"]))


@pytest.fixture(autouse=True)
def allow_requests() -> Iterator[None]:
    """Model requests are refused in tests (tests/conftest.py); these go to the local server."""
    with override_allow_model_requests(True):
        yield


ServicesMaker = Callable[..., TriageServices]


@pytest.fixture
def http_services(server: ScriptedServer, database: Database) -> Iterator[ServicesMaker]:
    """Builds services on a loop of the test's own; their HTTP clients are closed at the end."""
    loop = ModelLoop("test-model-calls")
    built: list[TriageServices] = []

    def make(**options: Any) -> TriageServices:
        services = _http_services(database, server, loop, **options)
        for node_model in (services.classify, services.draft):
            loop.run(node_model.agent.__aenter__(), timeout=10)
        built.append(services)
        return services

    yield make
    for services in built:
        for node_model in (services.classify, services.draft):
            loop.run(node_model.agent.__aexit__(None, None, None), timeout=10)
    loop.close()


def _http_services(
    database: Database,
    server: ScriptedServer,
    loop: ModelLoop,
    *,
    request_timeout: float = 10,
    settings: TriageSettings | None = None,
) -> TriageServices:
    """Services whose models are real pydantic-ai HTTP models pointed at the scripted server.

    ``max_retries=0`` turns off the SDK's own retries, so what is retried is hatchway's doing.
    """
    models = ModelSettings.model_validate(
        {
            "pins": {"classify": CLASSIFY_PIN, "draft": DRAFT_PIN},
            "openai": {"api_key": "sk-test", "base_url": server.url},
            "compatible": {"scripted": {"base_url": server.url, "api_key": "local"}},
            "max_retries": 0,
            "request_timeout": request_timeout,
        }
    )
    classify_pin, draft_pin = models.pin_for("classify"), models.pin_for("draft")
    classify_model = build_model(classify_pin, models)
    assert isinstance(classify_model, OpenAIChatModel)
    assert isinstance(classify_model._provider, OpenAIProvider)  # noqa: SLF001
    return TriageServices(
        database=database,
        classify=NodeModel(make_classify_agent(classify_model), classify_pin, classify_prompt()),
        draft=NodeModel(
            make_draft_agent(build_model(draft_pin, models)), draft_pin, draft_prompt()
        ),
        from_address="support@shop.example",
        settings=settings
        or TriageSettings(model_attempts=3, retry_max_wait_seconds=5, node_timeout_seconds=20),
        model_loop=loop,
    )


def _run(
    services: TriageServices, checkpointer: BaseCheckpointSaver[Any], message_id: int
) -> GraphRunStatus:
    return TriageRunner(services, checkpointer, owner="w").start(message_id)


def _node_runs(database: Database) -> dict[str, NodeRun]:
    with database.session() as session:
        return {run.node: run for run in session.scalars(select(NodeRun))}


def _assert_review_with(database: Database, message_id: int, reason: str) -> None:
    with database.session() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None and message.status == InboundStatus.IN_REVIEW
        assert reason in (message.status_reason or "")
        assert reason in (session.scalars(select(GraphRun)).one().error or "")
        assert session.scalars(select(OutboxEntry)).all() == []


def test_a_completion_then_a_tool_call_drafts_over_http(
    database: Database,
    checkpointer: BaseCheckpointSaver[Any],
    server: ScriptedServer,
    http_services: ServicesMaker,
    message_id: int,
) -> None:
    # A plain completion is not the structured output: the agent asks again, the tool call wins.
    server.script({"text": "It is about an order."}, {"output": CLASSIFICATION}, {"output": DRAFT})
    assert _run(http_services(), checkpointer, message_id) == GraphRunStatus.INTERRUPTED
    received = server.requests()
    assert [r["body"]["model"] for r in received] == [
        "gpt-4.1-mini-2025-04-14",
        "gpt-4.1-mini-2025-04-14",
        "chat-model",
    ]
    first = received[0]["body"]["messages"]
    assert first[0]["role"] == "system" and first[0]["content"] == classify_prompt().text
    assert first[-1]["role"] == "user"
    assert first[-1]["content"].endswith("has not arrived.\n</untrusted_email>")
    runs = _node_runs(database)
    assert (runs["classify"].provider, runs["classify"].model) == ("openai", CLASSIFY_PIN[7:])
    assert runs["draft"].provider == "scripted" and runs["draft"].model_version == "1.0.0"
    assert runs["classify"].input_tokens and runs["classify"].output_tokens
    with database.session() as session:
        assert session.scalars(select(Draft)).one().body == DRAFT["body"]


def test_a_429_waits_for_retry_after_then_succeeds(
    database: Database,
    checkpointer: BaseCheckpointSaver[Any],
    server: ScriptedServer,
    http_services: ServicesMaker,
    message_id: int,
) -> None:
    server.script({"status": 429, "retry_after": 2}, {"output": CLASSIFICATION}, {"output": DRAFT})
    assert _run(http_services(), checkpointer, message_id) == GraphRunStatus.INTERRUPTED
    received = server.requests()
    assert len(received) == 3
    # The first backoff's jitter is at most 1 s: waiting 2 s is the Retry-After's doing.
    assert received[1]["at"] - received[0]["at"] >= 2.0
    assert _node_runs(database)["classify"].status == NodeRunStatus.OK


def test_server_errors_until_the_attempts_run_out_end_in_review(
    database: Database,
    checkpointer: BaseCheckpointSaver[Any],
    server: ScriptedServer,
    http_services: ServicesMaker,
    message_id: int,
) -> None:
    server.script({"output": CLASSIFICATION}, {"status": 503}, {"status": 500}, {"status": 502})
    assert _run(http_services(), checkpointer, message_id) == GraphRunStatus.INTERRUPTED
    assert len(server.requests()) == 4  # one classify, three draft attempts
    _assert_review_with(database, message_id, "draft failed: ModelServerError: status_code: 502")
    assert _node_runs(database)["draft"].status == NodeRunStatus.ERROR


def test_a_timed_out_request_is_retried(
    database: Database,
    checkpointer: BaseCheckpointSaver[Any],
    server: ScriptedServer,
    http_services: ServicesMaker,
    message_id: int,
) -> None:
    server.script(
        {"output": CLASSIFICATION, "delay": 3}, {"output": CLASSIFICATION}, {"output": DRAFT}
    )
    status = _run(http_services(request_timeout=0.5), checkpointer, message_id)
    assert status == GraphRunStatus.INTERRUPTED
    assert len(server.requests()) == 3
    assert _node_runs(database)["classify"].status == NodeRunStatus.OK
    with database.session() as session:
        assert session.scalars(select(Draft)).one().body == DRAFT["body"]


def test_timeouts_on_every_attempt_end_in_review(
    database: Database,
    checkpointer: BaseCheckpointSaver[Any],
    server: ScriptedServer,
    http_services: ServicesMaker,
    message_id: int,
) -> None:
    server.script(*[{"output": CLASSIFICATION, "delay": 2}] * 2)
    settings = TriageSettings(model_attempts=2, retry_max_wait_seconds=0.1)
    _run(http_services(request_timeout=0.3, settings=settings), checkpointer, message_id)
    assert len(server.requests()) == 2
    _assert_review_with(database, message_id, "classify failed: ModelRequestTimeout")


def test_malformed_json_is_retried_then_accepted(
    database: Database,
    checkpointer: BaseCheckpointSaver[Any],
    server: ScriptedServer,
    http_services: ServicesMaker,
    message_id: int,
) -> None:
    server.script(
        {"output": CLASSIFICATION},
        {"malformed": '{"subject": "Re: ...", "body":'},
        {"output": DRAFT},
    )
    assert _run(http_services(), checkpointer, message_id) == GraphRunStatus.INTERRUPTED
    retry_prompt = server.requests()[2]["body"]["messages"][-1]
    assert retry_prompt["role"] == "tool" and "json_invalid" in retry_prompt["content"]
    assert _node_runs(database)["draft"].status == NodeRunStatus.OK


def test_output_still_malformed_after_the_agents_retries_ends_in_review(
    database: Database,
    checkpointer: BaseCheckpointSaver[Any],
    server: ScriptedServer,
    http_services: ServicesMaker,
    message_id: int,
) -> None:
    server.script(*[{"malformed": "{category: order_status"}] * 3)
    assert _run(http_services(), checkpointer, message_id) == GraphRunStatus.INTERRUPTED
    assert len(server.requests()) == 3  # one try and OUTPUT_RETRIES=2; not retried by tenacity
    _assert_review_with(database, message_id, "classify failed: UnexpectedModelBehavior")
    assert "draft" not in _node_runs(database)
