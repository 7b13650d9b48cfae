"""Every operator on every kind of field, and the shorthand forms."""

from __future__ import annotations

from typing import Any

import pytest

from hatchway.policies.rules import evaluate
from tests.policies._rules import context, hits, rule

CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    # equals
    ("equals string", {"category": {"equals": "refund"}}, {"category": "refund"}, True),
    ("equals ignores case", {"customer.tier": {"equals": "VIP"}}, {"customer__tier": "vip"}, True),
    ("equals string no", {"category": {"equals": "refund"}}, {"category": "other"}, False),
    (
        "equals number",
        {"customer.open_disputes": {"equals": 2}},
        {"customer__open_disputes": 2},
        True,
    ),
    ("equals number no", {"confidence": {"equals": 0.5}}, {"confidence": 0.51}, False),
    ("equals bool", {"customer.known": {"equals": False}}, {"customer__known": False}, True),
    # in / not_in
    ("in", {"language": {"in": ["de", "nl"]}}, {"language": "nl"}, True),
    ("in no", {"language": {"in": ["de", "nl"]}}, {"language": "en"}, False),
    ("not_in", {"category": {"not_in": ["refund"]}}, {"category": "other"}, True),
    ("not_in no", {"category": {"not_in": ["refund"]}}, {"category": "REFUND"}, False),
    # comparisons
    ("gt", {"amount": {"gt": 500}}, {"amount": 500.01}, True),
    ("gt equal is no", {"amount": {"gt": 500}}, {"amount": 500}, False),
    ("gte", {"amount": {"gte": 500}}, {"amount": 500}, True),
    ("lt", {"confidence": {"lt": 0.5}}, {"confidence": 0.49}, True),
    ("lt no", {"confidence": {"lt": 0.5}}, {"confidence": 0.5}, False),
    ("lte", {"customer.lifetime_value": {"lte": 100}}, {"customer__lifetime_value": 100}, True),
    ("lte no", {"customer.lifetime_value": {"lte": 100}}, {"customer__lifetime_value": 101}, False),
    ("range", {"amount": {"gt": 100, "lte": 200}}, {"amount": 150}, True),
    ("range no", {"amount": {"gt": 100, "lte": 200}}, {"amount": 250}, False),
    # contains_any on text: case-insensitive, whole words
    ("contains_any", {"text": {"contains_any": ["lawyer"]}}, {"text": "My LAWYER says"}, True),
    ("contains_any word", {"text": {"contains_any": ["court"]}}, {"text": "a courtesy"}, False),
    (
        "contains_any phrase",
        {"text": {"contains_any": ["legal action"]}},
        {"text": "legal\naction"},
        True,
    ),
    ("contains_any wildcard", {"text": {"contains_any": ["refund*"]}}, {"text": "refunded?"}, True),
    (
        "contains_any list",
        {"entities.skus": {"contains_any": ["nw-tent-2p"]}},
        {"entities__skus": ("NW-TENT-2P",)},
        True,
    ),
    (
        "contains_any list no",
        {"entities.skus": {"contains_any": ["NW-TENT"]}},
        {"entities__skus": ("NW-TENT-2P",)},
        False,
    ),
    # matches
    ("matches text", {"text": {"matches": r"(?i)\bNW-\d{6}\b"}}, {"text": "order nw-100231"}, True),
    ("matches is case-sensitive", {"text": {"matches": r"URGENT"}}, {"text": "urgent"}, False),
    ("matches string", {"category": {"matches": "^ref"}}, {"category": "refund"}, True),
    (
        "matches list",
        {"entities.order_ids": {"matches": "^NW-1002"}},
        {"entities__order_ids": ("NW-100231",)},
        True,
    ),
    ("matches subject", {"subject": {"matches": r"^\s*$"}}, {"subject": "Hello"}, False),
    # is_true / is_false
    ("is_true", {"sentiment.angry": {"is_true": True}}, {"sentiment__angry": True}, True),
    ("is_true no", {"sentiment.angry": {"is_true": True}}, {"sentiment__angry": False}, False),
    ("is_false", {"customer.known": {"is_false": True}}, {"customer__known": False}, True),
    (
        "is_true list",
        {"entities.order_ids": {"is_true": True}},
        {"entities__order_ids": ("NW-1",)},
        True,
    ),
    (
        "is_false list",
        {"entities.order_ids": {"is_false": True}},
        {"entities__order_ids": ()},
        True,
    ),
    # shorthand
    ("short equals", {"category": "refund"}, {"category": "refund"}, True),
    ("short in", {"category": ["refund", "cancellation"]}, {"category": "cancellation"}, True),
    ("short number", {"entities.order_ids.count": 2}, {"entities__order_ids__count": 2}, True),
    ("short true", {"sentiment.threat": True}, {"sentiment__threat": True}, True),
    ("short false", {"customer.known": False}, {"customer__known": True}, False),
    ("short text", {"text": "lawyer"}, {"text": "my lawyer"}, True),
    ("short text list", {"text": ["court", "judge"]}, {"text": "the judge"}, True),
    (
        "short list bool",
        {"inventory.out_of_stock_skus": True},
        {"inventory__out_of_stock_skus": ("NW-X-1",)},
        True,
    ),
    # nested TOML tables mean the same as dotted names
    ("nested", {"customer": {"tier": {"in": ["vip"]}}}, {"customer__tier": "vip"}, True),
    (
        "nested field and sub-field",
        {"entities": {"order_ids": {"is_true": True, "count": {"gt": 1}}}},
        {"entities__order_ids": ("A", "B"), "entities__order_ids__count": 2},
        True,
    ),
    # unknown values never match, whatever the operator
    ("unknown not_in", {"customer.tier": {"not_in": ["vip"]}}, {"customer__tier": None}, False),
    (
        "unknown lt",
        {"customer.lifetime_value": {"lt": 10}},
        {"customer__lifetime_value": None},
        False,
    ),
    ("missing field", {"amount": {"gt": 0}}, {}, False),
]


@pytest.mark.parametrize(("when", "values", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_operator(when: dict[str, Any], values: dict[str, Any], expected: bool) -> None:
    assert bool(hits(when, **values)) is expected


def test_all_conditions_must_hold() -> None:
    when = {"category": "refund", "amount": {"gt": 500}}

    assert hits(when, category="refund", amount=600)
    assert not hits(when, category="refund", amount=100)
    assert not hits(when, category="other", amount=600)


def test_when_any_needs_one_of_its_conditions() -> None:
    r = rule({"category": "refund"}, when_any={"amount": {"gt": 500}, "sentiment.angry": True})

    assert evaluate([r], context(category="refund", amount=600, sentiment__angry=False))
    assert evaluate([r], context(category="refund", amount=10, sentiment__angry=True))
    assert not evaluate([r], context(category="refund", amount=10, sentiment__angry=False))
    assert not evaluate([r], context(category="other", amount=600, sentiment__angry=True))


def test_when_any_alone() -> None:
    r = rule(when_any={"category": "legal_threat", "sentiment.threat": True})

    assert evaluate([r], context(category="legal_threat", sentiment__threat=False))
    assert not evaluate([r], context(category="refund", sentiment__threat=False))
