"""Regex extraction of the references a support email carries: orders, SKUs, money, parcels."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from hatchway.agents.outputs import Entities, Money
from hatchway.per_email import remembered_per_email

__all__ = ["amounts_in", "extract_entities", "parse_amount"]

_ORDER = re.compile(r"\bNW-?(\d{6})\b", re.I)
_SKU = re.compile(r"\bNW-(?!\d+\b)[A-Z0-9]+(?:-[A-Z0-9]+)+\b")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_NUMBER = r"\d{1,3}(?:[.,\s]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_CURRENCY = {"€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "£": "GBP", "gbp": "GBP"}
_CUR = r"€|£|\bEUR\b|\bGBP\b|\beuros?\b"
_MONEY = re.compile(rf"(?P<c1>{_CUR})\s?(?P<n1>{_NUMBER})|(?P<n2>{_NUMBER})\s?(?P<c2>{_CUR})", re.I)
# Carrier formats seen in the shop: UPS, PostNL, Colissimo, Correos, DHL (20 digits), DPD (14).
_TRACKING = re.compile(
    r"\b(1Z[0-9A-Z]{16}|3S[A-Z0-9]{11,13}|\d[A-Z]\d{11}|P[A-Z0-9]{19,21}|\d{20}|\d{14})\b"
)
# Bare 11-13 digit numbers (GLS and others) count only after a parcel word.
_CONTEXT_TRACKING = re.compile(
    r"(?:tracking|track|parcel|sendung|paket|colis|suivi|env[ií]o|seguimiento|pakket|zending)"
    r"[^\n\d]{0,30}(\d{11,13})\b",
    re.I,
)
# What every match of a pattern above contains. Most texts (a fact's value, a sentence of a
# draft) have none of it, and these scans cost a fraction of the full ones.
_CURRENCY_TEXT = re.compile(r"€|£|eur|gbp", re.I)  # in each alternative of _CUR
_LONG_CODE = re.compile(r"[\dA-Z]{11}")  # in each alternative of both tracking patterns
_ELEVEN_DIGITS = re.compile(r"\d{11}")  # in _CONTEXT_TRACKING's group


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def parse_amount(number: str) -> Decimal | None:
    """Read ``1.078,00`` / ``1,078.00`` / ``12,50`` / ``649`` as a Decimal; None if unreadable."""
    number = re.sub(r"\s", "", number)
    last_sep = max(number.rfind("."), number.rfind(","))
    if last_sep >= 0 and len(number) - last_sep - 1 in (1, 2):
        whole, frac = number[:last_sep], number[last_sep + 1 :]
    else:
        whole, frac = number, ""
    whole = re.sub(r"[.,]", "", whole)
    try:
        return Decimal(f"{whole}.{frac}" if frac else whole).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _amounts(text: str) -> list[Money]:
    found: list[Money] = []
    if not _CURRENCY_TEXT.search(text):
        return found
    for match in _MONEY.finditer(text):
        currency = _CURRENCY[(match.group("c1") or match.group("c2")).lower()]
        amount = parse_amount(match.group("n1") or match.group("n2"))
        if amount is not None and Money(amount=amount, currency=currency) not in found:
            found.append(Money(amount=amount, currency=currency))
    return found


@remembered_per_email
def amounts_in(text: str) -> tuple[Money, ...]:
    """The amounts of money ``text`` states, in order (as ``extract_entities`` finds them).

    Remembered for the email (``hatchway.per_email``): the claim check reads every
    looked-up fact's value once per amount it checks."""
    return tuple(_amounts(text))


def extract_entities(text: str) -> Entities:
    """Every order id, SKU, amount, tracking number and email address in ``text``, in order."""
    order_ids, skus, tracking, emails = _references_in(text)
    return Entities(
        order_ids=list(order_ids),
        skus=list(skus),
        amounts=list(amounts_in(text)),
        tracking_numbers=list(tracking),
        emails=list(emails),
    )


@remembered_per_email
def _references_in(text: str) -> tuple[tuple[str, ...], ...]:
    # Remembered for the email (a new Entities each call: it is mutable): one email's text
    # and its draft are each read several times (classify, rules, each claim check).
    tracking = []
    if _LONG_CODE.search(text):
        tracking = [m.group(1) for m in _TRACKING.finditer(text)]
        if _ELEVEN_DIGITS.search(text):
            tracking += [m.group(1) for m in _CONTEXT_TRACKING.finditer(text)]
    return (
        _unique(f"NW-{m.group(1)}" for m in _ORDER.finditer(text)),
        _unique(m.group(0).upper() for m in _SKU.finditer(text)) if "NW-" in text else (),
        _unique(tracking),
        _unique(m.group(0) for m in _EMAIL.finditer(text)) if "@" in text else (),
    )
