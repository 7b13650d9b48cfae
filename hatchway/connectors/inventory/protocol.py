"""The interface every inventory connector implements.

Error contract as for the CRM (:mod:`hatchway.connectors.crm.protocol`): only hatchway
errors, ``TransientError`` after the adapter's own retries, "not found" is ``None`` or ``[]``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from hatchway.connectors.inventory.models import Product, StockLevel

__all__ = ["Inventory"]


@runtime_checkable
class Inventory(Protocol):
    """Read-only: stock by SKU, products by SKU or by name."""

    def stock_by_sku(self, sku: str) -> StockLevel | None:
        """The stock level of ``sku``, or None when the SKU has no stock record."""
        ...

    def product_by_sku(self, sku: str) -> Product | None:
        """The catalogue product ``sku``, or None."""
        ...

    def find_products(self, name: str, *, limit: int = 5) -> list[Product]:
        """Products whose name contains ``name`` (case-insensitive), by name, at most ``limit``."""
        ...

    def close(self) -> None:
        """Release connections; the connector is not used afterwards."""
        ...
