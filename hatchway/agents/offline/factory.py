"""Build the offline model a ``local:`` pin names (``providers.build_model``'s local_factory)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pydantic_ai.models import Model

from hatchway.agents.offline.drafter import (
    TEMPLATE_DRAFTER,
    TEMPLATE_DRAFTER_VERSION,
    TemplateDrafterModel,
)
from hatchway.agents.offline.intent import INTENT_MODEL, load_intent_classifier
from hatchway.agents.offline.intent_model import IntentClassifierModel
from hatchway.errors import ConfigError

__all__ = ["LOCAL_MODELS", "LocalPin", "local_model_factory"]

LOCAL_MODELS = {
    INTENT_MODEL: "local:intent-tfidf@sha256:<hex> (a trained artifact)",
    TEMPLATE_DRAFTER: f"local:template-drafter@{TEMPLATE_DRAFTER_VERSION}",
}


class LocalPin(Protocol):
    """What the factory reads of a ``hatchway.agents.pins.ModelPin``."""

    @property
    def node(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def spec(self) -> str: ...


def _key(pin: LocalPin) -> str:
    return f"models.pins.{pin.node}"


def _intent(pin: LocalPin, models_dir: Path) -> Model:
    if not pin.version.startswith("sha256:"):
        raise ConfigError(
            _key(pin),
            f"{pin.spec!r}: the intent classifier is pinned by artifact hash, not a release",
            "run `hatchway classifier train` and pin the local:intent-tfidf@sha256:… it prints",
        )
    classifier = load_intent_classifier(models_dir, pin.version.removeprefix("sha256:"))
    return IntentClassifierModel(classifier)


def _drafter(pin: LocalPin) -> Model:
    if pin.version != TEMPLATE_DRAFTER_VERSION:
        raise ConfigError(
            _key(pin),
            f"{pin.spec!r}: this hatchway ships template-drafter {TEMPLATE_DRAFTER_VERSION} only",
            f"pin local:template-drafter@{TEMPLATE_DRAFTER_VERSION}",
        )
    return TemplateDrafterModel()


def local_model_factory(pin: LocalPin, *, models_dir: Path) -> Model:
    """The offline model for a ``local:`` pin; unknown model or missing artifact → ConfigError.

    Use with ``functools.partial(local_model_factory, models_dir=...)`` as ``local_factory``.
    """
    if pin.model == INTENT_MODEL:
        return _intent(pin, models_dir)
    if pin.model == TEMPLATE_DRAFTER:
        return _drafter(pin)
    raise ConfigError(
        _key(pin),
        f"{pin.spec!r} names no offline model",
        "pin one of: " + "; ".join(LOCAL_MODELS.values()),
    )
