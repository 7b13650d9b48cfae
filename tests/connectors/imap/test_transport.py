"""The real adapter's transports and logins against Dovecot: TLS, STARTTLS, CA checks, XOAUTH2."""

from __future__ import annotations

import threading

import imapclient
import pytest

from hatchway.connectors.imap import ImapClientMailbox, ImapSecurity, connect_with_retry
from hatchway.errors import AuthError, ProtocolError
from tests.connectors.imap.conftest import changed
from tests.fixtures.dovecot import DovecotServer

pytestmark = pytest.mark.imap


@pytest.fixture
def tls_dovecot(dovecot: DovecotServer) -> DovecotServer:
    """The session's Dovecot, if it could be given a certificate."""
    if dovecot.ca_file is None:
        pytest.skip("openssl not installed: no certificate for the TLS listeners")
    return dovecot


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_secure_transports_verify_against_the_ca_file(
    tls_dovecot: DovecotServer, security: ImapSecurity
) -> None:
    user = tls_dovecot.new_user()
    settings = tls_dovecot.settings(user, security=security)
    with ImapClientMailbox.connect(settings) as box:
        assert box.select("INBOX").exists == 0
        # IDLE polls the raw socket; make sure TLS buffering does not hide the wake-up.
        timer = threading.Timer(0.3, tls_dovecot.deliver, (user, b"Subject: x\r\n\r\nhi\r\n"))
        timer.start()
        try:
            assert box.wait_for_new_mail(15) is True
        finally:
            timer.join()


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_untrusted_certificate_is_a_protocol_error_not_retried(
    tls_dovecot: DovecotServer, security: ImapSecurity, caplog: pytest.LogCaptureFixture
) -> None:
    settings = changed(
        tls_dovecot.settings(tls_dovecot.new_user(), security=security), ca_file=None
    )
    with pytest.raises(ProtocolError, match="certificate"):
        connect_with_retry(settings, attempts=3, initial_wait=0.01)
    assert not [r for r in caplog.records if "retrying" in r.getMessage()]


@pytest.fixture
def xoauth2_dovecot(dovecot: DovecotServer) -> DovecotServer:
    """The session's Dovecot, if it offers XOAUTH2 (its 2.3 config does)."""
    probe = imapclient.IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=10)
    try:
        offered = probe.has_capability("AUTH=XOAUTH2")
    finally:
        probe.logout()
    if not offered:
        pytest.skip(f"Dovecot {dovecot.version} is not configured for XOAUTH2 here")
    return dovecot


@pytest.mark.parametrize("security", ["none", "starttls"])
def test_oauth2_bearer_token_logs_in_with_xoauth2(
    xoauth2_dovecot: DovecotServer, security: ImapSecurity
) -> None:
    if security != "none" and xoauth2_dovecot.ca_file is None:
        pytest.skip("openssl not installed: no certificate for STARTTLS")
    user = xoauth2_dovecot.new_user()
    # The test server's passdb accepts the user's password as the bearer token.
    plain = xoauth2_dovecot.settings(user, security=security)
    token = plain.password.get_secret_value() if plain.password else ""
    settings = changed(plain, password=None, oauth2_token=token)
    with connect_with_retry(settings, attempts=1) as box:
        assert box.select("INBOX").exists == 0
    log = (xoauth2_dovecot.root / "log" / "dovecot.log").read_text(errors="replace")
    logins = [line for line in log.splitlines() if f"Login: user=<{user}>" in line]
    assert logins and all("method=XOAUTH2" in line for line in logins), logins


def test_oauth2_token_refused_is_an_auth_error_and_not_retried(
    xoauth2_dovecot: DovecotServer, caplog: pytest.LogCaptureFixture
) -> None:
    user = xoauth2_dovecot.new_user()
    settings = changed(xoauth2_dovecot.settings(user), password=None, oauth2_token="expired")
    with pytest.raises(AuthError, match="refused"):
        connect_with_retry(settings, attempts=3, initial_wait=0.01)
    assert not [r for r in caplog.records if "retrying" in r.getMessage()]


def test_close_is_idempotent(dovecot: DovecotServer) -> None:
    box = ImapClientMailbox.connect(dovecot.settings(dovecot.new_user()))
    box.close()
    box.close()
