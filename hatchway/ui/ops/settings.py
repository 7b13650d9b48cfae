"""Settings of the ops console: the time windows it looks at and the energy table for costs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_ENERGY_WH_PER_1K_TOKENS", "OpsSettings"]

# Rough estimates, in watt-hours per 1,000 tokens (input + output), for orders of magnitude
# only: providers publish no per-token energy figures. Derived from public estimates of about
# 0.3 Wh for a typical chat answer of a large hosted model (Epoch AI, 2025) and scaled down
# for small models. Local models (the TF-IDF classifier, the template drafter, the gate) run
# on this machine's CPU for milliseconds: ~0. Keys match ``provider:model`` by longest
# prefix; ``*`` is the fallback for models not listed. Override per deployment in
# ``[ops.energy_wh_per_1k_tokens]``.
DEFAULT_ENERGY_WH_PER_1K_TOKENS: dict[str, float] = {
    "local:": 0.0,
    "template:": 0.0,
    "test:": 0.0,
    "function:": 0.0,
    "ollama:": 0.0,  # your own hardware: measure it there if it matters
    "openai:gpt-4.1-nano": 0.03,
    "openai:gpt-4.1-mini": 0.1,
    "openai:gpt-4o-mini": 0.1,
    "openai:gpt-4.1": 0.4,
    "openai:gpt-4o": 0.4,
    "anthropic:claude-3-5-haiku": 0.1,
    "anthropic:claude-haiku": 0.1,
    "anthropic:claude-sonnet": 0.4,
    "google-gla:gemini-2.0-flash": 0.1,
    "groq:": 0.1,
    "mistral:mistral-small": 0.1,
    "*": 0.3,
}


class OpsSettings(BaseModel):
    """What the ops console shows: how far back, how many per page, energy per model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    window_days: int = Field(
        default=30, ge=1, le=366, description="the categories table, chart and costs look back"
    )
    banner_days: int = Field(
        default=7, ge=1, le=90, description="automatic demotions shown as a banner this long"
    )
    audit_page_size: int = Field(default=20, ge=5, le=200, description="audit samples per page")
    log_page_size: int = Field(default=50, ge=10, le=500, description="audit-log rows per page")
    months: int = Field(default=12, ge=1, le=60, description="months in the monthly cost table")
    energy_wh_per_1k_tokens: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_ENERGY_WH_PER_1K_TOKENS),
        description="rough Wh per 1,000 tokens by `provider:model` prefix; `*` is the fallback",
    )

    def energy_per_1k(self, provider: str | None, model: str | None) -> float | None:
        """Wh per 1,000 tokens for a model: the longest matching prefix, else ``*``, else None."""
        name = f"{provider or ''}:{model or ''}"
        matches = [
            key for key in self.energy_wh_per_1k_tokens if key != "*" and name.startswith(key)
        ]
        if matches:
            return self.energy_wh_per_1k_tokens[max(matches, key=len)]
        return self.energy_wh_per_1k_tokens.get("*")
