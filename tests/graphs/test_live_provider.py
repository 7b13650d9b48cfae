"""The same triage graph against a real OpenAI-compatible endpoint named in the environment.

Set ``HATCHWAY_LIVE_BASE_URL`` (e.g. ``http://127.0.0.1:8080/v1`` for a llama.cpp server, or
a vLLM server) and ``HATCHWAY_LIVE_MODEL`` as ``<model>@<version>`` (the pin, e.g.
``qwen2.5-7b-instruct@2024-09-19``); ``HATCHWAY_LIVE_API_KEY`` if the server wants one. Run
with ``pytest -m live``; skipped when no endpoint is named.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic_ai.models import override_allow_model_requests
from sqlalchemy import select

from hatchway.agents.classify import CLASSIFY_CATEGORIES, classify_prompt, make_classify_agent
from hatchway.agents.draft import draft_prompt, make_draft_agent
from hatchway.agents.model_settings import ModelSettings
from hatchway.agents.providers import build_model
from hatchway.graphs.model_loop import ModelLoop
from hatchway.graphs.runner import TriageRunner, thread_config
from hatchway.graphs.services import NodeModel, TriageServices, TriageSettings
from hatchway.store import Database
from hatchway.store.models import GraphRunStatus, NodeRun, OutboxEntry

pytestmark = pytest.mark.live

BASE_URL = os.environ.get("HATCHWAY_LIVE_BASE_URL")
MODEL = os.environ.get("HATCHWAY_LIVE_MODEL")


@pytest.fixture
def live_services(database: Database) -> Iterator[TriageServices]:
    if not BASE_URL or not MODEL:
        pytest.skip("no live endpoint: set HATCHWAY_LIVE_BASE_URL and HATCHWAY_LIVE_MODEL")
    server: dict[str, Any] = {"base_url": BASE_URL, "kind": "openai-compatible"}
    if api_key := os.environ.get("HATCHWAY_LIVE_API_KEY"):
        server["api_key"] = api_key
    models = ModelSettings.model_validate(
        {
            "pins": {"classify": f"live:{MODEL}", "draft": f"live:{MODEL}"},
            "compatible": {"live": server},
        }
    )
    loop = ModelLoop("live-model-calls")
    classify_pin, draft_pin = models.pin_for("classify"), models.pin_for("draft")
    services = TriageServices(
        database=database,
        classify=NodeModel(
            make_classify_agent(build_model(classify_pin, models)), classify_pin, classify_prompt()
        ),
        draft=NodeModel(
            make_draft_agent(build_model(draft_pin, models)), draft_pin, draft_prompt()
        ),
        from_address="support@shop.example",
        settings=TriageSettings(node_timeout_seconds=300),
        model_loop=loop,
    )
    with override_allow_model_requests(True):
        for node_model in (services.classify, services.draft):
            loop.run(node_model.agent.__aenter__(), timeout=10)
        yield services
    for node_model in (services.classify, services.draft):
        loop.run(node_model.agent.__aexit__(None, None, None), timeout=10)
    loop.close()


def test_the_graph_runs_against_a_live_endpoint(
    database: Database,
    checkpointer: BaseCheckpointSaver[Any],
    live_services: TriageServices,
    message_id: int,
) -> None:
    runner = TriageRunner(live_services, checkpointer, owner="live")
    assert runner.start(message_id) == GraphRunStatus.INTERRUPTED  # new categories ask a human
    values = runner.graph.get_state(thread_config(message_id)).values
    assert not values.get("failure"), values.get("failure")
    assert values["classification"]["category"] in CLASSIFY_CATEGORIES
    assert values["draft"]["body"].strip()
    with database.session() as session:
        runs = {run.node: run for run in session.scalars(select(NodeRun))}
        assert session.scalars(select(OutboxEntry)).all() == []
    assert runs["classify"].provider == "live" and runs["classify"].input_tokens
