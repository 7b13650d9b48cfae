"""The public surface of hatchway.connectors.smtp is deliberate: this pins it."""

from __future__ import annotations

import hatchway.connectors.smtp as smtp
from hatchway.connectors.smtp import InMemoryMailSender, MailSender, SmtplibMailSender


def test_all_is_pinned() -> None:
    assert sorted(smtp.__all__) == [
        "InMemoryMailSender",
        "MailSender",
        "RefusedRecipient",
        "SendOutcomeUnknown",
        "SendReceipt",
        "SendRejected",
        "SentMessage",
        "SmtpAuthError",
        "SmtpReply",
        "SmtpSecurity",
        "SmtpSettings",
        "SmtpTransientError",
        "SmtplibMailSender",
        "tls_context",
    ]
    assert all(hasattr(smtp, name) for name in smtp.__all__)


def test_both_senders_satisfy_the_protocol() -> None:
    settings = smtp.SmtpSettings(host="localhost", from_address="a@b.test")

    assert isinstance(InMemoryMailSender(), MailSender)
    assert isinstance(SmtplibMailSender(settings), MailSender)
