"""Inventory adapters beyond the contract: mapping without a reserved column, HTTP errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hatchway.connectors.inventory import (
    HttpInventory,
    HttpInventorySettings,
    SqlInventory,
    SqlInventorySettings,
    connect_inventory,
)
from hatchway.errors import AuthError, ProtocolError, TransientError
from tests.fixtures.crm_http import CrmHttpServer


def test_sql_mapping_with_an_available_column_and_prices_in_units(tmp_path: Path) -> None:
    path = tmp_path / "erp.db"
    connection = sqlite3.connect(path)
    try:
        connection.executescript(
            "CREATE TABLE artikel (nr TEXT, titel TEXT, preis NUMERIC);"
            "CREATE TABLE lager (nr TEXT, bestand INTEGER, frei INTEGER);"
            "INSERT INTO artikel VALUES ('A1', 'Zelt', 19.9);"
            "INSERT INTO lager VALUES ('A1', 5, 3);"
        )
    finally:
        connection.close()
    products = {"table": "artikel", "sku": "nr", "name": "titel", "price": "preis"}
    products |= {"category": "", "currency": "", "active": ""}
    stock = {"table": "lager", "sku": "nr", "on_hand": "bestand", "available": "frei"}
    stock |= {"reserved": "", "restock_date": ""}
    settings = SqlInventorySettings.model_validate(
        {
            "url": f"sqlite:///{path}",
            "money": "units",
            "tables": {"products": products, "stock": stock},
        }
    )
    inventory = connect_inventory(settings)
    try:
        product, level = inventory.product_by_sku("A1"), inventory.stock_by_sku("A1")
        assert product is not None and str(product.price) == "19.90" and product.active
        assert product.currency == "EUR"
        assert level is not None and (level.on_hand, level.reserved, level.available) == (5, 0, 3)
    finally:
        inventory.close()


def test_sql_missing_table_is_a_protocol_error(tmp_path: Path) -> None:
    inventory = SqlInventory.from_settings(SqlInventorySettings(url=f"sqlite:///{tmp_path}/x.db"))
    try:
        with pytest.raises(ProtocolError, match="no such table: stock"):
            inventory.stock_by_sku("A1")
    finally:
        inventory.close()


def _http(server: CrmHttpServer, **overrides: object) -> HttpInventory:
    values: dict[str, object] = {
        "base_url": server.base_url,
        "auth_value": server.auth_value,
        "attempts": 2,
        "retry_initial_wait_seconds": 0,
    }
    return HttpInventory(HttpInventorySettings.model_validate(values | overrides))


def test_http_errors_map_to_the_tree(crm_http: CrmHttpServer) -> None:
    inventory = _http(crm_http)
    try:
        crm_http.script({"status": 500}, {"status": 500})
        with pytest.raises(TransientError, match="HTTP 500"):
            inventory.stock_by_sku("NW-TENT-2P")
        crm_http.script({"status": 200, "body": "[1, 2]"})
        with pytest.raises(ProtocolError, match="expected a JSON object"):
            inventory.stock_by_sku("NW-TENT-2P")
        crm_http.script({"status": 200, "body": '{"sku": "NW-TENT-2P"}'})
        with pytest.raises(ProtocolError, match="unusable StockLevel record"):
            inventory.stock_by_sku("NW-TENT-2P")
        crm_http.script({"status": 403})
        with pytest.raises(AuthError, match="HTTP 403"):
            inventory.find_products("tent")
    finally:
        inventory.close()
