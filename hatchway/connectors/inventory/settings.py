"""``[inventory]`` in hatchway.toml: the adapter (``kind`` sql or http) and its settings."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from hatchway.connectors.inventory.http import HttpInventorySettings
from hatchway.connectors.inventory.sql_settings import SqlInventorySettings

__all__ = ["HttpInventorySettings", "InventorySettings", "SqlInventorySettings"]

InventorySettings = Annotated[
    SqlInventorySettings | HttpInventorySettings, Field(discriminator="kind")
]
"""The ``[inventory]`` section: SQL or HTTP settings, chosen by ``kind``."""
