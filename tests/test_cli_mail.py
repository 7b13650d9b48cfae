"""`hatchway ingest --once` against a real Dovecot, and `hatchway worker --once` sending."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hatchway.cli import app
from tests.test_ingest import customer_mail

runner = CliRunner()


@pytest.mark.imap
def test_ingest_once_stores_a_backlog_and_shows_progress(
    dovecot: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = dovecot.new_user()  # type: ignore[attr-defined]
    for index in range(120):
        dovecot.deliver(user, customer_mail(index))  # type: ignore[attr-defined]
    monkeypatch.chdir(tmp_path)
    for name in ("HATCHWAY_DATABASE_URL", "HATCHWAY_CONFIG", "HATCHWAY_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    Path("hatchway.toml").write_text(
        'dev_mode = true\ndatabase_url = "sqlite:///h.db"\n'
        f'[[mailboxes]]\nname = "support"\nhost = "127.0.0.1"\nport = {dovecot.port}\n'  # type: ignore[attr-defined]
        f'security = "none"\nusername = "{user}"\npassword = "secret"\n'
        "fetch_chunk_size = 50\n"  # a backlog of several chunks, so progress shows
    )
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["ingest", "--once"])
    assert result.exit_code == 0, result.output
    assert "support: 50/120 messages stored" in result.output
    assert "support: 120 new, 0 already stored" in result.output
    again = runner.invoke(app, ["ingest", "--once"])
    assert "support: 0 new" in again.output


def test_ingest_without_mailboxes_says_what_to_add(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HATCHWAY_DEV_MODE", "true")
    monkeypatch.setenv("HATCHWAY_DATABASE_URL", "sqlite:///h.db")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["ingest", "--once"])
    assert result.exit_code == 1
    assert "[[mailboxes]]" in result.output
