"""A provider's deprecation of a pinned model: reported by hatchway, and a retired model is
never called (its items go to review)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.profiles import ModelDeprecation, ModelProfile
from pydantic_ai.providers.anthropic import AnthropicProvider
from pydantic_ai.providers.openai import OpenAIProvider
from typer.testing import CliRunner

from hatchway.agents.deprecations import PinDeprecation, pin_deprecation, today_utc
from hatchway.agents.model_settings import ModelSettings
from hatchway.agents.pins import parse_pin
from hatchway.agents.providers import build_model
from hatchway.cli import app
from hatchway.errors import ConfigError

PIN = parse_pin("draft", "openai:gpt-test-2025-01-01")
ANNOUNCEMENT = "https://platform.openai.com/docs/deprecations#test"


def _announced(
    monkeypatch: pytest.MonkeyPatch, provider: type[Any], model: str, deprecation: ModelDeprecation
) -> None:
    """Make ``provider``'s profile of ``model`` carry ``deprecation`` (others unchanged)."""
    original: Callable[[str], ModelProfile | None] = provider.model_profile

    def profile(name: str) -> ModelProfile | None:
        found = original(name)
        if name != model:
            return found
        return ModelProfile(**{**(found or {}), "deprecation": deprecation})  # type: ignore[typeddict-item]

    monkeypatch.setattr(provider, "model_profile", staticmethod(profile))


def _retiring(days: int, **fields: Any) -> ModelDeprecation:
    return ModelDeprecation(
        source_url=ANNOUNCEMENT, retirement_date=today_utc() + timedelta(days=days), **fields
    )


def test_a_pins_deprecation_is_what_its_provider_announced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert pin_deprecation(PIN) is None
    _announced(monkeypatch, OpenAIProvider, "gpt-test-2025-01-01", _retiring(30, replacement="x"))
    found = pin_deprecation(PIN)
    assert found is not None and found.pin == PIN
    assert (found.retirement_date, found.replacement) == (today_utc() + timedelta(days=30), "x")
    claude = parse_pin("draft", "anthropic:claude-test-20250101")
    assert pin_deprecation(claude) is None
    _announced(monkeypatch, AnthropicProvider, "claude-test-20250101", _retiring(-1))
    assert pin_deprecation(claude) is not None


def test_offline_and_self_hosted_models_have_no_provider_deprecations() -> None:
    assert pin_deprecation(parse_pin("draft", "local:template-drafter@1.0.0")) is None
    vllm = parse_pin("draft", "vllm:gpt-4.1-mini-2025-04-14@2025-04-14")
    assert pin_deprecation(vllm) is None


def test_the_description_says_when_what_replaces_it_and_where_it_is_said() -> None:
    today = date(2026, 12, 6)
    coming = PinDeprecation(
        PIN, ANNOUNCEMENT, date(2027, 1, 14), replacement="gpt-next", rerouted_to="gpt-other"
    )
    assert coming.describe(today) == (
        "openai:gpt-test-2025-01-01 is deprecated by openai; retires on 2027-01-14 (in 39 days); "
        "from then the API answers it with 'gpt-other'; recommended replacement 'gpt-next'; "
        f"see {ANNOUNCEMENT}"
    )
    assert not coming.retired(today) and coming.retired(date(2027, 1, 14))
    gone = PinDeprecation(PIN, ANNOUNCEMENT, date(2026, 1, 1))
    assert gone.describe(today).endswith(f"retired on 2026-01-01; see {ANNOUNCEMENT}")
    undated = PinDeprecation(PIN, ANNOUNCEMENT)
    assert not undated.retired(today)
    refusal = gone.refusal(today)
    assert isinstance(refusal, ConfigError) and refusal.key == "models.pins.draft"
    assert "no model was called" in refusal.problem and "a current model" in refusal.fix


def test_models_built_from_pins_do_not_warn_on_every_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """hatchway reports the deprecation itself, so the per-request warning is off."""
    _announced(monkeypatch, OpenAIProvider, "gpt-test-2025-01-01", _retiring(30))
    settings = ModelSettings(pins={"draft": PIN.spec}, openai={"api_key": "sk-test"})
    provider = OpenAIProvider(api_key="sk-test")
    assert OpenAIChatModel(PIN.model, provider=provider).profile.get("deprecation") is not None
    built = build_model(PIN, settings)
    assert built.profile.get("deprecation") is None


def test_models_list_shows_a_deprecated_pin(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("HATCHWAY_DATABASE_URL", "HATCHWAY_SECRET_KEY", "HATCHWAY_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    Path("hatchway.toml").write_text(
        f'dev_mode = true\n[models.pins]\ndraft = "{PIN.spec}"\n[models.openai]\napi_key = "sk-t"\n'
    )
    _announced(monkeypatch, OpenAIProvider, "gpt-test-2025-01-01", _retiring(9, replacement="n"))
    result = CliRunner().invoke(app, ["models", "list"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "DEPRECATED" in line)
    assert "retires on" in line and "(in 9 days)" in line and "'n'" in line
