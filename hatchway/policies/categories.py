"""The categories of inbound mail hatchway knows, and making sure each has a row."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.store.models import Category

__all__ = ["DEFAULT_CATEGORIES", "CategorySpec", "ensure_categories"]


@dataclass(frozen=True)
class CategorySpec:
    """A category's name, what it means, and whether a reply may ever be drafted for it."""

    name: str
    description: str
    answerable: bool = True


DEFAULT_CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("order_status", "Where is my order, tracking, delivery date."),
    CategorySpec("return_request", "The customer wants to send something back."),
    CategorySpec("refund", "Money back for an order, a return or a damaged item."),
    CategorySpec("product_availability", "Is a product in stock, when will it be."),
    CategorySpec("address_change", "Change the delivery address of an order or account."),
    CategorySpec("complaint", "Something went wrong and the customer is unhappy."),
    CategorySpec("invoice_copy", "A copy of an invoice or receipt."),
    CategorySpec("cancellation", "Cancel an order before it ships."),
    CategorySpec("other", "Anything else a person should look at."),
    CategorySpec("legal_threat", "Lawyers, courts, regulators: always a human.", answerable=False),
    CategorySpec("auto_reply", "Out-of-office and other automatic replies.", answerable=False),
    CategorySpec("newsletter", "Bulk and mailing-list mail.", answerable=False),
    CategorySpec("bounce", "Delivery status notifications.", answerable=False),
    CategorySpec("spam_phishing", "Spam and phishing.", answerable=False),
)


def ensure_categories(
    session: Session, specs: tuple[CategorySpec, ...] = DEFAULT_CATEGORIES
) -> int:
    """Add a row, in review mode, for each category that has none. Returns how many were added."""
    existing = set(session.scalars(select(Category.name)))
    added = 0
    for spec in specs:
        if spec.name not in existing:
            session.add(
                Category(name=spec.name, description=spec.description, answerable=spec.answerable)
            )
            added += 1
    session.flush()
    return added
