"""The classify node's agent: category, confidence, language and entities of an inbound email."""

from __future__ import annotations

from functools import cache

from pydantic_ai import Agent, ModelRetry, RunContext
from pydantic_ai.models import Model

from hatchway.agents.outputs import Classification
from hatchway.agents.prompts import Prompt, load_prompt
from hatchway.agents.requests import ClassifyRequest
from hatchway.agents.runinfo import RunInfo, run_agent, run_agent_sync
from hatchway.agents.structured import structured_agent

__all__ = [
    "CLASSIFY_CATEGORIES",
    "CLASSIFY_PROMPT_VERSION",
    "classify_prompt",
    "make_classify_agent",
    "run_classify",
    "run_classify_sync",
]

CLASSIFY_PROMPT_VERSION = "v1"

CLASSIFY_CATEGORIES: tuple[str, ...] = (
    "order_status",
    "return_request",
    "refund",
    "product_availability",
    "address_change",
    "complaint",
    "invoice_copy",
    "cancellation",
    "legal_threat",
    "other",
)
"""What the classifier chooses from. Auto-replies, bulk mail, bounces and spam never reach it:
header loop signals catch them at parse time."""


@cache
def classify_prompt() -> Prompt:
    """The pinned classify instructions (system prompt), loaded once."""
    return load_prompt("classify", CLASSIFY_PROMPT_VERSION)


def _known_category(_ctx: RunContext[None], output: Classification) -> Classification:
    if output.category not in CLASSIFY_CATEGORIES:
        raise ModelRetry(f"category must be one of {', '.join(CLASSIFY_CATEGORIES)}")
    return output


def make_classify_agent(model: Model) -> Agent[None, Classification]:
    """An agent with structured output and no tools; the static prompt is its instructions."""
    return structured_agent(
        model,
        name="classify",
        output_type=Classification,
        prompt=classify_prompt(),
        validator=_known_category,
    )


async def run_classify(
    agent: Agent[None, Classification], request: ClassifyRequest
) -> tuple[Classification, RunInfo]:
    """Classify one email; returns the output and the run's record for the NodeRun."""
    return await run_agent(agent, request, node="classify", prompt=classify_prompt())


def run_classify_sync(
    agent: Agent[None, Classification], request: ClassifyRequest
) -> tuple[Classification, RunInfo]:
    """:func:`run_classify` for synchronous callers."""
    return run_agent_sync(agent, request, node="classify", prompt=classify_prompt())
