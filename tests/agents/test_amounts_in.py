"""amounts_in: the amounts extract_entities finds, remembered per text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hatchway.agents.offline.entities import amounts_in, extract_entities
from tests.agents.offline_support import demo_mailbox

TEXTS = [
    "Refund of 649.00 EUR, then 12,50 € and 649.00 EUR again",
    "49.90 GBP",
    "no money here",
    "$1,234.56 and USD 20",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_same_amounts_as_extract_entities(text: str) -> None:
    assert list(amounts_in(text)) == extract_entities(text).amounts


def test_on_the_demo_mailbox() -> None:
    for mail in demo_mailbox():
        text = f"{mail.request.subject}\n{mail.request.text}"
        assert list(amounts_in(text)) == extract_entities(text).amounts, mail.file


def test_a_remembered_answer_cannot_be_changed_by_its_caller() -> None:
    first = amounts_in(TEXTS[0])
    assert isinstance(first, tuple) and first[0].amount == Decimal("649.00")
    with pytest.raises(Exception):  # noqa: B017 - frozen pydantic model: ValidationError
        first[0].amount = Decimal("1")  # type: ignore[misc]
    assert amounts_in(TEXTS[0]) == first
