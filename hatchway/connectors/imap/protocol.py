"""The mailbox contract the ingest loop and the outbox rely on, and the values it returns."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

__all__ = ["FetchedMessage", "FolderState", "MailboxClient"]


@dataclass(frozen=True, slots=True)
class FolderState:
    """What SELECT tells us: UIDs are only comparable while ``uidvalidity`` stays the same."""

    uidvalidity: int
    uidnext: int
    exists: int


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    """One message as the server stores it: exact bytes, flags, and its INTERNALDATE."""

    uid: int
    raw: bytes
    flags: frozenset[str]
    internal_date: datetime | None


class MailboxClient(Protocol):
    """One logged-in connection to one mailbox account.

    Every implementation raises only ``hatchway.errors.ConnectorError`` subclasses:
    ``TransientError`` (reconnect and retry), ``AuthError``, ``ProtocolError``.
    Methods without a ``folder`` argument act on the folder given to the last ``select``.
    """

    def select(self, folder: str) -> FolderState:
        """Open ``folder`` read-write and return its UIDVALIDITY, UIDNEXT and message count."""
        ...

    def uids_above(self, uid: int) -> list[int]:
        """UIDs greater than ``uid`` in the selected folder, ascending."""
        ...

    def fetch(self, uids: Iterable[int]) -> list[FetchedMessage]:
        """The messages with these UIDs, ascending; expunged ones are absent. Never sets \\Seen."""
        ...

    def add_flags(self, uids: Iterable[int], flags: Sequence[str]) -> None:
        """Add ``flags`` (e.g. ``\\Seen``, ``$Hatchway``) to messages of the selected folder."""
        ...

    def append(
        self,
        folder: str,
        raw: bytes,
        flags: Sequence[str] = (),
        when: datetime | None = None,
    ) -> int | None:
        """Store ``raw`` in ``folder``; return its UID when the server reports it (UIDPLUS)."""
        ...

    def find_by_message_id(self, folder: str, message_id: str) -> list[int]:
        """UIDs in ``folder`` whose Message-ID header is ``message_id``; keeps the selection."""
        ...

    def supports_idle(self) -> bool:
        """Whether ``wait_for_new_mail`` can be woken by the server (IMAP IDLE)."""
        ...

    def wait_for_new_mail(self, timeout: float) -> bool:
        """Block until new mail may be in the selected folder (True) or ``timeout`` (False).

        One call waits at most ``ImapSettings.idle_timeout``; callers loop.
        """
        ...

    def close(self) -> None:
        """Log out and release the connection; safe to call twice."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
