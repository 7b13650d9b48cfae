"""kill -9 the outbox relay at random points; restart: no duplicate, no unapproved send (I2, I3).

Each trial approves a few more drafts (most with a standing approval, one whose approval
no longer stands at send time), starts ``_relay_child.py`` against the real aiosmtpd
capture server and a real Dovecot Sent folder, and SIGKILLs it a random time into its
work. Leases last 1 s, so later children recover what a killed one left in ``sending``
(and may be killed while doing so). At every crash point, and after un-killed final runs
that outlast the leases, the SMTP server's log must show every Message-ID at most once,
only for drafts whose approval stood, and the outbox must say nothing it cannot prove.

A reply that was handed to SMTP when its sender died, and is not in the Sent folder,
goes back to review as "may have been sent": that is the designed outcome (a human
decides), counted here, never resent automatically.

Replay a failure with the seed it prints: ``HATCHWAY_FAULT_SEED=<seed>`` gives every trial
the same drafts and kill delay again (the kill point itself still depends on timing).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hatchway.accounts import create_or_reset_user
from hatchway.intake import accept_raw_message
from hatchway.outbox import approve_draft
from hatchway.outbox.recovery import MAY_HAVE_BEEN_SENT
from hatchway.store import Database
from hatchway.store.models import (
    Approval,
    Category,
    CategoryMode,
    Draft,
    InboundMessage,
    InboundSource,
    InboundStatus,
    ModelPin,
    OutboxEntry,
    OutboxState,
    Role,
)
from tests.faults._harness import (
    FAULT_TEST_TIMEOUT,
    ChildLauncher,
    ChildRun,
    WorkClock,
    base_seed,
    fault_trials,
    imap_config,
    trial_rng,
)
from tests.fixtures.dovecot import DovecotServer
from tests.fixtures.smtp_server import SmtpTestServer

pytestmark = [
    pytest.mark.fault,
    pytest.mark.slow,
    pytest.mark.imap,
    pytest.mark.smtp,
    # 50+ kill trials outlast the suite's 300 s per-test limit on a loaded 2-CPU runner.
    pytest.mark.timeout(FAULT_TEST_TIMEOUT),
]

CHILD = Path(__file__).with_name("_relay_child.py")
SHOP = "support@shop.example"
LEASE_SECONDS = 1.0
PIN = "local:template@1.2.0"
OLD_PIN = "local:template@1.1.0"

# Kinds of approval a trial makes, and whether each still stands when the relay sends.
VALID_KINDS = ("human", "auto")
INVALID_KINDS = (
    "auto, category back in review mode",
    "auto, model pin changed since",
    "human, approver's account deactivated",
)


@dataclass(frozen=True)
class Approved:
    """One outbox entry the test made, and whether its approval stands at send time."""

    entry_id: int
    message_id: str
    kind: str

    @property
    def valid(self) -> bool:
        return self.kind in VALID_KINDS


class Approvals:
    """Stores inbound messages with drafts and approves them, as reviewers and the gate do."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.made: dict[str, Approved] = {}
        with database.session() as session:
            reviewer = create_or_reset_user(
                session, username="rita", password="pw-123456", role=Role.REVIEWER
            )
            leaver = create_or_reset_user(
                session, username="lee", password="pw-123456", role=Role.REVIEWER
            )
            session.add_all(
                [
                    Category(name="order_status", mode=CategoryMode.AUTO, threshold=0.9),
                    Category(name="refund", mode=CategoryMode.REVIEW),
                    ModelPin(
                        node="draft", spec=PIN, provider="local", model="template", version="1.2.0"
                    ),
                ]
            )
            session.flush()
            self.reviewer_id, self.leaver_id = reviewer.id, leaver.id

    def deactivate_leaver(self) -> None:
        """Lee approved some replies, then left: his approvals no longer stand (I2)."""
        with self.database.session() as session:
            leaver = create_or_reset_user(
                session, username="lee", password="pw-123456", role=Role.REVIEWER
            )
            leaver.active = False

    def approve(self, rng: random.Random, kinds: list[str]) -> None:
        with self.database.session() as session:
            for kind in kinds:
                number = len(self.made) + 1
                raw = (
                    f"From: Customer {number} <c{number}@example.com>\r\n"
                    f"To: {SHOP}\r\nSubject: Where is order NW-{200000 + number}?\r\n"
                    f"Message-ID: <fault-send-q{number}@example.com>\r\n"
                    "Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n\r\n"
                    f"Hello, where is my parcel? ({rng.getrandbits(32):08x})\r\n"
                )
                inbound = accept_raw_message(
                    session, raw=raw.encode(), source=InboundSource.FILE
                ).message
                category = "refund" if kind.startswith("auto, category") else "order_status"
                draft = Draft(
                    inbound_message_id=inbound.id,
                    category=category,
                    subject=f"Re: Where is order NW-{200000 + number}?",
                    body=f"Hello,\n\nyour parcel {number} left our warehouse today.\n\nNorthwind",
                )
                session.add(draft)
                session.flush()
                options: dict[str, Any]
                if kind.startswith("auto"):
                    pins = {"draft": OLD_PIN if "pin changed" in kind else PIN}
                    options = {"approval": Approval.AUTO, "model_pins": pins}
                else:
                    approver = self.leaver_id if "deactivated" in kind else self.reviewer_id
                    options = {"approval": Approval.HUMAN, "approved_by": approver}
                entry = approve_draft(
                    session,
                    draft=draft,
                    from_address=SHOP,
                    hold=timedelta(0),
                    **options,
                )
                self.made[entry.message_id] = Approved(entry.id, entry.message_id, kind)

    def batch(self, rng: random.Random) -> list[str]:
        """A trial's approvals: three by a reviewer, one automatic, one that no longer stands."""
        kinds = ["human", "human", "human", "auto", rng.choice(INVALID_KINDS)]
        rng.shuffle(kinds)
        return kinds


