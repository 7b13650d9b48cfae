"""After a crash or an unknown SMTP outcome: decide, from evidence, whether a reply went out.

Never retried blindly (invariant I3). An entry abandoned *before* its hand-off mark is
queued again. One abandoned *after* it is looked up in the Sent folder: found → sent;
missing, and the provider files every sent message there → provably not sent, queued
again; anything else → back to the review inbox as "may have been sent", for a human.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hatchway.errors import ConnectorError
from hatchway.mail.compose import message_bytes
from hatchway.outbox.announce import announce_sent
from hatchway.outbox.message import entry_message
from hatchway.outbox.sent_folder import SentFolder
from hatchway.outbox.settings import OutboxSettings
from hatchway.store import Database
from hatchway.store.models import InboundMessage, InboundStatus, OutboxEntry, OutboxState, utcnow
from hatchway.webhooks.events import record_back_in_review

__all__ = ["MAY_HAVE_BEEN_SENT", "Recovery", "return_to_review", "set_inbound_status"]

log = logging.getLogger(__name__)

MAY_HAVE_BEEN_SENT = "may have been sent"
PENDING_COPIES_PER_PASS = 20


def set_inbound_status(
    session: Session, entry_id: int, status: InboundStatus, reason: str | None
) -> None:
    """Set the status of the inbound message an outbox entry answers."""
    inbound_id = select(OutboxEntry.inbound_message_id).where(OutboxEntry.id == entry_id)
    session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == inbound_id.scalar_subquery())
        .values(status=status, status_reason=reason)
    )


def return_to_review(session: Session, entry: OutboxEntry, reason: str) -> None:
    """Take the entry out of the outbox and put its message back in the review inbox."""
    entry.state = OutboxState.RETURNED
    entry.last_error = reason[:2000]
    entry.lease_owner = entry.lease_expires_at = None
    status_reason = f"not sent: {reason}"[:4000]
    set_inbound_status(session, entry.id, InboundStatus.IN_REVIEW, status_reason)
    record_back_in_review(
        session, entry.inbound_message_id, reason=status_reason, draft_id=entry.draft_id
    )
    log.warning("outbox %s returned to review: %s", entry.id, reason)


class Recovery:
    """Resolves abandoned and unknown sends, and files copies that could not be filed."""

    def __init__(
        self, database: Database, settings: OutboxSettings, sent_folder: SentFolder | None
    ) -> None:
        self.database = database
        self.settings = settings
        self.sent_folder = sent_folder

    def recover_expired(self, owner: str) -> int:
        """Resolve every entry whose sender's lease expired. Returns how many."""
        expired = (
            select(OutboxEntry.id)
            .where(
                OutboxEntry.state == OutboxState.SENDING, OutboxEntry.lease_expires_at < utcnow()
            )
            .with_for_update(skip_locked=True)
        )
        with self.database.session() as session:
            ids = list(session.scalars(expired))
            handed_over = []
            for entry_id in ids:
                entry = session.get(OutboxEntry, entry_id)
                assert entry is not None
                entry.lease_token += 1  # fence off the owner that went away
                # Until resolved it stays ours; if we die too, the next pass tries again.
                entry.lease_owner = owner
                entry.lease_expires_at = utcnow() + timedelta(seconds=self.settings.lease_seconds)
                if entry.handoff_at is None:
                    self._requeue(entry, "the worker stopped before handing it over")
                else:
                    handed_over.append(entry_id)
        for entry_id in handed_over:
            self.resolve_unknown(entry_id, "the worker stopped after handing it to SMTP")
        return len(ids)

    def resolve_unknown(self, entry_id: int, cause: str) -> None:
        """Decide from the Sent folder what happened to a send whose outcome is unknown."""
        verdict = self._look_in_sent(entry_id)
        with self.database.session() as session:
            entry = session.get(OutboxEntry, entry_id)
            if entry is None or entry.state in (OutboxState.SENT, OutboxState.CANCELLED):
                return
            if verdict is True:
                self._found_in_sent(session, entry)
            elif verdict is False and self.settings.provider_files_sent:
                self._requeue(entry, f"{cause}; not in the Sent folder, so it did not go out")
            else:
                why = "not found in Sent" if verdict is False else "the Sent folder gave no answer"
                return_to_review(session, entry, f"{MAY_HAVE_BEEN_SENT}: {cause} ({why})")

    def file_copy(self, entry_id: int, raw: bytes) -> None:
        """Append a sent message to the Sent folder; a failure is retried on later passes."""
        if self.sent_folder is None:
            return
        try:
            self.sent_folder.append(raw)
        except ConnectorError as exc:
            log.warning("outbox %s: copy to Sent failed (%s); will retry", entry_id, exc)
            return
        with self.database.session() as session:
            session.execute(
                update(OutboxEntry).where(OutboxEntry.id == entry_id).values(copied_to_sent=True)
            )

    def file_pending_copies(self) -> None:
        """Retry filing copies of sent messages that are not in the Sent folder yet."""
        if self.sent_folder is None or self.settings.provider_files_sent:
            return
        pending = (
            select(OutboxEntry)
            .where(OutboxEntry.state == OutboxState.SENT, OutboxEntry.copied_to_sent.is_(False))
            .where(OutboxEntry.sent_at < utcnow() - timedelta(minutes=1))
            .limit(PENDING_COPIES_PER_PASS)
        )
        with self.database.session() as session:
            entries = list(session.scalars(pending))
        for entry in entries:
            self.file_copy(entry.id, message_bytes(entry_message(entry, date=entry.sent_at)))

    def _look_in_sent(self, entry_id: int) -> bool | None:
        if self.sent_folder is None:
            return None
        with self.database.session() as session:
            message_id = session.scalar(
                select(OutboxEntry.message_id).where(OutboxEntry.id == entry_id)
            )
        try:
            return message_id is not None and self.sent_folder.contains(message_id)
        except ConnectorError as exc:
            log.warning("outbox %s: Sent folder lookup failed: %s", entry_id, exc)
            return None

    def _found_in_sent(self, session: Session, entry: OutboxEntry) -> None:
        entry.state, entry.sent_at, entry.copied_to_sent = OutboxState.SENT, utcnow(), True
        entry.smtp_response = "outcome recovered: found in the Sent folder"
        set_inbound_status(session, entry.id, InboundStatus.SENT, None)
        announce_sent(session, entry, audit_share=self.settings.audit_share)
        log.info("outbox %s: found in the Sent folder; recorded as sent", entry.id)

    def _requeue(self, entry: OutboxEntry, reason: str) -> None:
        entry.state, entry.hold_until, entry.handoff_at = OutboxState.HELD, utcnow(), None
        entry.last_error = reason
        log.warning("outbox %s: queued again: %s", entry.id, reason)
