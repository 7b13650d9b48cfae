"""ProductNameSearch: one inventory search per word per minute, errors not remembered."""

from __future__ import annotations

import time

import pytest

from hatchway.connectors.inventory.fake import InMemoryInventory
from hatchway.connectors.inventory.models import Product
from hatchway.connectors.lookup import ConnectorLookup
from hatchway.connectors.product_mentions import ProductNameSearch
from hatchway.errors import ConnectorError


class CountingInventory(InMemoryInventory):
    def __init__(self, products: list[Product]) -> None:
        super().__init__(products)
        self.searches: list[str] = []

    def find_products(self, name: str, *, limit: int = 5) -> list[Product]:
        self.searches.append(name)
        return super().find_products(name, limit=limit)


TENT = Product(sku="NW-TENT-2P", name="Trailhead 2P Tent")
BOOT = Product(sku="NW-BOOT-42", name="Ridgewalker Boot EU 42")
TEXT = "Hello, is the Trailhead tent back in stock? Also the Ridgewalker in 42. Thanks"


def test_each_word_is_searched_once_while_its_answer_is_fresh() -> None:
    inventory = CountingInventory([TENT, BOOT])
    lookup = ConnectorLookup(None, inventory)
    first = lookup.product_names_in(TEXT)
    searched = list(inventory.searches)
    assert first == ["Trailhead 2P Tent", "Ridgewalker Boot EU 42"]
    assert searched  # the first email searched its words
    assert lookup.product_names_in(TEXT) == first
    assert inventory.searches == searched  # the second asked the inventory nothing


def test_an_answer_is_searched_again_once_it_is_stale() -> None:
    inventory = CountingInventory([TENT])
    search = ProductNameSearch(inventory, ttl_seconds=0.05)
    assert search("trailhead") == [TENT]
    inventory.products[BOOT.sku] = Product(sku="NW-TENT-3P", name="Trailhead 3P Tent")
    assert search("trailhead") == [TENT]  # still the remembered answer
    time.sleep(0.1)
    assert [p.sku for p in search("trailhead")] == ["NW-TENT-2P", "NW-TENT-3P"]
    assert inventory.searches == ["trailhead", "trailhead"]


def test_a_failed_search_is_not_remembered() -> None:
    inventory = CountingInventory([TENT])
    search = ProductNameSearch(inventory)
    inventory.error = ConnectorError("inventory", "HTTP 503")
    with pytest.raises(ConnectorError):
        search("trailhead")
    inventory.error = None
    assert search("trailhead") == [TENT]
