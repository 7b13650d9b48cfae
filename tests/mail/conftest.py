"""Mail fixtures: the public mail corpora in ../shared/data/mail, parsed once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from hatchway.mail.parse import ParsedEmail, Quarantined, parse_message

MAIL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mail"

ParsedCorpus = dict[Path, ParsedEmail | Quarantined]


@pytest.fixture(scope="session")
def parsed_mail_corpus() -> ParsedCorpus:
    """Every file under mail/** (the .json files are expectations, not mail), parsed once:
    the corpus sweep and the raw-header check both go over all 4,000+ messages."""
    if not MAIL.is_dir():
        pytest.skip(f"{MAIL} is absent: the shared mail corpora are not present")
    files = sorted(p for p in MAIL.rglob("*") if p.is_file() and p.suffix != ".json")
    return {path: parse_message(path.read_bytes()) for path in files}
