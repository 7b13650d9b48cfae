"""Value types shared by the CRM and inventory records: calendar days and money amounts.

Shop databases store dates as DATE, TIMESTAMP or ISO text, and money as cents or units; these
types accept each form and always hold one: a ``date`` and a ``Decimal`` with two places.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ValidationError

from hatchway.errors import ProtocolError

__all__ = [
    "Day",
    "MoneyUnit",
    "amount_from_storage",
    "format_money",
    "validate_record",
]

RecordT = TypeVar("RecordT", bound=BaseModel)

MoneyUnit = Literal["cents", "units"]
"""How a database stores money: integer ``cents`` (36800) or decimal ``units`` (368.00)."""

_CENT = Decimal("0.01")


def _to_day(value: object) -> object:
    """A datetime or a timestamp text becomes its calendar day; anything else passes on."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str) and len(value) > 10 and value[10] in " T":
        return value[:10]
    return value


Day = Annotated[date, BeforeValidator(_to_day)]
"""A calendar day read from DATE, TIMESTAMP or ISO text (``2026-09-02``, ``2026-09-02 10:00``)."""


def amount_from_storage(value: object, unit: MoneyUnit) -> Decimal | None:
    """A stored money value as a Decimal with two places (None stays None)."""
    if value is None:
        return None
    amount = Decimal(str(value))
    if unit == "cents":
        amount = amount / 100
    return amount.quantize(_CENT)


def format_money(amount: Decimal, currency: str) -> str:
    """Display form used in facts: ``368.00 EUR``."""
    return f"{amount.quantize(_CENT)} {currency}"


def validate_record(connector: str, model: type[RecordT], data: Mapping[str, Any]) -> RecordT:
    """Validate one record from a database row or a JSON object; misfits are ProtocolErrors."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "record"
        raise ProtocolError(
            connector, f"unusable {model.__name__} record: {where}: {first['msg']}"
        ) from exc
