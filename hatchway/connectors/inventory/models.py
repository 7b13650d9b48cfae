"""The records an inventory connector returns: catalogue products and stock levels.

Their JSON form (``model_dump(mode="json")``) is the wire format of the HTTP contract:
prices are decimal strings (``"249.00"``), days are ``YYYY-MM-DD``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hatchway.connectors._values import Day

__all__ = ["Product", "StockLevel"]

_RECORD = ConfigDict(frozen=True, extra="ignore", coerce_numbers_to_str=True)


class Product(BaseModel):
    """One catalogue product."""

    model_config = _RECORD

    sku: str = Field(min_length=1)
    name: str
    category: str | None = None
    price: Decimal | None = None
    currency: str | None = None
    active: bool = Field(default=True, description="False: discontinued, no longer sold")


class StockLevel(BaseModel):
    """How many units of a SKU there are, and when more are expected.

    ``available`` is what can be sold now: ``on_hand - reserved`` unless the source says
    otherwise. ``restock_date`` is None when no delivery is expected or it is unknown.
    """

    model_config = _RECORD

    sku: str = Field(min_length=1)
    on_hand: int
    reserved: int = 0
    available: int
    restock_date: Day | None = None

    @model_validator(mode="before")
    @classmethod
    def _derive_available(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("available") is None:
            on_hand, reserved = data.get("on_hand"), data.get("reserved") or 0
            if isinstance(on_hand, int) and isinstance(reserved, int):
                return {**data, "available": max(on_hand - reserved, 0)}
        return data
