"""Graph fixtures: scripted models (FunctionModel), a stored message, a runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from hatchway.accounts import create_or_reset_user
from hatchway.agents.classify import classify_prompt, make_classify_agent
from hatchway.agents.draft import draft_prompt, make_draft_agent
from hatchway.agents.pins import parse_pin
from hatchway.graphs.checkpoint import open_checkpointer
from hatchway.graphs.runner import TriageRunner
from hatchway.graphs.services import NodeModel, TriageServices, TriageSettings
from hatchway.intake import accept_raw_message
from hatchway.policies.categories import ensure_categories
from hatchway.store import Database
from hatchway.store.models import InboundSource, Role

CUSTOMER_MAIL = (
    b"From: Emma Hughes <emma@example.com>\r\nTo: support@shop.example\r\n"
    b"Subject: Where is order NW-100231?\r\nMessage-ID: <g1@example.com>\r\n"
    b"Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n\r\nHi, my order NW-100231 has not arrived.\r\n"
)
CLASSIFICATION = {
    "category": "order_status",
    "confidence": 0.93,
    "language": "en",
    "entities": {"order_ids": ["NW-100231"]},
    "rationale": "asks where the order is",
}
DRAFT = {
    "subject": "Re: Where is order NW-100231?",
    "body": "Hello Emma,\n\nyour order is on its way.\n\nNorthwind",
    "facts_used": [],
    "risks": [],
}

Responder = Callable[[list[ModelMessage], AgentInfo], ModelResponse]


def answering(args: Mapping[str, Any]) -> Responder:
    """A model function that answers the output tool with ``args``."""

    def respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, dict(args))])

    return respond


def make_services(
    database: Database,
    *,
    classify: Responder | None = None,
    draft: Responder | None = None,
    settings: TriageSettings | None = None,
) -> TriageServices:
    """Services with scripted models pinned like real ones."""
    classify_pin = parse_pin("classify", "openai:gpt-4.1-mini-2025-04-14")
    draft_pin = parse_pin("draft", "anthropic:claude-sonnet-4-5-20250929")
    return TriageServices(
        database=database,
        classify=NodeModel(
            make_classify_agent(FunctionModel(classify or answering(CLASSIFICATION))),
            classify_pin,
            classify_prompt(),
        ),
        draft=NodeModel(
            make_draft_agent(FunctionModel(draft or answering(DRAFT))), draft_pin, draft_prompt()
        ),
        from_address="support@shop.example",
        settings=settings
        or TriageSettings(model_attempts=2, retry_max_wait_seconds=0.01, node_timeout_seconds=5),
    )


@pytest.fixture
def checkpointer(database: Database) -> Iterator[BaseCheckpointSaver[Any]]:
    with open_checkpointer(database) as saver:
        yield saver


@pytest.fixture
def message_id(database: Database) -> int:
    with database.session() as session:
        ensure_categories(session)
        return accept_raw_message(session, raw=CUSTOMER_MAIL, source=InboundSource.FILE).message.id


@pytest.fixture
def reviewer_id(database: Database) -> int:
    with database.session() as session:
        return create_or_reset_user(
            session, username="rita", password="pw-123456", role=Role.REVIEWER
        ).id


@pytest.fixture
def runner(database: Database, checkpointer: BaseCheckpointSaver[Any]) -> TriageRunner:
    return TriageRunner(make_services(database), checkpointer, owner="worker-a")