class ReceivedLog:
    """How often the SMTP server received each Message-ID.

    Every trial checks the whole capture, which grows to hundreds of messages: each
    captured file (complete once its ``.json`` exists, never changed after) is read once.
    """

    def __init__(self, smtp: SmtpTestServer) -> None:
        self.capture_dir = smtp.capture_dir
        self._ids: dict[str, str] = {}

    def counts(self) -> Counter[str]:
        for meta in self.capture_dir.glob("*.json"):
            if meta.name not in self._ids:
                raw = meta.with_suffix(".eml").read_bytes()
                headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
                self._ids[meta.name] = str(headers["Message-ID"])
        return Counter(self._ids.values())


def check_crash_point(
    database: Database, smtp: ReceivedLog, made: dict[str, Approved], where: str
) -> tuple[Counter[str], list[OutboxEntry]]:
    """What must hold whenever the relay died: nothing twice, nothing unapproved, no lie."""
    received = smtp.counts()
    with database.session() as session:
        entries = list(session.scalars(select(OutboxEntry)))
    twice = {message_id: n for message_id, n in received.items() if n > 1}
    assert not twice, f"{where}: DUPLICATE SENDS (I3) {twice}"
    unknown = set(received) - set(made)
    assert not unknown, f"{where}: sends that match no outbox entry: {unknown}"
    unapproved = {mid: made[mid].kind for mid in received if not made[mid].valid}
    assert not unapproved, f"{where}: SENT WITHOUT A STANDING APPROVAL (I2): {unapproved}"
    for entry in entries:
        state = OutboxState(entry.state)
        said = f"{where}: entry {entry.id} ({made[entry.message_id].kind}) is {state.value}"
        if state == OutboxState.SENT:
            assert entry.message_id in received, f"{said} but the SMTP server never got it"
        if not made[entry.message_id].valid:
            assert state in (OutboxState.HELD, OutboxState.RETURNED), said
        if entry.message_id in received and state != OutboxState.SENT:
            # It went out, so it must never be queued again: in flight, or with a human.
            in_flight = state == OutboxState.SENDING and entry.handoff_at is not None
            with_human = state == OutboxState.RETURNED and MAY_HAVE_BEEN_SENT in (
                entry.last_error or ""
            )
            assert in_flight or with_human, (
                f"{said} (handoff_at={entry.handoff_at}, last_error={entry.last_error!r}) "
                "although the SMTP server received it: it could be sent again"
            )
    return received, entries


