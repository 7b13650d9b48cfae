"""IMAP ingest: fetch by UID above the stored bookmark, store, and only then advance it.

Each chunk of messages is stored with its triage jobs and the new bookmark in ONE
transaction (invariant I1): a crash anywhere leaves either the chunk and its bookmark, or
neither, and the next run fetches again what was not stored. Ingest stores the raw bytes
only (DESIGN.md step 1: two batched INSERTs per chunk); each triage job parses its message
first (step 2, :func:`hatchway.intake.parse_for_triage`). A UIDVALIDITY change resets the
bookmark; messages seen before are recognised by content hash and Message-ID, so a
re-numbered mailbox is re-synced without duplicates. Nothing on the server is changed.

Fetch and store overlap: a thread of the pass, the only user of the IMAP connection while
the pass runs, fetches the next chunk while this one is stored and committed. Chunks are
still stored one at a time in UID order, each with its own bookmark, so I1 is unchanged;
the thread ends (and its error, if any, is raised here) before the pass returns.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_when_event_set,
    wait_random_exponential,
)

from hatchway.connectors.imap import FetchedMessage, ImapSettings, MailboxClient
from hatchway.errors import ConnectorError, TransientError
from hatchway.raw_store import FetchedRaw, store_fetched
from hatchway.store import Database
from hatchway.store.models import InboundMessage, InboundStatus, Lane, Mailbox, utcnow

__all__ = ["Backoff", "IngestReport", "ProgressCallback", "ingest_mailbox", "watch_mailbox"]

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]
"""Called after each stored chunk with (mailbox name, messages done, messages to do)."""

BACKFILL_AGE = timedelta(days=2)


@dataclass
class IngestReport:
    """What one pass over a mailbox did."""

    mailbox: str
    to_fetch: int = 0
    stored: int = 0
    already_stored: int = 0
    # New messages by status: all "received" (stored, waiting for their triage job, whose
    # first step parses them and may quarantine or ignore them).
    by_status: dict[str, int] = field(default_factory=dict)
    uidvalidity_changed: bool = False


def ingest_mailbox(
    database: Database,
    client: MailboxClient,
    settings: ImapSettings,
    *,
    progress: ProgressCallback | None = None,
) -> IngestReport:
    """One pass: store every message above the bookmark of ``settings.folder``."""
    state = client.select(settings.folder)
    mailbox_id, last_uid, changed, resync = _bookmark(database, settings, state.uidvalidity)
    report = IngestReport(mailbox=settings.name, uidvalidity_changed=changed)
    uids = client.uids_above(last_uid)
    report.to_fetch = len(uids)
    chunks = list(_chunks(uids, settings.fetch_chunk_size))
    with _fetched_ahead(client, chunks) as fetched_chunks:
        for chunk, fetched in fetched_chunks:
            _store_chunk(database, mailbox_id, state.uidvalidity, chunk, fetched, resync, report)
            if progress is not None:
                progress(settings.name, report.stored + report.already_stored, report.to_fetch)
    return report


_Fetched = tuple[Sequence[int], list[FetchedMessage]]
_DONE = None  # what the fetch thread hands over after the last chunk


@contextmanager
def _fetched_ahead(
    client: MailboxClient, chunks: Sequence[Sequence[int]]
) -> Iterator[Iterator[_Fetched]]:
    """The chunks with their messages, in order, fetched ahead on a thread.

    While the caller stores chunk N, the thread fetches the next ones: at most two fetched
    chunks wait (one handed over, one in the thread's hands), so memory stays bounded. The
    thread alone uses ``client`` until the block ends. A fetch error is raised to the
    caller after the chunks fetched before it; when the caller stops early (its own error,
    or a fetch error raised to it) the thread is told to stop and is joined before the
    block ends, so no thread outlives the pass and the connection is the caller's again.
    """
    handoff: queue.Queue[_Fetched | BaseException | None] = queue.Queue(maxsize=1)
    cancelled = threading.Event()

    def hand_over(item: _Fetched | BaseException | None) -> bool:
        while not cancelled.is_set():
            try:
                handoff.put(item, timeout=0.05)  # wakes as soon as the caller takes one
                return True
            except queue.Full:
                continue
        return False

    def fetch_all() -> None:
        try:
            for chunk in chunks:
                if cancelled.is_set() or not hand_over((chunk, client.fetch(chunk))):
                    return
        except BaseException as exc:  # handed to the caller, who raises it
            hand_over(exc)
            return
        hand_over(_DONE)

    def received() -> Iterator[_Fetched]:
        while (item := handoff.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item

    if not chunks:
        yield iter(())
        return
    fetcher = threading.Thread(target=fetch_all, name="imap-fetch-ahead", daemon=True)
    fetcher.start()
    try:
        yield received()
    finally:
        cancelled.set()
        fetcher.join()


def _bookmark(
    database: Database, settings: ImapSettings, uidvalidity: int
) -> tuple[int, int, bool, bool]:
    """The mailbox row's id and last UID (reset when the server's UIDVALIDITY changed),
    whether it changed now, and whether messages stored under another UIDVALIDITY exist
    (a re-sync, maybe resumed after a crash: new UIDs are checked against them)."""
    with database.session() as session:
        mailbox = session.scalar(select(Mailbox).where(Mailbox.name == settings.name))
        if mailbox is None:
            mailbox = Mailbox(name=settings.name, folder=settings.folder, uidvalidity=uidvalidity)
            session.add(mailbox)
            session.flush()
        changed = mailbox.uidvalidity is not None and mailbox.uidvalidity != uidvalidity
        if changed or mailbox.uidvalidity is None or mailbox.folder != settings.folder:
            if changed:
                log.warning(
                    "mailbox %r: UIDVALIDITY changed %s -> %s; re-syncing from the start "
                    "(messages already stored are recognised, not stored twice)",
                    settings.name,
                    mailbox.uidvalidity,
                    uidvalidity,
                )
            mailbox.uidvalidity, mailbox.last_uid, mailbox.folder = uidvalidity, 0, settings.folder
        mailbox.last_polled_at = utcnow()
        other = InboundMessage.uidvalidity
        earlier = session.scalar(
            select(InboundMessage.id)
            .where(
                InboundMessage.mailbox_id == mailbox.id,
                or_(other < uidvalidity, other > uidvalidity),  # two index seeks, not a scan
            )
            .limit(1)
        )
        return mailbox.id, mailbox.last_uid, changed, earlier is not None


def _store_chunk(
    database: Database,
    mailbox_id: int,
    uidvalidity: int,
    chunk: Sequence[int],
    fetched: Sequence[FetchedMessage],
    resync: bool,
    report: IngestReport,
) -> None:
    """The chunk's raw bytes and jobs, and the bookmark past it: one transaction."""
    backfill_before = utcnow() - BACKFILL_AGE
    messages = [FetchedRaw(uid=m.uid, raw=m.raw, lane=_lane(m, backfill_before)) for m in fetched]
    with database.session() as session:
        stored = store_fetched(
            session,
            mailbox_id=mailbox_id,
            uidvalidity=uidvalidity,
            messages=messages,
            resync=resync,
        )
        # Expunged UIDs in the chunk are simply absent; the bookmark still moves past them.
        session.execute(
            update(Mailbox)
            .where(Mailbox.id == mailbox_id, Mailbox.uidvalidity == uidvalidity)
            .values(last_uid=max(chunk), last_polled_at=utcnow())
        )
    report.stored += stored.stored
    report.already_stored += stored.already_stored
    if stored.stored:
        received = InboundStatus.RECEIVED.value
        report.by_status[received] = report.by_status.get(received, 0) + stored.stored


