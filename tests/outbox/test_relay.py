"""The outbox on fakes, on SQLite and PostgreSQL: hold, undo, retries, guards, recovery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from hatchway.connectors.imap import InMemoryAccount
from hatchway.connectors.smtp import (
    InMemoryMailSender,
    SendOutcomeUnknown,
    SendRejected,
    SmtpTransientError,
)
from hatchway.outbox import OutboxRelay, OutboxSettings, cancel_held
from hatchway.outbox.approve import ApprovalRefused
from hatchway.outbox.sent_folder import ImapSentFolder
from hatchway.store.models import (
    AUTO_SEND_KILL_SWITCH,
    Approval,
    Category,
    CategoryMode,
    Flag,
    InboundMessage,
    InboundStatus,
    ModelPin,
    OutboxEntry,
    OutboxState,
    utcnow,
)
from tests.outbox.conftest import Scene


def _entry(scene: Scene, entry_id: int) -> OutboxEntry:
    with scene.database.session() as session:
        entry = session.get(OutboxEntry, entry_id)
        assert entry is not None
        return entry


def _inbound(scene: Scene) -> InboundMessage:
    with scene.database.session() as session:
        inbound = session.get(InboundMessage, scene.inbound_id)
        assert inbound is not None
        return inbound


def test_approved_reply_is_sent_once_with_threading_and_filed(
    scene: Scene,
    sender: InMemoryMailSender,
    sent_folder: ImapSentFolder,
    outbox_settings: OutboxSettings,
    imap_account: InMemoryAccount,
) -> None:
    entry = scene.approve()
    relay = OutboxRelay(scene.database, sender, outbox_settings, sent_folder=sent_folder)
    assert relay.relay_once().sent == 1
    assert relay.relay_once().sent == 0
    [sent] = sender.sent
    assert sent.message["Message-ID"] == entry.message_id
    assert sent.message["In-Reply-To"] == "<q1@example.com>"
    assert sent.message["References"] == "<root@example.com> <q1@example.com>"
    assert sent.rcpt_tos == ("jo@example.com",)
    assert _entry(scene, entry.id).state == OutboxState.SENT
    assert _entry(scene, entry.id).copied_to_sent
    assert sent_folder.contains(entry.message_id)
    assert _inbound(scene).status == InboundStatus.SENT


def test_approving_twice_gives_the_same_entry(scene: Scene) -> None:
    first, second = scene.approve(), scene.approve()
    assert first.id == second.id and first.message_id == second.message_id


def test_nothing_is_sent_during_the_hold_and_undo_cancels(
    scene: Scene, sender: InMemoryMailSender, outbox_settings: OutboxSettings
) -> None:
    entry = scene.approve(hold=timedelta(minutes=5))
    relay = OutboxRelay(scene.database, sender, outbox_settings)
    assert relay.relay_once().sent == 0
    with scene.database.session() as session:
        assert cancel_held(session, entry.id, by_user=scene.reviewer_id, reason="typo")
    with scene.database.session() as session:
        session.execute(update(OutboxEntry).values(hold_until=utcnow()))
    assert relay.relay_once().sent == 0 and sender.sent == []
    assert _inbound(scene).status == InboundStatus.IN_REVIEW


def test_undo_after_sending_is_refused(
    scene: Scene, sender: InMemoryMailSender, outbox_settings: OutboxSettings
) -> None:
    entry = scene.approve()
    OutboxRelay(scene.database, sender, outbox_settings).relay_once()
    with scene.database.session() as session:
        assert not cancel_held(session, entry.id, by_user=scene.reviewer_id, reason="late")


def test_temporary_failures_retry_then_return_to_review(
    scene: Scene, sender: InMemoryMailSender, outbox_settings: OutboxSettings
) -> None:
    entry = scene.approve()
    sender.fail_next(3, SmtpTransientError("451 try later", code=451))
    relay = OutboxRelay(scene.database, sender, outbox_settings)
    for attempt in range(1, 4):
        with scene.database.session() as session:
            session.execute(update(OutboxEntry).values(hold_until=utcnow()))
        relay.relay_once()
        assert _entry(scene, entry.id).attempts == attempt
    stored = _entry(scene, entry.id)
    assert stored.state == OutboxState.RETURNED and "451" in (stored.last_error or "")
    assert sender.sent == []
    assert "not sent" in (_inbound(scene).status_reason or "")


def test_one_pass_tries_an_entry_once_however_short_its_retry_delay(
    scene: Scene, sender: InMemoryMailSender
) -> None:
    entry = scene.approve()
    sender.fail_next(3, SmtpTransientError("451 try later", code=451))
    settings = OutboxSettings(retry_base_seconds=0.000001, max_attempts=3, lease_seconds=60)
    with scene.database.session() as session:
        session.execute(update(OutboxEntry).values(hold_until=utcnow()))
    result = OutboxRelay(scene.database, sender, settings).relay_once()
    assert (result.retried, _entry(scene, entry.id).attempts) == (1, 1)


def test_permanent_rejection_returns_to_review_with_the_reason(
    scene: Scene, sender: InMemoryMailSender, outbox_settings: OutboxSettings
) -> None:
    entry = scene.approve()
    sender.fail_next(1, SendRejected(550, "5.1.1 no such user", ("jo@example.com",)))
    assert OutboxRelay(scene.database, sender, outbox_settings).relay_once().returned == 1
    assert "550" in (_entry(scene, entry.id).last_error or "")
    assert _inbound(scene).status == InboundStatus.IN_REVIEW


def test_loop_mail_cannot_be_approved(scene: Scene) -> None:
    with scene.database.session() as session:
        session.execute(
            update(InboundMessage).values(
                loop_signals=[{"kind": "auto_submitted", "evidence": "x"}]
            )
        )
    with pytest.raises(ApprovalRefused, match="never be answered"):
        scene.approve()


def _auto_ready(scene: Scene, pins: dict[str, str]) -> None:
    with scene.database.session() as session:
        session.add(Category(name="order_status", mode=CategoryMode.AUTO))
        for node, spec in pins.items():
            session.add(ModelPin(node=node, spec=spec, provider="local", model=node, version="1"))


@pytest.mark.parametrize("change", ["global_kill", "category_kill", "demoted", "pin_changed"])
def test_auto_send_is_refused_when_its_approval_no_longer_stands(
    scene: Scene, sender: InMemoryMailSender, outbox_settings: OutboxSettings, change: str
) -> None:
    pins = {"classify": "local:intent-tfidf@sha256:" + "a" * 64}
    _auto_ready(scene, pins)
    entry = scene.approve(approval=Approval.AUTO, approved_by=None, model_pins=pins)
    with scene.database.session() as session:
        category = session.query(Category).one()
        if change == "global_kill":
            session.add(Flag(name=AUTO_SEND_KILL_SWITCH, enabled=True))
        elif change == "category_kill":
            category.kill_switch = True
        elif change == "demoted":
            category.mode = CategoryMode.REVIEW
        else:
            session.query(ModelPin).one().spec = "local:intent-tfidf@sha256:" + "b" * 64
    assert OutboxRelay(scene.database, sender, outbox_settings).relay_once().returned == 1
    assert sender.sent == []
    assert _entry(scene, entry.id).state == OutboxState.RETURNED


def test_auto_send_goes_out_while_everything_is_current(
    scene: Scene, sender: InMemoryMailSender, outbox_settings: OutboxSettings
) -> None:
    pins = {"draft": "local:template-drafter@1"}
    _auto_ready(scene, pins)
    scene.approve(approval=Approval.AUTO, approved_by=None, model_pins=pins)
    assert OutboxRelay(scene.database, sender, outbox_settings).relay_once().sent == 1


def _abandon(scene: Scene, entry_id: int, *, handed_over: bool) -> None:
    """What a worker killed mid-send leaves behind."""
    with scene.database.session() as session:
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id == entry_id)
            .values(
                state=OutboxState.SENDING,
                lease_expires_at=utcnow() - timedelta(seconds=1),
                handoff_at=utcnow() if handed_over else None,
                attempts=1,
                lease_token=1,
            )
        )


def test_crash_before_hand_off_is_resent(
    scene: Scene, sender: InMemoryMailSender, outbox_settings: OutboxSettings
) -> None:
    entry = scene.approve()
    _abandon(scene, entry.id, handed_over=False)
    result = OutboxRelay(scene.database, sender, outbox_settings).relay_once()
    assert (result.recovered, result.sent) == (1, 1)


def test_crash_after_hand_off_found_in_sent_is_not_resent(
    scene: Scene,
    sender: InMemoryMailSender,
    sent_folder: ImapSentFolder,
    outbox_settings: OutboxSettings,
    imap_account: InMemoryAccount,
) -> None:
    entry = scene.approve()
    _abandon(scene, entry.id, handed_over=True)
    imap_account.deliver("Sent", f"Message-ID: {entry.message_id}\r\n\r\nhi\r\n".encode())
    relay = OutboxRelay(scene.database, sender, outbox_settings, sent_folder=sent_folder)
    assert relay.relay_once().sent == 0
    assert sender.sent == []
    assert _entry(scene, entry.id).state == OutboxState.SENT


@pytest.mark.parametrize("provider_files_sent", [False, True])
def test_crash_after_hand_off_missing_from_sent(
    scene: Scene,
    sender: InMemoryMailSender,
    sent_folder: ImapSentFolder,
    outbox_settings: OutboxSettings,
    provider_files_sent: bool,
) -> None:
    entry = scene.approve()
    _abandon(scene, entry.id, handed_over=True)
    settings = outbox_settings.model_copy(update={"provider_files_sent": provider_files_sent})
    relay = OutboxRelay(scene.database, sender, settings, sent_folder=sent_folder)
    relay.relay_once()
    stored = _entry(scene, entry.id)
    if provider_files_sent:  # its absence proves it never went out: resent, once
        assert len(sender.sent) == 1 and stored.state == OutboxState.SENT
    else:  # no proof either way: a human decides
        assert sender.sent == [] and stored.state == OutboxState.RETURNED
        assert "may have been sent" in (_inbound(scene).status_reason or "")


def test_unknown_outcome_from_smtp_is_never_retried_blindly(
    scene: Scene, sender: InMemoryMailSender, outbox_settings: OutboxSettings
) -> None:
    entry = scene.approve()
    sender.fail_next(1, SendOutcomeUnknown(entry.message_id, "connection reset after DATA"))
    relay = OutboxRelay(scene.database, sender, outbox_settings)
    relay.relay_once()
    relay.relay_once()
    assert sender.sent == []
    assert _entry(scene, entry.id).state == OutboxState.RETURNED


def test_an_auto_send_is_drawn_into_the_audit_queue(
    scene: Scene, sender: InMemoryMailSender, outbox_settings: OutboxSettings
) -> None:
    from hatchway.store.models import AuditSample

    pins = {"draft": "local:template-drafter@1"}
    _auto_ready(scene, pins)
    scene.approve(approval=Approval.AUTO, approved_by=None, model_pins=pins)
    settings = outbox_settings.model_copy(update={"audit_share": 1.0})
    assert OutboxRelay(scene.database, sender, settings).relay_once().sent == 1
    with scene.database.session() as session:
        sample = session.query(AuditSample).one()
    assert sample.category == "order_status" and sample.verdict == "pending"
