"""Content-addressed artifacts: written by their hash, read only when the bytes match the pin."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import pytest

from hatchway.artifacts import artifact_path, load_artifact, store_artifact
from hatchway.errors import ConfigError


def test_a_stored_artifact_loads_by_its_hash(tmp_path: Path) -> None:
    stored = store_artifact({"model": "m", "weights": [1, 2]}, tmp_path / "m")
    assert stored.path == artifact_path(tmp_path / "m", stored.sha256)
    assert load_artifact(tmp_path / "m", stored.sha256, key="k", fix="f") == {
        "model": "m",
        "weights": [1, 2],
    }
    assert store_artifact({"model": "m", "weights": [1, 2]}, tmp_path / "m") == stored


def test_changed_bytes_are_refused_before_unpickling(tmp_path: Path) -> None:
    stored = store_artifact({"model": "m"}, tmp_path)
    stored.path.write_bytes(pickle.dumps({"model": "evil"}))
    with pytest.raises(ConfigError, match="not the pinned one") as raised:
        load_artifact(tmp_path, stored.sha256, key="pins.classify", fix="train again")
    assert (raised.value.key, raised.value.fix) == ("pins.classify", "train again")


@pytest.mark.parametrize("pin", ["abc", "A" * 64, "../" + "0" * 61])
def test_a_pin_that_is_no_digest_is_refused(tmp_path: Path, pin: str) -> None:
    with pytest.raises(ConfigError, match="not a sha256 hex digest"):
        load_artifact(tmp_path, pin, key="k", fix="f")


def test_a_missing_file_or_a_foreign_pickle_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_artifact(tmp_path, "0" * 64, key="k", fix="f")
    data = pickle.dumps(["not", "a", "dict"])
    digest = hashlib.sha256(data).hexdigest()
    artifact_path(tmp_path, digest).write_bytes(data)
    with pytest.raises(ConfigError, match="not a hatchway model artifact"):
        load_artifact(tmp_path, digest, key="k", fix="f")
