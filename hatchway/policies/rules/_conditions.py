"""Conditions: parsed from a rule's ``when`` table, checked at load, evaluated per email."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hatchway.errors import ConfigError
from hatchway.policies.rules._context import RuleContext, display
from hatchway.policies.rules._fields import (
    ALL_OPERATORS,
    FIELDS,
    OPERATORS,
    FieldKind,
    Value,
    operators_for,
)
from hatchway.policies.sentiment import compile_keywords

__all__ = ["Condition", "parse_conditions"]

_COMPARE = {
    "gt": ("above", Decimal.__gt__),
    "gte": ("at least", Decimal.__ge__),
    "lt": ("below", Decimal.__lt__),
    "lte": ("at most", Decimal.__le__),
}


@dataclass(frozen=True)
class Condition:
    """One test: ``field`` ``op`` ``value`` (the value already checked and normalised)."""

    field: str
    op: str
    value: str | Decimal | bool | tuple[str, ...]
    pattern: re.Pattern[str] | None = None

    @property
    def kind(self) -> FieldKind:
        """The kind of the tested field."""
        return FIELDS[self.field].kind

    def check(self, context: RuleContext) -> str | None:
        """Plain words saying why the condition holds in ``context``, or None when it does not.

        A field whose value is unknown (None) never satisfies a condition.
        """
        actual = context.values.get(self.field)
        if actual is None:
            return None
        if self.pattern is not None:
            return self._search(actual)
        if self.op in _COMPARE:
            word, compare = _COMPARE[self.op]
            assert isinstance(actual, Decimal) and isinstance(self.value, Decimal)
            ok = compare(actual, self.value)
            return (
                f"{self.field} is {display(actual)} ({word} {display(self.value)})" if ok else None
            )
        return self._match(actual, context)

    def _search(self, actual: Value) -> str | None:
        assert self.pattern is not None
        texts = actual if isinstance(actual, tuple) else (str(actual),)
        found = dict.fromkeys(m.group(0) for t in texts for m in self.pattern.finditer(t))
        if not found:
            return None
        return f"{self.field} contains " + ", ".join(f'"{_clip(word)}"' for word in found)

    def _match(self, actual: Value, context: RuleContext) -> str | None:
        if self.op == "equals":
            same = _fold(actual) == _fold(self.value)
            return f"{self.field} is {display(actual)}" if same else None
        if self.op == "contains_any":  # on a list: element by element, ignoring case
            wanted = {_fold(word) for word in self.value}  # type: ignore[union-attr]
            found = [item for item in actual if _fold(item) in wanted]  # type: ignore[union-attr]
            return f"{self.field} contains {', '.join(found)}" if found else None
        if self.op in ("in", "not_in"):
            inside = _fold(actual) in {_fold(v) for v in self.value}  # type: ignore[union-attr]
            if inside != (self.op == "in"):
                return None
            return f"{self.field} is {display(actual)}"
        truth = bool(actual)
        if truth != (self.op == "is_true"):
            return None
        evidence = context.evidence.get(self.field) if truth else None
        return evidence or (FIELDS[self.field].description if truth else f"not {self.field}")


def _fold(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_conditions(rule: str, section: str, raw: Mapping[str, Any]) -> tuple[Condition, ...]:
    """Turn a ``when`` table into conditions; ConfigError naming ``rule`` on any problem.

    Fields may be written dotted (``"customer.tier"``) or nested (``customer.tier``); each
    field maps to an operator table (``{ gt = 500 }``) or a shorthand value: a bool means
    is_true / is_false, a list means ``in`` (or ``contains_any`` for text and lists), any
    other value means ``equals`` (``contains_any`` for text).
    """
    flat: list[tuple[str, str | None, Any]] = []
    if not raw:
        return ()
    _flatten(rule, section, "", raw, flat)
    return tuple(_condition(rule, section, field, op, value) for field, op, value in flat)


def _flatten(
    rule: str, section: str, prefix: str, node: Any, out: list[tuple[str, str | None, Any]]
) -> None:
    if not isinstance(node, Mapping):
        out.append((prefix, None, node))
        return
    if not node:
        raise _error(
            rule,
            f"{section}.{prefix}" if prefix else section,
            "is an empty table",
            'give at least one condition, e.g. category = "refund"',
        )
    for key, value in node.items():
        if key in ALL_OPERATORS and prefix:
            out.append((prefix, key, value))
        else:
            _flatten(rule, section, f"{prefix}.{key}" if prefix else str(key), value, out)


def _condition(rule: str, section: str, field: str, op: str | None, value: Any) -> Condition:
    where = f"{section}.{field}"
    if field not in FIELDS:
        raise _unknown_field(rule, section, field)
    kind = FIELDS[field].kind
    if op is None:
        op = _shorthand(rule, where, kind, value)
        value = True if op in ("is_true", "is_false") else value
    if op not in OPERATORS[kind]:
        raise _error(
            rule,
            where,
            f"operator {op!r} does not apply to a {kind} field",
            f"use one of {', '.join(operators_for(field))}",
        )
    return _build(rule, where, field, kind, op, value)


def _shorthand(rule: str, where: str, kind: FieldKind, value: Any) -> str:
    searchable = kind in (FieldKind.TEXT, FieldKind.LIST)
    if isinstance(value, bool) and kind in (FieldKind.BOOL, FieldKind.LIST):
        return "is_true" if value else "is_false"
    if isinstance(value, list):
        return "contains_any" if searchable else "in"
    if isinstance(value, str) and searchable:
        return "contains_any"
    if not isinstance(value, bool) and isinstance(value, str | int | float):
        return "equals"
    raise _error(
        rule,
        where,
        f"cannot read {value!r} as a condition",
        "write an operator table, e.g. { equals = ... } or { gt = 500 }",
    )


def _build(rule: str, where: str, field: str, kind: FieldKind, op: str, value: Any) -> Condition:
    if op == "matches":
        return Condition(field, op, _str(rule, where, op, value), _regex(rule, where, value))
    if op == "contains_any":
        words = _words(rule, where, [value] if isinstance(value, str) else value)
        pattern = None if kind is FieldKind.LIST else compile_keywords(words)
        return Condition(field, op, words, pattern)
    if op in ("in", "not_in"):
        return Condition(field, op, _words(rule, where, value))
    if op in ("is_true", "is_false"):
        if value is not True:
            raise _error(
                rule, where, f"{op} takes the value true, not {value!r}", f"write {op} = true"
            )
        return Condition(field, op, True)
    return Condition(field, op, _typed(rule, where, kind, op, value))


def _typed(rule: str, where: str, kind: FieldKind, op: str, value: Any) -> str | Decimal | bool:
    if kind is FieldKind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _error(rule, where, f"{op} needs a number, not {value!r}", f"write {op} = 500")
        return Decimal(str(value))
    if kind is FieldKind.BOOL:
        if not isinstance(value, bool):
            raise _error(
                rule, where, f"{op} needs true or false, not {value!r}", "write equals = true"
            )
        return value
    return _str(rule, where, op, value)


def _str(rule: str, where: str, op: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _error(rule, where, f"{op} needs a text value, not {value!r}", f'write {op} = "..."')
    return value


def _words(rule: str, where: str, value: Any) -> tuple[str, ...]:
    ok = isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value)
    if not ok:
        raise _error(
            rule,
            where,
            f"needs a non-empty list of words, not {value!r}",
            'write a list, e.g. ["lawyer", "court"]',
        )
    return tuple(str(v) for v in value)


def _regex(rule: str, where: str, value: Any) -> re.Pattern[str]:
    try:
        return re.compile(_str(rule, where, "matches", value))
    except re.error as exc:
        raise _error(
            rule,
            where,
            f"bad regex {value!r}: {exc}",
            "fix the regular expression (Python re syntax)",
        ) from None


def _unknown_field(rule: str, section: str, field: str) -> ConfigError:
    parent, _, last = field.rpartition(".")
    if parent in FIELDS:
        return _error(
            rule,
            f"{section}.{field}",
            f"unknown operator {last!r} for {parent}",
            f"use one of {', '.join(operators_for(parent))}",
        )
    return _error(
        rule,
        f"{section}.{field}",
        f"unknown field {field!r}",
        f"use one of the fields {', '.join(FIELDS)}",
    )


def _error(rule: str, where: str, problem: str, fix: str) -> ConfigError:
    return ConfigError(f'rule "{rule}" {where}', problem, fix)
