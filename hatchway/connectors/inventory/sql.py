"""The SQL inventory adapter: reads products and stock from an existing database, read-only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func

from hatchway.connectors._sql import SqlSource
from hatchway.connectors._values import amount_from_storage, validate_record
from hatchway.connectors.inventory.models import Product, StockLevel
from hatchway.connectors.inventory.sql_settings import SqlInventorySettings

__all__ = ["SqlInventory"]

CONNECTOR = "inventory"


class SqlInventory:
    """An :class:`~hatchway.connectors.inventory.protocol.Inventory` over a SQL database."""

    def __init__(self, source: SqlSource, settings: SqlInventorySettings) -> None:
        self._source = source
        self._settings = settings
        self._tables = settings.tables

    @classmethod
    def from_settings(cls, settings: SqlInventorySettings) -> SqlInventory:
        """Build the adapter and its engine from ``[inventory]`` settings."""
        return cls(SqlSource.from_settings(CONNECTOR, settings), settings)

    def stock_by_sku(self, sku: str) -> StockLevel | None:
        """The stock row of ``sku``."""
        mapping = self._tables.stock
        clause, statement = self._source.select(mapping)
        rows = self._source.rows(statement.where(clause.c[mapping.sku] == sku.strip()))
        return validate_record(CONNECTOR, StockLevel, rows[0]) if rows else None

    def product_by_sku(self, sku: str) -> Product | None:
        """The product row of ``sku``."""
        mapping = self._tables.products
        clause, statement = self._source.select(mapping)
        rows = self._source.rows(statement.where(clause.c[mapping.sku] == sku.strip()))
        return self._product(rows[0]) if rows else None

    def find_products(self, name: str, *, limit: int = 5) -> list[Product]:
        """Products whose name contains ``name`` (case-insensitive, LIKE wildcards escaped)."""
        wanted = name.strip().lower()
        if not wanted:
            return []
        mapping = self._tables.products
        clause, statement = self._source.select(mapping)
        column = clause.c[mapping.name]
        statement = statement.where(func.lower(column).contains(wanted, autoescape=True))
        statement = statement.order_by(column, clause.c[mapping.sku]).limit(limit)
        return [self._product(row) for row in self._source.rows(statement)]

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
