"""An in-memory IMAP account and connection that behave like the real adapter, for tests."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from types import TracebackType
from typing import Self

from hatchway.connectors.imap.protocol import FetchedMessage, FolderState
from hatchway.connectors.imap.settings import ImapSettings
from hatchway.errors import AuthError, ProtocolError, TransientError

__all__ = ["InMemoryAccount", "InMemoryMailbox"]

_DEFAULT_IDLE_TIMEOUT = 25 * 60.0
# UIDVALIDITY values are unique across accounts, like a server's, so mixing them up shows.
_uidvalidities = itertools.count(1_000)


@dataclass
class _Message:
    uid: int
    raw: bytes
    flags: set[str]
    internal_date: datetime


@dataclass
class _Folder:
    uidvalidity: int = field(default_factory=lambda: next(_uidvalidities))
    uidnext: int = 1
    messages: list[_Message] = field(default_factory=list)
    deliveries: int = 0  # bumped on each new message; IDLE waiters compare it

    def add(self, raw: bytes, flags: Iterable[str], when: datetime | None) -> int:
        uid = self.uidnext
        self.uidnext += 1
        self.messages.append(_Message(uid, raw, set(flags), when or datetime.now(UTC)))
        self.deliveries += 1
        return uid


class InMemoryAccount:
    """The server side of one account: folders, messages, credentials; shared by connections.

    Set ``reachable = False`` to make ``connect`` fail as a closed port does (TransientError).
    """

    def __init__(
        self,
        username: str = "user",
        password: str = "secret",
        folders: Sequence[str] = ("INBOX", "Sent"),
        *,
        idle: bool = True,
        uidplus: bool = True,
    ) -> None:
        self.username = username
        self.password = password
        self.reachable = True
        self.idle = idle
        self.uidplus = uidplus
        self.changed = threading.Condition()  # guards everything below; notified on delivery
        self.folders: dict[str, _Folder] = {name: _Folder() for name in folders}

    def connect(self, settings: ImapSettings) -> InMemoryMailbox:
        """Log in as a client would; wrong credentials raise ``AuthError``."""
        connector = f"imap:{settings.name}"
        if not self.reachable:
            raise TransientError(
                connector, f"ConnectionRefusedError: {settings.host}:{settings.port}"
            )
        password = settings.password.get_secret_value() if settings.password else None
        if settings.username != self.username or password != self.password:
            raise AuthError(connector, f"login as {settings.username!r} refused")
        return InMemoryMailbox(self, name=settings.name, idle_timeout=settings.idle_timeout)

    def folder(self, name: str, connector: str = "imap:fake") -> _Folder:
        """The folder called ``name``; ``ProtocolError`` if there is none (as a NO reply)."""
        try:
            return self.folders[name]
        except KeyError:
            raise ProtocolError(connector, f"folder {name!r} does not exist") from None

    def deliver(self, folder: str, raw: bytes, when: datetime | None = None) -> int:
        """Put a new message into ``folder`` (as an MTA would) and wake IDLE waiters;
        ``when`` is its INTERNALDATE (default: now)."""
        with self.changed:
            uid = self.folder(folder).add(raw, (), when)
            self.changed.notify_all()
        return uid

    def reset_uidvalidity(self, folder: str) -> None:
        """Give ``folder`` a new UIDVALIDITY and renumber its messages from 1, as servers do."""
        with self.changed:
            box = self.folder(folder)
            box.uidvalidity = next(_uidvalidities)
            for uid, message in enumerate(box.messages, start=1):
                message.uid = uid
            box.uidnext = len(box.messages) + 1


class InMemoryMailbox:
    """One connection to an ``InMemoryAccount``; implements ``MailboxClient``."""

    def __init__(
        self,
        account: InMemoryAccount | None = None,
        *,
        name: str = "fake",
        idle_timeout: float = _DEFAULT_IDLE_TIMEOUT,
    ) -> None:
        self.account = account or InMemoryAccount()
        self._connector = f"imap:{name}"
        self._idle_timeout = idle_timeout
        self._selected: str | None = None
        self._deliveries_seen = 0
        self._closed = False

    # -- test helpers -------------------------------------------------------------------

    def deliver(self, folder: str, raw: bytes) -> int:
        """Deliver ``raw`` into ``folder`` of this connection's account."""
        return self.account.deliver(folder, raw)

    def reset_uidvalidity(self, folder: str) -> None:
        """Change ``folder``'s UIDVALIDITY and renumber its messages."""
        self.account.reset_uidvalidity(folder)

    # -- MailboxClient ------------------------------------------------------------------

    def select(self, folder: str) -> FolderState:
        """Open ``folder`` and return its UIDVALIDITY, UIDNEXT and message count."""
        with self.account.changed:
            box = self._folder(folder)
            self._selected = folder
            self._deliveries_seen = box.deliveries
            return FolderState(box.uidvalidity, box.uidnext, len(box.messages))

    def uids_above(self, uid: int) -> list[int]:
        """UIDs greater than ``uid`` in the selected folder, ascending."""
        with self.account.changed:
            return [message.uid for message in self._current().messages if message.uid > uid]

    def fetch(self, uids: Iterable[int]) -> list[FetchedMessage]:
        """Copies of the messages with these UIDs, ascending; flags untouched."""
        wanted = set(uids)
        with self.account.changed:
            return [
                FetchedMessage(m.uid, m.raw, frozenset(m.flags), m.internal_date)
                for m in self._current().messages
                if m.uid in wanted
            ]

    def add_flags(self, uids: Iterable[int], flags: Sequence[str]) -> None:
        """Add ``flags`` to messages of the selected folder."""
        wanted = set(uids)
        with self.account.changed:
            for message in self._current().messages:
                if message.uid in wanted:
                    message.flags.update(flags)

    def append(
        self,
        folder: str,
        raw: bytes,
        flags: Sequence[str] = (),
        when: datetime | None = None,
    ) -> int | None:
        """Store ``raw`` in ``folder``; return the UID unless the account lacks UIDPLUS."""
        with self.account.changed:
            uid = self._folder(folder).add(raw, flags, when)
            self.account.changed.notify_all()
        return uid if self.account.uidplus else None

    def find_by_message_id(self, folder: str, message_id: str) -> list[int]:
        """UIDs in ``folder`` whose Message-ID contains ``message_id`` (IMAP SEARCH semantics)."""
        needle = message_id.lower()
        with self.account.changed:
            return [
                m.uid for m in self._folder(folder).messages if needle in _message_id(m.raw).lower()
            ]

    def supports_idle(self) -> bool:
        """Whether the account was built with ``idle=True``."""
        self._check_open()
        return self.account.idle

    def wait_for_new_mail(self, timeout: float) -> bool:
        """True once mail arrived since the last select/wait, False after the timeout."""
        budget = max(0.0, min(timeout, self._idle_timeout))
        with self.account.changed:
            box = self._current()
            woke = self.account.changed.wait_for(
                lambda: box.deliveries != self._deliveries_seen, timeout=budget
            )
            self._deliveries_seen = box.deliveries
            return woke

    def close(self) -> None:
        """Forget the selection; further calls raise ``ProtocolError``."""
        self._closed = True
        self._selected = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise ProtocolError(self._connector, "connection is closed")

    def _folder(self, name: str) -> _Folder:
        self._check_open()
        return self.account.folder(name, self._connector)

    def _current(self) -> _Folder:
        self._check_open()
        if self._selected is None:
            raise ProtocolError(self._connector, "no folder selected")
        return self.account.folder(self._selected, self._connector)


def _message_id(raw: bytes) -> str:
    return str(BytesHeaderParser().parsebytes(raw).get("Message-ID", ""))
