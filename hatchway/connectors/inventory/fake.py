"""An in-memory inventory for unit tests: seeded with records, and able to fail on demand."""

from __future__ import annotations

from collections.abc import Iterable

from hatchway.connectors.inventory.models import Product, StockLevel
from hatchway.errors import ConnectorError

__all__ = ["InMemoryInventory"]


class InMemoryInventory:
    """An :class:`~hatchway.connectors.inventory.protocol.Inventory` over plain lists.

    Set :attr:`error` to make every call raise it: that is how tests show an outage.
    """

    def __init__(self, products: Iterable[Product] = (), stock: Iterable[StockLevel] = ()) -> None:
        self.products: dict[str, Product] = {product.sku: product for product in products}
        self.stock: dict[str, StockLevel] = {level.sku: level for level in stock}
        self.error: ConnectorError | None = None
        self.closed = False

    def _check(self) -> None:
        if self.error is not None:
            raise self.error

    def stock_by_sku(self, sku: str) -> StockLevel | None:
        """The stock record of ``sku``."""
        self._check()
        return self.stock.get(sku.strip())

    def product_by_sku(self, sku: str) -> Product | None:
        """The product ``sku``."""
        self._check()
        return self.products.get(sku.strip())

    def find_products(self, name: str, *, limit: int = 5) -> list[Product]:
        """Products whose name contains ``name``, ignoring case, sorted by name."""
        self._check()
        wanted = name.strip().casefold()
        if not wanted:
            return []
        found = [p for p in self.products.values() if wanted in p.name.casefold()]
        return sorted(found, key=lambda p: (p.name, p.sku))[:limit]

    def close(self) -> None:
        """Nothing to release; remembered for tests."""
        self.closed = True
