"""One contract every inventory adapter passes (fake, SQL on SQLite and PostgreSQL, HTTP)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hatchway.connectors.inventory import Inventory


def test_is_an_inventory(inventory: Inventory) -> None:
    assert isinstance(inventory, Inventory)


def test_product_by_sku(inventory: Inventory) -> None:
    product = inventory.product_by_sku("NW-TENT-2P")
    assert product is not None
    assert (product.name, product.category) == ("Trailhead 2-Person Tent", "tents")
    assert (product.price, product.currency, product.active) == (Decimal("249.00"), "EUR", True)


def test_discontinued_product_is_inactive(inventory: Inventory) -> None:
    product = inventory.product_by_sku("NW-LANTERN-CL")
    assert product is not None and product.active is False


@pytest.mark.parametrize(
    ("sku", "on_hand", "reserved", "available", "restock"),
    [
        ("NW-TENT-2P", 14, 2, 12, None),
        ("NW-BAG-M5", 0, 0, 0, date(2026, 12, 4)),
        ("NW-HAM-SGL", 2, 2, 0, None),
        ("NW-BOOT-RW-44", 0, 0, 0, None),
    ],
)
def test_stock_by_sku(
    inventory: Inventory,
    sku: str,
    on_hand: int,
    reserved: int,
    available: int,
    restock: date | None,
) -> None:
    level = inventory.stock_by_sku(sku)
    assert level is not None
    assert (level.sku, level.on_hand, level.reserved) == (sku, on_hand, reserved)
    assert (level.available, level.restock_date) == (available, restock)


@pytest.mark.parametrize("sku", ["NW-NOPE", "", "NW-TENT-2P/../x", "nw-tent-2p"])
def test_unknown_sku_is_none(inventory: Inventory, sku: str) -> None:
    assert inventory.product_by_sku(sku) is None
    assert inventory.stock_by_sku(sku) is None


def test_find_products_by_part_of_the_name(inventory: Inventory) -> None:
    found = inventory.find_products("TENT")
    assert [p.sku for p in found] == ["NW-TENT-4P", "NW-TENT-UL1", "NW-TENT-2P"]
    assert [p.sku for p in inventory.find_products("tent", limit=1)] == ["NW-TENT-4P"]
    assert [p.sku for p in inventory.find_products("hammock")] == ["NW-HAM-SGL"]


@pytest.mark.parametrize("name", ["", "   ", "%", "_", "no such thing"])
def test_find_products_matches_nothing_odd(inventory: Inventory, name: str) -> None:
    assert inventory.find_products(name) == []
