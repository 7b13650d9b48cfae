"""The local intent classifier: deterministic artifacts, the hash guard, accuracy, entities."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from hatchway.agents.classify import CLASSIFY_CATEGORIES, make_classify_agent, run_classify_sync
from hatchway.agents.offline import (
    IntentClassifierModel,
    TrainedArtifact,
    extract_entities,
    guess_language,
    load_intent_classifier,
    train_intent_classifier,
)
from hatchway.agents.outputs import Money
from hatchway.agents.requests import ClassifyRequest
from hatchway.errors import ConfigError
from tests.agents.offline_support import TRAINING_CSV, demo_mailbox

ACCURACY_FLOOR = 0.70
CONFIDENT_ACCURACY_FLOOR = 0.90


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> TrainedArtifact:
    return train_intent_classifier(TRAINING_CSV, tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def model(artifact: TrainedArtifact) -> IntentClassifierModel:
    return IntentClassifierModel(load_intent_classifier(artifact.path.parents[1], artifact.sha256))


def test_same_data_gives_the_same_bytes(artifact: TrainedArtifact, tmp_path: Path) -> None:
    again = train_intent_classifier(TRAINING_CSV, tmp_path)
    assert again.sha256 == artifact.sha256
    assert again.path.read_bytes() == artifact.path.read_bytes()
    assert artifact.path.name == f"{artifact.sha256}.pkl"
    assert artifact.pin == f"local:intent-tfidf@sha256:{artifact.sha256}"


def test_same_hash_in_a_process_with_another_hash_seed(
    artifact: TrainedArtifact, tmp_path: Path
) -> None:
    code = (
        "import sys; from pathlib import Path;"
        "from hatchway.agents.offline import train_intent_classifier as t;"
        "print(t(Path(sys.argv[1]), Path(sys.argv[2])).sha256)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code, str(TRAINING_CSV), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == artifact.sha256


def test_tampered_artifact_is_refused(artifact: TrainedArtifact, tmp_path: Path) -> None:
    copy = tmp_path / "intent-tfidf" / artifact.path.name
    copy.parent.mkdir()
    data = bytearray(artifact.path.read_bytes())
    data[-10] ^= 1
    copy.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match="not the pinned one") as caught:
        load_intent_classifier(tmp_path, artifact.sha256)
    assert "hatchway classifier train" in caught.value.fix


def test_missing_artifact_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_intent_classifier(tmp_path, "0" * 64)
    with pytest.raises(ConfigError, match="not a sha256"):
        load_intent_classifier(tmp_path, "../../etc/passwd")


def test_accuracy_on_the_demo_mailbox(model: IntentClassifierModel) -> None:
    agent = make_classify_agent(model)
    mails = [m for m in demo_mailbox() if m.category in CLASSIFY_CATEGORIES]
    results = [(run_classify_sync(agent, m.request)[0], m.category) for m in mails]
    accuracy = sum(out.category == want for out, want in results) / len(results)
    confident = [(out, want) for out, want in results if out.confident()]
    confident_accuracy = sum(out.category == want for out, want in confident) / len(confident)
    print(
        f"\nmailbox accuracy {accuracy:.3f} on {len(results)} mails; confident(0.5): "
        f"{len(confident)} mails, accuracy {confident_accuracy:.3f}"
    )
    assert len(results) == 65
    assert accuracy >= ACCURACY_FLOOR
    assert confident_accuracy >= CONFIDENT_ACCURACY_FLOOR


def test_language_on_the_demo_mailbox(model: IntentClassifierModel) -> None:
    agent = make_classify_agent(model)
    mails = [m for m in demo_mailbox() if m.category in CLASSIFY_CATEGORIES]
    right = sum(run_classify_sync(agent, m.request)[0].language == m.language for m in mails)
    assert right / len(mails) >= 0.9


def test_offline_run_reports_model_version_and_usage(model: IntentClassifierModel) -> None:
    agent = make_classify_agent(model)
    request = ClassifyRequest(subject="Refund", sender="a@b", text="Where is my refund? NW-100219")
    output, info = run_classify_sync(agent, request)
    assert output.category in CLASSIFY_CATEGORIES and 0 <= output.confidence <= 1
    assert output.entities.order_ids == ["NW-100219"]
    assert info.model_name == model.model_name == f"intent-tfidf@sha256:{model.classifier.sha256}"
    assert info.provider == "local" and info.input_tokens > 0


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("order NW-100231, and nw100232", "order_ids", ["NW-100231", "NW-100232"]),
        ("the NW-TENT-2P and NW-BOOT-RW-44", "skus", ["NW-TENT-2P", "NW-BOOT-RW-44"]),
        ("order NW-100231 only", "skus", []),
        ("UPS 1ZFE80341151139819", "tracking_numbers", ["1ZFE80341151139819"]),
        ("DHL 00340434279438023178", "tracking_numbers", ["00340434279438023178"]),
        ("Your DPD parcel 09445609178896", "tracking_numbers", ["09445609178896"]),
        ("PostNL 3SNWOU2016021", "tracking_numbers", ["3SNWOU2016021"]),
        ("GLS tracking: 51205516778", "tracking_numbers", ["51205516778"]),
        ("call me on 07700900123", "tracking_numbers", []),
        ("write to a.b+c@mail.example.", "emails", ["a.b+c@mail.example"]),
    ],
)
def test_entity_extraction(text: str, field: str, expected: list[str]) -> None:
    assert getattr(extract_entities(text), field) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I paid € 1.078,00 yesterday", [Money(amount=Decimal("1078.00"), currency="EUR")]),
        ("refund 649 EUR please", [Money(amount=Decimal("649.00"), currency="EUR")]),
        ("total 393.90 EUROS", [Money(amount=Decimal("393.90"), currency="EUR")]),
        (
            "kostet 12,50€ und 1,99 EUR",
            [
                Money(amount=Decimal("12.50"), currency="EUR"),
                Money(amount=Decimal("1.99"), currency="EUR"),
            ],
        ),
        ("EUR 1,078.00", [Money(amount=Decimal("1078.00"), currency="EUR")]),
        ("about 5000 euros", [Money(amount=Decimal("5000.00"), currency="EUR")]),
        ("size 44, 2 pairs", []),
    ],
)
def test_amount_extraction(text: str, expected: list[Money]) -> None:
    assert extract_entities(text).amounts == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Where is my order? I have been waiting for a week.", "en"),
        ("Wo bleibt meine Bestellung? Ich warte seit einer Woche.", "de"),
        ("Je voudrais annuler ma commande, merci.", "fr"),
        ("Quiero devolver la mochila, gracias por su ayuda.", "es"),
        ("Ik wil mijn bestelling graag annuleren.", "nl"),
        ("Vorrei sapere dove è il mio ordine, grazie.", "it"),
        ("NW-100231", "en"),
    ],
)
def test_language_guess(text: str, language: str) -> None:
    assert guess_language(text) == language
