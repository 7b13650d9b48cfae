"""CRM and inventory records as display-ready facts, with the keys the drafters read.

Keys (see :mod:`hatchway.agents.offline.drafter`): ``order.<id>.status | placed_at | total |
items | carrier | tracking_number | shipped_at | delivered_at | shipping_address | invoice_id |
return_deadline | return_id | return_status | refund_amount | refund_status``;
``product.<sku>.name | price | active | on_hand | available | restock_date``;
``shop.name``, ``policy.return_window_days | warranty_years``. Absent values give no fact.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from hatchway.agents.requests import Fact, FactValue
from hatchway.connectors._values import format_money
from hatchway.connectors.crm.models import Customer, Order
from hatchway.connectors.inventory.models import Product, StockLevel

__all__ = ["ShopPolicy", "customer_record", "order_facts", "product_facts"]

CustomerRecord = dict[str, str | int | float | bool | None]


class ShopPolicy(BaseModel):
    """Shop-wide facts every draft may cite: the shop's name and its policies."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = Field(default=None, description="e.g. Northwind Outfitters")
    return_window_days: int | None = Field(default=None, ge=0, description="from delivery")
    warranty_years: int | None = Field(default=None, ge=0, description="warranty length")

    def facts(self) -> list[Fact]:
        """``shop.name`` and ``policy.*`` facts for what is set."""
        pairs = [
            ("shop.name", self.name),
            ("policy.return_window_days", self.return_window_days),
            ("policy.warranty_years", self.warranty_years),
        ]
        return [Fact(key=key, value=value, source="policy") for key, value in pairs if value]


def _facts(prefix: str, source: str, values: dict[str, FactValue]) -> list[Fact]:
    return [
        Fact(key=f"{prefix}.{name}", value=value, source=source)
        for name, value in values.items()
        if value is not None and value != ""
    ]


def customer_record(customer: Customer) -> CustomerRecord:
    """The customer as the graph's ``customer`` dict (no phone number: not needed to reply)."""
    value = customer.lifetime_value
    return {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "tier": customer.tier,
        "language": customer.language,
        "open_disputes": customer.open_disputes,
        "lifetime_value": (
            format_money(value, customer.currency or "") if value is not None else None
        ),
    }


def order_facts(order: Order, policy: ShopPolicy) -> list[Fact]:
    """Everything a reply about ``order`` may state, keyed ``order.<id>.<field>``."""
    values: dict[str, FactValue] = {
        "status": order.status,
        "placed_at": order.placed_at.date().isoformat() if order.placed_at else None,
        "total": format_money(order.total, order.currency),
        "items": ", ".join(f"{line.quantity} × {line.sku}" for line in order.lines),
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "shipped_at": order.shipped_at.isoformat() if order.shipped_at else None,
        "delivered_at": order.delivered_at.isoformat() if order.delivered_at else None,
        "shipping_address": order.shipping_address,
        "invoice_id": ", ".join(order.invoice_ids),
    }
    if order.delivered_at and policy.return_window_days is not None:
        deadline = order.delivered_at + timedelta(days=policy.return_window_days)
        values["return_deadline"] = deadline.isoformat()
    if order.returns:
        latest = order.returns[-1]
        values |= {"return_id": latest.id, "return_status": latest.status}
    if order.refunds:
        refund = order.refunds[-1]
        amount = format_money(refund.amount, order.currency)
        values |= {"refund_amount": amount, "refund_status": refund.status}
    return _facts(f"order.{order.id}", "crm", values)


def product_facts(sku: str, product: Product | None, stock: StockLevel | None) -> list[Fact]:
    """Catalogue and stock facts about ``sku``, keyed ``product.<sku>.<field>``."""
    values: dict[str, FactValue] = {}
    if product is not None:
        values["name"] = product.name
        if product.price is not None:
            values["price"] = format_money(product.price, product.currency or "")
        values["active"] = product.active
    facts = _facts(f"product.{sku}", "inventory", values)
    if stock is not None:
        levels: dict[str, FactValue] = {
            "on_hand": stock.on_hand,
            "available": stock.available,
            "restock_date": stock.restock_date.isoformat() if stock.restock_date else None,
        }
        facts += _facts(f"product.{sku}", "inventory", levels)
    return facts
