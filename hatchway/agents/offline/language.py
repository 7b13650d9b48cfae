"""A tiny stopword-count language guesser for the languages the shop's customers write in."""

from __future__ import annotations

import re

__all__ = ["SUPPORTED_LANGUAGES", "guess_language"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the and is my i you to of it for with was have not this please order your we can"
    ),
    "de": _words(
        "der die das und ist ich nicht mit sie ein eine meine mein bitte bestellung "
        "für auf ihr wir zu den dem noch"
    ),
    "fr": _words(
        "le la les et est je ne pas un une mon ma mes vous pour avec commande "
        "merci de des du au sur"
    ),
    "es": _words(
        "el la los las y es yo no un una mi mis por para con pedido gracias usted que del se lo"
    ),
    "nl": _words(
        "de het een en is ik niet mijn u voor met bestelling graag van dat op nog wel jullie"
    ),
    "it": _words("il lo la gli le e è io non un una mio mia per con ordine grazie che di del sono"),
}
SUPPORTED_LANGUAGES = tuple(_STOPWORDS)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def guess_language(text: str, default: str = "en") -> str:
    """The ISO 639-1 code whose stopwords occur most in ``text``; ``default`` when none do.

    Ties go to the language listed first (English). Quoted replies skew the count, so callers
    should pass the new text only when they have it.
    """
    words = [w.lower() for w in _WORD.findall(text)]
    scores = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] > 0 else default
