"""A real connector that is down puts the email in review with the reason, and nothing is drafted.

The triage graph runs with ConnectorLookup over the real adapters: the HTTP ones against the
local CRM server process (answering 503 until the retries are spent, or working), a port
nobody listens on, and a SQL database that cannot be opened.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo
from sqlalchemy import select

from hatchway.connectors.crm import HttpCrm, HttpCrmSettings, SqlCrm, SqlCrmSettings
from hatchway.connectors.inventory import HttpInventory, HttpInventorySettings
from hatchway.connectors.lookup import ConnectorLookup
from hatchway.graphs.checkpoint import open_checkpointer
from hatchway.graphs.runner import TriageRunner
from hatchway.intake import accept_raw_message
from hatchway.store import Database
from hatchway.store.models import Draft, InboundMessage, InboundSource, InboundStatus, OutboxEntry
from tests.fixtures.crm_http import CrmHttpServer
from tests.graphs.conftest import CLASSIFICATION, DRAFT, answering, make_services

MAIL = (
    b"From: Emma Hughes <emma.hughes@mailbox.example>\r\nTo: support@shop.example\r\n"
    b"Subject: Where is order NW-100201?\r\nMessage-ID: <outage@example.com>\r\n\r\n"
    b"Hi, where is my order NW-100201? And is NW-TENT-2P in stock?\r\n"
)
CLASSIFIED = {**CLASSIFICATION, "entities": {"order_ids": ["NW-100201"], "skus": ["NW-TENT-2P"]}}


@pytest.fixture
def checkpointer(database: Database) -> Iterator[BaseCheckpointSaver[Any]]:
    with open_checkpointer(database) as saver:
        yield saver


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _http_settings(server: CrmHttpServer) -> dict[str, Any]:
    return {
        "base_url": server.base_url,
        "auth_value": server.auth_value,
        "attempts": 2,
        "retry_initial_wait_seconds": 0,
        "timeout_seconds": 5,
    }


def _triage(
    database: Database, checkpointer: BaseCheckpointSaver[Any], lookup: ConnectorLookup
) -> tuple[InboundMessage, list[int]]:
    """Run the graph on MAIL; the message afterwards and how often the drafter was asked."""
    drafted: list[int] = []
    answer = answering(DRAFT)

    def draft(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        drafted.append(1)
        return answer(messages, info)

    with database.session() as session:
        message_id = accept_raw_message(session, raw=MAIL, source=InboundSource.FILE).message.id
    services = make_services(database, classify=answering(CLASSIFIED), draft=draft)
    try:
        TriageRunner(replace(services, lookup=lookup), checkpointer, owner="w").start(message_id)
    finally:
        for connector in (lookup.crm, lookup.inventory):
            if connector is not None:
                connector.close()
    with database.session() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None
        session.expunge(message)
    return message, drafted


def _assert_held_for_review(database: Database, message: InboundMessage, reason: str) -> None:
    assert message.status == InboundStatus.IN_REVIEW
    assert message.status_reason is not None and reason in message.status_reason
    with database.session() as session:
        assert session.scalars(select(OutboxEntry)).all() == []
        drafts = session.scalars(select(Draft)).all()
    assert all(not draft.body for draft in drafts)  # nothing was written from missing data


DownLookup = Callable[[CrmHttpServer, Path], ConnectorLookup]


def _crm_answers_503(server: CrmHttpServer, tmp_path: Path) -> ConnectorLookup:
    server.script(*[{"status": 503, "headers": {"Retry-After": "0"}}] * 2)
    return ConnectorLookup(HttpCrm(HttpCrmSettings(**_http_settings(server))), None)


def _crm_port_closed(server: CrmHttpServer, tmp_path: Path) -> ConnectorLookup:
    settings = HttpCrmSettings(
        base_url=f"http://127.0.0.1:{_free_port()}/api", attempts=2, retry_initial_wait_seconds=0
    )
    return ConnectorLookup(HttpCrm(settings), None)


def _crm_database_gone(server: CrmHttpServer, tmp_path: Path) -> ConnectorLookup:
    url = f"sqlite:///{tmp_path / 'no-such-dir' / 'shop.db'}"
    return ConnectorLookup(SqlCrm.from_settings(SqlCrmSettings(url=url)), None)


def _inventory_port_closed(server: CrmHttpServer, tmp_path: Path) -> ConnectorLookup:
    crm = HttpCrm(HttpCrmSettings(**_http_settings(server)))
    # The CRM answers (customer, order); the stock system is not there.
    inventory_settings = HttpInventorySettings(
        **{**_http_settings(server), "base_url": f"http://127.0.0.1:{_free_port()}/api"}
    )
    return ConnectorLookup(crm, HttpInventory(inventory_settings))


@pytest.mark.parametrize(
    ("down", "reason"),
    [
        (_crm_answers_503, "lookup failed: TransientError: crm: GET customers: HTTP 503"),
        (_crm_port_closed, "lookup failed: TransientError: crm: GET customers"),
        (_crm_database_gone, "lookup failed: TransientError: crm"),
        (_inventory_port_closed, "lookup failed: TransientError: inventory: GET products/"),
    ],
    ids=["crm-http-503", "crm-http-refused", "crm-sql-unreachable", "inventory-http-refused"],
)
def test_a_connector_that_is_down_sends_the_email_to_review(
    database: Database,
    checkpointer: BaseCheckpointSaver[Any],
    crm_http: CrmHttpServer,
    tmp_path: Path,
    down: DownLookup,
    reason: str,
) -> None:
    message, drafted = _triage(database, checkpointer, down(crm_http, tmp_path))
    _assert_held_for_review(database, message, reason)
    assert drafted == []  # the drafter never saw the email


def test_with_the_connectors_up_the_same_email_is_drafted_from_facts(
    database: Database, checkpointer: BaseCheckpointSaver[Any], crm_http: CrmHttpServer
) -> None:
    lookup = ConnectorLookup(
        HttpCrm(HttpCrmSettings(**_http_settings(crm_http))),
        HttpInventory(HttpInventorySettings(**_http_settings(crm_http))),
    )
    message, drafted = _triage(database, checkpointer, lookup)
    assert drafted == [1]
    assert "lookup failed" not in (message.status_reason or "")
    with database.session() as session:
        draft = session.scalars(select(Draft)).one()
    keys = {fact["key"] for fact in draft.facts}
    assert {"order.NW-100201.status", "product.NW-TENT-2P.available"} <= keys
