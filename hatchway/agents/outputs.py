"""The structured outputs of the classify and draft agents.

Kept provider-friendly: flat objects, strings, numbers and lists only (amounts travel as decimal
strings), so every provider's structured-output mode and the offline models produce the same JSON.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

__all__ = [
    "DEFAULT_CONFIDENCE_THRESHOLD",
    "Classification",
    "DraftReply",
    "Entities",
    "Money",
]

DEFAULT_CONFIDENCE_THRESHOLD = 0.5
"""Below this confidence the graph hands a classification to the LLM fallback or to review.

The offline classifier's confidence is its top class probability (logistic regression over ten
categories), so 0.5 means "more likely this category than all others together". Ops may tune it
per deployment; the value used is recorded with each run.
"""

DecimalAmount = Annotated[
    Decimal,
    WithJsonSchema({"type": "string", "description": "Decimal amount, dot separator, e.g. 649.00"}),
]


class Money(BaseModel):
    """An amount of money the customer mentioned."""

    model_config = ConfigDict(frozen=True)

    amount: DecimalAmount = Field(description="The amount, e.g. 649.00.")
    currency: str = Field(description="ISO 4217 code, e.g. EUR.", min_length=3, max_length=3)


class Entities(BaseModel):
    """References found in the email text. Unverified: the lookup node checks each one."""

    order_ids: list[str] = Field(default_factory=list, description="Order ids, e.g. NW-100231.")
    skus: list[str] = Field(default_factory=list, description="Product SKUs, e.g. NW-TENT-2P.")
    product_names: list[str] = Field(
        default_factory=list,
        description="Products named without a SKU, as written, e.g. Expedition 65L Backpack.",
    )
    amounts: list[Money] = Field(default_factory=list, description="Money amounts mentioned.")
    tracking_numbers: list[str] = Field(
        default_factory=list, description="Parcel tracking numbers mentioned."
    )
    emails: list[str] = Field(default_factory=list, description="Email addresses mentioned.")


class Classification(BaseModel):
    """What an inbound email is about: the classify node's output."""

    category: str = Field(description="One category name from the category guide.")
    confidence: float = Field(
        ge=0.0,
        le=1.0,
        description="How sure the classifier is, 0..1. Below the threshold a human or a larger "
        "model takes over.",
    )
    language: str = Field(
        description="ISO 639-1 code of the language the email is written in, e.g. en, de.",
        min_length=2,
        max_length=2,
    )
    entities: Entities = Field(default_factory=Entities, description="References in the email.")
    rationale: str = Field(description="One short sentence: why this category.", max_length=300)

    @field_validator("language")
    @classmethod
    def _lower_language(cls, value: str) -> str:
        return value.lower()

    def confident(self, threshold: float = DEFAULT_CONFIDENCE_THRESHOLD) -> bool:
        """True when ``confidence`` reaches ``threshold``: the graph may act on this category."""
        return self.confidence >= threshold


class DraftReply(BaseModel):
    """A reply for a human (or, in auto mode, the gate) to approve: the draft node's output."""

    subject: str = Field(description="Subject line of the reply.", max_length=200)
    body: str = Field(description="Plain-text body of the reply, in the customer's language.")
    facts_used: list[str] = Field(
        default_factory=list,
        description="Keys of the given facts the reply relies on, e.g. order.NW-100231.status.",
    )
    risks: list[str] = Field(
        default_factory=list,
        description="What a reviewer should check, in plain words: missing facts, guesses, "
        "requests the reply cannot grant.",
    )
