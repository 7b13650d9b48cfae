"""Rules are checked at load: each problem is a ConfigError naming the rule and what is wrong."""

from __future__ import annotations

from typing import Any

import pytest

from hatchway.errors import ConfigError
from hatchway.policies.rules import FIELDS, Rule


def load(**fields: Any) -> Rule:
    data: dict[str, Any] = {"name": "refund-limit", "then": {"require_review": True}, **fields}
    return Rule.model_validate(data)


def problem(**fields: Any) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load(**fields)
    assert 'rule "refund-limit"' in str(caught.value)
    return caught.value


def test_unknown_field_names_rule_and_field_and_lists_valid_fields() -> None:
    error = problem(when={"amout": {"gt": 500}})

    assert "unknown field 'amout'" in error.problem
    assert "when.amout" in error.key
    for field in FIELDS:
        assert field in error.fix


def test_unknown_nested_field() -> None:
    error = problem(when={"customer": {"teir": "vip"}})

    assert "unknown field 'customer.teir'" in error.problem


def test_unknown_operator_names_the_operators_of_the_field() -> None:
    error = problem(when={"amount": {"greater": 500}})

    assert "unknown operator 'greater' for amount" in error.problem
    assert error.fix == "use one of equals, gt, gte, lt, lte"


def test_bad_regex_names_the_rule_and_the_regex_error() -> None:
    error = problem(when={"text": {"matches": "(unclosed"}})

    assert "bad regex '(unclosed'" in error.problem
    assert "missing ), unterminated subpattern" in error.problem


@pytest.mark.parametrize(
    ("when", "words"),
    [
        (
            {"amount": {"contains_any": ["500"]}},
            "operator 'contains_any' does not apply to a number",
        ),
        ({"text": {"gt": 3}}, "operator 'gt' does not apply to a text"),
        ({"category": {"is_true": True}}, "operator 'is_true' does not apply to a string"),
        ({"sentiment.angry": {"in": ["yes"]}}, "operator 'in' does not apply to a bool"),
        ({"entities.order_ids": {"gt": 1}}, "operator 'gt' does not apply to a list"),
        ({"amount": ["500"]}, "operator 'in' does not apply to a number"),
    ],
)
def test_operator_that_does_not_fit_the_field(when: dict[str, Any], words: str) -> None:
    assert words in problem(when=when).problem


@pytest.mark.parametrize(
    ("when", "words"),
    [
        ({"amount": {"gt": "500"}}, "gt needs a number, not '500'"),
        ({"amount": {"gt": True}}, "gt needs a number, not True"),
        ({"customer.known": {"equals": "yes"}}, "equals needs true or false, not 'yes'"),
        ({"category": {"equals": 3}}, "equals needs a text value, not 3"),
        ({"category": {"in": "refund"}}, "needs a non-empty list of words"),
        ({"category": {"in": []}}, "needs a non-empty list of words"),
        ({"text": {"contains_any": ["ok", ""]}}, "needs a non-empty list of words"),
        ({"text": {"matches": ""}}, "matches needs a text value"),
        ({"sentiment.angry": {"is_true": False}}, "is_true takes the value true, not False"),
        ({"category": {}}, "is an empty table"),
        ({"amount": None}, "cannot read None as a condition"),
    ],
)
def test_wrong_value_type(when: dict[str, Any], words: str) -> None:
    assert words in problem(when=when).problem


def test_a_rule_needs_a_condition() -> None:
    assert problem().problem == "has no conditions"


def test_a_rule_needs_an_action() -> None:
    error = problem(when={"category": "refund"}, then={"require_review": False})

    assert error.problem == "takes no action"


def test_unknown_action_is_named() -> None:
    error = problem(when={"category": "refund"}, then={"require_reviw": True})

    assert "then.require_reviw" in error.problem
    assert "require_review" in error.fix


def test_unknown_role() -> None:
    error = problem(when={"category": "refund"}, then={"require_role": "boss"})

    assert "then.require_role" in error.problem
    assert "reviewer, ops, admin" in error.fix


def test_unknown_rule_key() -> None:
    error = problem(whne={"category": "refund"})

    assert "whne" in error.problem
    assert "when_any" in error.fix


def test_unknown_placeholder_in_explain() -> None:
    error = problem(when={"category": "refund"}, explain="Refund of {amont} EUR")

    assert error.problem == "unknown placeholder {amont}"


def test_bad_rule_name() -> None:
    with pytest.raises(ConfigError, match='rule "Refund Limit"'):
        Rule.model_validate(
            {"name": "Refund Limit", "when": {"category": "refund"}, "then": {"note": "x"}}
        )


def test_a_valid_rule_loads() -> None:
    rule = load(when={"category": "refund", "amount": {"gt": 500}}, explain="{amount} {matched}")

    assert [(c.field, c.op) for c in rule.conditions] == [("category", "equals"), ("amount", "gt")]
    assert rule.any_conditions == ()
