"""Settings for models: the pin of each node and how to reach each provider.

Meant to be nested in the app Settings as ``models``, so in ``hatchway.toml``::

    [models.pins]
    draft = "openai:gpt-4.1-mini-2025-04-14"

    [models.openai]
    api_key = "sk-..."            # or OPENAI_API_KEY

    [models.compatible.ollama]   # any name; `ollama:...` pins use it
    base_url = "http://127.0.0.1:11434/v1"

Validation raises :class:`~hatchway.agents.pins.PinError` (a ConfigError) listing every
refused pin and every pin whose provider is not configured, each with the setting to add.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from hatchway.agents.pins import ModelPin, PinProblem, validate_pins
from hatchway.errors import ConfigError

__all__ = [
    "DEFAULT_PINS",
    "RESERVED_PROVIDERS",
    "AnthropicSettings",
    "CompatibleServer",
    "ModelSettings",
    "OpenAISettings",
    "provider_problem",
]

DEFAULT_PINS: Mapping[str, str] = {"draft": "local:template-drafter@1.0.0"}
"""The key-free template drafter, pinned to the release of its templates shipped inside
hatchway (for ``local``, a semver names such a release; ``sha256:`` a trained artifact file).
``classify`` has no default on purpose: the local classifier is pinned by the sha256 of the
artifact ``hatchway classifier train`` writes, which no default can know (its bytes depend on
the scikit-learn/NumPy build), and settings must load before that command can run. Pins given
in settings are merged over these defaults."""

_UNPINNED_FIX = {
    "classify": "run `hatchway classifier train` and pin the local:intent-tfidf@sha256:… it "
    "prints as models.pins.classify",
}

RESERVED_PROVIDERS = frozenset({"openai", "anthropic", "local"})
CompatibleKind = Literal["ollama", "vllm", "openai-compatible"]


class OpenAISettings(BaseModel):
    """OpenAI's API (or a transparent proxy to it, via ``base_url``)."""

    model_config = ConfigDict(extra="forbid")

    api_key: SecretStr | None = Field(default=None, description="Falls back to OPENAI_API_KEY.")
    base_url: str | None = Field(default=None, description="A proxy in front of the API.")
    organization: str | None = Field(default=None, description="OpenAI organisation id.")


class AnthropicSettings(BaseModel):
    """Anthropic's Messages API."""

    model_config = ConfigDict(extra="forbid")

    api_key: SecretStr | None = Field(default=None, description="Falls back to ANTHROPIC_API_KEY.")
    base_url: str | None = Field(default=None, description="A proxy in front of the API.")


class CompatibleServer(BaseModel):
    """A server speaking the OpenAI Chat Completions API: Ollama, vLLM, llama.cpp..."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(description="Its OpenAI-compatible root, e.g. http://127.0.0.1:11434/v1")
    api_key: SecretStr | None = Field(default=None, description="Only if the server wants one.")
    kind: CompatibleKind | None = Field(
        default=None,
        description="Which pydantic-ai provider talks to it; by default `ollama`/`vllm` when the "
        "server is named so, else `openai-compatible`.",
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    def kind_for(self, name: str) -> CompatibleKind:
        """The provider kind: the explicit ``kind``, else inferred from the server's name."""
        if self.kind is not None:
            return self.kind
        if name == "ollama":
            return "ollama"
        return "vllm" if name == "vllm" else "openai-compatible"


class ModelSettings(BaseModel):
    """The pinned model of each triage node, provider credentials, timeouts and retries."""

    model_config = ConfigDict(extra="forbid")

    pins: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_PINS),
        description="node -> provider:model pin; merged over the offline defaults.",
    )
    openai: OpenAISettings = Field(default_factory=OpenAISettings)
    anthropic: AnthropicSettings = Field(default_factory=AnthropicSettings)
    compatible: dict[str, CompatibleServer] = Field(default_factory=dict)
    request_timeout: float = Field(
        default=60.0, gt=0, description="Seconds one model call may take, retries included."
    )
    max_retries: int = Field(default=2, ge=0, le=10, description="SDK retries per model call.")

    @field_validator("pins", mode="before")
    @classmethod
    def _merge_defaults(cls, value: Any) -> Any:
        return {**DEFAULT_PINS, **value} if isinstance(value, Mapping) else value

    @field_validator("compatible")
    @classmethod
    def _no_reserved_names(cls, value: dict[str, CompatibleServer]) -> dict[str, CompatibleServer]:
        taken = sorted(RESERVED_PROVIDERS & set(value))
        if taken:
            raise ValueError(f"{', '.join(taken)} is a built-in provider; rename the server")
        return value

    @model_validator(mode="after")
    def _pins_valid_and_reachable(self) -> Self:
        validate_pins(self.pins, check=lambda pin: provider_problem(pin, self))
        return self

    def model_pins(self) -> dict[str, ModelPin]:
        """The parsed pin of every configured node."""
        return validate_pins(self.pins)

    def pin_for(self, node: str) -> ModelPin:
        """The pin of ``node``; ConfigError with the fix if the node has none."""
        pin = self.model_pins().get(node)
        if pin is None:
            fix = _UNPINNED_FIX.get(node, f'set models.pins.{node} = "provider:model-YYYY-MM-DD"')
            raise ConfigError(f"models.pins.{node}", "no model is pinned for this node", fix)
        return pin


def provider_problem(
    pin: ModelPin, settings: ModelSettings, environ: Mapping[str, str] | None = None
) -> PinProblem | None:
    """Why ``pin``'s provider cannot be used with ``settings``, or None if it can."""
    env = os.environ if environ is None else environ
    if pin.provider == "openai":
        if settings.openai.api_key or settings.openai.base_url or env.get("OPENAI_API_KEY"):
            return None
        return _missing(pin, "models.openai.api_key", "OPENAI_API_KEY")
    if pin.provider == "anthropic":
        if settings.anthropic.api_key or env.get("ANTHROPIC_API_KEY"):
            return None
        return _missing(pin, "models.anthropic.api_key", "ANTHROPIC_API_KEY")
    if pin.provider == "local" or pin.provider in settings.compatible:
        return None
    fix = f'add [models.compatible.{pin.provider}] with base_url = "http://host:port/v1"'
    return PinProblem(pin.node, pin.spec, f"provider {pin.provider!r} is not configured", fix)


def _missing(pin: ModelPin, key: str, env_var: str) -> PinProblem:
    env_key = "HATCHWAY_" + key.upper().replace(".", "__")
    problem = f"provider {pin.provider!r} is not configured (no API key)"
    return PinProblem(pin.node, pin.spec, problem, f"set {key} ({env_key}) or {env_var}")
