"""Model pins: parse and validate the exact model version each triage-graph node runs.

Pure parsing, no I/O. A pin is ``provider:model`` where the model names one immutable
version, in one of two forms:

* a dated model id, the date at the end: ``-YYYY-MM-DD`` or ``-YYYYMMDD`` (a real calendar
  date), e.g. ``openai:gpt-4.1-mini-2025-04-14``, ``anthropic:claude-sonnet-4-5-20250929``;
* ``model@version`` where version is a full semver (``1.0.0``, ``2.1.0-rc.1``), a date
  (``2025-04-14`` or ``20250414``) or a content digest ``sha256:<64 lowercase hex>``, e.g.
  ``local:intent-tfidf@sha256:…``, ``ollama:llama3.1:8b@sha256:…``.

Refused as floating: an empty spec, no provider, no version (``gpt-4o``), ``latest`` anywhere
(``*-latest``, ``:latest``, ``@latest``), a partial or ranged version (``@1``, ``@^1.2``,
``@auto``), and an Ollama model without a digest (its tags, ``llama3.1:8b`` included, move
when the model is pulled again). ``openai`` and ``anthropic`` take dated ids only: their APIs
address no model by ``@version``, so ``gpt-4o@2024-08-06`` would still run the floating alias.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date

from hatchway.errors import ConfigError

__all__ = [
    "DIGEST_PROVIDERS",
    "HOSTED_PROVIDERS",
    "KNOWN_NODES",
    "ModelPin",
    "PinError",
    "PinProblem",
    "parse_pin",
    "validate_pins",
]

KNOWN_NODES = frozenset({"classify", "classify_fallback", "draft"})
"""Triage-graph nodes that run a model; ``classify_fallback`` is the LLM asked when the
local classifier is unsure, and is optional."""

HOSTED_PROVIDERS = frozenset({"openai", "anthropic"})
"""Providers whose API serves dated model ids only (no ``@version`` addressing)."""
DIGEST_PROVIDERS = frozenset({"ollama"})
"""Providers whose tags are mutable, so only a ``sha256`` digest pins them."""

_PROVIDER = re.compile(r"[a-z][a-z0-9_-]*")
_MODEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._:/-]*")
_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?"
)
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_DATED_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8})\Z")
_EXAMPLES = {
    "openai": "a dated version such as openai:gpt-4.1-mini-2025-04-14",
    "anthropic": "a dated version such as anthropic:claude-sonnet-4-5-20250929",
    "ollama": "the digest: ollama:llama3.1:8b@sha256:<64 hex> (`ollama list` / GET /api/tags)",
    "local": "an artifact digest or release: local:intent-tfidf@sha256:<64 hex> or @1.0.0",
}
_GENERIC_EXAMPLE = "a dated model id (name-YYYY-MM-DD) or name@<semver | date | sha256:<64 hex>>"


@dataclass(frozen=True, slots=True)
class ModelPin:
    """One node's pinned model. ``model`` is what the provider is asked for; ``version`` the
    immutable version (the date of a dated id, or what followed ``@``); ``spec`` the original."""

    node: str
    provider: str
    model: str
    version: str
    spec: str


@dataclass(frozen=True, slots=True)
class PinProblem:
    """Why one node's pin was refused, and what to write instead."""

    node: str
    spec: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"models.pins.{self.node} = {self.spec!r} refused: {self.problem} (fix: {self.fix})"


class PinError(ConfigError):
    """One or more pins are floating, malformed or for unknown nodes; ``problems`` lists each."""

    def __init__(self, problems: Collection[PinProblem]) -> None:
        self.problems = tuple(problems)
        if len(self.problems) == 1:
            only = self.problems[0]
            super().__init__(
                f"models.pins.{only.node}", f"{only.spec!r} refused: {only.problem}", only.fix
            )
            return
        detail = f"{len(self.problems)} pins refused: " + "; ".join(map(str, self.problems))
        super().__init__("models.pins", detail, "fix each pin as listed (all at once)")

    @property
    def nodes(self) -> tuple[str, ...]:
        """The nodes whose pins were refused, in the order found."""
        return tuple(problem.node for problem in self.problems)


