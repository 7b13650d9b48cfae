"""The lookup, rules and check nodes on real CRM data: facts in, hits and failed claims out."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from sqlalchemy import select

from hatchway.connectors.crm import Customer, InMemoryCrm, Order
from hatchway.connectors.lookup import ConnectorLookup
from hatchway.graphs.runner import TriageRunner, thread_config
from hatchway.intake import accept_raw_message
from hatchway.store import Database
from hatchway.store.models import Draft, InboundSource
from tests.graphs.conftest import CLASSIFICATION, DRAFT, answering, make_services

EMMA = Customer(id="7", email="emma@example.com", name="Emma Hughes", tier="vip")
OWN = Order(
    id="NW-100231",
    customer_id="7",
    status="shipped",
    currency="EUR",
    total=Decimal("649.00"),
    carrier="DHL",
    tracking_number="00340434114679844789",
)
OTHER = Order(
    id="NW-100299", customer_id="8", status="paid", currency="EUR", total=Decimal("20.00")
)
REFUND_MAIL = (
    b"From: Emma Hughes <emma@example.com>\r\nTo: support@shop.example\r\n"
    b"Subject: Refund for NW-100231\r\nMessage-ID: <r1@example.com>\r\n\r\n"
    b"Please refund my order NW-100231 (649.00 EUR) in full.\r\n"
)


def _run(
    database: Database,
    checkpointer: BaseCheckpointSaver[Any],
    draft: dict[str, Any],
    classification: dict[str, Any],
) -> dict[str, Any]:
    with database.session() as session:
        message_id = accept_raw_message(
            session, raw=REFUND_MAIL, source=InboundSource.FILE
        ).message.id
    services = make_services(database, classify=answering(classification), draft=answering(draft))
    services = replace(services, lookup=ConnectorLookup(InMemoryCrm([EMMA], [OWN, OTHER]), None))
    runner = TriageRunner(services, checkpointer, owner="w")
    runner.start(message_id)
    values: dict[str, Any] = runner.graph.get_state(thread_config(message_id)).values
    return values


REFUND = {
    **CLASSIFICATION,
    "category": "refund",
    "entities": {"order_ids": ["NW-100231"], "amounts": [{"amount": "649.00", "currency": "EUR"}]},
}


def test_a_large_refund_needs_ops_and_the_vip_gets_a_note(
    database: Database, checkpointer: BaseCheckpointSaver[Any]
) -> None:
    draft = {**DRAFT, "body": "Hello Emma,\n\nwe will refund 649.00 EUR for order NW-100231."}
    values = _run(database, checkpointer, draft, REFUND)
    assert any(f["key"] == "order.NW-100231.total" for f in values["facts"])
    hits = {hit["rule"]: hit for hit in values["rule_hits"]}
    assert hits["refund-above-limit"]["role"] == "ops"
    assert hits["vip-customer"]["action"] == "note"
    assert all(check["ok"] for check in values["check_results"])
    with database.session() as session:
        stored = session.scalars(select(Draft)).one()
    assert any(h["rule"] == "refund-above-limit" for h in stored.rule_hits)


def test_invented_order_and_wrong_amount_fail_the_checks(
    database: Database, checkpointer: BaseCheckpointSaver[Any]
) -> None:
    draft = {
        **DRAFT,
        "body": "Hello Emma,\n\nwe refunded 64.90 EUR for order NW-100777 and order NW-100299.",
    }
    values = _run(database, checkpointer, draft, REFUND)
    failed = {c["claim"]: c for c in values["check_results"] if not c["ok"]}
    assert {"NW-100777", "NW-100299"} <= set(failed)
    assert any("64.90" in claim for claim in failed)
    assert any("NW-100777" in reason for reason in values["review_reasons"])


def test_another_customers_order_is_never_a_fact(
    database: Database, checkpointer: BaseCheckpointSaver[Any]
) -> None:
    other = {**REFUND, "entities": {"order_ids": ["NW-100299"]}}
    values = _run(database, checkpointer, DRAFT, other)
    assert not any("NW-100299" in fact["key"] for fact in values["facts"])
    assert any("NW-100299" in note for note in values["notes"])
