"""The SQL inventory adapter: reads products and stock from an existing database, read-only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, String, bindparam, func

from hatchway.connectors._sql import SqlSource
from hatchway.connectors._values import amount_from_storage, validate_record
from hatchway.connectors.inventory.models import Product, StockLevel
from hatchway.connectors.inventory.sql_settings import InventoryTables, SqlInventorySettings

__all__ = ["SqlInventory"]

CONNECTOR = "inventory"

# The escape character of the name search's LIKE pattern (SQLAlchemy's autoescape default).
_LIKE_ESCAPE = "/"


@dataclass(frozen=True)
class _Statements:
    """Every read of the adapter, built once from the mapping with bind parameters and run
    with a dict of values: building a statement and its cache key costs more than running it.

    Bind parameters are named ``b_…`` so that none equals a column name.
    """

    stock_by_sku: Select[Any]  # b_sku
    product_by_sku: Select[Any]  # b_sku
    find_products: Select[Any]  # b_pattern (see _contains_pattern), b_limit

    @classmethod
    def build(cls, source: SqlSource, tables: InventoryTables) -> _Statements:
        """The statements for ``tables``; touches no database."""
        sku = bindparam("b_sku", type_=String())
        stock, by_sku = source.select(tables.stock)
        stock_by_sku = by_sku.where(stock.c[tables.stock.sku] == sku)
        products, by_sku = source.select(tables.products)
        product_by_sku = by_sku.where(products.c[tables.products.sku] == sku)
        name = products.c[tables.products.name]
        pattern = bindparam("b_pattern", type_=String())
        found = by_sku.where(func.lower(name).like(pattern, escape=_LIKE_ESCAPE))
        found = found.order_by(name, products.c[tables.products.sku])
        find_products = found.limit(bindparam("b_limit", type_=Integer()))
        return cls(stock_by_sku, product_by_sku, find_products)


def _contains_pattern(text: str) -> str:
    """A LIKE pattern matching any value that contains ``text``, taking its ``%``, ``_`` and
    escape characters literally (what SQLAlchemy's ``contains(..., autoescape=True)`` does)."""
    escaped = text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
    escaped = escaped.replace("%", _LIKE_ESCAPE + "%").replace("_", _LIKE_ESCAPE + "_")
    return f"%{escaped}%"


class SqlInventory:
    """An :class:`~hatchway.connectors.inventory.protocol.Inventory` over a SQL database."""

    def __init__(self, source: SqlSource, settings: SqlInventorySettings) -> None:
        self._source = source
        self._settings = settings
        self._statements = _Statements.build(source, settings.tables)

    @classmethod
    def from_settings(cls, settings: SqlInventorySettings) -> SqlInventory:
        """Build the adapter and its engine from ``[inventory]`` settings."""
        return cls(SqlSource.from_settings(CONNECTOR, settings), settings)

    def stock_by_sku(self, sku: str) -> StockLevel | None:
        """The stock row of ``sku``."""
        rows = self._source.rows(self._statements.stock_by_sku, {"b_sku": sku.strip()})
        return validate_record(CONNECTOR, StockLevel, rows[0]) if rows else None

    def product_by_sku(self, sku: str) -> Product | None:
        """The product row of ``sku``."""
        rows = self._source.rows(self._statements.product_by_sku, {"b_sku": sku.strip()})
        return self._product(rows[0]) if rows else None

    def find_products(self, name: str, *, limit: int = 5) -> list[Product]:
        """Products whose name contains ``name`` (case-insensitive, LIKE wildcards escaped)."""
        wanted = name.strip().lower()
        if not wanted:
            return []
        params = {"b_pattern": _contains_pattern(wanted), "b_limit": limit}
        rows = self._source.rows(self._statements.find_products, params)
        return [self._product(row) for row in rows]

    def close(self) -> None:
        """Dispose of the engine's connections."""
        self._source.close()

    def _product(self, row: Mapping[str, Any]) -> Product:
        data = dict(row)
        data["price"] = amount_from_storage(data.get("price"), self._settings.money)
        if data["price"] is not None:
            data["currency"] = data.get("currency") or self._settings.currency
        if data.get("active") is None:
            data.pop("active", None)
        return validate_record(CONNECTOR, Product, data)
