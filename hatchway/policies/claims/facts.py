"""Read looked-up facts by meaning: orders, products, money, dates, tracking numbers.

Fact keys are ``<kind>.<id>.<field>`` (``order.NW-100231.total``) or ``<kind>.<field>``
(``customer.tier``); values are display-ready strings or plain numbers and flags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from hatchway.agents.offline.entities import amounts_in, parse_amount
from hatchway.agents.requests import Fact, FactValue
from hatchway.policies.claims._dates import find_dates

__all__ = ["FactIndex", "MoneyFact", "as_facts"]

_MONEY_FIELD = re.compile(r"price|total|amount|subtotal|shipping|cost|fee|value", re.I)
_CENTS = Decimal("0.01")


def as_facts(facts: Iterable[Fact | Mapping[str, Any]]) -> list[Fact]:
    """Facts as :class:`Fact` objects (the graph state keeps them as JSON dicts)."""
    return [fact if isinstance(fact, Fact) else Fact.model_validate(fact) for fact in facts]


@dataclass(frozen=True)
class MoneyFact:
    """An amount found in a fact; ``currency`` is None when the fact did not say."""

    amount: Decimal
    currency: str | None
    fact: Fact


class FactIndex:
    """The facts of one email, indexed for the rules context and the claim checks."""

    def __init__(self, facts: Iterable[Fact | Mapping[str, Any]]) -> None:
        self.facts: tuple[Fact, ...] = tuple(as_facts(facts))
        self.records: dict[tuple[str, str], dict[str, FactValue]] = {}
        self.singles: dict[str, dict[str, FactValue]] = {}
        for fact in self.facts:
            parts = fact.key.split(".")
            if len(parts) == 3:
                self.records.setdefault((parts[0], parts[1]), {})[parts[2]] = fact.value
            elif len(parts) == 2:
                self.singles.setdefault(parts[0], {})[parts[1]] = fact.value

    def ids(self, kind: str) -> list[str]:
        """The ids of every ``kind`` record (``order`` → order ids), in fact order."""
        return [key for k, key in self.records if k == kind]

    def record(self, kind: str, key: str) -> dict[str, FactValue]:
        """The fields of one record, e.g. ``record("order", "NW-100231")``; empty if unknown."""
        return self.records.get((kind, key), {})

    def money(self) -> list[MoneyFact]:
        """Every amount of money the facts state."""
        found = []
        for fact in self.facts:
            money = money_of(fact)
            if money is not None:
                found.append(money)
        return found

    def dates(self) -> list[tuple[date, Fact]]:
        """Every full date the facts state (ISO or any format :func:`find_dates` reads)."""
        found = []
        for fact in self.facts:
            if isinstance(fact.value, str):
                for mention in find_dates(fact.value):
                    full = mention.as_date()
                    if full is not None:
                        found.append((full, fact))
        return found

    def tracking_numbers(self) -> dict[str, str]:
        """Tracking number → the id of the record (order) that carries it."""
        numbers = {}
        for (kind, key), fields in self.records.items():
            for name, value in fields.items():
                if "tracking" in name and isinstance(value, str) and value.strip():
                    numbers[_compact(value)] = key if kind == "order" else f"{kind} {key}"
        return numbers

    def named_in(self, text: str) -> set[tuple[str, str]]:
        """The records ``(kind, id)`` that ``text`` names by id (or, for products, by name)."""
        lowered = text.lower()
        named = set()
        for kind, key in self.records:
            name = self.records[(kind, key)].get("name")
            by_name = kind == "product" and isinstance(name, str) and name.lower() in lowered
            if key.lower() in lowered or by_name:
                named.add((kind, key))
        return named

    def availability(self) -> dict[str, Decimal | None]:
        """SKU → units available (None when the product has no stock fact)."""
        return {sku: available_of(self.record("product", sku)) for sku in self.ids("product")}


def money_of(fact: Fact) -> MoneyFact | None:
    """The amount a fact states: ``"649.00 EUR"`` anywhere, bare numbers in money fields."""
    value, field = fact.value, fact.key.rsplit(".", 1)[-1]
    if isinstance(value, str):
        amounts = amounts_in(value)
        if amounts:
            return MoneyFact(amounts[0].amount, amounts[0].currency, fact)
        if _MONEY_FIELD.search(field) and re.fullmatch(r"\s*[\d.,\s]+\s*", value):
            parsed = parse_amount(value.strip())
            return None if parsed is None else MoneyFact(parsed, None, fact)
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not _MONEY_FIELD.search(field):
        return None
    amount = Decimal(str(value)) / (100 if field.endswith("_cents") else 1)
    return MoneyFact(amount.quantize(_CENTS), None, fact)


def available_of(fields: Mapping[str, FactValue]) -> Decimal | None:
    """Units available from a product record's ``available`` (or ``in_stock``) fact."""
    for name in ("available", "in_stock", "stock"):
        value = fields.get(name)
        if isinstance(value, bool):
            return Decimal(int(value))
        if isinstance(value, int | float):
            return Decimal(str(value))
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
            return Decimal(value.strip())
    return None


def _compact(value: str) -> str:
    return re.sub(r"\s", "", value).upper()
