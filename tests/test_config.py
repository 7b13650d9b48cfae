"""Settings: env over TOML over defaults; every bad value names its key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from hatchway.config import load_settings
from hatchway.errors import ConfigError

GOOD_SECRET = "x" * 40


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "HATCHWAY_DATABASE_URL",
        "HATCHWAY_SECRET_KEY",
        "HATCHWAY_DEV_MODE",
        "HATCHWAY_CONFIG",
        "HATCHWAY_SERVER__PORT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_dev_mode_runs_on_defaults() -> None:
    settings = load_settings(dev_mode=True)
    assert settings.database_url.startswith("sqlite:///")
    assert settings.server.port == 8000


def test_placeholder_secret_is_refused_outside_dev_mode() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert raised.value.key == "secret_key"
    assert "HATCHWAY_SECRET_KEY" in str(raised.value)
    assert "secrets.token_urlsafe" in raised.value.fix


def test_short_secret_is_refused() -> None:
    with pytest.raises(ConfigError, match="shorter than 32"):
        load_settings(secret_key="abc123")


def test_toml_file_is_read_and_env_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "hatchway.toml"
    config.write_text(
        f'secret_key = "{GOOD_SECRET}"\ndatabase_url = "sqlite:///from-file.db"\n'
        "[server]\nport = 9000\n"
    )
    settings = load_settings()
    assert settings.database_url == "sqlite:///from-file.db"
    assert settings.server.port == 9000
    monkeypatch.setenv("HATCHWAY_SERVER__PORT", "9100")
    monkeypatch.setenv("HATCHWAY_DATABASE_URL", "postgresql+psycopg://u@h/db")
    settings = load_settings()
    assert settings.server.port == 9100
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def test_bad_env_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HATCHWAY_SERVER__PORT", "eighty")
    with pytest.raises(ConfigError) as raised:
        load_settings(dev_mode=True)
    assert raised.value.key == "server.port"
    assert "HATCHWAY_SERVER__PORT" in str(raised.value)
    assert raised.value.fix == "use a whole number"


def test_unknown_toml_key_is_named(tmp_path: Path) -> None:
    (tmp_path / "hatchway.toml").write_text("dev_mode = true\ndatabse_url = 'sqlite:///x.db'\n")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert raised.value.key == "databse_url"
    assert "spelling" in raised.value.fix


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(ConfigError, match="database_url"):
        load_settings(dev_mode=True, database_url="mysql://x")


def test_explicit_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="hatchway init"):
        load_settings(tmp_path / "nope.toml")


def test_broken_toml_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "hatchway.toml").write_text("dev_mode = tru\n")
    with pytest.raises(ConfigError, match="fix the TOML"):
        load_settings()


def test_mailboxes_and_smtp_come_from_toml(tmp_path: Path) -> None:
    (tmp_path / "hatchway.toml").write_text(
        f'secret_key = "{GOOD_SECRET}"\n'
        '[[mailboxes]]\nname = "support"\nhost = "imap.shop.example"\nusername = "support"\n'
        'password = "imap-password-1"\n'
        '[smtp]\nhost = "smtp.shop.example"\nfrom_address = "support@shop.example"\n'
        'username = "support"\npassword = "smtp-password-1"\n'
    )
    settings = load_settings()
    assert settings.mailboxes[0].port == 993
    assert settings.smtp is not None and settings.smtp.port == 587
    assert settings.outbox.hold_review_seconds == 10


@pytest.mark.parametrize(
    ("snippet", "key"),
    [
        (
            '[smtp]\nhost = "h"\nfrom_address = "a@b.example"\n'
            'username = "u"\npassword = "change-me"\n',
            "smtp.password",
        ),
        (
            '[[mailboxes]]\nname = "m"\nhost = "h"\nusername = "u"\npassword = "changeme"\n',
            "mailboxes[0].password",
        ),
    ],
)
def test_placeholder_passwords_are_refused(tmp_path: Path, snippet: str, key: str) -> None:
    (tmp_path / "hatchway.toml").write_text(f'secret_key = "{GOOD_SECRET}"\n' + snippet)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert raised.value.key == key


def test_sent_mailbox_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sent_mailbox"):
        load_settings(dev_mode=True, sent_mailbox="nope")


def test_placeholder_passwords_are_accepted_in_dev_mode(tmp_path: Path) -> None:
    (tmp_path / "hatchway.toml").write_text(
        'dev_mode = true\n[smtp]\nhost = "h"\nfrom_address = "a@b.example"\n'
        'username = "u"\npassword = "change-me"\n'
    )
    settings = load_settings()
    assert settings.smtp is not None
    assert settings.smtp.password is not None
    assert settings.smtp.password.get_secret_value() == "change-me"


def test_the_message_names_the_key_once_then_where_it_is_set(tmp_path: Path) -> None:
    (tmp_path / "hatchway.toml").write_text('dev_mode = true\nlog_level = "LOUD"\n')
    with pytest.raises(ConfigError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith("log_level: Input should be 'DEBUG'")
    assert message.count("log_level") == 2  # the key, then `log_level` in the file
    assert "HATCHWAY_LOG_LEVEL" in message and "hatchway.toml" in message
    assert message.endswith("Fix: use one of the allowed values")


def test_every_bad_key_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HATCHWAY_SERVER__PORT", "eighty")
    monkeypatch.setenv("HATCHWAY_LOG_LEVEL", "LOUD")
    with pytest.raises(ConfigError) as raised:
        load_settings(dev_mode=True)
    assert raised.value.key in {"server.port", "log_level"}
    other = ({"server.port", "log_level"} - {raised.value.key}).pop()
    assert f"; {other}: " in raised.value.problem


def test_a_bad_database_url_gets_a_url_to_copy() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(dev_mode=True, database_url="mysql://x")
    assert raised.value.key == "database_url"
    assert "postgresql+psycopg://" in raised.value.fix and "sqlite:///" in raised.value.fix
