"""The real mailbox client: ``MailboxClient`` over imapclient, with typed errors and retries."""

from __future__ import annotations

import logging
import re
import ssl
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from types import TracebackType
from typing import Any, Self

import imapclient
from imapclient import exceptions as imap_exceptions

from hatchway.connectors.imap.protocol import FetchedMessage, FolderState
from hatchway.connectors.imap.settings import ImapSettings
from hatchway.errors import AuthError, ProtocolError, TransientError

__all__ = ["ImapClientMailbox", "make_ssl_context"]

logger = logging.getLogger(__name__)

_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.IGNORECASE)
_FETCH_ITEMS = ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"]  # PEEK: fetching must not set \Seen


def make_ssl_context(settings: ImapSettings) -> ssl.SSLContext:
    """A verifying client context that also trusts ``settings.ca_file`` when given."""
    cafile = str(settings.ca_file) if settings.ca_file else None
    return ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile)


@contextmanager
def _mapped_errors(settings: ImapSettings) -> Iterator[None]:
    """Translate imapclient, ssl and socket failures into the hatchway error tree."""
    connector = f"imap:{settings.name}"
    try:
        yield
    except imap_exceptions.LoginError as exc:
        raise AuthError(connector, f"login as {settings.username!r} refused: {exc}") from exc
    except imapclient.IMAPClient.AbortError as exc:
        raise TransientError(connector, f"connection aborted: {exc}") from exc
    except imapclient.IMAPClient.Error as exc:
        raise ProtocolError(connector, str(exc)) from exc
    except ssl.SSLCertVerificationError as exc:
        # A certificate that does not verify will not verify on the next try either.
        raise ProtocolError(connector, f"TLS certificate refused: {exc}") from exc
    except (OSError, EOFError) as exc:  # socket errors, timeouts, TLS resets
        raise TransientError(connector, f"{type(exc).__name__}: {exc}") from exc


