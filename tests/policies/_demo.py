"""The demo shop and mailbox as rule contexts: customer records and facts read from shop.sql."""

from __future__ import annotations

import csv
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from hatchway.agents.outputs import Classification
from hatchway.agents.requests import Fact, FactValue
from hatchway.mail.parse import ParsedEmail, parse_message
from hatchway.policies.rules import RuleContext, build_context

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"
MAILBOX = DEMO / "mailbox"


@dataclass(frozen=True)
class DemoCase:
    """One labelled demo email with what the CRM and inventory say about it."""

    file: str
    subject: str
    body: str
    classification: Classification
    customer: dict[str, FactValue] | None
    facts: list[Fact]

    def context(self) -> RuleContext:
        """The rules context the graph would build for this email."""
        return build_context(
            classification=self.classification,
            customer=self.customer,
            facts=self.facts,
            subject=self.subject,
            body=self.body,
        )


@cache
def _shop() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.executescript((DEMO / "shop.sql").read_text(encoding="utf-8"))
    return db


def _money(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f} EUR"


def customer_record(email: str) -> dict[str, FactValue] | None:
    """The CRM record of ``email`` as the lookup node passes it, or None."""
    row = (
        _shop()
        .execute(
            "SELECT id, name, tier, lifetime_value_cents, open_disputes FROM customers "
            "WHERE email = ?",
            (email,),
        )
        .fetchone()
    )
    if row is None:
        return None
    return {
        "id": row[0],
        "name": row[1],
        "tier": row[2],
        "lifetime_value": _money(row[3]),
        "open_disputes": row[4],
    }


def order_facts(order_id: str) -> list[Fact]:
    """``order.<id>.*`` facts for one order (empty when there is no such order)."""
    row = (
        _shop()
        .execute(
            "SELECT status, total_cents, tracking_number, shipped_at, delivered_at FROM orders "
            "WHERE id = ?",
            (order_id,),
        )
        .fetchone()
    )
    if row is None:
        return []
    values = dict(
        zip(("status", "total", "tracking_number", "shipped_at", "delivered_at"), row, strict=True)
    )
    values["total"] = _money(row[1])
    return [
        Fact(key=f"order.{order_id}.{name}", value=value, source="crm")
        for name, value in values.items()
        if value is not None
    ]


def product_facts(sku: str) -> list[Fact]:
    """``product.<sku>.*`` facts: name, price, available (on hand minus reserved)."""
    row = (
        _shop()
        .execute(
            "SELECT p.name, p.price_cents, s.on_hand - s.reserved, s.restock_date "
            "FROM products p JOIN stock s ON s.sku = p.sku WHERE p.sku = ?",
            (sku,),
        )
        .fetchone()
    )
    if row is None:
        return []
    values = {"name": row[0], "price": _money(row[1]), "available": row[2], "restock_date": row[3]}
    return [
        Fact(key=f"product.{sku}.{name}", value=value, source="inventory")
        for name, value in values.items()
        if value is not None
    ]


def owner_of(order_id: str) -> str | None:
    """The email of the customer who placed ``order_id``."""
    row = (
        _shop()
        .execute(
            "SELECT c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = ?",
            (order_id,),
        )
        .fetchone()
    )
    return None if row is None else str(row[0])


@cache
def demo_case(prefix: str) -> DemoCase:
    """The demo email whose file name starts with ``prefix`` (e.g. ``"042"``), looked up the
    way the lookup node does: only the sender's own orders become facts."""
    with (MAILBOX / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["file"].startswith(prefix))
    parsed = parse_message((MAILBOX / row["file"]).read_bytes())
    assert isinstance(parsed, ParsedEmail)
    sender = parsed.from_.address
    customer = customer_record(sender)
    order_id, sku = row["order_id"], row["sku"]
    facts = order_facts(order_id) if order_id and owner_of(order_id) == sender else []
    named = sku and (sku in parsed.text or row["category"] == "product_availability")
    facts += product_facts(sku) if named else []  # the lookup fetches named products only
    classification = Classification(
        category=row["category"], confidence=0.9, language=row["language"], rationale="label"
    )
    return DemoCase(row["file"], parsed.subject, parsed.text, classification, customer, facts)
