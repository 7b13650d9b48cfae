"""Settings of the SQL CRM adapter: a database URL and where each logical field lives.

Every default matches the demo shop (``examples/demo/shop.sql``), so the demo needs only
``url``. For another database, name its tables and columns. An optional column the database
does not have is set to ``""``; an optional table it does not have (``order_lines``,
``addresses``, ``invoices``, ``returns``, ``refunds``) is set to ``false``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hatchway.connectors._sql import KeyType, SqlSettingsBase, TableMap, tables_switched_off

__all__ = [
    "ActivitiesTable",
    "AddressesTable",
    "CrmTables",
    "CustomersTable",
    "InvoicesTable",
    "OrderLinesTable",
    "OrdersTable",
    "RefundsTable",
    "ReturnsTable",
    "SqlCrmSettings",
]


class CustomersTable(TableMap):
    """Customers: one row per customer, found by ``email``."""

    table: str = "customers"
    key_type: KeyType = Field(default="integer", description="type of the id column")
    id: str = "id"
    email: str = "email"
    name: str = "name"
    tier: str | None = "tier"
    lifetime_value: str | None = "lifetime_value_cents"
    open_disputes: str | None = "open_disputes"
    language: str | None = "language"
    phone: str | None = "phone"


class OrdersTable(TableMap):
    """Orders; ``customer_id`` refers to the customers' id."""

    table: str = "orders"
    key_type: KeyType = Field(default="text", description="type of the id column")
    id: str = "id"
    customer_id: str = "customer_id"
    status: str = "status"
    placed_at: str | None = "placed_at"
    subtotal: str | None = "subtotal_cents"
    shipping: str | None = "shipping_cents"
    total: str = "total_cents"
    currency: str | None = "currency"
    carrier: str | None = "carrier"
    tracking_number: str | None = "tracking_number"
    shipped_at: str | None = "shipped_at"
    delivered_at: str | None = "delivered_at"
    shipping_address_id: str | None = "shipping_address_id"


class OrderLinesTable(TableMap):
    """Order lines; ``line`` (optional) orders them."""

    table: str = "order_items"
    order_id: str = "order_id"
    line: str | None = "line"
    sku: str = "sku"
    quantity: str = "quantity"
    unit_price: str | None = "unit_price_cents"


class AddressesTable(TableMap):
    """Addresses that ``orders.shipping_address_id`` refers to."""

    table: str = "addresses"
    id: str = "id"
    line1: str = "line1"
    line2: str | None = "line2"
    postcode: str | None = "postcode"
    city: str | None = "city"
    country: str | None = "country"


class InvoicesTable(TableMap):
    """Invoices issued for orders."""

    table: str = "invoices"
    id: str = "id"
    order_id: str = "order_id"


class ReturnsTable(TableMap):
    """Returns (RMAs) registered against orders."""

    table: str = "returns"
    id: str = "id"
    order_id: str = "order_id"
    status: str = "status"
    sku: str | None = "sku"
    created_at: str | None = "created_at"


class RefundsTable(TableMap):
    """Refunds of orders."""

    table: str = "refunds"
    id: str = "id"
    order_id: str = "order_id"
    amount: str = "amount_cents"
    status: str = "status"
    created_at: str | None = "created_at"


class ActivitiesTable(TableMap):
    """Where ``log_activity`` inserts rows; the only table hatchway writes to."""

    table: str = "hatchway_activities"
    customer_id: str = "customer_id"
    kind: str = "kind"
    text: str = "text"
    occurred_at: str = "occurred_at"


class CrmTables(BaseModel):
    """The logical tables. A section left out keeps its defaults; an optional table set to
    ``false`` is absent. ``activities`` has no default: without it ``log_activity`` is refused.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    _off = model_validator(mode="before")(tables_switched_off)

    customers: CustomersTable = Field(default_factory=CustomersTable)
    orders: OrdersTable = Field(default_factory=OrdersTable)
    order_lines: OrderLinesTable | None = Field(default_factory=OrderLinesTable)
    addresses: AddressesTable | None = Field(default_factory=AddressesTable)
    invoices: InvoicesTable | None = Field(default_factory=InvoicesTable)
    returns: ReturnsTable | None = Field(default_factory=ReturnsTable)
    refunds: RefundsTable | None = Field(default_factory=RefundsTable)
    activities: ActivitiesTable | None = None


class SqlCrmSettings(SqlSettingsBase):
    """``[crm]`` with ``kind = "sql"``: read customers and orders from the shop's database."""

    tables: CrmTables = Field(default_factory=CrmTables)
