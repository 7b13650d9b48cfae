"""``compile_keywords`` with one lookbehind in front finds what one per alternative finds.

The reference is the plain alternation of ``_keyword_regex`` parts (each opening with its own
``(?<!\\w)`` or ``\\w*``). Both must give the same matches, span for span, over the demo
mailbox, the sentiment tests' texts, each built-in word in awkward company and random text
for random keyword lists (some of which must keep the plain form).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable

import pytest

from hatchway.policies import sentiment
from hatchway.policies.sentiment import _keyword_regex, _word_list, compile_keywords
from tests.fixtures.demo_texts import demo_mail_texts

BUILT_IN = {
    "anger": _word_list(sentiment._ANGER_WORDS),
    "threat": _word_list(sentiment._THREAT_WORDS),
}
TEXTS = [
    "This is absolutely ridiculous, your service is useless.",
    "Das ist eine Frechheit und Abzocke, ich bin wirklich wütend.",
    "C'est inadmissible et scandaleux, j'en ai ras le bol !!!",
    "Es inaceptable, una vergüenza. Estoy harta.",
    "Ich werde meinen Rechtsanwalt einschalten. Die Fachanwältin auch.",
    "Small claims court. Yes, the small claims Court.",
    "we will take LEGAL\n  ACTION",
    "nonrefundable illegal actions _lawyer 2lawyer lawyer_ lawyers",
    "ſcam ſcammers rıdıculous \u212aLAGE",
    "Anwalt\u0345anwalt \u0345anwalt xanwaltanwalt",
    "fed up fed  up fed\nup fedup sick of it",
]
# Characters that sit at word edges or match letters ignoring case in odd ways.
GLUE = [" ", "", "\n", "-", "_", "1", "ä", "x", ".", "\u0345", "\u212a", "ſ", "ı", "'", "  "]


def _plain(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(_keyword_regex(word) for word in words), re.IGNORECASE)


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in pattern.finditer(text)]


def _built_in_in_company(words: list[str]) -> list[str]:
    rng = random.Random(7)
    texts = []
    for word in words:
        core = word.strip("*").replace("[oa]", rng.choice("oa"))
        for before in GLUE:
            after = rng.choice(GLUE)
            texts.append(f"{before}{core}{after}{core.upper()}{rng.choice(GLUE)}{core}")
            texts.append(f"Rechts{core}{after} {before}{core.title()}s")
    return texts


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_built_in_lists_take_the_one_lookbehind_form(name: str) -> None:
    assert compile_keywords(BUILT_IN[name]).pattern.startswith(r"(?<!\w)(?:")


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_built_in_lists_find_the_same(name: str) -> None:
    words = BUILT_IN[name]
    fast, plain = compile_keywords(words), _plain(words)
    texts = demo_mail_texts() + TEXTS + _built_in_in_company(words)
    found = 0
    for text in texts:
        assert _spans(fast, text) == _spans(plain, text), text
        found += len(_spans(plain, text))
    assert found > 100  # the texts do exercise the words


def test_random_keyword_lists_find_the_same() -> None:
    rng = random.Random(11)
    pool = [
        *BUILT_IN["anger"],
        *BUILT_IN["threat"],
        "refund*",
        "*refund",
        "*ärger",
        "*-fee",
        "*_x",
        "*1st",
        "€5",
        "late-fee",
        "x",
        "*x*",
        "a",
        "*\u03b9x",
    ]
    plain_form = 0
    for _ in range(400):
        words = [*rng.sample(pool, rng.randint(1, 4)), *rng.sample(pool[-8:], 2)]
        fast, plain = compile_keywords(words), _plain(words)
        plain_form += fast.pattern == plain.pattern
        pieces = [*(w.strip("*").replace("[oa]", "o") for w in words), *GLUE, "foo", "Rechts"]
        for _ in range(30):
            text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
            assert _spans(fast, text) == _spans(plain, text), (words, text)
    assert 0 < plain_form < 400  # both forms were checked


@pytest.mark.parametrize(
    ("words", "text"), [(["x", "*-fee"], "x-fee"), (["a", "*\u03b9x"], "a\u0345x")]
)
def test_a_leading_star_before_other_text_keeps_the_plain_form(words: list[str], text: str) -> None:
    # The second match starts right after a word character: a lookbehind in front would
    # lose it. ("\u0345" is no word character but matches Greek iota ignoring case.)
    fast, plain = compile_keywords(words), _plain(words)

    assert fast.pattern == plain.pattern
    assert len(_spans(fast, text)) == 2
