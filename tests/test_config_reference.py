"""The configuration reference, the example hatchway.toml and `hatchway config check`."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from typer.testing import CliRunner

from hatchway.cli import app
from hatchway.config import ENV_PREFIX, Settings, load_settings
from hatchway.config_reference import (
    NESTED_DELIMITER,
    ConfigKey,
    config_tables,
    render_reference,
)

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "configuration.md"
EXAMPLE = ROOT / "hatchway" / "hatchway.example.toml"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("HATCHWAY_DATABASE_URL", "HATCHWAY_SECRET_KEY", "HATCHWAY_CONFIG"):
        monkeypatch.delenv(name, raising=False)


def _keys() -> dict[str, ConfigKey]:
    return {key.path: key for table in config_tables() for key in table.keys}


def test_docs_configuration_md_is_up_to_date() -> None:
    assert REFERENCE.read_text() == render_reference(), (
        "docs/configuration.md is out of date with the Settings model; regenerate it with "
        "`.venv/bin/hatchway config reference > docs/configuration.md`"
    )


def test_the_generator_uses_the_settings_env_conventions() -> None:
    assert Settings.model_config["env_nested_delimiter"] == NESTED_DELIMITER
    assert Settings.model_config["env_prefix"] == ENV_PREFIX


def test_every_settings_field_is_in_the_reference() -> None:
    keys = _keys()
    headings = {table.heading for table in config_tables()}
    for name in Settings.model_fields:
        assert name in keys or any(
            heading.strip("[]").split(" ")[0].rstrip("]") == name for heading in headings
        ), name
    assert {"outbox.hold_auto_seconds", "mailboxes[].host", "ui.claim_minutes"} <= set(keys)


def test_secrets_show_no_default() -> None:
    keys = _keys()
    assert keys["secret_key"].default == "—"
    assert keys["smtp.password"].default == "—"
    assert "change-me" not in render_reference()


@pytest.mark.parametrize(
    ("path", "value", "read"),
    [
        ("outbox.hold_auto_seconds", "7", lambda s: s.outbox.hold_auto_seconds),
        ("server.port", "9001", lambda s: s.server.port),
        ("dev_mode", "true", lambda s: s.dev_mode),
        (
            "models.compatible.<name>.base_url",
            "http://10.0.0.9:8000/v1",
            lambda s: s.models.compatible["<name>"].base_url,
        ),
    ],
)
def test_documented_environment_variables_take_effect(
    monkeypatch: pytest.MonkeyPatch, path: str, value: str, read: object
) -> None:
    env_var = _keys()[path].env_var
    assert env_var is not None
    monkeypatch.setenv(env_var, value)
    settings = Settings(dev_mode=True) if path != "dev_mode" else Settings()
    expected: object = {"7": 7.0, "9001": 9001, "true": True}.get(value, value)
    assert callable(read) and read(settings) == expected


class _Inner(BaseModel):
    """An inner table."""

    level: int = Field(default=3, ge=1, le=9, description="how deep")
    token: SecretStr | None = Field(default=None, description="a secret")


class _Item(BaseModel):
    """A list item."""

    kind: Literal["a", "b"] = "a"
    name: str = Field(description="required name")


class _Base(BaseModel):
    """Meaning every subclass inherits."""

    table: str = Field(default="base", description="the table's name")


class _Specific(_Base):
    """A specific table."""

    table: str = "specific"


class _Toy(BaseSettings):
    """Toy settings."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__")

    ratio: float = Field(default=0.5, gt=0, description="a ratio")
    inner: _Inner = Field(default_factory=_Inner)
    items: list[_Item] = Field(default_factory=list, description="items")
    named: dict[str, _Inner] = Field(default_factory=dict)
    specific: _Specific = Field(default_factory=_Specific)


def test_a_new_field_shows_up_with_type_bounds_default_and_env_var() -> None:
    text = render_reference(_Toy)
    assert "| `ratio` | `HATCHWAY_RATIO` | number > 0 | `0.5` | a ratio |" in text
    assert "| `inner.level` | `HATCHWAY_INNER__LEVEL` | integer ≥ 1, ≤ 9 | `3` | how deep |" in text
    assert "| `inner.token` | `HATCHWAY_INNER__TOKEN` | secret string (optional) | — |" in text
    assert "## `[[items]]`" in text
    assert "| `items[].name` | inside `HATCHWAY_ITEMS` (JSON) | string | required |" in text
    assert '"a" \\| "b"' in text
    assert "`HATCHWAY_NAMED__<NAME>__LEVEL`" in text
    assert "A specific table. Meaning every subclass inherits." in text
    assert (
        '| `specific.table` | `HATCHWAY_SPECIFIC__TABLE` | string | `"specific"` | the table'
        in text
    )


def _top_level_sections() -> list[str]:
    sections = []
    for table in config_tables():
        match = re.match(r"\[\[?([a-z_]+)[\].]", table.heading)
        if match and match.group(1) in Settings.model_fields:
            sections.append(match.group(1))
    return sorted(set(sections))


def test_every_top_level_section_is_in_the_example_config() -> None:
    text = EXAMPLE.read_text()
    sections = _top_level_sections()
    assert {"ui", "ops", "smtp", "mailboxes", "crm"} <= set(sections)
    for name in sections:
        pattern = rf"^(# )?\[\[?{name}[\].]"
        assert re.search(pattern, text, re.MULTILINE), f"[{name}] missing from {EXAMPLE.name}"


def test_the_example_config_parses_into_valid_settings(tmp_path: Path) -> None:
    assert runner.invoke(app, ["init"]).exit_code == 0
    settings = load_settings(tmp_path / "hatchway.toml")
    example = tomllib.loads(EXAMPLE.read_text())
    assert settings.ui.claim_minutes == example["ui"]["claim_minutes"]
    assert settings.ops.window_days == example["ops"]["window_days"]
    assert settings.outbox.hold_auto_seconds == example["outbox"]["hold_auto_seconds"]


def test_config_check_says_ok_for_good_settings(tmp_path: Path) -> None:
    runner.invoke(app, ["init"])
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: settings from hatchway.toml")


def test_config_check_reports_the_key_and_fix_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "hatchway.toml").write_text('secret_key = "x"\n[outbox]\nhold_auto_seconds = -1\n')
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 1
    assert "key:     secret_key" in result.output
    assert "fix:     run `hatchway init`" in result.output
    assert "set HATCHWAY_SECRET_KEY" in result.output
    assert "; outbox.hold_auto_seconds: " in result.output  # the second bad key is named too


def test_config_check_database_wants_a_migrated_database(tmp_path: Path) -> None:
    runner.invoke(app, ["init"])
    result = runner.invoke(app, ["config", "check", "--database"])
    assert result.exit_code == 1
    assert "hatchway db upgrade" in result.output
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    again = runner.invoke(app, ["config", "check", "--database"])
    assert again.exit_code == 0, again.output
    assert "newest schema revision" in again.output


def test_public_surface() -> None:
    import hatchway.commands.config
    import hatchway.config_reference

    assert hatchway.config_reference.__all__ == [
        "ConfigKey",
        "ConfigTable",
        "config_tables",
        "render_reference",
    ]
    assert hatchway.commands.config.__all__ == ["config_check", "config_reference"]


def test_the_example_at_the_top_is_the_one_init_writes() -> None:
    # The repository shows hatchway.example.toml beside the README; `hatchway init` copies the
    # packaged one. Both must say the same.
    assert (ROOT / "hatchway.example.toml").read_text() == EXAMPLE.read_text()
