"""The real :class:`~.protocol.MailSender` over stdlib ``smtplib``.

One connection per send: the outbox sends a message now and then, servers drop idle
connections after a few minutes, and a fresh session makes every failure local to one
message. The price, a handshake per message, is small next to the model calls.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from hatchway.errors import ConnectorError, ProtocolError

from ._envelope import envelope_recipients, required_message_id, settle_recipients, wire_bytes
from .errors import (
    CONNECTOR,
    SendOutcomeUnknown,
    SmtpAuthError,
    SmtpTransientError,
    error_for_reply,
)
from .protocol import SendReceipt, SmtpReply
from .settings import SmtpSettings

__all__ = ["SmtplibMailSender", "tls_context"]

logger = logging.getLogger(__name__)


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """A verifying client context: the system CAs plus ``settings.ca_file`` when set."""
    context = ssl.create_default_context()
    if settings.ca_file is not None:
        context.load_verify_locations(cafile=str(settings.ca_file))
    return context


class SmtplibMailSender:
    """Sends over SMTP with STARTTLS, implicit TLS or plain, and AUTH when a username is set.

    Pass ``ssl_context`` to control certificate checks yourself (tests pin a test CA).
    The password is only ever handed to ``smtplib.SMTP.login``; nothing logs it.
    """

    def __init__(self, settings: SmtpSettings, *, ssl_context: ssl.SSLContext | None = None):
        self._settings = settings
        self._ssl_context = ssl_context if ssl_context is not None else tls_context(settings)

    def send(self, message: EmailMessage) -> SendReceipt:
        """Deliver ``message``; errors follow the contract in :mod:`.protocol`."""
        message_id = required_message_id(message)
        recipients = envelope_recipients(message)
        payload = wire_bytes(message)
        smtp = self._connect()
        try:
            self._open_session(smtp)
            receipt = self._transact(smtp, message_id, recipients, payload)
        except BaseException:
            smtp.close()  # no polite QUIT: after a timeout it would wait all over again
            raise
        _quit_quietly(smtp)
        for refusal in receipt.refused:
            logger.warning("smtp: %s refused %s: %s", message_id, refusal.address, refusal.reply)
        logger.info(
            "smtp: sent %s to %d recipient(s) via %s:%d",
            message_id,
            len(receipt.accepted),
            self._settings.host,
            self._settings.port,
        )
        return receipt

    def verify(self) -> None:
        """Connect, greet, upgrade and log in as a send would, then quit; nothing is sent.

        For readiness checks: raises what :meth:`send` would raise before the mail
        transaction (:class:`SmtpTransientError`, :class:`SmtpAuthError`, ``ProtocolError``).
        """
        smtp = self._connect()
        try:
            self._open_session(smtp)
        except BaseException:
            smtp.close()
            raise
        _quit_quietly(smtp)

    def _connect(self) -> smtplib.SMTP:
        # smtplib closes the socket itself when connecting or the greeting fails, and it
        # only remembers the host name for certificate checks when given it here.
        s = self._settings
        with _translated(f"connect to {s.host}:{s.port}"):
            if s.security == "tls":
                return smtplib.SMTP_SSL(
                    s.host,
                    s.port,
                    local_hostname=s.local_hostname,
                    timeout=s.timeout_seconds,
                    context=self._ssl_context,
                )
            return smtplib.SMTP(
                s.host, s.port, local_hostname=s.local_hostname, timeout=s.timeout_seconds
            )

    def _open_session(self, smtp: smtplib.SMTP) -> None:
        s = self._settings
        with _translated("EHLO"):
            smtp.ehlo_or_helo_if_needed()
        if s.security == "starttls":
            with _translated("STARTTLS"):
                smtp.starttls(context=self._ssl_context)
                smtp.ehlo_or_helo_if_needed()  # capabilities change after the upgrade
        if s.username is not None and s.password is not None:
            with _translated("AUTH"):
                smtp.login(s.username, s.password.get_secret_value())

    def _transact(
        self, smtp: smtplib.SMTP, message_id: str, recipients: tuple[str, ...], payload: bytes
    ) -> SendReceipt:
        sender = self._settings.from_address
        with _translated("MAIL FROM"):
            options = _mail_options(smtp, (sender, *recipients), payload)
            _expect(smtp.mail(sender, options), 250, "MAIL FROM")
        with _translated("RCPT TO"):
            replies = {addr: _reply(smtp.rcpt(addr)) for addr in recipients}
        accepted, refused = settle_recipients(replies)
        final = _data(smtp, message_id, payload)
        return SendReceipt(message_id, accepted, refused, final)


def _data(smtp: smtplib.SMTP, message_id: str, payload: bytes) -> SmtpReply:
    """DATA by hand, so that a failure after the content went out is told apart."""
    with _translated("DATA"):
        _expect(smtp.docmd("DATA"), 354, "DATA")
    try:
        smtp.send(_dot_stuffed(payload))
        final = _reply(smtp.getreply())
    except (OSError, smtplib.SMTPServerDisconnected) as exc:
        raise SendOutcomeUnknown(message_id, f"no answer after the message data ({exc})") from exc
    if final.code != 250:
        raise error_for_reply(final.code, final.text, stage="DATA")
    return final


def _mail_options(smtp: smtplib.SMTP, addresses: tuple[str, ...], payload: bytes) -> list[str]:
    options = []
    if not payload.isascii() and smtp.has_extn("8bitmime"):
        options.append("BODY=8BITMIME")
    if not all(addr.isascii() for addr in addresses):
        if not smtp.has_extn("smtputf8"):
            raise ProtocolError(CONNECTOR, "a non-ASCII address needs SMTPUTF8; server lacks it")
        options.append("SMTPUTF8")
        smtp.command_encoding = "utf-8"
    return options


def _dot_stuffed(payload: bytes) -> bytes:
    """The DATA section as RFC 5321 wants it: CRLF lines, leading dots doubled, final dot."""
    data = re.sub(rb"\r\n|\r|\n", b"\r\n", payload)
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _reply(answer: tuple[int, bytes]) -> SmtpReply:
    code, text = answer
    return SmtpReply(code, text.decode("utf-8", errors="replace"))


def _expect(answer: tuple[int, bytes], code: int, stage: str) -> None:
    reply = _reply(answer)
    if reply.code != code:
        raise error_for_reply(reply.code, reply.text, stage=stage)


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass  # the message is already accepted; a failed goodbye changes nothing
    finally:
        smtp.close()


@contextmanager
def _translated(stage: str) -> Iterator[None]:
    """Turn whatever smtplib, ssl or socket raise into the hatchway exception tree."""
    try:
        yield
    except ConnectorError:
        raise
    except Exception as exc:
        translated = _translate(exc, stage)
        if translated is None:
            raise
        raise translated from exc


def _translate(exc: Exception, stage: str) -> ConnectorError | None:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return SmtpAuthError(
            f"{stage}: credentials refused: {_text(exc.smtp_error)}", exc.smtp_code
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return error_for_reply(exc.smtp_code, _text(exc.smtp_error), stage=stage)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return SmtpTransientError(f"{stage}: server closed the connection ({exc})")
    if isinstance(exc, smtplib.SMTPException):  # e.g. AUTH or STARTTLS not offered
        if stage == "AUTH":
            return SmtpAuthError(f"AUTH: {exc}; check security and username settings")
        return ProtocolError(CONNECTOR, f"{stage}: {exc}; check the security setting")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ProtocolError(CONNECTOR, f"{stage}: server certificate not trusted ({exc})")
    if isinstance(exc, ssl.SSLError):
        return ProtocolError(CONNECTOR, f"{stage}: TLS failed ({exc}); does the port match?")
    if isinstance(exc, OSError):  # refused, reset, timeout, DNS: all may pass
        return SmtpTransientError(f"{stage}: {exc.__class__.__name__}: {exc}")
    return None


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
