"""Build the configured inventory connector from its settings."""

from __future__ import annotations

from hatchway.connectors.inventory.http import HttpInventory, HttpInventorySettings
from hatchway.connectors.inventory.protocol import Inventory
from hatchway.connectors.inventory.sql import SqlInventory
from hatchway.connectors.inventory.sql_settings import SqlInventorySettings

__all__ = ["connect_inventory"]


def connect_inventory(settings: SqlInventorySettings | HttpInventorySettings) -> Inventory:
    """The adapter ``settings.kind`` names; nothing is contacted until the first call."""
    if isinstance(settings, SqlInventorySettings):
        return SqlInventory.from_settings(settings)
    return HttpInventory(settings)