class ImapClientMailbox:
    """A logged-in IMAP connection. Build it with ``ImapClientMailbox.connect(settings)``."""

    def __init__(self, client: Any, settings: ImapSettings) -> None:
        # ``client`` is an imapclient.IMAPClient (untyped); everything leaving this class is typed.
        self._client = client
        self._settings = settings
        self._selected: str | None = None
        self._new_mail_pending = False
        self._closed = False

    @classmethod
    def connect(cls, settings: ImapSettings) -> ImapClientMailbox:
        """Open, secure (TLS or STARTTLS) and authenticate one connection."""
        with _mapped_errors(settings):
            client = _open_client(settings)
            try:
                _authenticate(client, settings)
            except BaseException:
                _shutdown_quietly(client)
                raise
        return cls(client, settings)

    def select(self, folder: str) -> FolderState:
        """Open ``folder`` read-write and return its UIDVALIDITY, UIDNEXT and message count."""
        with _mapped_errors(self._settings):
            response = self._client.select_folder(folder)
            self._selected = folder
            self._collect_announcements()  # SELECT's own EXISTS/RECENT are not news...
            self._new_mail_pending = False  # ...and the caller searches the fresh selection
            uidnext = response.get(b"UIDNEXT")
            if uidnext is None:  # optional in some servers' SELECT; STATUS always has it
                uidnext = self._client.folder_status(folder, [b"UIDNEXT"])[b"UIDNEXT"]
            return FolderState(
                uidvalidity=int(response[b"UIDVALIDITY"]),
                uidnext=int(uidnext),
                exists=int(response[b"EXISTS"]),
            )

    def uids_above(self, uid: int) -> list[int]:
        """UIDs greater than ``uid`` in the selected folder, ascending."""
        with _mapped_errors(self._settings):
            found = self._client.search(["UID", f"{uid + 1}:*"])
        # "n:*" always matches the highest UID, even when it is <= n (RFC 3501 6.4.8).
        return sorted(int(found_uid) for found_uid in found if int(found_uid) > uid)

    def fetch(self, uids: Iterable[int]) -> list[FetchedMessage]:
        """The messages with these UIDs, ascending, fetched in chunks; never sets \\Seen."""
        wanted = sorted(set(uids))
        size = self._settings.fetch_chunk_size
        messages: list[FetchedMessage] = []
        for start in range(0, len(wanted), size):
            messages.extend(self._fetch_chunk(wanted[start : start + size]))
        return messages

    def _fetch_chunk(self, uids: list[int]) -> list[FetchedMessage]:
        with _mapped_errors(self._settings):
            response = self._client.fetch(uids, _FETCH_ITEMS)
        messages = []
        for uid in uids:
            data = response.get(uid)
            if data is None or b"BODY[]" not in data:
                continue  # expunged meanwhile: the next sync will not see it either
            messages.append(
                FetchedMessage(
                    uid=uid,
                    raw=bytes(data[b"BODY[]"]),
                    flags=frozenset(_text(flag) for flag in data.get(b"FLAGS", ())),
                    internal_date=data.get(b"INTERNALDATE"),
                )
            )
        return messages

    def add_flags(self, uids: Iterable[int], flags: Sequence[str]) -> None:
        """Add ``flags`` to messages of the selected folder."""
        targets = sorted(set(uids))
        if not targets or not flags:
            return
        with _mapped_errors(self._settings):
            self._client.add_flags(targets, list(flags), silent=True)

    def append(
        self,
        folder: str,
        raw: bytes,
        flags: Sequence[str] = (),
        when: datetime | None = None,
    ) -> int | None:
        """Store ``raw`` in ``folder``; return its UID when the server says APPENDUID."""
        with _mapped_errors(self._settings):
            response = self._client.append(folder, raw, list(flags), when)
        match = _APPENDUID.search(response if isinstance(response, bytes) else b"")
        return int(match.group(2)) if match else None

    def find_by_message_id(self, folder: str, message_id: str) -> list[int]:
        """UIDs in ``folder`` whose Message-ID header contains ``message_id``."""
        previous = self._selected
        self._collect_announcements()  # SELECT below discards imaplib's pending responses
        with _mapped_errors(self._settings):
            self._client.select_folder(folder, readonly=True)
            found = self._client.search(["HEADER", "Message-ID", message_id])
            if previous is not None:
                # Keep the caller's selection: its UID commands must not hit another folder.
                self._client.select_folder(previous)
            else:
                self._client.close_folder()
        pending, self._new_mail_pending = self._new_mail_pending, False
        self._collect_announcements()  # drops the re-SELECT's own EXISTS...
        self._new_mail_pending = pending  # ...but keeps what was announced before
        return sorted(int(uid) for uid in found)

    def supports_idle(self) -> bool:
        """Whether the server announced the IDLE capability."""
        with _mapped_errors(self._settings):
            return bool(self._client.has_capability("IDLE"))

    def wait_for_new_mail(self, timeout: float) -> bool:
        """IDLE (or poll with NOOP) until new mail may be there (True) or the timeout (False)."""
        self._collect_announcements()
        if self._new_mail_pending:
            self._new_mail_pending = False
            return True  # announced during an earlier command: IDLE would not repeat it
        budget = min(timeout, self._settings.idle_timeout)
        if budget <= 0:
            return False
        deadline = time.monotonic() + budget
        with _mapped_errors(self._settings):
            if not self.supports_idle():
                return self._poll_for_new_mail(deadline)
            while True:
                self._client.idle()
                woke = self._idle_until(deadline)
                _, late = self._client.idle_done()  # reads what was buffered, too
                if woke or _announces_new_mail(late):
                    return True
                if time.monotonic() >= deadline:
                    return False

    def _idle_until(self, deadline: float) -> bool:
        """Inside IDLE: True on new mail; False at the deadline or when lines wait unread."""
        empty_wakeups = 0
        while (remaining := deadline - time.monotonic()) > 0:
            if self._unread_input():
                return False  # the caller ends IDLE, which reads them, and looks
            responses = self._client.idle_check(timeout=remaining)
            if any(_is_bye(response) for response in responses):
                raise TransientError(f"imap:{self._settings.name}", "server said BYE during IDLE")
            if _announces_new_mail(responses):
                return True
            # imapclient returns [] at once when the peer closed the socket; avoid a busy loop.
            empty_wakeups = empty_wakeups + 1 if not responses else 0
            if empty_wakeups >= 3 and deadline - time.monotonic() > 0.1:
                raise TransientError(f"imap:{self._settings.name}", "connection closed during IDLE")
        return False

    def _unread_input(self) -> bool:
        """Whether server lines were already read off the socket but not yet parsed.

        The server often sends ``+ idling`` and the EXISTS of mail that came just before in
        one packet; imaplib's buffered reader takes both, and ``idle_check`` only polls the
        socket, so without this check IDLE would sleep through that mail until its timeout.
        """
        sock = self._client.socket()
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True  # decrypted and waiting in the TLS layer: invisible to poll() too
        previous = sock.gettimeout()
        sock.setblocking(False)
        try:
            return bool(self._client._imap.file.peek(1))
        except OSError:  # nothing buffered and nothing on the socket (would block)
            return False
        finally:
            sock.settimeout(previous)

    def _poll_for_new_mail(self, deadline: float, interval: float = 30.0) -> bool:
        while (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(interval, remaining))
            _, responses = self._client.noop()
            if _announces_new_mail(responses):
                return True
        return False

    def _collect_announcements(self) -> None:
        # imaplib keeps unsolicited EXISTS/RECENT sent during other commands in this dict;
        # reading them closes the gap between the caller's last search and the next IDLE.
        pending = self._client._imap.untagged_responses
        exists = pending.pop("EXISTS", None)
        recent = pending.pop("RECENT", None)
        if exists or any(int(count) > 0 for count in recent or ()):
            self._new_mail_pending = True

    def close(self) -> None:
        """Log out and release the socket; safe to call twice, never raises."""
        if self._closed:
            return
        self._closed = True
        try:
            self._client.logout()
        except Exception as exc:  # already broken: just drop the socket
            logger.debug("imap:%s: logout failed (%s); dropping it", self._settings.name, exc)
            _shutdown_quietly(self._client)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _open_client(settings: ImapSettings) -> Any:
    """Connect and, for ``starttls``, upgrade before any credential is sent."""
    implicit_tls = settings.security == "tls"
    client = imapclient.IMAPClient(
        settings.host,
        port=settings.port,
        ssl=implicit_tls,
        ssl_context=make_ssl_context(settings) if implicit_tls else None,
        timeout=settings.timeout,
    )
    client.normalise_times = False  # keep INTERNALDATE's timezone
    if settings.security == "starttls":
        try:
            client.starttls(make_ssl_context(settings))
        except BaseException:
            _shutdown_quietly(client)
            raise
    return client


def _shutdown_quietly(client: Any) -> None:
    # Keep the original error: a failed handshake may already have closed the socket.
    with suppress(Exception):
        client.shutdown()


def _authenticate(client: Any, settings: ImapSettings) -> None:
    if settings.oauth2_token is not None:
        client.oauth2_login(settings.username, settings.oauth2_token.get_secret_value())
    elif settings.password is not None:
        client.login(settings.username, settings.password.get_secret_value())


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _announces_new_mail(responses: Iterable[tuple[Any, ...]]) -> bool:
    """True for ``(n, b"EXISTS")`` and for ``(n, b"RECENT")`` with n > 0."""
    return any(
        len(r) >= 2
        and isinstance(r[0], int)
        and (r[1] == b"EXISTS" or (r[1] == b"RECENT" and r[0] > 0))
        for r in responses
    )


def _is_bye(response: tuple[Any, ...]) -> bool:
    return len(response) >= 1 and response[0] == b"BYE"
