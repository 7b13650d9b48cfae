"""Catalogue products an email names without a SKU, by a cheap deterministic match.

For classifiers that do not extract product names (the offline one): the email's likely
name words (capitalised mid-sentence, or mixing digits and letters like ``65L``) are each
searched with :meth:`Inventory.find_products`, a bounded number of queries. A product
counts as named when the word is a whole word of its name and either the search found only
that product, or the product shares at least two words with the email and more than every
other match (so "Ridgewalker boots in 42" picks the EU 42 boot, "a Tent" or "a Pack" none).

:class:`ProductNameSearch` remembers each word's search for a minute: greetings, sign-offs
and product names recur from email to email, and which products a word names changes only
when the catalogue does. Stock and prices are not taken from it: the lookup reads them by
SKU for every email.
"""

from __future__ import annotations

import re
import threading

from cachetools import TTLCache

from hatchway.connectors.inventory.models import Product
from hatchway.connectors.inventory.protocol import Inventory

__all__ = ["ProductNameSearch", "products_named_in"]

SEARCH_LIMIT = 10

_WORD = re.compile(r"[^\W_]+")
_SENTENCE_END = re.compile(r"[.!?¡¿:;\"'(\n]\s*$")


class ProductNameSearch:
    """``Inventory.find_products`` for one word, each answer kept for ``ttl_seconds``."""

    def __init__(
        self, inventory: Inventory, *, ttl_seconds: float = 60.0, max_words: int = 4096
    ) -> None:
        self.inventory = inventory
        self._found: TTLCache[str, tuple[Product, ...]] = TTLCache(max_words, ttl_seconds)
        self._lock = threading.Lock()  # job threads share one search

    def __call__(self, word: str) -> list[Product]:
        """Products whose name contains ``word`` (at most ten), as the inventory said lately."""
        with self._lock:
            found = self._found.get(word)
        if found is None:
            found = tuple(self.inventory.find_products(word, limit=SEARCH_LIMIT))
            with self._lock:
                self._found[word] = found
        return list(found)


def products_named_in(
    inventory: Inventory | ProductNameSearch,
    text: str,
    *,
    limit: int = 3,
    max_queries: int = 8,
) -> list[Product]:
    """At most ``limit`` products ``text`` names (none when no inventory search matches)."""
    search = inventory if isinstance(inventory, ProductNameSearch) else ProductNameSearch(inventory)
    words = {word.casefold() for word in _WORD.findall(text)}
    named: dict[str, Product] = {}
    for candidate in _candidates(text)[:max_queries]:
        found = search(candidate)
        whole = [product for product in found if candidate in _name_words(product)]
        chosen = whole[0] if len(found) == 1 and whole else _best(whole, words)
        if chosen is not None:
            named.setdefault(chosen.sku, chosen)
        if len(named) >= limit:
            break
    return list(named.values())


def _candidates(text: str) -> list[str]:
    """Name-like words: mid-sentence capitals first, then digit-letter mixes, then the rest."""
    ranked: dict[str, tuple[int, int]] = {}
    for match in _WORD.finditer(text):
        word = match.group()
        has_digit, has_alpha = any(c.isdigit() for c in word), any(c.isalpha() for c in word)
        if has_digit and has_alpha:
            rank = 1
        elif word[0].isupper() and len(word) >= 4 and not has_digit:
            at_start = match.start() == 0 or _SENTENCE_END.search(text[: match.start()])
            rank = 2 if at_start else 0
        else:
            continue
        ranked.setdefault(word.casefold(), (rank, match.start()))
    return sorted(ranked, key=ranked.__getitem__)


def _name_words(product: Product) -> set[str]:
    return {word.casefold() for word in _WORD.findall(product.name)}


def _best(matches: list[Product], words: set[str]) -> Product | None:
    """The match sharing at least two words with the email, and more than any other."""
    scored = sorted(((len(_name_words(p) & words), p.sku, p) for p in matches), reverse=True)
    if not scored or scored[0][0] < 2:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None
    return scored[0][2]
