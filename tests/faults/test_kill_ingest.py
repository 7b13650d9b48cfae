"""kill -9 the ingest worker at random points; restart; nothing lost, nothing twice (I1).

Each trial delivers a few new messages to a real Dovecot mailbox, starts
``_ingest_child.py`` (fetch chunks of 3, so every few messages are a commit point) and
SIGKILLs it a random time into its work. At every crash point the stored state must be
one a restart can continue from without loss: the bookmark never passes a message that is
not stored, nothing is stored twice, every message has its one triage job (which parses
it). After all trials an un-killed run must have stored exactly what was delivered, and
the jobs' parse step must ignore the bulk and auto-replied mail (I6) and keep the rest.

Replay a failure with the seed it prints: ``HATCHWAY_FAULT_SEED=<seed>`` gives every trial
the same workload and kill delay again (the kill point itself still depends on timing).
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from hatchway.intake import TRIAGE_JOB, parse_for_triage
from hatchway.store import Database
from hatchway.store.models import InboundMessage, InboundStatus, Job, Mailbox
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

pytestmark = [
    pytest.mark.fault,
    pytest.mark.slow,
    pytest.mark.imap,
    # 50+ kill trials outlast the suite's 300 s per-test limit on a loaded 2-CPU runner.
    pytest.mark.timeout(FAULT_TEST_TIMEOUT),
]

CHILD = Path(__file__).with_name("_ingest_child.py")
CHUNK_SIZE = 3
CALIBRATION_MESSAGES = 11


class Mailroom:
    """Delivers unique messages to one Dovecot user and remembers them in UID order."""

    def __init__(self, dovecot: DovecotServer, user: str) -> None:
        self.dovecot = dovecot
        self.user = user
        self.count = 0
        self.delivered: dict[int, bytes] = {}  # by the UID the server gave each message

    def deliver(self, rng: random.Random, count: int) -> None:
        batch = [self._message(rng, self.count + n) for n in range(1, count + 1)]
        self.count += count
        uids = self.dovecot.deliver_all(self.user, batch)
        self.delivered.update(zip(uids, batch, strict=True))

    def _message(self, rng: random.Random, number: int) -> bytes:
        kind = rng.choices(["customer", "reply", "bulk", "auto"], weights=[6, 2, 1, 1])[0]
        headers = [
            f"From: Customer {number} <c{number}@example.com>",
            "To: support@shop.example",
            f"Subject: Question {number} about order NW-{100000 + number}",
            f"Message-ID: <fault-ingest-{number}@example.com>",
            "Date: Sun, 22 Nov 2026 10:00:00 +0000",
        ]
        if kind == "reply" and number > 1:
            earlier = rng.randrange(1, number)
            headers.append(f"In-Reply-To: <fault-ingest-{earlier}@example.com>")
        elif kind == "bulk":
            headers.append("Precedence: bulk")
        elif kind == "auto":
            headers.append("Auto-Submitted: auto-replied")
        body = f"Where is my parcel? ({kind} {number}, {rng.getrandbits(32):08x})"
        return ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode()


def check_crash_point(
    database: Database, delivered: dict[int, bytes], where: str
) -> tuple[int, int]:
    """The invariants that must hold whenever the worker died. Returns (bookmark, stored)."""
    with database.session() as session:
        bookmarks = list(session.execute(select(Mailbox.id, Mailbox.last_uid)))
        stored = list(
            session.execute(
                select(
                    InboundMessage.id,
                    InboundMessage.mailbox_id,
                    InboundMessage.uidvalidity,
                    InboundMessage.uid,
                    InboundMessage.content_sha256,
                    InboundMessage.raw,
                    InboundMessage.status,
                    InboundMessage.parsed_at,
                )
            )
        )
        jobs = Counter(
            session.scalars(select(Job.inbound_message_id).where(Job.kind == TRIAGE_JOB))
        )
    assert len(bookmarks) <= 1, f"{where}: more than one mailbox row: {bookmarks}"
    bookmark = bookmarks[0].last_uid if bookmarks else 0
    keys = Counter((row.mailbox_id, row.uidvalidity, row.uid) for row in stored)
    twice = [key for key, n in keys.items() if n > 1]
    assert not twice, f"{where}: (mailbox, uidvalidity, uid) stored twice: {twice}"
    hashes = Counter(row.content_sha256 for row in stored)
    assert all(n == 1 for n in hashes.values()), f"{where}: same content stored twice"
    by_uid = {row.uid: row for row in stored}
    missing = [uid for uid in sorted(delivered) if uid <= bookmark and uid not in by_uid]
    assert not missing, (
        f"{where}: bookmark at UID {bookmark} but UIDs {missing} are not stored: "
        "a restart would never fetch them (lost)"
    )
    beyond = sorted(uid for uid in by_uid if uid is None or uid > bookmark)
    assert not beyond, (
        f"{where}: UIDs {beyond} stored but the bookmark is {bookmark}: a chunk and its "
        "bookmark were not committed together"
    )
    for row in stored:
        assert row.uid in delivered, f"{where}: UID {row.uid} was never delivered"
        expected = delivered[row.uid]
        assert row.raw == expected, f"{where}: UID {row.uid} stored with other bytes"
        assert row.content_sha256 == hashlib.sha256(expected).hexdigest(), where
        # Ingest stores raw bytes only: every message waits for its job to parse it.
        assert (InboundStatus(row.status), row.parsed_at) == (InboundStatus.RECEIVED, None), where
        assert jobs.get(row.id, 0) == 1, (
            f"{where}: message {row.id} (UID {row.uid}, {row.status}) has "
            f"{jobs.get(row.id, 0)} triage jobs"
        )
    orphans = set(jobs) - {row.id for row in stored}
    assert not orphans, f"{where}: triage jobs for messages not stored: {orphans}"
    return bookmark, len(stored)


def test_kill_9_during_ingest_loses_nothing_and_stores_nothing_twice(
    database: Database,
    database_url: str,
    dovecot: DovecotServer,
    tmp_path: Path,
) -> None:
    trials, seed = fault_trials(), base_seed()
    user = dovecot.new_user()
    settings = dovecot.settings(user).model_copy(update={"fetch_chunk_size": CHUNK_SIZE})
    config = {"database_url": database_url, "imap": imap_config(settings)}
    mail = Mailroom(dovecot, user)
    replay = f"replay with HATCHWAY_FAULT_SEED={seed}"
    started = time.monotonic()
    with ChildLauncher(CHILD, config, tmp_path / "children.log") as children:
        # Calibration: an un-killed run on a typical batch says how long the work takes.
        mail.deliver(trial_rng(seed, 0), CALIBRATION_MESSAGES)
        calibration = children.run(kill_after=None)
        assert calibration.returncode == 0, f"{calibration.describe()}\n{children.log_tail()}"
        check_crash_point(database, mail.delivered, f"calibration ({replay})")
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
            mail.deliver(rng, rng.randint(6, 16))
            run = children.run(kill_after=clock.draw(rng))
            clock.observe(run)
            where = f"trial {trial} ({replay}): {run.describe()}"
            assert run.killed or run.returncode == 0, f"{where}\n{children.log_tail()}"
            check_crash_point(database, mail.delivered, where)
            if not run.finished_work:
                interrupted.append(run)

        final = children.run(kill_after=None, last=True)
        assert final.returncode == 0, f"final run: {final.describe()}\n{children.log_tail()}"
    where = f"after the final run ({replay})"
    bookmark, stored = check_crash_point(database, mail.delivered, where)
    with database.session() as session:
        raws = list(session.scalars(select(InboundMessage.raw)))
    assert set(raws) == set(mail.delivered.values()), f"{where}: stored set != delivered set"
    assert (stored, bookmark) == (len(mail.delivered), max(mail.delivered)), where
    with database.session() as session:
        job_messages = list(session.scalars(select(Job.inbound_message_id)))
    statuses = Counter(parse_for_triage(database, message) for message in job_messages)
    with database.session() as session:
        loop_mail = sum(
            b"Precedence: bulk" in raw or b"Auto-Submitted:" in raw
            for raw in session.scalars(select(InboundMessage.raw))
        )
    assert statuses == {
        InboundStatus.IGNORED: loop_mail,
        InboundStatus.RECEIVED: stored - loop_mail,
    }, f"{where}: parse step statuses {statuses}"
    elapsed = time.monotonic() - started
    print(
        f"\ningest faults [{database.dialect}]: {len(interrupted)} kills mid-work in "
        f"{trial} trials, {len(mail.delivered)} messages, work ~{clock.typical * 1000:.0f} ms, "
        f"{elapsed:.1f} s, seed {seed}; killed after: "
        f"{dict(Counter(run.kill_point for run in interrupted))}"
    )
