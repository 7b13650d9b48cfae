"""The public surface of the CRM and inventory connectors and the lookup is deliberate."""

from __future__ import annotations

import hatchway.connectors.crm as crm
import hatchway.connectors.inventory as inventory
import hatchway.connectors.lookup as lookup


def test_crm_exports() -> None:
    assert sorted(crm.__all__) == [
        "ActivitiesTable", "Activity", "AddressesTable", "CrmConnector", "CrmSettings",
        "CrmTables", "Customer", "CustomersTable", "HttpCrm", "HttpCrmSettings", "InMemoryCrm",
        "InvoicesTable", "Order", "OrderLine", "OrderLinesTable", "OrderReturn", "OrdersTable",
        "Refund", "RefundsTable", "ReturnsTable", "SqlCrm", "SqlCrmSettings", "connect_crm",
    ]  # fmt: skip
    assert all(hasattr(crm, name) for name in crm.__all__)


def test_inventory_exports() -> None:
    assert sorted(inventory.__all__) == [
        "HttpInventory", "HttpInventorySettings", "InMemoryInventory", "Inventory",
        "InventorySettings", "InventoryTables", "Product", "ProductsTable", "SqlInventory",
        "SqlInventorySettings", "StockLevel", "StockTable", "connect_inventory",
    ]  # fmt: skip
    assert all(hasattr(inventory, name) for name in inventory.__all__)


def test_lookup_exports() -> None:
    assert lookup.__all__ == ["ConnectorLookup", "ShopPolicy"]
