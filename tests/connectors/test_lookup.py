"""ConnectorLookup on the demo shop: the facts the drafter needs, and nothing it must not see."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from hatchway.agents.offline.drafter import TemplateDrafterModel
from hatchway.agents.outputs import Classification, Entities
from hatchway.agents.requests import DraftRequest, render_user_prompt
from hatchway.connectors.crm import InMemoryCrm, SqlCrm, SqlCrmSettings
from hatchway.connectors.inventory import SqlInventory, SqlInventorySettings
from hatchway.connectors.lookup import ConnectorLookup, ShopPolicy
from hatchway.errors import TransientError
from hatchway.graphs.services import Lookup, LookupResult
from tests.connectors.demo_shop import load_sqlite_shop

EMMA = "Emma Hughes <emma.hughes@mailbox.example>"
NORTHWIND = ShopPolicy(name="Northwind Outfitters", return_window_days=30, warranty_years=2)


@pytest.fixture
def lookup(tmp_path: Path) -> Iterator[ConnectorLookup]:
    url = load_sqlite_shop(tmp_path / "shop.db")
    crm = SqlCrm.from_settings(SqlCrmSettings(url=url))
    inventory = SqlInventory.from_settings(SqlInventorySettings(url=url))
    yield ConnectorLookup(crm, inventory, shop=NORTHWIND)
    crm.close()
    inventory.close()


def _classified(
    category: str, order_ids: Sequence[str] = (), skus: Sequence[str] = ()
) -> Classification:
    entities = Entities(order_ids=list(order_ids), skus=list(skus))
    return Classification(
        category=category, confidence=0.9, language="en", entities=entities, rationale="test"
    )


def _facts(result: LookupResult) -> dict[str, object]:
    return {fact.key: fact.value for fact in result.facts}


def test_is_a_lookup(lookup: ConnectorLookup) -> None:
    as_protocol: Lookup = lookup  # mypy checks the structure; LookupResult is what comes back
    result = as_protocol.lookup(sender=EMMA, classification=_classified("other"))
    assert isinstance(result, LookupResult)


def test_facts_for_the_senders_own_order(lookup: ConnectorLookup) -> None:
    result = lookup.lookup(sender=EMMA, classification=_classified("order_status", ["NW-100250"]))
    assert result.customer is not None
    assert result.customer["name"] == "Emma Hughes" and result.customer["tier"] == "gold"
    assert "phone" not in result.customer
    facts = _facts(result)
    assert {key: value for key, value in facts.items() if key.startswith("order.")} == {
        "order.NW-100250.status": "shipped",
        "order.NW-100250.placed_at": "2026-11-14",
        "order.NW-100250.total": "141.70 EUR",
        "order.NW-100250.items": "1 × NW-STOVE-GAS, 1 × NW-COOK-TI, 3 × NW-GAS-230",
        "order.NW-100250.carrier": "DHL",
        "order.NW-100250.tracking_number": "00340434373194459159",
        "order.NW-100250.shipped_at": "2026-11-16",
        "order.NW-100250.shipping_address": "14 Rowan Terrace, EH9 1QB Edinburgh, GB",
        "order.NW-100250.invoice_id": "INV-2026-00849",
    }
    assert facts["shop.name"] == "Northwind Outfitters"
    assert {fact.source for fact in result.facts} == {"crm", "policy"}
    assert result.notes == []


def test_return_and_refund_facts(lookup: ConnectorLookup) -> None:
    sender = "lucas.moreau@orange.example"
    result = lookup.lookup(sender=sender, classification=_classified("refund", ["NW-100221"]))
    facts = _facts(result)
    assert facts["order.NW-100221.return_status"] == "received"
    assert facts["order.NW-100221.refund_amount"] == "189.00 EUR"
    assert facts["order.NW-100221.refund_status"] == "pending"
    assert facts["order.NW-100221.return_deadline"] is not None


def test_another_customers_order_is_withheld(lookup: ConnectorLookup) -> None:
    result = lookup.lookup(sender=EMMA, classification=_classified("cancellation", ["NW-100217"]))
    assert result.customer is not None
    assert not [fact for fact in result.facts if fact.key.startswith("order.")]
    assert result.notes == [
        "order NW-100217 is not an order of the sender's customer record: its data was "
        "withheld; do not confirm or discuss it with this sender"
    ]


def test_unknown_sender_gets_no_customer_and_no_order_facts(lookup: ConnectorLookup) -> None:
    result = lookup.lookup(
        sender="Stranger <stranger@nowhere.example>",
        classification=_classified("order_status", ["NW-100201"]),
    )
    assert result.customer is None
    assert [f.key for f in result.facts if not f.key.startswith(("shop.", "policy."))] == []
    assert result.notes[0] == "the sender 'stranger@nowhere.example' is not a customer in the CRM"
    assert "NW-100201 is not an order of the sender's" in result.notes[1]


def test_an_invented_order_is_noted(lookup: ConnectorLookup) -> None:
    result = lookup.lookup(sender=EMMA, classification=_classified("cancellation", ["NW-100999"]))
    assert result.notes == ["order NW-100999 was not found in the CRM"]


def test_no_order_named_gives_the_recent_orders(lookup: ConnectorLookup) -> None:
    result = lookup.lookup(sender=EMMA, classification=_classified("order_status"))
    statuses = [f.key for f in result.facts if f.key.endswith(".status")]
    assert statuses == [
        "order.NW-100261.status",
        "order.NW-100250.status",
        "order.NW-100231.status",
    ]
    assert "names no order" in result.notes[0]


def test_sku_stock_with_restock_date(lookup: ConnectorLookup) -> None:
    sender = "noah.patel@outlook.example"
    classification = _classified("product_availability", skus=["NW-BAG-M5"])
    facts = _facts(lookup.lookup(sender=sender, classification=classification))
    assert facts["product.NW-BAG-M5.name"] == "Summit -5°C Down Sleeping Bag"
    assert facts["product.NW-BAG-M5.available"] == 0
    assert facts["product.NW-BAG-M5.restock_date"] == "2026-12-04"
    assert facts["product.NW-BAG-M5.price"] == "279.00 EUR"


def test_discontinued_unknown_and_named_products(lookup: ConnectorLookup) -> None:
    classification = _classified("product_availability", skus=["NW-LANTERN-CL", "NW-NOPE"])
    result = lookup.lookup(
        sender=EMMA, classification=classification, product_names=["hammock", "tent"]
    )
    facts = _facts(result)
    assert facts["product.NW-LANTERN-CL.active"] is False
    assert facts["product.NW-HAM-SGL.available"] == 0
    assert "SKU NW-LANTERN-CL (Classic Gas Lantern) is discontinued" in result.notes
    assert "SKU NW-NOPE is not in the catalogue" in result.notes
    assert any(note.startswith("product name 'tent' matches 3 products") for note in result.notes)


def test_the_template_drafter_fills_its_reply_from_the_facts(lookup: ConnectorLookup) -> None:
    result = lookup.lookup(sender=EMMA, classification=_classified("order_status", ["NW-100250"]))
    request = DraftRequest(
        category="order_status",
        language="en",
        customer=result.customer,
        facts=result.facts,
        subject="Where is my order?",
        sender=EMMA,
        text="Where is NW-100250?",
    )
    reply = TemplateDrafterModel().answer(render_user_prompt(request))
    assert "Hello Emma Hughes," in reply.body
    assert "NW-100250 is currently shipped" in reply.body
    assert "2026-11-16 with DHL; the tracking number is 00340434373194459159" in reply.body
    assert "Northwind Outfitters Customer Support" in reply.body
    assert not [risk for risk in reply.risks if risk.startswith("No fact for")]


def test_a_connector_outage_propagates() -> None:
    crm = InMemoryCrm()
    crm.error = TransientError("crm", "connection refused")
    lookup = ConnectorLookup(crm, None)
    with pytest.raises(TransientError, match="crm: connection refused"):
        lookup.lookup(sender=EMMA, classification=_classified("order_status"))


def test_nothing_connected_is_said_in_notes() -> None:
    classification = _classified("product_availability", skus=["NW-BAG-M5"])
    result = ConnectorLookup(None, None).lookup(sender=EMMA, classification=classification)
    assert (result.customer, result.facts) == (None, [])
    assert result.notes == [
        "no CRM is connected: customer and orders were not looked up",
        "no inventory is connected: products and stock were not looked up",
    ]
