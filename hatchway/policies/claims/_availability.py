"""Promises of availability ("in stock", "ships today", "verfügbar") against the stock facts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from hatchway.agents.offline.entities import extract_entities
from hatchway.policies.claims.facts import FactIndex
from hatchway.policies.claims.model import ClaimCheck, Location

__all__ = ["check_availability", "sentences"]

_PROMISE = re.compile(
    r"(?<!\w)(?:in\s+stock|available|ships?\s+(?:today|tomorrow|immediately|right\s+away)"
    r"|ready\s+to\s+ship|(?:can|will)\s+(?:be\s+)?(?:ship(?:ped)?|dispatch(?:ed)?)\s+"
    r"(?:today|tomorrow|immediately|right\s+away)"
    r"|auf\s+lager|verfügbar|lieferbar|vorrätig|versandbereit|heute\s+versendet"
    r"|en\s+stock|disponibles?|expédiée?s?\s+aujourd'hui|en\s+existencias?"
    r"|se\s+envía\s+hoy|op\s+voorraad|leverbaar|beschikbaar|vandaag\s+verzonden)(?!\w)",
    re.I,
)
_NEGATION = re.compile(
    r"(?<!\w)(?:not|no|n't|never|no\s+longer|out\s+of|zero|none|nicht|kein\w*|pas|plus|ne|n'"
    r"|sin|agotad\w+|niet|geen|nog\s+niet)(?!\w)|n't(?!\w)|\bn'",
    re.I,
)
# Words that promise stock whatever they are said of. A bare "available" (or verfügbar,
# disponible, beschikbaar) also describes invoices, people and refunds, so it only counts
# as a promise when the sentence names a product or only one product was looked up.
_GENERIC = re.compile(r"available|verfügbar|disponibles?|beschikbaar", re.I)
_QUANTITY = re.compile(r"(?<![\w.,-])(\d+)\s+(?:[^\W\d]+\s+)?$")
_BACK_IN_STOCK = re.compile(r"(?:back|wieder|à\s+nouveau|de\s+nuevo|weer)\s+$", re.I)


@dataclass(frozen=True)
class _Promise:
    text: str
    start: int
    end: int
    quantity: int | None


def sentences(text: str) -> Iterator[tuple[int, str]]:
    """``(offset, sentence)`` pairs: split at . ! ? before whitespace and at line breaks."""
    start = 0
    for boundary in re.finditer(r"(?<=[.!?])\s+|\n+", text):
        if boundary.start() > start:
            yield start, text[start : boundary.start()]
        start = boundary.end()
    if start < len(text):
        yield start, text[start:]


def check_availability(text: str, location: Location, index: FactIndex) -> Iterator[ClaimCheck]:
    """One check per product a sentence promises is available."""
    stock = index.availability()
    for offset, sentence in sentences(text):
        promise = _promise(sentence)
        if promise is None:
            continue
        skus = _products_named(sentence, index) or (list(stock) if len(stock) == 1 else [])
        for sku in skus:
            yield _verdict(promise, offset, sku, stock.get(sku), location)
        if not skus and not _GENERIC.fullmatch(promise.text):
            yield _unidentified(promise, offset, stock, location)


def _promise(sentence: str) -> _Promise | None:
    """The first positive availability phrase of a sentence (negated ones do not count)."""
    for match in _PROMISE.finditer(sentence):
        before = sentence[max(0, match.start() - 30) : match.start()]
        clause = re.split(r"[,;:]", before)[-1]
        if _NEGATION.search(clause) or _BACK_IN_STOCK.search(clause):
            continue
        quantity = _QUANTITY.search(clause)
        amount = int(quantity.group(1)) if quantity else None
        if amount == 0:
            continue
        return _Promise(match.group(0), match.start(), match.end(), amount)
    return None


def _products_named(sentence: str, index: FactIndex) -> list[str]:
    named = list(extract_entities(sentence).skus)
    for sku in index.ids("product"):
        name = index.record("product", sku).get("name")
        if isinstance(name, str) and name and name.lower() in sentence.lower():
            named.append(sku)
    return list(dict.fromkeys(named))


def _verdict(
    promise: _Promise, offset: int, sku: str, units: Decimal | None, location: Location
) -> ClaimCheck:
    if units is None:
        ok, expected = False, None
        why = f"no stock fact was looked up for {sku}, so the promise is not backed"
    elif units <= 0:
        ok, expected = False, f"{sku}: {units} available"
        why = f"{sku} is out of stock (the facts say {units} available)"
    elif promise.quantity is not None and promise.quantity > units:
        ok, expected = False, f"{sku}: {units} available"
        why = f"the draft promises {promise.quantity} but the facts say {units} available"
    else:
        ok, expected, why = True, None, f"the facts say {units} of {sku} available"
    verdict = "matches the stock facts" if ok else "is not backed by the stock facts"
    return ClaimCheck(
        check="availability",
        claim=f'"{promise.text}" ({sku})',
        ok=ok,
        explanation=f'The promise "{promise.text}" for {sku} {verdict}: {why}.',
        expected=expected,
        fact_key=f"product.{sku}.available",
        location=location,
        start=offset + promise.start,
        end=offset + promise.end,
    )


def _unidentified(
    promise: _Promise, offset: int, stock: dict[str, Decimal | None], location: Location
) -> ClaimCheck:
    """A stock promise that names no looked-up product: backed only if every one is in stock."""
    short = {sku: units for sku, units in stock.items() if units is None or units <= 0}
    if not stock:
        ok, expected = False, None
        why = "no product was looked up for this email, so nothing backs it"
    elif short:
        ok = False
        expected = ", ".join(f"{sku}: {units if units is not None else 'unknown'} available"
                             for sku, units in short.items())  # fmt: skip
        why = f"it names no product, and the facts say {expected}"
    else:
        ok, expected = True, None
        why = f"it names no product, and every product looked up is available ({', '.join(stock)})"
    verdict = "matches the stock facts" if ok else "is not backed by the stock facts"
    return ClaimCheck(
        check="availability",
        claim=f'"{promise.text}"',
        ok=ok,
        explanation=f'The promise "{promise.text}" {verdict}: {why}.',
        expected=expected,
        fact_key=None,
        location=location,
        start=offset + promise.start,
        end=offset + promise.end,
    )
