"""Sending what the outbox holds: at most once per approved draft (I3), only while allowed (I2).

One send is four steps, each its own transaction:

1. claim: held → sending under a lease, re-checking that the approval still stands;
2. mark the hand-off (``handoff_at``) — from here on the outcome may be unknown;
3. hand the message to SMTP;
4. record the answer: sent, retry later (4xx: nothing was delivered), or back to review.

A worker that dies leaves an entry in ``sending`` with an expired lease. Without a hand-off
mark it certainly did not go out and is queued again; with one, the Sent folder decides
(see :mod:`hatchway.outbox.recovery`) and anything still unclear goes to a human.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import select, update

from hatchway.connectors.smtp import MailSender, SendOutcomeUnknown, SendReceipt
from hatchway.errors import ConnectorError, TransientError
from hatchway.mail.compose import message_bytes
from hatchway.observability.context import log_context
from hatchway.outbox.announce import announce_sent
from hatchway.outbox.guard import refusal_reason
from hatchway.outbox.message import entry_message
from hatchway.outbox.recovery import Recovery, return_to_review, set_inbound_status
from hatchway.outbox.sent_folder import SentFolder
from hatchway.outbox.settings import OutboxSettings
from hatchway.store import Database
from hatchway.store.models import InboundStatus, OutboxEntry, OutboxState, utcnow
from hatchway.worker import worker_name

__all__ = ["OutboxRelay", "RelayResult"]

log = logging.getLogger(__name__)


@dataclass
class RelayResult:
    """What one pass did."""

    sent: int = 0
    retried: int = 0
    returned: int = 0
    recovered: int = 0


@dataclass(frozen=True)
class _Claim:
    id: int
    token: int
    attempts: int
    message_id: str
    message: EmailMessage
    inbound_message_id: int


class OutboxRelay:
    """Sends due outbox entries through a MailSender; files copies in the Sent folder."""

    def __init__(
        self,
        database: Database,
        sender: MailSender,
        settings: OutboxSettings,
        *,
        sent_folder: SentFolder | None = None,
        owner: str | None = None,
    ) -> None:
        self.database = database
        self.sender = sender
        self.settings = settings
        self.sent_folder = sent_folder
        self.owner = owner or worker_name()
        self.recovery = Recovery(database, settings, sent_folder)

    def relay_once(self) -> RelayResult:
        """Recover abandoned sends, then send every entry that is due."""
        result = RelayResult(recovered=self.recovery.recover_expired(self.owner))
        tried: set[int] = set()  # one attempt per entry per pass, however short its retry delay
        while (claim := self._claim(result, tried)) is not None:
            tried.add(claim.id)
            with log_context(item_id=claim.inbound_message_id):
                self._send(claim, result)
        self.recovery.file_pending_copies()
        return result

    def _claim(self, result: RelayResult, tried: set[int]) -> _Claim | None:
        now = utcnow()
        due = (
            select(OutboxEntry)
            .where(OutboxEntry.state == OutboxState.HELD, OutboxEntry.hold_until <= now)
            .where(OutboxEntry.id.not_in(tried))
            .order_by(OutboxEntry.hold_until, OutboxEntry.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        with self.database.session() as session:
            while (entry := session.scalars(due).first()) is not None:
                reason = refusal_reason(session, entry)
                if reason is None:
                    return self._lease(entry)
                return_to_review(session, entry, reason)
                result.returned += 1
        return None

    def _lease(self, entry: OutboxEntry) -> _Claim:
        entry.state = OutboxState.SENDING
        entry.lease_owner = self.owner
        entry.lease_expires_at = utcnow() + timedelta(seconds=self.settings.lease_seconds)
        entry.lease_token += 1
        entry.attempts += 1
        entry.handoff_at = None
        message = entry_message(entry)
        return _Claim(
            entry.id,
            entry.lease_token,
            entry.attempts,
            entry.message_id,
            message,
            entry.inbound_message_id,
        )

    def _send(self, claim: _Claim, result: RelayResult) -> None:
        if not self._mark_handoff(claim):
            log.warning("outbox %s: lease lost before hand-off; not sending", claim.id)
            return
        try:
            receipt = self.sender.send(claim.message)
        except SendOutcomeUnknown as exc:
            log.error("outbox %s: outcome unknown (%s); checking the Sent folder", claim.id, exc)
            self.recovery.resolve_unknown(claim.id, str(exc))
            result.recovered += 1
        except TransientError as exc:
            self._retry_or_return(claim, f"{exc}", result)
        except ConnectorError as exc:
            self._return(claim, f"the mail server refused it: {exc}")
            result.returned += 1
        except Exception as exc:  # a bug after hand-off: we cannot know what happened
            log.exception("outbox %s: unexpected error after hand-off", claim.id)
            self.recovery.resolve_unknown(claim.id, f"{type(exc).__name__}: {exc}")
            result.recovered += 1
        else:
            self._record_sent(claim, receipt)
            result.sent += 1

    def _mark_handoff(self, claim: _Claim) -> bool:
        with self.database.session() as session:
            marked = session.execute(
                update(OutboxEntry)
                .where(
                    OutboxEntry.id == claim.id,
                    OutboxEntry.lease_token == claim.token,
                    OutboxEntry.state == OutboxState.SENDING,
                )
                .values(handoff_at=utcnow())
            )
            return bool(marked.rowcount)  # type: ignore[attr-defined]

    def _record_sent(self, claim: _Claim, receipt: SendReceipt) -> None:
        response = f"{receipt.reply.code} {receipt.reply.text}"
        if receipt.refused:
            response += "; refused: " + ", ".join(r.address for r in receipt.refused)
        with self.database.session() as session:
            # Whatever a recovery concluded meanwhile, the server said it took the message.
            session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id == claim.id)
                .values(
                    state=OutboxState.SENT,
                    sent_at=utcnow(),
                    smtp_response=response[:2000],
                    lease_owner=None,
                    lease_expires_at=None,
                    last_error=None,
                )
            )
            set_inbound_status(session, claim.id, InboundStatus.SENT, None)
            entry = session.get(OutboxEntry, claim.id)
            if entry is not None:
                announce_sent(session, entry, audit_share=self.settings.audit_share)
        log.info("outbox %s: sent %s (%s)", claim.id, claim.message_id, response)
        if self.sent_folder is not None and not self.settings.provider_files_sent:
            self.recovery.file_copy(claim.id, message_bytes(claim.message))

    def _retry_or_return(self, claim: _Claim, error: str, result: RelayResult) -> None:
        if claim.attempts >= self.settings.max_attempts:
            self._return(claim, f"still failing after {claim.attempts} attempts: {error}")
            result.returned += 1
            return
        delay = self.settings.retry_base_seconds * 2 ** (claim.attempts - 1)
        with self.database.session() as session:
            session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id == claim.id, OutboxEntry.lease_token == claim.token)
                .values(
                    state=OutboxState.HELD,
                    handoff_at=None,
                    last_error=error[:2000],
                    hold_until=utcnow() + timedelta(seconds=delay),
                    lease_owner=None,
                    lease_expires_at=None,
                )
            )
        log.warning("outbox %s: temporary failure (%s); retry in %.0fs", claim.id, error, delay)
        result.retried += 1

    def _return(self, claim: _Claim, reason: str) -> None:
        with self.database.session() as session:
            entry = session.get(OutboxEntry, claim.id)
            if entry is not None and entry.lease_token == claim.token:
                return_to_review(session, entry, reason)
