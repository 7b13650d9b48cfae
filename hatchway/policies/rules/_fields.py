"""The fields a rule may test, their kinds, and which operators apply to each kind."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["FIELDS", "OPERATORS", "FieldKind", "FieldSpec", "Value", "operators_for"]

Value = str | Decimal | bool | tuple[str, ...] | None
"""A field's value in a context: None when it is not known (e.g. no customer record)."""


class FieldKind(enum.StrEnum):
    """What a field holds; it decides which operators make sense."""

    STRING = "string"  # one short value: category, language, tier
    NUMBER = "number"  # amounts in EUR, counts, confidence
    BOOL = "bool"  # a flag
    TEXT = "text"  # free text to search: subject and body
    LIST = "list"  # several short values: order ids, SKUs


OPERATORS: dict[FieldKind, tuple[str, ...]] = {
    FieldKind.STRING: ("equals", "in", "not_in", "matches"),
    FieldKind.NUMBER: ("equals", "gt", "gte", "lt", "lte"),
    FieldKind.BOOL: ("equals", "is_true", "is_false"),
    FieldKind.TEXT: ("contains_any", "matches"),
    FieldKind.LIST: ("contains_any", "matches", "is_true", "is_false"),
}
ALL_OPERATORS = frozenset(op for ops in OPERATORS.values() for op in ops)


@dataclass(frozen=True)
class FieldSpec:
    """A testable field: its kind and what it means, in words for reviewers and operators."""

    kind: FieldKind
    description: str


FIELDS: dict[str, FieldSpec] = {
    "category": FieldSpec(FieldKind.STRING, "the category the classifier chose"),
    "language": FieldSpec(FieldKind.STRING, "ISO 639-1 code of the email's language"),
    "confidence": FieldSpec(FieldKind.NUMBER, "the classifier's confidence, 0..1"),
    "amount": FieldSpec(FieldKind.NUMBER, "the largest EUR amount mentioned in the email"),
    "order.total": FieldSpec(
        FieldKind.NUMBER, "the largest total (EUR) of the orders the email refers to"
    ),
    "amount.at_stake": FieldSpec(
        FieldKind.NUMBER, "the larger of amount and order.total (EUR): what a refund could cost"
    ),
    "entities.order_ids": FieldSpec(FieldKind.LIST, "order ids mentioned in the email"),
    "entities.order_ids.count": FieldSpec(FieldKind.NUMBER, "how many order ids are mentioned"),
    "entities.order_ids.not_found": FieldSpec(
        FieldKind.LIST, "order ids mentioned that are not among the looked-up (own) orders"
    ),
    "entities.skus": FieldSpec(FieldKind.LIST, "product SKUs mentioned in the email"),
    "entities.skus.count": FieldSpec(FieldKind.NUMBER, "how many SKUs are mentioned"),
    "customer.known": FieldSpec(FieldKind.BOOL, "the sender is a customer in the CRM"),
    "customer.tier": FieldSpec(FieldKind.STRING, "the customer's tier: standard, gold, vip"),
    "customer.lifetime_value": FieldSpec(
        FieldKind.NUMBER, "what the customer has spent so far, EUR"
    ),
    "customer.open_disputes": FieldSpec(FieldKind.NUMBER, "the customer's open disputes"),
    "inventory.out_of_stock": FieldSpec(
        FieldKind.BOOL, "a product looked up for this email has no stock available"
    ),
    "inventory.out_of_stock_skus": FieldSpec(
        FieldKind.LIST, "the SKUs of those out-of-stock products"
    ),
    "text": FieldSpec(FieldKind.TEXT, "the email's subject and body"),
    "subject": FieldSpec(FieldKind.TEXT, "the email's subject"),
    "sentiment.angry": FieldSpec(
        FieldKind.BOOL, "the sender sounds angry (capitals, exclamation marks, anger words)"
    ),
    "sentiment.threat": FieldSpec(
        FieldKind.BOOL, "the email mentions lawyers, courts, chargebacks or similar"
    ),
    "sentiment.anger_score": FieldSpec(
        FieldKind.NUMBER, "the anger score; 2 or more counts as angry"
    ),
}


def operators_for(field: str) -> tuple[str, ...]:
    """The operators that apply to ``field`` (which must be in :data:`FIELDS`)."""
    return OPERATORS[FIELDS[field].kind]
