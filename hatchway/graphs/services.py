"""What the triage nodes need from the outside, built once per process and passed in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic_ai import Agent

from hatchway.agents.deprecations import PinDeprecation
from hatchway.agents.outputs import Classification, DraftReply
from hatchway.agents.pins import ModelPin
from hatchway.agents.prompts import Prompt
from hatchway.agents.requests import Fact
from hatchway.graphs.model_loop import ModelLoop, process_model_loop
from hatchway.outbox.settings import OutboxSettings
from hatchway.policies.gate import GateModel, UnknownGate
from hatchway.policies.gate_state import NO_GATE
from hatchway.policies.rules import DEFAULT_RULES, Rule
from hatchway.store import Database

OutputT = TypeVar("OutputT")

__all__ = [
    "FixedGate",
    "GateSource",
    "LookupResult",
    "Lookup",
    "NodeModel",
    "NoLookup",
    "TriageServices",
    "TriageSettings",
]


class GateSource(Protocol):
    """Where the gate node gets the gate in force (``policies.gate_state.GateInForce``)."""

    def current(self) -> GateModel | UnknownGate:
        """The gate to score with now."""
        ...


@dataclass(frozen=True)
class FixedGate:
    """One gate for good: for tests, and before any gate is trained."""

    gate: GateModel | UnknownGate

    def current(self) -> GateModel | UnknownGate:
        """Always the same gate."""
        return self.gate


class TriageSettings(BaseModel):
    """Knobs of the triage graph."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    confidence_threshold: float = Field(
        default=0.5, ge=0, le=1, description="below it the classification goes to review"
    )
    node_timeout_seconds: float = Field(default=120, gt=0, description="per model call")
    model_attempts: int = Field(default=3, ge=1, le=10, description="tries on 429/5xx/timeouts")
    retry_max_wait_seconds: float = Field(
        default=60, gt=0, description="longest wait between model call attempts"
    )
    lease_minutes: float = Field(default=15, gt=0, description="one writer per thread (I7)")
    trivial_edit: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description="normalised edit distance at or below which a sent draft counts as unchanged",
    )


@dataclass(frozen=True)
class LookupResult:
    """What the CRM and inventory said about this email's sender and references."""

    customer: dict[str, str | int | float | bool | None] | None = None
    facts: list[Fact] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Lookup(Protocol):
    """Read-only lookups for the lookup node (CRM customer and orders, inventory)."""

    def lookup(
        self, *, sender: str, classification: Classification, product_names: Sequence[str] = ()
    ) -> LookupResult:
        """Facts about the sender, the entities the classifier found and the named products."""
        ...

    def product_names_in(self, text: str) -> list[str]:
        """Catalogue product names ``text`` mentions, for classifiers that extract none."""
        ...


class NoLookup:
    """No CRM or inventory connected: no facts, and a note saying so."""

    def lookup(
        self, *, sender: str, classification: Classification, product_names: Sequence[str] = ()
    ) -> LookupResult:
        """Nothing found, honestly reported."""
        return LookupResult(notes=["no CRM or inventory is connected; nothing was looked up"])

    def product_names_in(self, text: str) -> list[str]:
        """No catalogue, no names."""
        return []


@dataclass(frozen=True)
class NodeModel(Generic[OutputT]):
    """An agent with the pin and prompt it runs under (for the node-run record, I5)."""

    agent: Agent[None, OutputT]
    pin: ModelPin
    prompt: Prompt
    deprecation: PinDeprecation | None = None  # the provider's, when it announced one


@dataclass(frozen=True)
class TriageServices:
    """Everything the triage graph's nodes use."""

    database: Database
    classify: NodeModel[Classification]
    draft: NodeModel[DraftReply]
    from_address: str
    classify_fallback: NodeModel[Classification] | None = None
    lookup: Lookup = field(default_factory=NoLookup)
    gate: GateSource = field(default_factory=lambda: FixedGate(UnknownGate(NO_GATE)))
    rules: tuple[Rule, ...] = DEFAULT_RULES
    allowed_link_domains: tuple[str, ...] = ()
    settings: TriageSettings = field(default_factory=TriageSettings)
    outbox: OutboxSettings = field(default_factory=OutboxSettings)
    model_loop: ModelLoop = field(default_factory=process_model_loop)

    def pin_snapshot(self) -> dict[str, str]:
        """The pins decisions are made under, as stored with automatic approvals."""
        pins = [self.classify.pin, self.draft.pin]
        if self.classify_fallback is not None:
            pins.append(self.classify_fallback.pin)
        snapshot = {pin.node: pin.spec for pin in pins}
        if (gate_version := self.gate.current().version) is not None:
            snapshot["gate"] = gate_version
        return snapshot
