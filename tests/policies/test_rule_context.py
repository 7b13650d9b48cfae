"""build_context: every field a rule can test, computed from classification, CRM and facts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hatchway.agents.outputs import Classification, Entities, Money
from hatchway.agents.requests import Fact, FactValue
from hatchway.policies.rules import FIELDS, RuleContext, build_context

CUSTOMER: dict[str, FactValue] = {
    "name": "Ruby Evans",
    "tier": "Gold",
    "lifetime_value": "2082.00 EUR",
    "open_disputes": 1,
}
FACTS = [
    Fact(key="order.NW-100226.total", value="649.00 EUR", source="crm"),
    Fact(key="order.NW-100227.total", value="1200.00 EUR", source="crm"),
    Fact(key="product.NW-KAYAK-INF.available", value=1, source="inventory"),
    Fact(key="product.NW-FILTER-SQ.available", value=0, source="inventory"),
]


def make(
    *,
    subject: str = "Refund for kayak - order NW-100226",
    body: str = "The full amount of EUR 649.00 should be refunded.",
    customer: dict[str, FactValue] | None = CUSTOMER,
    facts: list[Any] | None = None,
    entities: Entities | None = None,
) -> RuleContext:
    classification = Classification(
        category="refund",
        confidence=0.83,
        language="EN",
        entities=entities or Entities(),
        rationale="asks for money back",
    )
    return build_context(
        classification=classification,
        customer=customer,
        facts=FACTS if facts is None else facts,
        subject=subject,
        body=body,
    )


def test_every_field_has_a_value() -> None:
    assert set(make().values) == set(FIELDS)


def test_classification_fields() -> None:
    values = make().values

    assert values["category"] == "refund"
    assert values["language"] == "en"
    assert values["confidence"] == Decimal("0.83")


def test_amount_is_the_largest_eur_amount_in_the_text() -> None:
    values = make(body="I paid 49,95 € and 649.00 EUR, and £900.00 elsewhere.").values

    assert values["amount"] == Decimal("649.00")  # GBP does not count


def test_amount_includes_what_the_classifier_found() -> None:
    entities = Entities(amounts=[Money(amount=Decimal("720.00"), currency="EUR")])

    assert make(body="no amount here", entities=entities).values["amount"] == Decimal("720.00")


def test_no_amount_is_unknown() -> None:
    values = make(subject="hi", body="no money mentioned").values

    assert values["amount"] is None


def test_order_total_reads_the_orders_the_email_names() -> None:
    values = make().values

    assert values["order.total"] == Decimal("649.00")  # NW-100227 is not named
    assert values["amount.at_stake"] == Decimal("649.00")


def test_order_total_falls_back_to_all_looked_up_orders() -> None:
    values = make(subject="Refund", body="please refund my last order").values

    assert values["order.total"] == Decimal("1200.00")
    assert values["amount.at_stake"] == Decimal("1200.00")


def test_amount_at_stake_is_the_larger_of_amount_and_order_total() -> None:
    values = make(body="I want 5000 EUR back for NW-100226").values

    assert values["amount.at_stake"] == Decimal("5000.00")


def test_entities_merge_the_classifier_and_the_text() -> None:
    entities = Entities(order_ids=["NW-100999"], skus=["nw-tent-2p"])
    values = make(body="also NW-KAYAK-INF and nw100226", entities=entities).values

    assert values["entities.order_ids"] == ("NW-100999", "NW-100226")
    assert values["entities.order_ids.count"] == 2
    assert values["entities.skus"] == ("NW-TENT-2P", "NW-KAYAK-INF")
    assert values["entities.skus.count"] == 2


def test_customer_fields() -> None:
    values = make().values

    assert values["customer.known"] is True
    assert values["customer.tier"] == "gold"
    assert values["customer.lifetime_value"] == Decimal("2082.00")
    assert values["customer.open_disputes"] == 1


def test_unknown_customer_has_unknown_fields() -> None:
    values = make(customer=None).values

    assert values["customer.known"] is False
    assert values["customer.tier"] is None
    assert values["customer.lifetime_value"] is None
    assert values["customer.open_disputes"] is None


def test_lifetime_value_in_cents_or_as_a_number() -> None:
    cents = make(customer={"tier": "vip", "lifetime_value_cents": 793600}).values
    number = make(customer={"tier": "vip", "lifetime_value": 7936}).values

    assert cents["customer.lifetime_value"] == Decimal("7936.00")
    assert number["customer.lifetime_value"] == Decimal("7936.00")


def test_customer_facts_fill_gaps_in_the_record() -> None:
    facts = [
        Fact(key="customer.tier", value="vip", source="crm"),
        Fact(key="customer.open_disputes", value=2, source="crm"),
    ]
    values = make(customer={"name": "Zoe"}, facts=facts).values

    assert values["customer.tier"] == "vip"
    assert values["customer.open_disputes"] == 2


def test_inventory_out_of_stock() -> None:
    context = make()

    assert context.values["inventory.out_of_stock"] is True
    assert context.values["inventory.out_of_stock_skus"] == ("NW-FILTER-SQ",)
    assert context.evidence["inventory.out_of_stock"] == "out of stock: NW-FILTER-SQ"


def test_inventory_in_stock_and_facts_as_dicts() -> None:
    facts = [{"key": "product.NW-PACK-65.available", "value": 5, "source": "inventory"}]
    values = make(facts=facts).values

    assert values["inventory.out_of_stock"] is False
    assert values["inventory.out_of_stock_skus"] == ()


def test_text_and_subject() -> None:
    values = make(subject="Hello", body="World").values

    assert values["text"] == "Hello\nWorld"
    assert values["subject"] == "Hello"


def test_sentiment_fields_and_evidence() -> None:
    context = make(body="THIS IS RIDICULOUS, I WILL CALL MY LAWYER TOMORROW!!!")

    assert context.values["sentiment.angry"] is True
    assert context.values["sentiment.threat"] is True
    assert context.values["sentiment.anger_score"] >= 5  # type: ignore[operator]
    assert "writes in capitals" in context.evidence["sentiment.angry"]
    assert context.evidence["sentiment.threat"] == "threat words: LAWYER"


def test_calm_text_has_no_sentiment_evidence() -> None:
    context = make()

    assert context.values["sentiment.angry"] is False
    assert "sentiment.angry" not in context.evidence
