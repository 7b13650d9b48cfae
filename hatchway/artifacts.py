"""Content-addressed model files: a pickle stored under, and loaded only by, its sha256.

The offline intent classifier and the confidence gate are scikit-learn objects. ``skops``
is not installed, so the hash check on load is the integrity guard: a pickle can run code,
and only bytes that hash to the pin the operator (or the gate activation) chose are read.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hatchway.errors import ConfigError

__all__ = ["StoredArtifact", "artifact_path", "load_artifact", "store_artifact"]

_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class StoredArtifact:
    """Where an artifact was written and the sha256 (hex) of its bytes."""

    path: Path
    sha256: str


def artifact_path(directory: Path, sha256: str) -> Path:
    """Where the artifact with this hash lives in ``directory``."""
    return directory / f"{sha256}.pkl"


def store_artifact(payload: dict[str, Any], directory: Path) -> StoredArtifact:
    """Pickle ``payload`` and write it atomically as ``<directory>/<sha256>.pkl``."""
    data = pickle.dumps(payload, protocol=5)
    digest = hashlib.sha256(data).hexdigest()
    target = artifact_path(directory, digest)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
        handle.write(data)
    os.replace(handle.name, target)
    return StoredArtifact(path=target, sha256=digest)


def load_artifact(directory: Path, sha256: str, *, key: str, fix: str) -> dict[str, Any]:
    """The payload pinned by ``sha256``; ConfigError(``key``, …, ``fix``) when the pin is
    not a digest, the file is missing, its bytes hash to something else or it is no dict."""
    if not _HEX.fullmatch(sha256):
        raise ConfigError(key, "is not a sha256 hex digest", fix)
    path = artifact_path(directory, sha256)
    if not path.is_file():
        raise ConfigError(key, f"artifact {path} does not exist", fix)
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ConfigError(key, f"artifact {path} has sha256 {actual}, not the pinned one", fix)
    payload = pickle.loads(data)  # noqa: S301 - bytes verified against the pin
    if not isinstance(payload, dict):
        raise ConfigError(key, f"artifact {path} is not a hatchway model artifact", fix)
    return payload
