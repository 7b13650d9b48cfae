"""evaluate: one hit per rule that hits, every action, explanations with the actual values."""

from __future__ import annotations

from decimal import Decimal

from hatchway.policies.rules import Rule, RuleHit, evaluate, summarise
from hatchway.store.models.people import Role
from tests.policies._rules import context


def one(then: dict[str, object], explain: str = "", **when: object) -> Rule:
    return Rule.model_validate(
        {"name": "r", "when": when or {"category": "refund"}, "then": then, "explain": explain}
    )


def hit(rule: Rule, **values: object) -> RuleHit:
    found = evaluate([rule], context(**{"category": "refund", **values}))  # type: ignore[arg-type]
    assert len(found) == 1
    return found[0]


def test_require_review() -> None:
    found = hit(one({"require_review": True}))

    assert found.actions == ("require_review",)
    assert found.action == "require_review"
    assert found.blocks_auto_send
    assert found.role is None


def test_require_role() -> None:
    found = hit(one({"require_role": "ops"}))

    assert found.actions == ("require_role",)
    assert found.role is Role.OPS
    assert found.blocks_auto_send


def test_block_auto_send() -> None:
    found = hit(one({"block_auto_send": True}))

    assert found.actions == ("block_auto_send",)
    assert found.blocks_auto_send


def test_note_alone_does_not_block_auto_send() -> None:
    found = hit(one({"note": "Tier {customer.tier}."}), customer__tier="vip")

    assert found.actions == ("note",)
    assert found.note == "Tier vip."
    assert not found.blocks_auto_send


def test_escalate_is_the_most_severe_action() -> None:
    found = hit(one({"escalate": True, "require_review": True, "note": "n"}))

    assert found.actions == ("escalate", "require_review", "note")
    assert found.action == "escalate"


def test_as_dict_keeps_the_stored_shape() -> None:
    found = hit(one({"require_role": "ops", "note": "n"}, explain="Because."))

    assert found.as_dict() == {
        "rule": "r",
        "action": "require_role",
        "actions": ["require_role", "note"],
        "explanation": "Because.",
        "role": "ops",  # hatchway.review.required_role reads this key
        "note": "n",
    }


def test_explanation_fills_in_the_actual_values() -> None:
    rule = one(
        {"require_role": "ops"},
        explain="Refund of {amount} EUR is above the 500 EUR limit: "
        "a senior reviewer (ops) must send it",
        amount={"gt": 500},
    )

    found = hit(rule, amount=Decimal("649.00"))

    assert found.explanation == (
        "Refund of 649.00 EUR is above the 500 EUR limit: a senior reviewer (ops) must send it"
    )


def test_explanation_placeholders_matched_rule_and_unknown_values() -> None:
    rule = one(
        {"require_review": True},
        explain="[{rule}] {matched} / tier {customer.tier} / skus {entities.skus}",
        text={"contains_any": ["lawyer", "court"]},
    )

    found = hit(rule, text="My lawyer and the court", customer__tier=None, entities__skus=())

    assert found.explanation == ('[r] text contains "lawyer", "court" / tier unknown / skus none')


def test_generated_explanation_when_the_rule_has_none() -> None:
    rule = one({"require_role": "ops", "escalate": True}, amount={"gte": 500}, category="refund")

    found = hit(rule, amount=500)

    assert found.explanation == (
        "Rule r: amount is 500 (at least 500); category is refund: "
        "the case is escalated, and only ops may send the reply"
    )


def test_generated_explanation_for_flags() -> None:
    rule = one({"block_auto_send": True}, **{"customer.known": False})

    found = hit(rule, customer__known=False)

    assert found.explanation == (
        "Rule r: not customer.known: the reply is never sent automatically"
    )


def test_rules_hit_in_order_and_misses_are_left_out() -> None:
    rules = [
        Rule.model_validate({"name": "a", "when": {"amount": {"gt": 1}}, "then": {"note": "a"}}),
        Rule.model_validate({"name": "b", "when": {"amount": {"gt": 99}}, "then": {"note": "b"}}),
        Rule.model_validate({"name": "c", "when": {"amount": {"lt": 9}}, "then": {"note": "c"}}),
    ]

    assert [h.rule for h in evaluate(rules, context(amount=5))] == ["a", "c"]


def test_summarise_folds_the_hits() -> None:
    hits = [
        RuleHit(rule="vip", actions=("note",), explanation="VIP", note="be nice"),
        RuleHit(rule="big", actions=("require_role",), explanation="big", role=Role.OPS),
        RuleHit(rule="law", actions=("escalate", "require_review"), explanation="law"),
    ]

    outcome = summarise(hits)

    assert outcome.blocks_auto_send
    assert outcome.required_role is Role.OPS
    assert outcome.escalate
    assert outcome.notes == ("be nice",)
    assert outcome.reasons == ("big", "law")


def test_summarise_nothing() -> None:
    outcome = summarise([])

    assert not outcome.blocks_auto_send
    assert outcome.required_role is Role.REVIEWER
    assert not outcome.escalate


def test_summarise_highest_role_wins() -> None:
    hits = [
        RuleHit(rule="a", actions=("require_role",), explanation="a", role=Role.ADMIN),
        RuleHit(rule="b", actions=("require_role",), explanation="b", role=Role.OPS),
    ]

    assert summarise(hits).required_role is Role.ADMIN
    assert summarise(reversed(hits)).required_role is Role.ADMIN
    assert not summarise(
        hits[:1] and [RuleHit(rule="n", actions=("note",), explanation="")]
    ).blocks_auto_send