def _lane(message: FetchedMessage, backfill_before: datetime) -> Lane:
    """Old mail (a first sync, a re-sync) goes to the backfill lane so live mail comes first."""
    if message.internal_date is None:
        return Lane.LIVE
    return Lane.BACKFILL if message.internal_date < backfill_before else Lane.LIVE


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class Backoff:
    """How :func:`watch_mailbox` waits before reconnecting (tenacity, jittered, exponential)."""

    initial_seconds: float = 1.0
    max_seconds: float = 300.0
    healthy_seconds: float = 60.0


# What ends a watch session and is worth reconnecting for: the IMAP server (dropped,
# unreachable, refusing: an operator may fix credentials meanwhile) or the database.
_SESSION_ERRORS: tuple[type[Exception], ...] = (ConnectorError, OperationalError)


def watch_mailbox(
    database: Database,
    settings: ImapSettings,
    connect: Callable[[], MailboxClient],
    stop: threading.Event,
    *,
    poll_seconds: float = 60.0,
    backoff: Backoff | None = None,
) -> None:
    """Ingest until ``stop`` is set: IDLE when the server can, else poll; reconnect on errors.

    Each IDLE lasts at most ``poll_seconds`` (well under the 29 minutes RFC 2177 allows),
    so a stop request or a silently dropped connection is noticed within that time.
    A lost connection, a server that cannot be reached or refuses us, or a database that
    went away ends the session; tenacity waits a jittered, growing delay (logged with the
    error) and connects again. A session that ran for ``backoff.healthy_seconds`` resets
    the delay: one dropped connection after hours of work is retried at once.
    """
    backoff = backoff or Backoff()
    retrying = Retrying(
        retry=retry_if_exception_type(_SESSION_ERRORS),
        wait=wait_random_exponential(multiplier=backoff.initial_seconds, max=backoff.max_seconds),
        stop=stop_when_event_set(stop),
        sleep=lambda seconds: _sleep_unless_stopped(stop, seconds),
        before_sleep=_log_reconnect(settings.name),
        reraise=True,
    )

    def session() -> None:
        started = time.monotonic()
        try:
            with connect() as client:
                _ingest_until_stopped(database, client, settings, stop, poll_seconds)
        except _SESSION_ERRORS as exc:
            if time.monotonic() - started < backoff.healthy_seconds:
                raise  # tenacity waits longer each time
            log.warning("mailbox %r: %s; connection lost, reconnecting now", settings.name, exc)

    while not stop.is_set():
        try:
            retrying(session)
        except _SESSION_ERRORS:
            return  # stop was set while waiting to reconnect


def _sleep_unless_stopped(stop: threading.Event, seconds: float) -> None:
    stop.wait(seconds)  # a stop request cuts the wait short


def _log_reconnect(name: str) -> Callable[[RetryCallState], None]:
    def log_it(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        level = logging.WARNING if isinstance(exc, TransientError) else logging.ERROR
        log.log(
            level,
            "mailbox %r: %s; reconnecting in %.1fs (attempt %d)",
            name,
            exc,
            delay,
            state.attempt_number + 1,
        )

    return log_it


def _ingest_until_stopped(
    database: Database,
    client: MailboxClient,
    settings: ImapSettings,
    stop: threading.Event,
    poll_seconds: float,
) -> None:
    idle = client.supports_idle()
    log.info(
        "mailbox %r: watching %s (%s)",
        settings.name,
        settings.folder,
        "IDLE" if idle else f"polling every {poll_seconds:.0f}s",
    )
    while not stop.is_set():
        report = ingest_mailbox(database, client, settings)
        if report.stored:
            log.info(
                "mailbox %r: stored %d new messages %s",
                settings.name,
                report.stored,
                report.by_status,
            )
        if idle:
            client.wait_for_new_mail(min(poll_seconds, settings.idle_timeout))
        else:
            stop.wait(poll_seconds)
