"""Shared helpers for the agent tests: the demo data paths and the demo mailbox as requests."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from hatchway.agents.requests import ClassifyRequest
from hatchway.mail.parse import ParsedEmail, parse_message

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"
TRAINING_CSV = DEMO / "classifier" / "training.csv"
MAILBOX = DEMO / "mailbox"


@dataclass(frozen=True)
class LabelledMail:
    """One demo mailbox message with its manifest label."""

    file: str
    category: str
    language: str
    request: ClassifyRequest


def demo_mailbox() -> list[LabelledMail]:
    """Every manifest row whose .eml parses, as a classify request."""
    with (MAILBOX / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    mails: list[LabelledMail] = []
    for row in rows:
        parsed = parse_message((MAILBOX / row["file"]).read_bytes())
        assert isinstance(parsed, ParsedEmail), row["file"]
        request = ClassifyRequest(
            subject=parsed.subject, sender=parsed.from_.address, text=parsed.text
        )
        mails.append(LabelledMail(row["file"], row["category"], row["language"], request))
    return mails
