"""Offline models: key-free stand-ins for LLMs, exposed as pydantic-ai ``Model``s.

``IntentClassifierModel`` (scikit-learn, pinned by artifact hash) answers the classify agent;
``TemplateDrafterModel`` (per-category reply templates) answers the draft agent. Both read the
same rendered prompt an LLM would, so the graph code is the same either way.
"""

from hatchway.agents.offline.drafter import (
    TEMPLATE_CATEGORIES,
    TEMPLATE_DRAFTER_VERSION,
    TEMPLATE_LANGUAGES,
    TemplateDrafterModel,
    templates_digest,
)
from hatchway.agents.offline.entities import extract_entities
from hatchway.agents.offline.factory import LocalPin, local_model_factory
from hatchway.agents.offline.intent import (
    TrainedArtifact,
    load_intent_classifier,
    train_intent_classifier,
)
from hatchway.agents.offline.intent_model import IntentClassifierModel
from hatchway.agents.offline.language import guess_language

__all__ = [
    "TEMPLATE_CATEGORIES",
    "TEMPLATE_DRAFTER_VERSION",
    "TEMPLATE_LANGUAGES",
    "IntentClassifierModel",
    "LocalPin",
    "TemplateDrafterModel",
    "TrainedArtifact",
    "extract_entities",
    "guess_language",
    "load_intent_classifier",
    "local_model_factory",
    "templates_digest",
    "train_intent_classifier",
]
