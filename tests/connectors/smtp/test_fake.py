"""InMemoryMailSender's own scripting: failures for the next N sends, then normal again."""

from __future__ import annotations

import pytest

from hatchway.connectors.smtp import InMemoryMailSender, SmtpTransientError
from tests.connectors.smtp.test_contract import reply


def test_fail_next_fails_exactly_n_sends_then_delivers() -> None:
    fake = InMemoryMailSender()
    fake.fail_next(2, SmtpTransientError("connect: refused"))

    for _ in range(2):
        with pytest.raises(SmtpTransientError):
            fake.send(reply())
    fake.send(reply())

    assert len(fake.sent) == 1


def test_negative_count_is_refused() -> None:
    with pytest.raises(ValueError):
        InMemoryMailSender().fail_next(-1, SmtpTransientError("x"))


def test_records_the_wire_form() -> None:
    fake = InMemoryMailSender(mail_from="bounces@shop.test")
    message = reply()

    fake.send(message)

    [sent] = fake.sent
    assert sent.mail_from == "bounces@shop.test"
    assert sent.raw.startswith(b"From: ")
    assert sent.message["Message-ID"] == message["Message-ID"]
