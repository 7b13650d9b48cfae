"""local_model_factory: ``local:`` pins to offline models, with clear errors."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from hatchway.agents.offline import (
    IntentClassifierModel,
    TemplateDrafterModel,
    local_model_factory,
    train_intent_classifier,
)
from hatchway.agents.pins import parse_pin
from hatchway.errors import ConfigError
from tests.agents.offline_support import TRAINING_CSV


def test_maps_both_local_models(tmp_path: Path) -> None:
    artifact = train_intent_classifier(TRAINING_CSV, tmp_path)
    factory = partial(local_model_factory, models_dir=tmp_path)
    classifier = factory(parse_pin("classify", artifact.pin))
    assert isinstance(classifier, IntentClassifierModel)
    assert classifier.model_name == f"intent-tfidf@sha256:{artifact.sha256}"
    drafter = factory(parse_pin("draft", "local:template-drafter@1.0.0"))
    assert isinstance(drafter, TemplateDrafterModel)
    assert drafter.system == "local"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("local:intent-tfidf@sha256:" + "a" * 64, "does not exist"),
        ("local:intent-tfidf@1.0.0", "pinned by artifact hash"),
        ("local:template-drafter@2.0.0", "ships template-drafter 1.0.0 only"),
        ("local:mystery@1.0.0", "names no offline model"),
    ],
)
def test_refuses_what_it_cannot_build(tmp_path: Path, spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        local_model_factory(parse_pin("classify", spec), models_dir=tmp_path)
    assert caught.value.fix
