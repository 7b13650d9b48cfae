"""One contract for every MailSender: the in-memory fake, and smtplib against aiosmtpd."""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage

import pytest

from hatchway.connectors.smtp import (
    InMemoryMailSender,
    MailSender,
    SendRejected,
    SmtpAuthError,
    SmtplibMailSender,
    SmtpSettings,
    SmtpTransientError,
)
from hatchway.errors import AuthError, TransientError, is_transient
from hatchway.mail.compose import compose_reply
from hatchway.mail.ids import make_message_id
from tests.fixtures.smtp_server import SmtpTestServer

ENVELOPE_FROM = "support@shop.test"
CUSTOMER = "Jörg Šimůnek <jorg@customer.test>"
SUBJECT = "Größe 42 — Umtausch möglich?"
# A line starting with "." checks dot-stuffing; non-ASCII checks the UTF-8 round trip.
BODY = "Hallo Jörg,\n\ngerne tauschen wir die Schuhe um.\n.\n..\nGrüße, Ihr Shop 👟\n"

Delivered = tuple[tuple[str, ...], EmailMessage]


@dataclass(frozen=True)
class Target:
    """A sender under test, plus ways to provoke failures and to see what arrived."""

    sender: MailSender
    delivered: Callable[[], list[Delivered]]
    with_bad_password: Callable[[], MailSender]
    with_server_down: Callable[[], MailSender]


def fake_target() -> Target:
    """The fake, scripted to refuse the same recipients as the capture server."""
    fake = InMemoryMailSender(mail_from=ENVELOPE_FROM)
    fake.refuse_recipients(lambda a: a.startswith("tempfail+"), 451, "4.3.0 Try later")
    fake.refuse_recipients(lambda a: a.startswith("reject+"), 550, "5.1.1 No such user")

    def failing(error: Exception) -> MailSender:
        assert isinstance(error, SmtpTransientError | SmtpAuthError)
        fake.fail_next(1, error)
        return fake

    return Target(
        sender=fake,
        delivered=lambda: [(sent.rcpt_tos, sent.message) for sent in fake.sent],
        with_bad_password=lambda: failing(SmtpAuthError("AUTH: credentials refused", 535)),
        with_server_down=lambda: failing(SmtpTransientError("connect: connection refused")),
    )


def closed_port() -> int:
    """A local port that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def smtp_settings(server: SmtpTestServer, **overrides: object) -> SmtpSettings:
    """Settings for the plain listener of the capture server, with ``overrides``."""
    values: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "security": "none",
        "from_address": ENVELOPE_FROM,
        "local_hostname": "hatchway.test",
        "timeout_seconds": 5,
    }
    return SmtpSettings.model_validate(values | overrides)


def smtplib_target(server: SmtpTestServer) -> Target:
    """The real adapter against the aiosmtpd process."""
    bad_login = {"username": server.username, "password": "wrong", "allow_plaintext_auth": True}
    return Target(
        sender=SmtplibMailSender(smtp_settings(server)),
        delivered=lambda: [(c.rcpt_tos, c.message) for c in server.messages()],
        with_bad_password=lambda: SmtplibMailSender(
            smtp_settings(server, port=server.port_for("auth"), **bad_login)
        ),
        with_server_down=lambda: SmtplibMailSender(smtp_settings(server, port=closed_port())),
    )


@pytest.fixture(params=["fake", pytest.param("smtplib", marks=pytest.mark.smtp)])
def target(request: pytest.FixtureRequest) -> Target:
    """Every MailSender implementation, in turn."""
    if request.param == "fake":
        return fake_target()
    return smtplib_target(request.getfixturevalue("smtp_inbox"))


def reply(to: Sequence[str] = (CUSTOMER,), message_id: str | None = None) -> EmailMessage:
    """A typical reply to the second message of a thread."""
    return compose_reply(
        from_="Größenberatung Shop <support@shop.test>",
        to=to,
        subject=SUBJECT,
        body=BODY,
        message_id=message_id or make_message_id("shop.test"),
        in_reply_to="<inbound-2@customer.test>",
        references=["<inbound-1@customer.test>"],
    )


def test_reply_arrives_with_threading_headers_and_utf8_intact(target: Target) -> None:
    message_id = make_message_id("shop.test")
    receipt = target.sender.send(reply(message_id=message_id))

    assert receipt.message_id == message_id
    assert receipt.accepted == ("jorg@customer.test",)
    assert receipt.refused == ()
    assert receipt.reply.code == 250
    [(rcpt_tos, got)] = target.delivered()
    assert rcpt_tos == ("jorg@customer.test",)
    assert got["Message-ID"] == message_id
    assert got["In-Reply-To"] == "<inbound-2@customer.test>"
    assert got["References"] == "<inbound-1@customer.test> <inbound-2@customer.test>"
    assert got["Subject"] == f"Re: {SUBJECT}"
    assert got["To"].addresses[0].display_name == "Jörg Šimůnek"
    assert got.get_content_type() == "text/plain"
    # CRLF is the wire's line ending; the text itself must survive unchanged.
    assert got.get_content().replace("\r\n", "\n") == BODY


def test_temporary_refusal_is_transient_with_code(target: Target) -> None:
    with pytest.raises(TransientError) as caught:
        target.sender.send(reply(to=["tempfail+1@customer.test"]))

    assert isinstance(caught.value, SmtpTransientError)
    assert caught.value.code == 451
    assert is_transient(caught.value)
    assert target.delivered() == []


def test_permanent_refusal_is_send_rejected(target: Target) -> None:
    with pytest.raises(SendRejected) as caught:
        target.sender.send(reply(to=["reject+1@customer.test"]))

    assert caught.value.code == 550
    assert caught.value.recipients == ("reject+1@customer.test",)
    assert not is_transient(caught.value)
    assert target.delivered() == []


def test_partial_refusal_sends_and_reports_the_refused(target: Target) -> None:
    receipt = target.sender.send(reply(to=[CUSTOMER, "reject+2@customer.test"]))

    assert receipt.accepted == ("jorg@customer.test",)
    [refused] = receipt.refused
    assert (refused.address, refused.reply.code) == ("reject+2@customer.test", 550)
    [(rcpt_tos, _)] = target.delivered()
    assert rcpt_tos == ("jorg@customer.test",)


def test_all_refused_with_one_temporary_is_transient(target: Target) -> None:
    with pytest.raises(SmtpTransientError):
        target.sender.send(reply(to=["reject+3@customer.test", "tempfail+3@customer.test"]))


def test_bcc_goes_in_the_envelope_not_in_the_headers(target: Target) -> None:
    message = reply()
    message["Bcc"] = "audit@shop.test"

    receipt = target.sender.send(message)

    assert receipt.accepted == ("jorg@customer.test", "audit@shop.test")
    [(rcpt_tos, got)] = target.delivered()
    assert rcpt_tos == ("jorg@customer.test", "audit@shop.test")
    assert "Bcc" not in got


def test_bad_password_is_auth_error(target: Target) -> None:
    with pytest.raises(AuthError):
        target.with_bad_password().send(reply())
    assert target.delivered() == []


def test_server_down_is_transient(target: Target) -> None:
    with pytest.raises(TransientError):
        target.with_server_down().send(reply())


def test_message_without_message_id_is_refused_before_sending(target: Target) -> None:
    message = reply()
    del message["Message-ID"]

    with pytest.raises(ValueError, match="Message-ID"):
        target.sender.send(message)
    assert target.delivered() == []