def parse_pin(node: str, spec: str) -> ModelPin:
    """Parse one node's pin, raising :class:`PinError` (a ConfigError) if it floats."""
    spec = spec.strip()
    if not spec:
        raise PinError([PinProblem(node, spec, "empty pin", "pin " + _GENERIC_EXAMPLE)])
    provider, sep, rest = spec.partition(":")
    if not sep or not _PROVIDER.fullmatch(provider):
        raise _refuse(node, spec, provider, "no provider (write provider:model)")
    if "latest" in spec.lower():
        raise _refuse(node, spec, provider, "`latest` is a floating alias")
    model, at, version = rest.partition("@")
    if not _MODEL.fullmatch(model):
        raise _refuse(node, spec, provider, "no model name")
    if at:
        return _parse_versioned(node, spec, provider, model, version)
    return _parse_dated(node, spec, provider, model)


def _parse_versioned(node: str, spec: str, provider: str, model: str, version: str) -> ModelPin:
    if provider in HOSTED_PROVIDERS:
        problem = f"{provider} addresses no model by @version, so the alias {model!r} would float"
        raise _refuse(node, spec, provider, problem)
    if provider in DIGEST_PROVIDERS and not _DIGEST.fullmatch(version):
        raise _refuse(node, spec, provider, f"{provider} tags move; only a sha256 digest pins one")
    if not (_DIGEST.fullmatch(version) or _SEMVER.fullmatch(version) or _is_date(version)):
        problem = f"{version!r} is not an exact version (semver, date or sha256:<64 hex>)"
        raise _refuse(node, spec, provider, problem)
    return ModelPin(node=node, provider=provider, model=model, version=version, spec=spec)


def _parse_dated(node: str, spec: str, provider: str, model: str) -> ModelPin:
    if provider in DIGEST_PROVIDERS:
        raise _refuse(node, spec, provider, f"an {provider} tag without a digest floats")
    suffix = _DATED_SUFFIX.search(model)
    if suffix is None:
        raise _refuse(node, spec, provider, "no version: this alias can change under you")
    if not _is_date(suffix.group(1)):
        raise _refuse(node, spec, provider, f"{suffix.group(1)!r} is not a calendar date")
    return ModelPin(node=node, provider=provider, model=model, version=suffix.group(1), spec=spec)


def _is_date(text: str) -> bool:
    """True for a real calendar date written YYYY-MM-DD or YYYYMMDD."""
    match = _DATE.fullmatch(text)
    if match is None or len(text) not in (8, 10) or (len(text) == 10) != ("-" in text):
        return False
    try:
        date(*(int(part) for part in match.groups()))
    except ValueError:
        return False
    return True


def _refuse(node: str, spec: str, provider: str, problem: str) -> PinError:
    return PinError([_problem(node, spec, provider, problem)])


def _problem(node: str, spec: str, provider: str, problem: str) -> PinProblem:
    fix = "pin " + _EXAMPLES.get(provider, _GENERIC_EXAMPLE)
    return PinProblem(node=node, spec=spec, problem=problem, fix=fix)


def validate_pins(
    pins: Mapping[str, str],
    known_nodes: Collection[str] = KNOWN_NODES,
    required_nodes: Collection[str] = (),
    *,
    check: Callable[[ModelPin], PinProblem | None] | None = None,
) -> dict[str, ModelPin]:
    """Parse every pin; raise one :class:`PinError` listing every unknown, missing or bad node.

    ``check`` may add a problem for a well-formed pin (its provider is not configured, say),
    so that one error still lists everything the operator has to fix.
    """
    parsed: dict[str, ModelPin] = {}
    problems: list[PinProblem] = []
    for node, spec in pins.items():
        if node not in known_nodes:
            known = ", ".join(sorted(known_nodes))
            problems.append(PinProblem(node, spec, "unknown node", f"use one of: {known}"))
            continue
        try:
            parsed[node] = parse_pin(node, spec)
        except PinError as exc:
            problems.extend(exc.problems)
            continue
        if check is not None and (problem := check(parsed[node])) is not None:
            problems.append(problem)
    for node in sorted(set(required_nodes) - set(pins)):
        problems.append(PinProblem(node, "", "not pinned", f"add models.pins.{node}"))
    if problems:
        raise PinError(problems)
    return parsed
