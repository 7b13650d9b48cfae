"""Robustness sweep over the public mail corpora in ../shared/data/mail (see its README)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hatchway.mail.parse import ParsedEmail, Quarantined
from hatchway.mail.signals import LoopSignalKind

MAIL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mail"

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(
        not MAIL.is_dir(), reason=f"{MAIL} is absent: the shared mail corpora are not present"
    ),
]

Results = dict[Path, ParsedEmail | Quarantined]


@pytest.fixture
def corpus(parsed_mail_corpus: Results) -> Results:
    """Every file under mail/**, parsed once for the session (see conftest.py)."""
    return parsed_mail_corpus


def in_folder(corpus: Results, folder: str) -> Iterator[tuple[Path, ParsedEmail | Quarantined]]:
    return ((path, result) for path, result in corpus.items() if path.parent.name == folder)


def test_every_message_parses_or_is_quarantined_with_a_reason(
    corpus: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    assert len(corpus) > 4000
    assert all(isinstance(result, ParsedEmail | Quarantined) for result in corpus.values())
    reasons = Counter(r.reason for r in corpus.values() if isinstance(r, Quarantined))
    with capsys.disabled():
        print(f"\nmail corpus: {len(corpus)} files, {sum(reasons.values())} quarantined")
        for reason, count in reasons.most_common():
            print(f"  {count:4d}  {reason}")
    # "could not be parsed" means an exception escaped our own code: a bug, not bad mail.
    assert not [reason for reason in reasons if reason.startswith("could not be parsed")]


def test_real_world_mail_is_almost_never_quarantined(corpus: Results) -> None:
    real = [r for p, r in corpus.items() if p.parent.parent.name == "spamassassin"]
    quarantined = sum(isinstance(result, Quarantined) for result in real)
    assert len(real) > 4000
    assert quarantined <= len(real) // 1000  # two spams with `From: "" <>` at the time of writing


def _expected_header(expectation: dict[str, Any], name: str) -> Any:
    headers = expectation["parts"][0]["headers"]
    return next((header["value"] for header in headers if header["name"] == name), None)


def _expected_mismatches(path: Path, result: ParsedEmail) -> Iterator[str]:
    expectation = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    subject = _expected_header(expectation, "subject")
    # U+FFFD in the expectation marks 8-bit bytes the reference parser gave up on; we decode them.
    text = subject.get("Text") if isinstance(subject, dict) else None
    if text and "\ufffd" not in text and " ".join(text.split()) != " ".join(result.subject.split()):
        yield f"{path.name}: subject {result.subject!r} != {text!r}"
    mailboxes = (_expected_header(expectation, "from") or {}).get("Address", {}).get("List")
    if mailboxes and "@" in (mailboxes[0]["address"] or ""):
        expected = mailboxes[0]["address"].lower(), " ".join((mailboxes[0]["name"] or "").split())
        if (result.from_.address.lower(), " ".join(result.from_.name.split())) != expected:
            yield f"{path.name}: from {result.from_} != {expected}"


def _expected_subject(expectation: dict[str, Any]) -> str | None:
    subject = _expected_header(expectation, "subject")
    return subject.get("Text") if isinstance(subject, dict) else None


def _quarantine_mismatches(path: Path, result: Quarantined) -> Iterator[str]:
    """A quarantine agrees when the expectation has no sender either and the subject matches."""
    expectation = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    mailboxes = ((_expected_header(expectation, "from") or {}).get("Address") or {}).get("List")
    if any("@" in (m["address"] or "") for m in mailboxes or []):
        yield f"{path.name}: quarantined ({result.reason}) but it has a sender"
    text = _expected_subject(expectation)
    if (
        text
        and "\ufffd" not in text
        and " ".join(text.split()) != " ".join((result.subject or "").split())
    ):
        yield f"{path.name}: quarantined with subject {result.subject!r} != {text!r}"


def test_stalwart_subject_and_from_match_the_expected_parse(
    corpus: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every stalwart-* message with an expected JSON beside it counts, quarantined ones too.
    with_expectation, agreeing, mismatches = 0, 0, []
    for path, result in corpus.items():
        if not (path.parent.name.startswith("stalwart-") and path.with_suffix(".json").is_file()):
            continue
        with_expectation += 1
        found = list(
            _expected_mismatches(path, result)
            if isinstance(result, ParsedEmail)
            else _quarantine_mismatches(path, result)
        )
        agreeing += not found
        mismatches += found
    share = agreeing / with_expectation if with_expectation else 0.0
    with capsys.disabled():
        print(
            f"\nstalwart: subject and sender agree with the expected JSON for {agreeing} of "
            f"{with_expectation} messages ({share:.1%}; issue 3 asks for >= 95%)"
        )
        for mismatch in mismatches:
            print(f"  {mismatch}")
    assert with_expectation > 100
    assert share >= 0.95


def test_stalwart_quarantines_only_messages_without_a_from_address(corpus: Results) -> None:
    for path, result in corpus.items():
        json_path = path.with_suffix(".json")
        if isinstance(result, Quarantined) and json_path.is_file():
            expectation = json.loads(json_path.read_text(encoding="utf-8"))
            mailboxes = ((_expected_header(expectation, "from") or {}).get("Address") or {}).get(
                "List"
            ) or []
            assert not any("@" in (m["address"] or "") for m in mailboxes), (path, result.reason)


def test_bounces_are_flagged(corpus: Results) -> None:
    bounces = [r for p, r in in_folder(corpus, "flanker") if p.name.startswith("bounce_")]
    parsed = [r for r in bounces if isinstance(r, ParsedEmail)]
    assert len(parsed) >= 8
    for result in parsed:
        assert LoopSignalKind.BOUNCE in {signal.kind for signal in result.loop_signals}


def test_spam_and_list_mail_exercise_the_signals(
    corpus: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    for folder in ("spam-2", "easy-ham-1", "hard-ham-1"):
        parsed = [r for _, r in in_folder(corpus, folder) if isinstance(r, ParsedEmail)]
        kinds = Counter(kind for r in parsed for kind in {s.kind for s in r.loop_signals})
        never = sum(bool(r.loop_signals) for r in parsed)
        with capsys.disabled():
            counts = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
            print(f"\n{folder}: {len(parsed)} parsed, {never} never to answer ({counts})")
        assert kinds[LoopSignalKind.MAILING_LIST] > 0
        assert kinds[LoopSignalKind.BULK] > 0
        assert kinds[LoopSignalKind.OWN_MESSAGE] == 0  # no own domains given
