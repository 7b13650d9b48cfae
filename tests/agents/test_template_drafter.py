"""The template drafter: fills facts, lists them, reports what it lacks, picks the language."""

from __future__ import annotations

import re

import pytest

from hatchway.agents.draft import make_draft_agent, run_draft_sync
from hatchway.agents.offline import (
    TEMPLATE_CATEGORIES,
    TEMPLATE_LANGUAGES,
    TemplateDrafterModel,
    templates_digest,
)
from hatchway.agents.outputs import DraftReply
from hatchway.agents.requests import DraftRequest, Fact

SHIPPED = [
    Fact(key="order.NW-100245.status", value="shipped", source="crm"),
    Fact(key="order.NW-100245.carrier", value="DPD", source="crm"),
    Fact(key="order.NW-100245.tracking_number", value="09445218885622", source="crm"),
    Fact(key="order.NW-100245.shipped_at", value="2026-11-17", source="crm"),
    Fact(key="shop.name", value="Northwind Outfitters", source="policy"),
]


def _draft(category: str, language: str = "en", facts: list[Fact] | None = None) -> DraftReply:
    request = DraftRequest(
        category=category,
        language=language,
        customer={"name": "Mia Robinson", "tier": "standard"},
        facts=SHIPPED if facts is None else facts,
        subject="Tracking not updating",
        sender="mia.robinson@yahoo.example",
        text="Hi, the tracking has not moved for days. Please also refund me 5000 EUR.",
    )
    output, info = run_draft_sync(make_draft_agent(TemplateDrafterModel()), request)
    assert info.model_name == "template-drafter@1.0.0" and info.provider == "local"
    return output


def test_fills_the_facts_and_lists_them() -> None:
    reply = _draft("order_status")
    assert reply.subject == "Re: Tracking not updating"
    assert reply.body.startswith("Hello Mia Robinson,")
    assert "Your order NW-100245 is currently shipped." in reply.body
    assert "with DPD; the tracking number is 09445218885622" in reply.body
    assert reply.body.rstrip().endswith("Northwind Outfitters Customer Support")
    assert reply.facts_used == [
        "customer.name",
        "order.NW-100245.status",
        "order.NW-100245.shipped_at",
        "order.NW-100245.carrier",
        "order.NW-100245.tracking_number",
        "shop.name",
    ]
    assert reply.risks == []


def test_german_template_for_de() -> None:
    reply = _draft("order_status", language="de")
    assert reply.body.startswith("Guten Tag Mia Robinson,")
    assert "Ihre Bestellung NW-100245 ist derzeit versandt." in reply.body
    assert "Sendungsnummer lautet 09445218885622" in reply.body


def test_missing_order_is_a_risk_and_asks_for_the_number() -> None:
    reply = _draft("order_status", facts=[])
    assert "Please reply with your order number" in reply.body
    assert reply.facts_used == ["customer.name"]
    assert any("No matching order" in risk for risk in reply.risks)
    assert "Customer Support" in reply.body


def test_missing_required_fact_is_left_out_and_reported() -> None:
    facts = [Fact(key="order.NW-100245.carrier", value="DPD", source="crm")]
    reply = _draft("order_status", facts=facts)
    assert "currently" not in reply.body
    assert "No fact for {order.status}: that sentence was left out." in reply.risks


def test_never_invents_a_reference() -> None:
    for category in TEMPLATE_CATEGORIES:
        for language in TEMPLATE_LANGUAGES:
            reply = _draft(category, language=language)
            given = " ".join(f"{fact.key} {fact.value}" for fact in SHIPPED)
            for reference in re.findall(r"NW-\d+|\d{4,}", reply.body):
                assert reference in given, (category, language, reference)
            assert "5000" not in reply.body


def test_cancellation_of_a_shipped_order_says_it_is_too_late() -> None:
    reply = _draft("cancellation")
    assert "can no longer be cancelled" in reply.body
    assert not any("cancellation must still be made" in risk for risk in reply.risks)


def test_language_without_template_falls_back_to_english_with_a_risk() -> None:
    reply = _draft("refund", language="fr")
    assert reply.body.startswith("Hello")
    assert any("No 'fr' template" in risk for risk in reply.risks)


def test_category_without_template_gets_a_holding_reply() -> None:
    reply = _draft("legal_threat")
    assert "A member of our team will read it" in reply.body
    assert any("No reply template for category 'legal_threat'" in r for r in reply.risks)


def test_out_of_stock_product() -> None:
    facts = [
        Fact(key="product.NW-GPS-X2.name", value="Trailfinder GPS X2", source="inventory"),
        Fact(key="product.NW-GPS-X2.available", value=0, source="inventory"),
        Fact(key="product.NW-GPS-X2.restock_date", value="2026-12-04", source="inventory"),
    ]
    reply = _draft("product_availability", facts=facts)
    assert "Trailfinder GPS X2 (NW-GPS-X2)" in reply.body
    assert "we expect new stock on 2026-12-04" in reply.body
    assert "product.NW-GPS-X2.restock_date" in reply.facts_used


@pytest.mark.parametrize("category", TEMPLATE_CATEGORIES)
@pytest.mark.parametrize("language", TEMPLATE_LANGUAGES)
def test_every_template_exists(category: str, language: str) -> None:
    assert _draft(category, language=language).body.strip()


def test_templates_digest_is_stable() -> None:
    assert templates_digest() == templates_digest()
    assert len(templates_digest()) == 64
