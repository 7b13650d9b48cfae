"""The records a CRM connector returns: customers, their orders, and logged activities.

Every adapter (SQL, HTTP/JSON, in-memory) returns these same immutable objects. Their JSON
form (``model_dump(mode="json")``) is also the wire format of the HTTP contract: ids are
strings, money amounts are decimal strings (``"368.00"``), days are ``YYYY-MM-DD``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from hatchway.connectors._values import Day

__all__ = ["Activity", "Customer", "Order", "OrderLine", "OrderReturn", "Refund"]

_RECORD = ConfigDict(frozen=True, extra="ignore", coerce_numbers_to_str=True)


class Customer(BaseModel):
    """One customer record, found by email address."""

    model_config = _RECORD

    id: str = Field(min_length=1, description="The CRM's own key, as a string.")
    email: str
    name: str
    tier: str | None = Field(default=None, description="e.g. standard, gold, vip")
    lifetime_value: Decimal | None = None
    currency: str | None = Field(default=None, description="of lifetime_value, ISO 4217")
    open_disputes: int = 0
    language: str | None = Field(default=None, description="ISO 639-1, e.g. en, de")
    phone: str | None = None


class OrderLine(BaseModel):
    """One line of an order."""

    model_config = _RECORD

    sku: str
    quantity: int
    unit_price: Decimal | None = None


class OrderReturn(BaseModel):
    """A return (RMA) registered against an order."""

    model_config = _RECORD

    id: str
    status: str = Field(description="e.g. requested, approved, received, rejected")
    sku: str | None = Field(default=None, description="None: the whole order")
    created_at: datetime | None = None


class Refund(BaseModel):
    """A refund paid, pending or failed for an order."""

    model_config = _RECORD

    id: str
    amount: Decimal
    status: str = Field(description="e.g. pending, completed, failed")
    created_at: datetime | None = None


class Order(BaseModel):
    """One order with its lines, invoices, returns and refunds."""

    model_config = _RECORD

    id: str
    customer_id: str
    status: str = Field(description="e.g. pending, paid, packed, shipped, delivered, cancelled")
    placed_at: datetime | None = None
    currency: str
    subtotal: Decimal | None = None
    shipping: Decimal | None = None
    total: Decimal
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_at: Day | None = None
    delivered_at: Day | None = None
    shipping_address: str | None = Field(default=None, description="one line, display-ready")
    lines: tuple[OrderLine, ...] = ()
    invoice_ids: tuple[str, ...] = ()
    returns: tuple[OrderReturn, ...] = ()
    refunds: tuple[Refund, ...] = ()


class Activity(BaseModel):
    """A note hatchway logged on a customer record (e.g. "reply sent")."""

    model_config = _RECORD

    customer_id: str
    kind: str = Field(min_length=1, max_length=64, description="e.g. email_reply, escalation")
    text: str = Field(max_length=10_000)
    occurred_at: datetime
