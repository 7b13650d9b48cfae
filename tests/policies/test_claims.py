"""check_claims on drafts for the demo shop: clean drafts pass, made-up claims fail, explained."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from hatchway.agents.outputs import DraftReply
from hatchway.agents.requests import Fact
from hatchway.errors import ConfigError
from hatchway.policies.claims import ClaimCheck, ClaimsSettings, check_claims, failed_claims
from tests.policies._demo import order_facts, product_facts

# Mia Robinson (customer 15): order NW-100245, shipped 2026-11-11 with tracking
# 00340434114679844789, total 133.90 EUR. Noah Patel's NW-100248 is someone else's.
MIA = ["NW-100245"]
FACTS = [
    *order_facts("NW-100245"),
    *product_facts("NW-PACK-65"),  # 5 available, 239.00 EUR
    *product_facts("NW-FILTER-SQ"),  # 0 available, restock 2026-12-10
    *product_facts("NW-TENT-2P"),  # 249.00 EUR
]
ALLOWED = ["northwind-outfitters.example"]


def check(
    body: str,
    subject: str = "Your order",
    facts: Sequence[Fact] = FACTS,
    own: Sequence[str] = MIA,
    mentioned: Sequence[str] = (),
) -> list[ClaimCheck]:
    draft = DraftReply(subject=subject, body=body)
    return check_claims(
        draft,
        facts,
        customer_order_ids=own,
        allowed_link_domains=ALLOWED,
        mentioned_order_ids=mentioned,
    )


def only(results: list[ClaimCheck], kind: str) -> ClaimCheck:
    found = [result for result in results if result.check == kind]
    assert len(found) == 1, results
    return found[0]


def test_a_draft_that_sticks_to_the_facts_passes() -> None:
    body = (
        "Hello Mia,\n\nyour order NW-100245 (133.90 EUR) left our warehouse on 11 November 2026 "
        "with DPD; the tracking number is 00340434114679844789. The 65L pack (NW-PACK-65) is in "
        "stock if you want a second one (239,00 €). Returns: https://northwind-outfitters.example/returns.\n"
    )

    results = check(body)

    assert {r.check for r in results} == {
        "order_id", "amount", "date", "tracking_number", "availability", "link",
    }  # fmt: skip
    assert failed_claims(results) == []


def test_a_draft_without_claims_has_nothing_to_check() -> None:
    assert check("Thank you for your message; a colleague will reply soon.") == []


def test_invented_order_number() -> None:
    result = only(check("We found your order NW-100999."), "order_id")

    assert not result.ok
    assert result.explanation == (
        "Order NW-100999 appears nowhere in the looked-up facts: the draft invented it."
    )
    assert result.expected == "this customer's orders: NW-100245"


def test_order_number_named_in_the_email_but_not_the_customers() -> None:
    result = only(check("Order NW-100248 is on its way.", mentioned=["nw-100248"]), "order_id")

    assert not result.ok
    assert "named in the email, is not one of this customer's orders" in result.explanation


def test_another_customers_order_in_the_facts() -> None:
    facts = [*FACTS, *order_facts("NW-100248")]  # e.g. a lookup that did not withhold it

    result = only(check("Order NW-100248 was shipped.", facts=facts), "order_id")

    assert not result.ok
    assert result.explanation.startswith("Order NW-100248 belongs to another customer")


def test_order_number_written_without_the_dash_and_its_span() -> None:
    body = "About nw100245: it is on its way."
    result = only(check(body), "order_id")

    assert result.ok and result.claim == "NW-100245"
    assert body[result.start or 0 : result.end] == "nw100245"


def test_misstated_price() -> None:
    result = only(check("The Trailhead 2-Person Tent costs 229.00 EUR."), "amount")

    assert not result.ok
    assert result.expected == "249.00 EUR"
    assert result.fact_key == "product.NW-TENT-2P.price"
    assert result.explanation == (
        "229.00 EUR is not in the looked-up facts. The nearest amount in the facts is "
        "249.00 EUR (product.NW-TENT-2P.price)."
    )


@pytest.mark.parametrize("written", ["133,90 €", "EUR 133.90", "133.90 EUR", "€133,90"])
def test_amounts_are_compared_as_decimals(written: str) -> None:
    body = f"Your total was {written}."
    result = only(check(body), "amount")

    assert result.ok and result.fact_key == "order.NW-100245.total"
    assert written[:3] in body[result.start or 0 : result.end] or written[-6:-2] in body


def test_thousands_separators() -> None:
    facts = [Fact(key="order.NW-100266.total", value="1078.00 EUR", source="crm")]

    results = check("The refund is 1.078,00 €.", facts=facts, own=["NW-100266"])

    assert only(results, "amount").ok


def test_wrong_currency_fails() -> None:
    assert not only(check("Your total was £133.90."), "amount").ok


def test_amount_with_no_money_facts() -> None:
    result = only(check("We refund 20.00 EUR.", facts=[]), "amount")

    assert not result.ok
    assert (
        result.explanation == "20.00 EUR is not in the looked-up facts. The facts state no amounts."
    )


@pytest.mark.parametrize(
    "body",
    [
        "Good news: the NW-FILTER-SQ is in stock and ships today.",
        "Der Squeeze-Filter ist verfügbar (NW-FILTER-SQ).",
        "El filtro NW-FILTER-SQ está disponible.",
        "Het filter NW-FILTER-SQ is op voorraad.",
        "Le filtre NW-FILTER-SQ est en stock.",
    ],
)
def test_promise_of_an_out_of_stock_item(body: str) -> None:
    result = only(check(body), "availability")

    assert not result.ok
    assert result.expected == "NW-FILTER-SQ: 0 available"
    assert "NW-FILTER-SQ is out of stock (the facts say 0 available)" in result.explanation
    assert body[result.start or 0 : result.end] in result.claim


@pytest.mark.parametrize(
    "body",
    [
        "Sorry, the NW-FILTER-SQ is not in stock at the moment.",
        "The NW-FILTER-SQ is out of stock; we expect it back in stock on 2026-12-10.",
        "Der Filter NW-FILTER-SQ ist leider nicht verfügbar.",
        "El filtro NW-FILTER-SQ no está disponible.",
        "Le filtre NW-FILTER-SQ n'est pas disponible.",
        "Het filter NW-FILTER-SQ is niet op voorraad.",
        "We currently have 0 available of NW-FILTER-SQ.",
    ],
)
def test_saying_an_item_is_unavailable_is_no_promise(body: str) -> None:
    assert [r for r in check(body) if r.check == "availability"] == []


def test_promise_by_product_name_in_stock_passes() -> None:
    result = only(check("The 65L backpack NW-PACK-65 is available."), "availability")

    assert result.ok
    assert result.explanation.endswith("the facts say 5 of NW-PACK-65 available.")


def test_promising_more_than_is_available() -> None:
    result = only(check("We have 10 units available of NW-PACK-65."), "availability")

    assert not result.ok
    assert "promises 10 but the facts say 5 available" in result.explanation


def test_promise_for_a_product_with_no_stock_fact() -> None:
    result = only(check("The NW-LAMP-400 is in stock."), "availability")

    assert not result.ok
    assert "no stock fact was looked up for NW-LAMP-400" in result.explanation


def test_promise_without_a_product_uses_the_only_product_looked_up() -> None:
    facts = product_facts("NW-BAG-M5")  # 0 available

    result = only(check("Good news, it is in stock!", facts=facts), "availability")

    assert not result.ok and result.claim == '"in stock" (NW-BAG-M5)'


def test_stock_promise_with_no_product_looked_up_fails() -> None:
    # The customer asked by name, the lookup found nothing: "in stock" rests on no fact.
    body = "Good news: the water filter is in stock and ships today."

    result = only(check(body, facts=order_facts("NW-100245")), "availability")

    assert not result.ok and result.claim == '"in stock"'
    assert "no product was looked up for this email" in result.explanation
    assert body[result.start or 0 : result.end] == "in stock"


def test_stock_promise_naming_no_product_when_one_looked_up_is_out_of_stock() -> None:
    facts = [*product_facts("NW-PACK-65"), *product_facts("NW-FILTER-SQ")]

    result = only(check("Both are in stock and ready to ship.", facts=facts), "availability")

    assert not result.ok and result.expected == "NW-FILTER-SQ: 0 available"
    assert "it names no product, and the facts say NW-FILTER-SQ: 0 available" in result.explanation


def test_stock_promise_naming_no_product_when_every_one_looked_up_is_available() -> None:
    facts = [*product_facts("NW-PACK-65"), *product_facts("NW-TENT-2P")]

    result = only(check("Both are in stock.", facts=facts), "availability")

    assert result.ok
    assert "every product looked up is available (NW-PACK-65, NW-TENT-2P)" in result.explanation


def test_a_bare_available_that_names_no_product_is_not_a_stock_promise() -> None:
    facts = [*product_facts("NW-PACK-65"), *product_facts("NW-FILTER-SQ")]
    body = "Your invoice is available in your account, and we are available on weekdays."

    assert [r for r in check(body, facts=facts) if r.check == "availability"] == []


def test_wrong_date() -> None:
    result = only(check("Your order left us on 12 November 2026."), "date")

    assert not result.ok
    assert result.expected == "2026-11-11"
    assert result.fact_key == "order.NW-100245.shipped_at"
    assert "The nearest date in the facts is 2026-11-11" in result.explanation


@pytest.mark.parametrize(
    "written",
    ["2026-11-11", "11.11.2026", "11/11/2026", "11 November 2026", "November 11", "11. November"],
)
def test_dates_in_common_formats_match(written: str) -> None:
    body = f"It shipped on {written}."
    result = only(check(body), "date")

    assert result.ok, result
    assert body[result.start or 0 : result.end] == written


def test_date_with_no_date_facts() -> None:
    result = only(check("We expect it on 24.11.2026.", facts=[]), "date")

    assert not result.ok and result.expected is None


def test_wrong_tracking_number() -> None:
    result = only(check("Your tracking number is 00340434114679844780."), "tracking_number")

    assert not result.ok
    assert result.expected == "00340434114679844789 (order NW-100245)"
    assert "is not in the looked-up facts" in result.explanation


def test_another_customers_tracking_number() -> None:
    facts = [*FACTS, *order_facts("NW-100248")]

    result = only(check("Track it with 09445609178896.", facts=facts), "tracking_number")

    assert not result.ok
    assert "belongs to another customer's order" in result.explanation


def test_right_tracking_number() -> None:
    result = only(check("Tracking: 00340434114679844789"), "tracking_number")

    assert result.ok and result.fact_key == "order.NW-100245.tracking_number"


@pytest.mark.parametrize(
    ("link", "ok"),
    [
        ("https://northwind-outfitters.example/returns", True),
        ("https://help.northwind-outfitters.example/faq?x=1", True),
        ("http://NORTHWIND-OUTFITTERS.EXAMPLE", True),
        ("www.northwind-outfitters.example/returns", True),
        ("mailto:support@northwind-outfitters.example", True),
        ("https://evil.example/login", False),
        ("https://northwind-outfitters.example.evil.example/", False),
        ("https://evilnorthwind-outfitters.example/", False),
        ("https://northwind-outfitters.example@evil.example/", False),
        ("https://dpd.example/track/09445609178896", False),
    ],
)
def test_links_must_match_the_allow_list(link: str, ok: bool) -> None:
    body = f"See {link}."
    result = only(check(body), "link")

    assert result.ok is ok
    assert result.claim == link  # trailing full stop is not part of the link
    assert body[result.start or 0 : result.end] == link
    if not ok:
        assert "not on the allow-list (northwind-outfitters.example)" in result.explanation
        assert result.expected == "northwind-outfitters.example"


def test_no_link_passes_an_empty_allow_list() -> None:
    draft = DraftReply(subject="s", body="See https://northwind-outfitters.example/x")

    (result,) = check_claims(draft, FACTS, customer_order_ids=MIA, allowed_link_domains=[])

    assert not result.ok
    assert "no link domains are allowed" in result.explanation


def test_the_subject_is_checked_too() -> None:
    results = check("Hello.", subject="Re: order NW-100999")

    assert only(results, "order_id").location == "subject"
    assert not only(results, "order_id").ok


def test_as_dict_keeps_the_stored_shape() -> None:
    result = only(check("Order NW-100245."), "order_id")

    stored = result.as_dict()

    assert {"check", "claim", "ok", "explanation"} <= set(stored)
    assert stored["check"] == "order_id" and stored["ok"] is True
    assert stored["location"] == "body" and stored["start"] == 6


def test_facts_as_json_dicts_from_the_graph_state() -> None:
    facts = [fact.model_dump(mode="json") for fact in FACTS]
    draft = DraftReply(subject="s", body="Order NW-100245 came to 133.90 EUR.")

    results = check_claims(draft, facts, customer_order_ids=MIA, allowed_link_domains=ALLOWED)

    assert failed_claims(results) == []


def test_claims_settings_normalise_and_refuse_non_domains() -> None:
    settings = ClaimsSettings(allowed_link_domains=["Northwind-Outfitters.Example."])

    assert settings.allowed_link_domains == ["northwind-outfitters.example"]
    with pytest.raises(ConfigError, match="'https://x.example/' is not a domain name"):
        ClaimsSettings(allowed_link_domains=["https://x.example/"])
