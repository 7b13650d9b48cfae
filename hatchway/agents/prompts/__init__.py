"""Versioned instruction files for the agents, loaded with their sha256 for attribution (I5).

A prompt file is ``<name>.v<N>.md`` next to this module. Files are never edited in place once a
version is pinned in use: a change is a new version, so a prompt hash always names one text.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from importlib import resources

from hatchway.errors import ConfigError

__all__ = ["CHARS_PER_TOKEN", "Prompt", "load_prompt", "static_prefix_tokens"]

CHARS_PER_TOKEN = 4
"""Rough characters per token for English-heavy prompts (tiktoken needs a network download)."""

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Prompt:
    """One instruction text (stripped) with its name, version and the sha256 of its UTF-8."""

    name: str
    version: str
    text: str
    hash: str

    @property
    def ref(self) -> str:
        """A short reference for logs and NodeRuns, e.g. ``classify.v1@sha256:1a2b3c4d5e6f``."""
        return f"{self.name}.{self.version}@sha256:{self.hash[:12]}"


def load_prompt(name: str, version: str) -> Prompt:
    """Load ``prompts/<name>.<version>.md`` and hash it; unknown prompt → ``ConfigError``."""
    if not _NAME.match(name) or not re.fullmatch(r"v[0-9]+", version):
        raise ConfigError(f"prompt {name}.{version}", "is not a valid prompt name", "use e.g. v1")
    resource = resources.files(__package__).joinpath(f"{name}.{version}.md")
    if not resource.is_file():
        raise ConfigError(
            f"prompt {name}.{version}",
            "no such prompt file",
            f"add hatchway/agents/prompts/{name}.{version}.md or pin an existing version",
        )
    # Stripped, because pydantic-ai strips instructions: the hash names exactly what is sent.
    text = resource.read_text(encoding="utf-8").strip()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Prompt(name=name, version=version, text=text, hash=digest)


def static_prefix_tokens(prompt: Prompt) -> int:
    """Estimate the tokens of the static (cacheable) system prompt: ~4 characters per token."""
    return math.ceil(len(prompt.text) / CHARS_PER_TOKEN)
