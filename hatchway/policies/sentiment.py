"""A deterministic anger and threat flag for inbound mail, in en/de/fr/es/nl.

No model: shouting in capitals, runs of exclamation marks, anger words and threat words
(lawyers, courts, chargebacks) add up to a score; two points make the sender "angry". Every
signal is reported in words so a reviewer (and a rule explanation) can say why.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ANGRY_SCORE", "AngerSignal", "anger", "compile_keywords"]

ANGRY_SCORE = 2
"""Score at which :func:`anger` calls a text angry."""

# Comma-separated per language. A trailing * matches any word ending, a leading * any word
# start (German compounds: *anwalt finds Rechtsanwalt).
_ANGER_WORDS = {
    "en": "furious, outraged, disgusting, disgrace*, unacceptable, ridiculous, scam*, fraud*, "
    "worst, incompetent, useless, a joke, livid, fed up, sick of, third time, fourth time, "
    "never again, rip-off, shameful, appalling",
    "de": "unverschämt*, frechheit, betrug, betrüger*, abzocke*, inakzeptabel, wütend, sauer, "
    "katastrophe, lächerlich*, zum dritten mal",
    "fr": "inadmissible, scandal*, honteu*, arnaque*, escroc*, furieu*, inacceptable, "
    "ras le bol, lamentable",
    "es": "inaceptable, vergüenza, estafa*, timo, hart[oa], furios[oa], indignad[oa], "
    "indignante, una broma, lamentable, tercera vez",
    "nl": "schandalig, belachelijk, oplicht*, onacceptabel, boos, woedend, waardeloos, "
    "bespottelijk, ben het zat, derde keer",
}
_THREAT_WORDS = {
    "en": "lawyer*, solicitor*, attorney, court, courts, sue, suing, legal action, small claims, "
    "trading standards, ombudsman, chargeback*, letter before action",
    "de": "*anwalt, *anwältin, klage, verklagen, gericht, gerichtlich*, verbraucherzentrale, "
    "rechtliche schritte, mahnverfahren",
    "fr": "avocat*, tribunal, tribunaux, poursuites, mise en demeure, porter plainte, "
    "action en justice",
    "es": "abogad[oa]*, denuncia*, demandar*, tribunales, juzgado, acciones legales, "
    "hoja de reclamaciones",
    "nl": "advoca*, rechter, rechtbank, aangifte, juridische stappen, geschillencommissie",
}
_SHOUT_WORD = re.compile(r"\b[^\W\d_]{4,}\b")  # 4+ letters: acronyms (DHL, EUR) are no shouting
_EXCLAIM_RUN = re.compile(r"[!?]*![!?]*!+[!?]*|\?{3,}")


def compile_keywords(words: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of ``words`` as whole words or phrases.

    Spaces in a phrase match any run of whitespace; a trailing ``*`` matches any word ending
    (``refund*``: refunds, refunded), a leading ``*`` any word start (``*anwalt``:
    Rechtsanwalt). The rest of each word is literal text, except ``[..]`` character classes
    kept in the built-in lists. Raises ``ValueError`` for an empty word.
    """
    words = list(words)
    parts = [_keyword_regex(word) for word in words]
    if not parts:
        raise ValueError("no keywords given")
    if all(_starts_at_a_word_start(word) for word in words):
        # Then no match can start right after a word character, so one lookbehind in front
        # of the alternation does the work of one per alternative: same matches, and the
        # regex engine stops at once inside a word instead of trying every alternative
        # (about nine times faster on an email; test_keyword_lookbehind.py holds it equal).
        parts = [part.removeprefix(_NO_WORD_BEFORE) for part in parts]
        return re.compile(f"{_NO_WORD_BEFORE}(?:{'|'.join(parts)})", re.IGNORECASE)
    return re.compile("|".join(parts), re.IGNORECASE)


_NO_WORD_BEFORE = r"(?<!\w)"
_ASCII_WORD_CHARS = frozenset(string.ascii_letters + string.digits)


def _keyword_regex(word: str) -> str:
    core = word.strip().strip("*").strip()
    if not core:
        raise ValueError(f"empty keyword {word!r}")
    body = r"\s+".join(_literal(piece) for piece in core.split())
    start = r"\w*" if word.strip().startswith("*") else _NO_WORD_BEFORE
    end = r"\w*" if word.strip().endswith("*") else r"(?!\w)"
    return f"{start}(?:{body}){end}"


def _starts_at_a_word_start(word: str) -> bool:
    """Whether the whole pattern still finds the same with ``(?<!\\w)`` in front of ``word``.

    Words without a leading ``*`` have it already. For ``*text`` it holds when ``text``
    starts with an ASCII letter or digit: a match then starts on a word character (also
    ignoring case), and one starting inside a word would also match from that word's first
    character, which the scan reaches first: no match ends inside a word, as each one ends
    before a non-word character.
    """
    stripped = word.strip()
    return not stripped.startswith("*") or stripped.strip("*").strip()[:1] in _ASCII_WORD_CHARS


def _literal(piece: str) -> str:
    # Keep [ab] classes from the built-in lists; everything else is literal text.
    return "".join(
        part if part.startswith("[") else re.escape(part)
        for part in re.split(r"(\[[^\]]+\])", piece)
        if part
    )


def _word_list(by_language: dict[str, str]) -> list[str]:
    return [word.strip() for words in by_language.values() for word in words.split(",")]


_ANGER = compile_keywords(_word_list(_ANGER_WORDS))
_THREAT = compile_keywords(_word_list(_THREAT_WORDS))


@dataclass(frozen=True)
class AngerSignal:
    """What :func:`anger` found: the flags, the score and each signal in words."""

    angry: bool
    threat: bool
    score: int
    reasons: tuple[str, ...]
    threat_words: tuple[str, ...]


def anger(text: str) -> AngerSignal:
    """Score ``text`` (subject and body) for anger; quoted lines (``>``) are ignored."""
    own = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))
    score, reasons = 0, list[str]()
    if _shouting(own):
        score, reasons = score + 2, [*reasons, "writes in capitals"]
    exclaims = _EXCLAIM_RUN.findall(own)
    if exclaims or own.count("!") >= 3:
        score, reasons = score + 1, [*reasons, "many exclamation marks"]
    angry_words = _found(_ANGER, own)
    if angry_words:
        score += len(angry_words)
        reasons.append("angry words: " + ", ".join(angry_words))
    threats = _found(_THREAT, own)
    if threats:
        score += 2
        reasons.append("threat words: " + ", ".join(threats))
    return AngerSignal(score >= ANGRY_SCORE, bool(threats), score, tuple(reasons), threats)


def _found(pattern: re.Pattern[str], text: str) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for match in pattern.finditer(text):
        word = " ".join(match.group(0).split())
        seen.setdefault(word.lower(), word)
    return tuple(seen.values())


def _shouting(text: str) -> bool:
    """Four or more long words in capitals, at least 30% of the long words."""
    words = _SHOUT_WORD.findall(text)
    caps = [word for word in words if word.isupper()]
    return len(caps) >= 4 and len(caps) >= 0.3 * len(words)
