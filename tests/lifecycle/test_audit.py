"""The audit queue: auto-sent replies sampled for a verdict; provable errors demote."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from hatchway.policies.audit import VerdictRefused, audit_stats, maybe_sample, record_verdict
from hatchway.policies.automation import Actor
from hatchway.store import Database
from hatchway.store.models import (
    Approval,
    AuditSample,
    AuditVerdict,
    Category,
    CategoryMode,
    Draft,
    InboundMessage,
    InboundSource,
    OutboxEntry,
    utcnow,
)

AUDITOR = Actor("ada")


def _auto_sent(database: Database, count: int) -> list[int]:
    ids = []
    with database.session() as session:
        session.add(Category(name="order_status", mode=CategoryMode.AUTO, target_error=0.01))
        for index in range(count):
            message = InboundMessage(
                source=InboundSource.FILE, raw=b"x", content_sha256=f"{index:064d}"
            )
            session.add(message)
            session.flush()
            draft = Draft(
                inbound_message_id=message.id, category="order_status", subject="s", body="b"
            )
            session.add(draft)
            session.flush()
            entry = OutboxEntry(
                draft_id=draft.id,
                inbound_message_id=message.id,
                message_id=f"<hw.{index}@shop.example>",
                approval=Approval.AUTO,
                from_address="support@shop.example",
                subject="s",
                body="b",
                hold_until=utcnow(),
            )
            session.add(entry)
            session.flush()
            ids.append(entry.id)
    return ids


def test_about_the_configured_share_is_sampled(database: Database) -> None:
    entries = _auto_sent(database, 200)
    rng = random.Random(7)
    with database.session() as session:
        for entry_id in entries:
            maybe_sample(session, session.get(OutboxEntry, entry_id), share=0.1, rng=rng)  # type: ignore[arg-type]
        sampled = len(session.scalars(select(AuditSample)).all())
    assert 10 <= sampled <= 32


def _sample_all(database: Database, entries: list[int]) -> list[int]:
    with database.session() as session:
        return [
            maybe_sample(session, session.get(OutboxEntry, e), share=1.0).id  # type: ignore[arg-type, union-attr]
            for e in entries
        ]


def test_one_error_is_noted_but_provable_errors_demote(database: Database) -> None:
    samples = _sample_all(database, _auto_sent(database, 12))
    verdicts = [AuditVerdict.CORRECT] * 9 + [AuditVerdict.CHANGED] * 3
    demoted_after = None
    for index, (sample, verdict) in enumerate(zip(samples, verdicts, strict=True)):
        with database.session() as session:
            record_verdict(session, sample_id=sample, verdict=verdict, actor=AUDITOR, note=None)
            mode = session.scalars(select(Category.mode)).one()
        if mode == CategoryMode.REVIEW and demoted_after is None:
            demoted_after = index
    assert demoted_after is not None and demoted_after >= 10  # not on the first error
    with database.session() as session:
        stats = audit_stats(session, "order_status")
    assert (stats.n, stats.errors) == (12, 3) and stats.lower > 0.01


def test_all_correct_never_demotes_and_a_verdict_is_final(database: Database) -> None:
    samples = _sample_all(database, _auto_sent(database, 5))
    for sample in samples:
        with database.session() as session:
            record_verdict(
                session, sample_id=sample, verdict=AuditVerdict.CORRECT, actor=AUDITOR, note="fine"
            )
    with database.session() as session:
        assert session.scalars(select(Category.mode)).one() == CategoryMode.AUTO
        with pytest.raises(VerdictRefused):
            record_verdict(
                session,
                sample_id=samples[0],
                verdict=AuditVerdict.CHANGED,
                actor=AUDITOR,
                note=None,
            )
        stats = audit_stats(session, "order_status")
    assert stats.errors == 0 and stats.upper < 0.6
