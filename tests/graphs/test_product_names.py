"""A product asked about by name, without its SKU, gets its stock facts on the demo shop.

The offline classifier extracts no product names: the lookup node then matches the email
against the catalogue. An LLM classifier's ``product_names`` are looked up as given.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver

from hatchway.connectors.crm import SqlCrm, SqlCrmSettings
from hatchway.connectors.inventory import SqlInventory, SqlInventorySettings
from hatchway.connectors.lookup import ConnectorLookup
from hatchway.graphs.runner import TriageRunner, thread_config
from hatchway.intake import accept_raw_message
from hatchway.store import Database
from hatchway.store.models import InboundSource
from tests.connectors.demo_shop import load_sqlite_shop
from tests.graphs.conftest import CLASSIFICATION, DRAFT, answering, make_services

AVAILABILITY = {
    **CLASSIFICATION,
    "category": "product_availability",
    "entities": {},  # what the offline classifier finds in these emails: no SKU, no name
    "rationale": "asks whether a product is in stock",
}

VAGUE = "is the big expedition pack back in stock? need it soon"  # no capital, no digit


def _mail(body: str) -> bytes:
    return (
        "From: Samuel Okafor <samuel.okafor@gmail.example>\r\n"
        "To: support@shop.example\r\nSubject: In stock?\r\n"
        f"Message-ID: <p-{abs(hash(body))}@example.com>\r\n\r\n{body}\r\n"
    ).encode()


@pytest.fixture
def shop_lookup(tmp_path: Path) -> Iterator[ConnectorLookup]:
    url = load_sqlite_shop(tmp_path / "shop.db")
    crm = SqlCrm.from_settings(SqlCrmSettings(url=url))
    inventory = SqlInventory.from_settings(SqlInventorySettings(url=url))
    yield ConnectorLookup(crm, inventory)
    crm.close()
    inventory.close()


def _run(
    database: Database,
    checkpointer: BaseCheckpointSaver[Any],
    lookup: ConnectorLookup,
    body: str,
    reply: str,
    classification: dict[str, Any] = AVAILABILITY,
) -> dict[str, Any]:
    with database.session() as session:
        message_id = accept_raw_message(
            session, raw=_mail(body), source=InboundSource.FILE
        ).message.id
    services = make_services(
        database,
        classify=answering(classification),
        draft=answering({**DRAFT, "subject": "Re: In stock?", "body": reply}),
    )
    runner = TriageRunner(replace(services, lookup=lookup), checkpointer, owner="w")
    runner.start(message_id)
    values: dict[str, Any] = runner.graph.get_state(thread_config(message_id)).values
    return values


def _facts(values: dict[str, Any]) -> dict[str, Any]:
    return {fact["key"]: fact["value"] for fact in values["facts"]}


def _availability(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in values["check_results"] if (c.get("fact_key") or "").endswith(".available")]


def test_a_product_named_without_its_sku_gets_stock_facts_and_a_true_promise_passes(
    database: Database, checkpointer: BaseCheckpointSaver[Any], shop_lookup: ConnectorLookup
) -> None:
    values = _run(
        database,
        checkpointer,
        shop_lookup,
        "Hi, is the Expedition 65L Backpack in stock at the moment? Cheers, Sam",
        "Hello Sam,\n\nyes, the Expedition 65L Backpack is in stock.\n\nNorthwind",
    )
    facts = _facts(values)
    assert facts["product.NW-PACK-65.name"] == "Expedition 65L Backpack"
    assert facts["product.NW-PACK-65.available"] == 5
    checks = _availability(values)
    assert {(c["fact_key"], c["ok"]) for c in checks} == {("product.NW-PACK-65.available", True)}
    assert not [c for c in values["check_results"] if not c["ok"]]


def test_a_promise_of_a_product_named_out_of_stock_fails_the_check(
    database: Database, checkpointer: BaseCheckpointSaver[Any], shop_lookup: ConnectorLookup
) -> None:
    values = _run(
        database,
        checkpointer,
        shop_lookup,
        "Quería comprar el filtro de agua Squeeze pero en la web pone agotado.",
        "Hello,\n\ngood news: the Squeeze Water Filter is in stock.\n\nNorthwind",
    )
    assert _facts(values)["product.NW-FILTER-SQ.available"] == 0
    checks = _availability(values)
    assert {(c["fact_key"], c["ok"]) for c in checks} == {("product.NW-FILTER-SQ.available", False)}
    assert any("NW-FILTER-SQ is out of stock" in reason for reason in values["review_reasons"])


def test_a_name_the_matcher_cannot_see_gets_no_product_facts(
    database: Database, checkpointer: BaseCheckpointSaver[Any], shop_lookup: ConnectorLookup
) -> None:
    values = _run(database, checkpointer, shop_lookup, VAGUE, DRAFT["body"])
    assert not any(key.startswith("product.") for key in _facts(values))


def test_an_llm_classifiers_product_names_are_looked_up(
    database: Database, checkpointer: BaseCheckpointSaver[Any], shop_lookup: ConnectorLookup
) -> None:
    named = {**AVAILABILITY, "entities": {"product_names": ["expedition"]}}
    values = _run(database, checkpointer, shop_lookup, VAGUE, DRAFT["body"], named)
    assert _facts(values)["product.NW-PACK-65.available"] == 5


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Subject: 65L pack in stock?", ["Expedition 65L Backpack"]),
        ("Do you have the Ridgewalker boots in 42?", ["Ridgewalker Hiking Boots EU 42"]),
        ("Is the Stormshell jacket for women back?", ["Stormshell Rain Jacket (Women)"]),
        ("I would like a Tent and a Pack.", []),  # several products each: none is named
        ("Thanks, Glasgow Scouts", []),
    ],
)
def test_the_catalogue_match(shop_lookup: ConnectorLookup, text: str, names: list[str]) -> None:
    assert shop_lookup.product_names_in(text) == names
