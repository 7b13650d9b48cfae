"""The values rules test, computed once per email from the classification, CRM and facts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hatchway.agents.offline.entities import extract_entities, parse_amount
from hatchway.agents.outputs import Classification
from hatchway.agents.requests import Fact, FactValue
from hatchway.policies.claims.facts import FactIndex
from hatchway.policies.rules._fields import Value
from hatchway.policies.sentiment import anger

__all__ = ["RuleContext", "build_context", "display"]

_CENTS = Decimal("0.01")


@dataclass(frozen=True)
class RuleContext:
    """Field name → value (see ``FIELDS``), plus evidence in words for flags (why angry)."""

    values: Mapping[str, Value]
    evidence: Mapping[str, str] = field(default_factory=dict)


def display(value: Value) -> str:
    """A value as a reviewer reads it: 649.00, vip, yes, NW-1, NW-2, unknown."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, tuple):
        return ", ".join(value) or "none"
    return value


def build_context(
    *,
    classification: Classification,
    customer: Mapping[str, FactValue] | None,
    facts: Iterable[Fact | Mapping[str, Any]],
    subject: str,
    body: str,
) -> RuleContext:
    """Everything a rule can test about one email (``customer`` None: unknown sender).

    Entities are the classifier's plus a regex pass over the text, so a model that missed
    an order id or an amount cannot hide it from the rules.
    """
    index = FactIndex(facts)
    text = f"{subject}\n{body}"
    signal = anger(text)
    values: dict[str, Value] = {
        "category": classification.category,
        "language": classification.language,
        "confidence": Decimal(str(classification.confidence)),
        **_entity_values(classification, text, index),
        "text": text,
        "subject": subject,
        "sentiment.angry": signal.angry,
        "sentiment.threat": signal.threat,
        "sentiment.anger_score": Decimal(signal.score),
        **_customer_values(customer, index),
        **_inventory_values(index),
    }
    evidence = {
        "sentiment.angry": "; ".join(signal.reasons),
        "sentiment.threat": "threat words: " + ", ".join(signal.threat_words),
        "inventory.out_of_stock": "out of stock: " + display(values["inventory.out_of_stock_skus"]),
    }
    return RuleContext(values, {k: v for k, v in evidence.items() if values[k]})


def _entity_values(classification: Classification, text: str, index: FactIndex) -> dict[str, Value]:
    """Order ids, SKUs and amounts: the classifier's plus a regex pass over the text."""
    found = extract_entities(text)
    order_ids = _union(classification.entities.order_ids, found.order_ids)
    skus = _union(classification.entities.skus, found.skus)
    mentioned = [*classification.entities.amounts, *found.amounts]
    amount = max((m.amount for m in mentioned if m.currency == "EUR"), default=None)
    total = _order_total(index, order_ids)
    return {
        "amount": amount,
        "order.total": total,
        "amount.at_stake": max((v for v in (amount, total) if v is not None), default=None),
        "entities.order_ids": order_ids,
        "entities.order_ids.count": Decimal(len(order_ids)),
        "entities.order_ids.not_found": tuple(o for o in order_ids if o not in index.ids("order")),
        "entities.skus": skus,
        "entities.skus.count": Decimal(len(skus)),
    }


def _union(*lists: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item.upper() for items in lists for item in items))


def _order_total(index: FactIndex, order_ids: tuple[str, ...]) -> Decimal | None:
    """The largest EUR total of the orders the email names (all looked-up orders if none)."""
    named = {oid for oid in index.ids("order") if oid in order_ids} or set(index.ids("order"))
    totals = [
        money.amount
        for money in index.money()
        if money.currency in (None, "EUR") and _is_order_total(money.fact.key, named)
    ]
    return max(totals, default=None)


def _is_order_total(key: str, orders: set[str]) -> bool:
    kind, _, rest = key.partition(".")
    oid, _, name = rest.partition(".")
    return kind == "order" and oid in orders and name.startswith("total")


def _customer_values(
    customer: Mapping[str, FactValue] | None, index: FactIndex
) -> dict[str, Value]:
    """customer.* fields from the CRM record, falling back to ``customer.<field>`` facts."""
    record: dict[str, FactValue] = {**index.singles.get("customer", {}), **(customer or {})}
    known = customer is not None
    tier = record.get("tier")
    return {
        "customer.known": known,
        "customer.tier": str(tier).lower() if known and tier is not None else None,
        "customer.lifetime_value": _lifetime_value(record) if known else None,
        "customer.open_disputes": _number(record.get("open_disputes")) if known else None,
    }


def _lifetime_value(record: Mapping[str, FactValue]) -> Decimal | None:
    cents = _number(record.get("lifetime_value_cents"))
    if cents is not None:
        return (cents / 100).quantize(_CENTS)
    for key in ("lifetime_value", "lifetime_value_eur"):
        value = record.get(key)
        if isinstance(value, str):
            money = extract_entities(value).amounts
            parsed = money[0].amount if money else parse_amount(value)
            if parsed is not None:
                return parsed
        number = _number(value)
        if number is not None:
            return number.quantize(_CENTS)
    return None


def _number(value: FactValue) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Decimal(str(value).strip())
    except ArithmeticError:
        return None


def _inventory_values(index: FactIndex) -> dict[str, Value]:
    """Out of stock: a looked-up product whose available units are 0 or fewer."""
    out = tuple(
        sku for sku, units in index.availability().items() if units is not None and units <= 0
    )
    return {"inventory.out_of_stock": bool(out), "inventory.out_of_stock_skus": out}
