"""Settings of the SQL inventory adapter: a database URL and where each logical field lives.

Defaults match the demo shop (``examples/demo/shop.sql``). An optional column the database
does not have is set to ``""``: without ``available``, it is ``on_hand - reserved``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hatchway.connectors._sql import SqlSettingsBase, TableMap

__all__ = ["InventoryTables", "ProductsTable", "SqlInventorySettings", "StockTable"]


class ProductsTable(TableMap):
    """The catalogue, keyed by SKU."""

    table: str = "products"
    sku: str = "sku"
    name: str = "name"
    category: str | None = "category"
    price: str | None = "price_cents"
    currency: str | None = "currency"
    active: str | None = "active"


class StockTable(TableMap):
    """Stock levels, keyed by SKU."""

    table: str = "stock"
    sku: str = "sku"
    on_hand: str = "on_hand"
    reserved: str | None = "reserved"
    available: str | None = None
    restock_date: str | None = "restock_date"


class InventoryTables(BaseModel):
    """The logical tables; a section left out keeps its defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    products: ProductsTable = Field(default_factory=ProductsTable)
    stock: StockTable = Field(default_factory=StockTable)


class SqlInventorySettings(SqlSettingsBase):
    """``[inventory]`` with ``kind = "sql"``: read products and stock from the shop's database."""

    tables: InventoryTables = Field(default_factory=InventoryTables)
