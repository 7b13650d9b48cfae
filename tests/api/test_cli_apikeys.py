"""`hatchway apikeys create/list/revoke`, against a real migrated SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

import hatchway.api
from hatchway.api.keys import ApiKeyRefused, authenticate
from hatchway.cli import app
from hatchway.store import Database
from hatchway.store.models import ApiKey, Role

runner = CliRunner()


@pytest.fixture
def db_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)
    for name in ("HATCHWAY_SECRET_KEY", "HATCHWAY_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'hatchway.db'}"
    monkeypatch.setenv("HATCHWAY_DATABASE_URL", url)
    monkeypatch.setenv("HATCHWAY_DEV_MODE", "1")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return url


def test_create_prints_the_key_once_and_it_authenticates(db_url: str) -> None:
    result = runner.invoke(app, ["apikeys", "create", "--name", "crm-prod", "--role", "ops"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    assert token.startswith("hw_") and "not shown again" in result.output
    database = Database(db_url)
    with database.session() as session:
        key = authenticate(session, token)
        assert (key.name, key.role) == ("crm-prod", Role.OPS)
        row = session.scalar(select(ApiKey))
        assert row is not None and row.created_by.startswith("cli:")
    listing = runner.invoke(app, ["apikeys", "list"])
    assert key.prefix in listing.output and "crm-prod" in listing.output
    assert "active" in listing.output and token.split("_", 2)[2] not in listing.output
    revoked = runner.invoke(app, ["apikeys", "revoke", key.prefix])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    with database.session() as session, pytest.raises(ApiKeyRefused, match="revoked"):
        authenticate(session, token)
    assert "revoked" in runner.invoke(app, ["apikeys", "list"]).output
    database.dispose()


def test_bad_roles_names_and_prefixes_are_refused(db_url: str) -> None:
    result = runner.invoke(app, ["apikeys", "create", "--name", "x", "--role", "boss"])
    assert result.exit_code == 2
    assert runner.invoke(app, ["apikeys", "create", "--name", " "]).exit_code == 2
    result = runner.invoke(app, ["apikeys", "revoke", "nope"])
    assert result.exit_code == 1 and "no API key" in result.output
    assert "no API keys" in runner.invoke(app, ["apikeys", "list"]).output


def test_the_public_surface_is_pinned() -> None:
    assert hatchway.api.__all__ == ["API_PREFIX", "create_api_app"]
    assert hatchway.api.API_PREFIX == "/api/v1"
