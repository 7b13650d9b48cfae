"""The HTTP/JSON inventory adapter, for stock systems reached through a small bridge service.

Contract (full text with examples in ``docs/connectors-http.md``); paths are relative to
``base_url``, path segments are percent-encoded, every request carries the configured auth
header, bodies are the JSON form of :mod:`hatchway.connectors.inventory.models`:

====================================  ========================================================
``GET stock/{sku}``                   200 ``StockLevel``; 404: no stock record for the SKU
``GET products/{sku}``                200 ``Product``; 404: no such product
``GET products?name=<text>&limit=n``  200 ``[Product]`` whose name contains the text, by name
====================================  ========================================================

Errors as for the CRM adapter (:mod:`hatchway.connectors.crm.http`).
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from hatchway.connectors._jsonhttp import HttpSettingsBase, JsonHttpClient
from hatchway.connectors._values import validate_record
from hatchway.connectors.crm.http import json_list
from hatchway.connectors.inventory.models import Product, StockLevel
from hatchway.errors import ProtocolError

__all__ = ["HttpInventory", "HttpInventorySettings"]

CONNECTOR = "inventory"
RecordT = TypeVar("RecordT", bound=BaseModel)


class HttpInventorySettings(HttpSettingsBase):
    """``[inventory]`` with ``kind = "http"``: a stock bridge speaking the JSON contract."""

    kind: Literal["http"] = "http"


class HttpInventory:
    """An :class:`~hatchway.connectors.inventory.protocol.Inventory` over the JSON contract."""

    def __init__(
        self, settings: HttpInventorySettings, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._http = JsonHttpClient(CONNECTOR, settings, transport)

    def stock_by_sku(self, sku: str) -> StockLevel | None:
        """``GET stock/{sku}``."""
        return self._one(StockLevel, "stock", sku)

    def product_by_sku(self, sku: str) -> Product | None:
        """``GET products/{sku}``."""
        return self._one(Product, "products", sku)

    def find_products(self, name: str, *, limit: int = 5) -> list[Product]:
        """``GET products?name=&limit=``."""
        if not name.strip():
            return []
        payload = self._http.get("products", {"name": name.strip(), "limit": limit})
        found = json_list(CONNECTOR, payload, "products")
        return [validate_record(CONNECTOR, Product, item) for item in found[:limit]]

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def _one(self, model: type[RecordT], collection: str, sku: str) -> RecordT | None:
        if not sku.strip():
            return None  # "products/" would name the collection, not an item
        path = f"{collection}/{quote(sku.strip(), safe='')}"
        payload: Any = self._http.get(path)
        if payload is None:
            return None
        if not isinstance(payload, dict):
            raise ProtocolError(CONNECTOR, f"{path}: expected a JSON object")
        return validate_record(CONNECTOR, model, payload)
