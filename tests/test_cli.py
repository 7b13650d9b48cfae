"""The `hatchway` command: help everywhere, exit code 2 for usage errors, clear database errors."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from hatchway.cli import app
from hatchway.config import load_settings

runner = CliRunner()


def _command_paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _command_paths(sub, (*path, name))


# Every command and group the CLI has, walked from the app: a new command is covered too.
COMMANDS = list(_command_paths(typer.main.get_command(app)))


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("HATCHWAY_DATABASE_URL", "HATCHWAY_SECRET_KEY", "HATCHWAY_CONFIG"):
        monkeypatch.delenv(name, raising=False)


def test_the_walk_finds_the_commands_the_issue_names() -> None:
    for command in [(), ("init",), ("db", "upgrade"), ("serve",), ("worker",), ("demo",)]:
        assert command in COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "root")
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: hatchway {' '.join(command)}".rstrip() in result.output
    help_text = typer.main.get_command(app)
    for name in command:
        help_text = help_text.commands[name]  # type: ignore[attr-defined]
    assert help_text.help, f"`hatchway {' '.join(command)}` has no help text"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nope"], "No such command 'nope'"),
        (["--bogus"], "No such option: --bogus"),
        (["serve", "--bogus"], "No such option: --bogus"),
        (["db", "sideways"], "No such command 'sideways'"),
        (["serve", "--port", "eighty"], "Invalid value for '--port'"),
        (["users", "add"], "Missing argument 'username'"),
    ],
)
def test_usage_errors_exit_2_with_a_message(argv: list[str], message: str) -> None:
    result = runner.invoke(app, argv)
    assert result.exit_code == 2
    assert message in result.output
    assert "--help" in result.output  # says where to look


def test_init_writes_a_commented_config_that_loads(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "hatchway.toml").read_text()
    assert text.startswith("# hatchway configuration.")
    assert "change-me" not in text
    settings = load_settings(tmp_path / "hatchway.toml")
    assert len(settings.secret_key.get_secret_value()) >= 32
    assert tomllib.loads(text)["server"]["port"] == 8000
    again = runner.invoke(app, ["init"])
    assert again.exit_code == 1 and "--force" in again.output


def test_db_upgrade_then_users_add(tmp_path: Path) -> None:
    runner.invoke(app, ["init"])
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "14 categories added" in result.output
    result = runner.invoke(
        app, ["users", "add", "rita", "--role", "ops", "--password", "pw-123456"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["users", "add", "rita", "--role", "boss", "--password", "x"])
    assert result.exit_code == 2


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hatchway", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.mark.parametrize("command", [["db", "upgrade"], ["db", "current"], ["serve"], ["worker"]])
def test_unreachable_database_names_the_url_without_password(
    tmp_path: Path, command: list[str]
) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HATCHWAY_DEV_MODE": "true",
        "HATCHWAY_DATABASE_URL": "postgresql+psycopg://app:hunter2@127.0.0.1:1/prod",
    }
    result = _run(*command, env=env)
    assert result.returncode == 1
    assert "127.0.0.1:1/prod" in result.stderr
    assert "hunter2" not in result.stderr
    assert "PostgreSQL is running" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HATCHWAY_DEV_MODE": "true",
        "HATCHWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
    }
    result = _run("serve", env=env)
    assert result.returncode == 1
    assert "hatchway db upgrade" in result.stderr


def test_bad_config_names_the_key_and_exits_1(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HATCHWAY_SERVER__PORT": "99999", "HATCHWAY_DEV_MODE": "1"}
    result = _run("db", "current", env=env)
    assert result.returncode == 1
    assert "server.port" in result.stderr and "HATCHWAY_SERVER__PORT" in result.stderr
