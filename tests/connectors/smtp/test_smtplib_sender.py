"""The smtplib adapter beyond the shared contract: TLS modes, AUTH, DATA-phase failures."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from hatchway.connectors.smtp import (
    SendOutcomeUnknown,
    SendRejected,
    SmtpAuthError,
    SmtplibMailSender,
    SmtpSettings,
    SmtpTransientError,
)
from hatchway.errors import ProtocolError, is_transient
from tests.connectors.smtp.test_contract import reply, smtp_settings
from tests.fixtures.smtp_server import SmtpTestServer

pytestmark = pytest.mark.smtp


def login(server: SmtpTestServer, password: str | None = None) -> dict[str, object]:
    """Settings overrides that log in as the test user."""
    return {"username": server.username, "password": password or server.password}


def test_starttls_with_the_test_ca_and_auth_delivers(smtp_inbox: SmtpTestServer) -> None:
    settings = smtp_settings(
        smtp_inbox,
        port=smtp_inbox.port_for("starttls"),
        security="starttls",
        ca_file=smtp_inbox.ca_file,
        **login(smtp_inbox),
    )

    receipt = SmtplibMailSender(settings).send(reply())

    [captured] = smtp_inbox.wait_for(1)
    assert captured.message["Message-ID"] == receipt.message_id
    assert captured.mail_from == "support@shop.test"


def test_implicit_tls_with_the_test_ca_delivers(smtp_inbox: SmtpTestServer) -> None:
    settings = smtp_settings(
        smtp_inbox, port=smtp_inbox.port_for("tls"), security="tls", ca_file=smtp_inbox.ca_file
    )

    SmtplibMailSender(settings).send(reply())

    assert len(smtp_inbox.wait_for(1)) == 1


def test_untrusted_certificate_is_a_protocol_error(smtp_inbox: SmtpTestServer) -> None:
    settings = smtp_settings(
        smtp_inbox, port=smtp_inbox.port_for("starttls"), security="starttls", **login(smtp_inbox)
    )

    with pytest.raises(ProtocolError, match="certificate") as caught:
        SmtplibMailSender(settings).send(reply())
    assert not is_transient(caught.value)


def test_tls_against_a_plain_port_is_a_protocol_error(smtp_inbox: SmtpTestServer) -> None:
    sender = SmtplibMailSender(smtp_settings(smtp_inbox, security="tls"))

    with pytest.raises(ProtocolError, match="TLS"):
        sender.send(reply())


def test_plain_auth_with_the_right_password_delivers(smtp_inbox: SmtpTestServer) -> None:
    settings = smtp_settings(
        smtp_inbox,
        port=smtp_inbox.port_for("auth"),
        allow_plaintext_auth=True,
        **login(smtp_inbox),
    )

    SmtplibMailSender(settings).send(reply())

    assert len(smtp_inbox.wait_for(1)) == 1


def test_server_requiring_auth_without_credentials_is_auth_error(
    smtp_inbox: SmtpTestServer,
) -> None:
    sender = SmtplibMailSender(smtp_settings(smtp_inbox, port=smtp_inbox.port_for("auth")))

    with pytest.raises(SmtpAuthError) as caught:
        sender.send(reply())
    assert caught.value.code == 530


def test_password_is_never_logged_or_shown(
    smtp_inbox: SmtpTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-but-still-secret-1234"
    good = smtp_settings(
        smtp_inbox, port=smtp_inbox.port_for("auth"), allow_plaintext_auth=True, **login(smtp_inbox)
    )
    bad = SmtpSettings.model_validate(good.model_dump() | {"password": wrong})

    SmtplibMailSender(good).send(reply())
    with pytest.raises(SmtpAuthError) as caught:
        SmtplibMailSender(bad).send(reply())

    for secret in (smtp_inbox.password, wrong):
        assert secret not in caplog.text
        assert secret not in str(caught.value)
        assert secret not in repr(bad)


def test_temporary_failure_at_end_of_data_is_transient(smtp_inbox: SmtpTestServer) -> None:
    with pytest.raises(SmtpTransientError) as caught:
        SmtplibMailSender(smtp_settings(smtp_inbox)).send(reply(to=["datatempfail+1@c.test"]))
    assert caught.value.code == 452


def test_rejection_at_end_of_data_is_send_rejected(smtp_inbox: SmtpTestServer) -> None:
    with pytest.raises(SendRejected) as caught:
        SmtplibMailSender(smtp_settings(smtp_inbox)).send(reply(to=["datareject+1@c.test"]))
    assert caught.value.code == 554
    assert caught.value.recipients == ()


def test_no_answer_after_data_is_outcome_unknown_not_transient(
    smtp_inbox: SmtpTestServer,
) -> None:
    # The server keeps the message but answers after our timeout: it may well have gone out.
    timeout = smtp_inbox.slow_data_seconds / 3
    sender = SmtplibMailSender(smtp_settings(smtp_inbox, timeout_seconds=timeout))
    message = reply(to=["slowdata+1@c.test"])

    with pytest.raises(SendOutcomeUnknown) as caught:
        sender.send(message)

    assert caught.value.message_id == message["Message-ID"]
    assert not is_transient(caught.value)
    assert len(smtp_inbox.wait_for(1)) == 1


def test_receipt_carries_the_servers_final_reply(smtp_inbox: SmtpTestServer) -> None:
    receipt = SmtplibMailSender(smtp_settings(smtp_inbox)).send(reply())

    assert receipt.reply.code == 250
    assert "accepted" in receipt.reply.text


def test_verify_logs_in_and_sends_nothing(smtp_inbox: SmtpTestServer) -> None:
    settings = smtp_settings(
        smtp_inbox,
        port=smtp_inbox.port_for("starttls"),
        security="starttls",
        ca_file=smtp_inbox.ca_file,
        **login(smtp_inbox),
    )
    SmtplibMailSender(settings).verify()
    wrong = settings.model_copy(update={"password": SecretStr("not-the-password")})
    with pytest.raises(SmtpAuthError):
        SmtplibMailSender(wrong).verify()
    assert smtp_inbox.messages() == []