def test_kill_9_during_sending_never_duplicates_and_never_sends_unapproved(
    database: Database,
    database_url: str,
    dovecot: DovecotServer,
    smtp_inbox: SmtpTestServer,
    tmp_path: Path,
) -> None:
    trials, seed = fault_trials(), base_seed()
    user = dovecot.new_user()
    dovecot.create_folder(user, "Sent")
    config = {
        "database_url": database_url,
        "smtp_port": smtp_inbox.port,
        "from_address": SHOP,
        "imap": imap_config(dovecot.settings(user)),
        "outbox": {
            "lease_seconds": LEASE_SECONDS,
            "retry_base_seconds": 0.2,
            "max_attempts": 3,
            "provider_files_sent": False,
        },
    }
    approvals = Approvals(database)
    approvals.deactivate_leaver()
    received_log = ReceivedLog(smtp_inbox)
    replay = f"replay with HATCHWAY_FAULT_SEED={seed}"
    started = time.monotonic()
    with ChildLauncher(CHILD, config, tmp_path / "children.log") as children:
        rng = trial_rng(seed, 0)
        approvals.approve(rng, approvals.batch(rng))
        calibration = children.run(kill_after=None)
        where = f"calibration ({replay}): {calibration.describe()}"
        assert calibration.returncode == 0, f"{where}\n{children.log_tail()}"
        check_crash_point(database, received_log, approvals.made, where)
        clock = WorkClock()
        clock.observe(calibration)

        interrupted: list[ChildRun] = []
        trial = 0
        while len(interrupted) < trials:
            trial += 1
            assert trial <= 3 * trials, (
                f"only {len(interrupted)} of {trial - 1} kills landed inside the work "
                f"(work ~{clock.typical * 1000:.0f} ms; {replay})"
            )
            rng = trial_rng(seed, trial)
            approvals.approve(rng, approvals.batch(rng))
            run = children.run(kill_after=clock.draw(rng))
            clock.observe(run)
            where = f"trial {trial} ({replay}): {run.describe()}"
            assert run.killed or run.returncode == 0, f"{where}\n{children.log_tail()}"
            check_crash_point(database, received_log, approvals.made, where)
            if not run.finished_work:
                interrupted.append(run)

        # Restart for good: one run now, and one after every lease has expired.
        first = children.run(kill_after=None)
        assert first.returncode == 0, f"final run: {first.describe()}\n{children.log_tail()}"
        time.sleep(LEASE_SECONDS + 0.2)
        last = children.run(kill_after=None, last=True)
        assert last.returncode == 0, f"recovery run: {last.describe()}\n{children.log_tail()}"

    where = f"after the final runs ({replay})"
    received, entries = check_crash_point(database, received_log, approvals.made, where)
    with database.session() as session:
        rows = session.execute(select(InboundMessage.id, InboundMessage.status))
        inbound_status = {row.id: InboundStatus(row.status) for row in rows}
    outcomes: Counter[str] = Counter()
    for entry in entries:
        made = approvals.made[entry.message_id]
        state = OutboxState(entry.state)
        said = f"{where}: entry {entry.id} ({made.kind}) is {state.value} ({entry.last_error!r})"
        assert state in (OutboxState.SENT, OutboxState.RETURNED), f"{said}: left behind"
        uncertain = state == OutboxState.RETURNED and MAY_HAVE_BEEN_SENT in (entry.last_error or "")
        if not made.valid:
            assert state == OutboxState.RETURNED and not uncertain, said
            outcome = "refused: approval no longer stands"
        elif state == OutboxState.SENT:
            outcome = "sent"
        else:
            assert uncertain, f"{said}: a valid approval returned for another reason"
            got = "received" if entry.message_id in received else "not received"
            outcome = f"back to review as 'may have been sent' ({got})"
        expected_status = (
            InboundStatus.SENT if state == OutboxState.SENT else InboundStatus.IN_REVIEW
        )
        assert inbound_status[entry.inbound_message_id] == expected_status, said
        outcomes[outcome] += 1
    assert sum(received.values()) == len(received), where
    assert len(entries) == len(approvals.made), where
    elapsed = time.monotonic() - started
    print(
        f"\nsend faults [{database.dialect}]: {len(interrupted)} kills mid-work in {trial} "
        f"trials, {len(entries)} entries, {sum(received.values())} received by SMTP, "
        f"work ~{clock.typical * 1000:.0f} ms, {elapsed:.1f} s, seed {seed}; {dict(outcomes)}; "
        f"killed after: {dict(Counter(run.kill_point for run in interrupted))}"
    )
