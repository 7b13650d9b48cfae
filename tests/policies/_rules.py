"""Small builders for rule tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hatchway.policies.rules import Rule, RuleContext, RuleHit, evaluate
from hatchway.policies.rules._fields import Value


def rule(when: dict[str, Any] | None = None, **fields: Any) -> Rule:
    """A rule named "r" that requires review unless told otherwise."""
    data: dict[str, Any] = {"name": "r", "then": {"require_review": True}, **fields}
    if when is not None:
        data["when"] = when
    return Rule.model_validate(data)


def context(**values: Value | int | float) -> RuleContext:
    """A context from keyword values; dots in field names are written as double underscores."""
    converted: dict[str, Value] = {}
    for name, value in values.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = Decimal(str(value))
        converted[name.replace("__", ".")] = value
    return RuleContext(converted)


def hits(when: dict[str, Any], **values: Value | int | float) -> list[RuleHit]:
    """Evaluate a one-rule list against a context."""
    return evaluate([rule(when)], context(**values))
