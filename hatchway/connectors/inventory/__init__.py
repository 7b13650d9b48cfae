"""The inventory connector: stock by SKU, products by SKU or name.

``Inventory`` is the interface; ``SqlInventory`` and ``HttpInventory`` are the real adapters;
``InMemoryInventory`` is the fake for unit tests. ``connect_inventory`` builds the configured one.
"""

from __future__ import annotations

from .connect import connect_inventory
from .fake import InMemoryInventory
from .http import HttpInventory
from .models import Product, StockLevel
from .protocol import Inventory
from .settings import HttpInventorySettings, InventorySettings, SqlInventorySettings
from .sql import SqlInventory
from .sql_settings import InventoryTables, ProductsTable, StockTable

__all__ = [
    "HttpInventory",
    "HttpInventorySettings",
    "InMemoryInventory",
    "Inventory",
    "InventorySettings",
    "InventoryTables",
    "Product",
    "ProductsTable",
    "SqlInventory",
    "SqlInventorySettings",
    "StockLevel",
    "StockTable",
    "connect_inventory",
]
