"""A provider's announced deprecation of a pinned model, reported by hatchway itself.

pydantic-ai carries the deprecation pages of OpenAI and Anthropic (retirement date, the
recommended replacement, the model the API answers the id with after retirement) and warns
on every request to such a model (``DeprecatedModelWarning``). hatchway turns that warning
off for the models it builds and reports a pinned model's deprecation where operators look:
``hatchway models list``, one log line per node when the triage services are built, and the
review inbox: from the retirement date a node calls no model and its items go to review with
the reason, because the provider then refuses the id or answers it with another model, and
the pin forbids a model to change under a running system.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from pydantic_ai.profiles import ModelDeprecation, ModelProfile
from pydantic_ai.providers.anthropic import AnthropicProvider
from pydantic_ai.providers.openai import OpenAIProvider

from hatchway.agents.pins import ModelPin
from hatchway.errors import ConfigError

__all__ = ["NO_DEPRECATION_WARNING", "PinDeprecation", "pin_deprecation", "today_utc"]

NO_DEPRECATION_WARNING = ModelProfile(deprecation=None)
"""The profile override that stops pydantic-ai's per-request warning for one model."""

_PROVIDERS: dict[str, type[OpenAIProvider] | type[AnthropicProvider]] = {
    "openai": OpenAIProvider,
    "anthropic": AnthropicProvider,
}
_FIX = "replay recent reviewed mail through {candidate}, compare, then re-pin (docs/models.md)"


def today_utc() -> date:
    """Today's date in UTC, the calendar of the providers' retirement dates."""
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class PinDeprecation:
    """What a provider announced about a pinned model: when it retires and what replaces it."""

    pin: ModelPin
    source_url: str
    retirement_date: date | None = None
    replacement: str | None = None
    rerouted_to: str | None = None

    def retired(self, today: date) -> bool:
        """True from the retirement date on."""
        return self.retirement_date is not None and today >= self.retirement_date

    def describe(self, today: date) -> str:
        """One line for operators: what happens when, what to pin instead, where it is said."""
        parts = [f"{self.pin.spec} is deprecated by {self.pin.provider}"]
        if self.retirement_date is not None:
            day, days = self.retirement_date, (self.retirement_date - today).days
            parts.append(f"retired on {day}" if days <= 0 else f"retires on {day} (in {days} days)")
        if self.rerouted_to is not None:
            parts.append(f"from then the API answers it with {self.rerouted_to!r}")
        if self.replacement is not None:
            parts.append(f"recommended replacement {self.replacement!r}")
        return "; ".join(parts) + f"; see {self.source_url}"

    def refusal(self, today: date) -> ConfigError:
        """The error a node raises instead of calling a retired model (its item goes to review)."""
        candidate = repr(self.replacement) if self.replacement else "a current model"
        return ConfigError(
            f"models.pins.{self.pin.node}",
            f"no model was called: {self.describe(today)}",
            _FIX.format(candidate=candidate),
        )


def pin_deprecation(pin: ModelPin) -> PinDeprecation | None:
    """The provider's announced deprecation of ``pin``'s model, as the installed pydantic-ai
    knows it; None when none is announced or the provider publishes no such list (local
    models, OpenAI-compatible servers)."""
    provider = _PROVIDERS.get(pin.provider)
    if provider is None:
        return None
    profile = provider.model_profile(pin.model) or {}
    deprecation: ModelDeprecation | None = profile.get("deprecation")
    if deprecation is None:
        return None
    return PinDeprecation(
        pin=pin,
        source_url=deprecation.source_url,
        retirement_date=deprecation.retirement_date,
        replacement=deprecation.replacement,
        rerouted_to=deprecation.rerouted_to,
    )
