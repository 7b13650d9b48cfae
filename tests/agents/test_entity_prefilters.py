"""extract_entities' shortcuts find what running every pattern on every text finds.

The shortcuts: a pattern's scan is skipped when the text lacks what every match contains,
and answers are remembered per text. The reference below runs every pattern on every text,
as extract_entities did before. Both must agree over the demo mailbox (whole texts and line
by line), the demo shop's facts, the entity tests' texts and texts made to sit on the
checks' edges.
"""

from __future__ import annotations

import pytest

from hatchway.agents.offline import entities
from hatchway.agents.offline.entities import extract_entities
from hatchway.agents.outputs import Entities, Money
from hatchway.per_email import one_email
from tests.agents.offline_support import demo_mailbox
from tests.fixtures.demo_texts import demo_shop_values

EDGE_CASES = [
    "",
    "order NW-100231, and nw100232",
    "the NW-TENT-2P and NW-BOOT-RW-44",
    "UPS 1ZFE80341151139819",
    "DHL 00340434279438023178",
    "Your DPD parcel 09445609178896",
    "PostNL 3SNWOU2016021",
    "GLS tracking: 51205516778",
    "call me on 07700900123",
    "write to a.b+c@mail.example.",
    "I paid € 1.078,00 yesterday, refund 649 EUR please, total 393.90 EUROS",
    "kostet 12,50€ und 1,99 EUR; EUR 1,078.00; about 5000 euros; 49.90 GBP; £12",
    "size 44, 2 pairs",
    "only £ 7,50 here",
    "only 8€",
    "49.90 GBP only",
    "$1,234.56 and USD 20",
    # Arabic-Indic digits are \d too: parcel numbers in them must still be found.
    "Paket Nr. ١٢٣٤٥٦٧٨٩٠١ und ١٢٣٤٥٦٧٨٩٠١٢٣٤ und ٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩",
    "tracking ０１２３４５６７８９０１２ fullwidth digits, ＥＵＲ 12",
    "1ZFE8034115113981 3SNWOU201602 PABCDEFGHIJKLMNOPQRS P0123456789012345678901",
    "1A12345678901 parcel 1234567890 eur12 12eur Eur 12 12 gBp",
    "nw-123456 NW 123456 Nw123456 NW-ABC NW-ABC-1 x@y x@y.z",
]


def _reference(text: str) -> Entities:
    tracking = [m.group(1) for m in entities._TRACKING.finditer(text)]
    tracking += [m.group(1) for m in entities._CONTEXT_TRACKING.finditer(text)]
    return Entities(
        order_ids=list(dict.fromkeys(f"NW-{m.group(1)}" for m in entities._ORDER.finditer(text))),
        skus=list(dict.fromkeys(m.group(0).upper() for m in entities._SKU.finditer(text))),
        amounts=_reference_amounts(text),
        tracking_numbers=list(dict.fromkeys(tracking)),
        emails=list(dict.fromkeys(m.group(0) for m in entities._EMAIL.finditer(text))),
    )


def _reference_amounts(text: str) -> list[Money]:
    found: list[Money] = []
    for match in entities._MONEY.finditer(text):
        currency = entities._CURRENCY[(match.group("c1") or match.group("c2")).lower()]
        amount = entities.parse_amount(match.group("n1") or match.group("n2"))
        if amount is not None and Money(amount=amount, currency=currency) not in found:
            found.append(Money(amount=amount, currency=currency))
    return found


def _texts() -> list[str]:
    texts = []
    for mail in demo_mailbox():
        whole = f"{mail.request.subject}\n{mail.request.text}"
        texts += [whole, *whole.splitlines()]
    return texts + demo_shop_values() + EDGE_CASES


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _texts()


def test_the_same_entities_as_scanning_everything(texts: list[str]) -> None:
    found = Entities()
    with one_email():
        for text in texts + texts:  # the second round is answered from what was remembered
            fast = extract_entities(text)
            assert fast == _reference(text), text
            for field in ("order_ids", "skus", "amounts", "tracking_numbers", "emails"):
                getattr(found, field).extend(getattr(fast, field))
    # The texts do exercise every kind of entity.
    assert all(
        len(getattr(found, field)) > 3
        for field in type(found).model_fields
        if field != "product_names"
    )


def test_the_same_amounts_as_scanning_everything(texts: list[str]) -> None:
    for text in texts:
        assert entities._amounts(text) == _reference_amounts(text), text


def test_a_remembered_answer_is_a_fresh_entities() -> None:
    text = "order NW-100231 (NW-TENT-2P), 12 EUR, parcel 09445609178896, a@b.example"
    with one_email():
        first = extract_entities(text)
        for field in ("order_ids", "skus", "amounts", "tracking_numbers", "emails"):
            getattr(first, field).clear()
        again = extract_entities(text)
    assert again == _reference(text)
    assert all(getattr(again, f) for f in ("order_ids", "skus", "amounts", "tracking_numbers"))
