"""The draft node's agent: a reply built only from the facts in its prompt. It has no tools."""

from __future__ import annotations

from functools import cache

from pydantic_ai import Agent, ModelRetry, RunContext
from pydantic_ai.models import Model

from hatchway.agents.outputs import DraftReply
from hatchway.agents.prompts import Prompt, load_prompt
from hatchway.agents.requests import DraftRequest, parse_user_prompt
from hatchway.agents.runinfo import RunInfo, run_agent, run_agent_sync
from hatchway.agents.structured import structured_agent

__all__ = [
    "DRAFT_PROMPT_VERSION",
    "draft_prompt",
    "make_draft_agent",
    "run_draft",
    "run_draft_sync",
]

DRAFT_PROMPT_VERSION = "v1"


@cache
def draft_prompt() -> Prompt:
    """The pinned draft instructions (system prompt), loaded once."""
    return load_prompt("draft", DRAFT_PROMPT_VERSION)


def _cites_given_facts(ctx: RunContext[None], output: DraftReply) -> DraftReply:
    """A reply may only claim to rely on facts it was given (or the customer record)."""
    if not output.body.strip():
        raise ModelRetry("body must not be empty")
    if not isinstance(ctx.prompt, str):
        return output
    request = parse_user_prompt(ctx.prompt)
    given = {fact.key for fact in request.facts} if isinstance(request, DraftRequest) else set()
    unknown = [k for k in output.facts_used if k not in given and not k.startswith("customer.")]
    if unknown:
        raise ModelRetry(f"facts_used lists keys that are not in FACTS: {', '.join(unknown)}")
    return output


def make_draft_agent(model: Model) -> Agent[None, DraftReply]:
    """An agent with structured output and no tools at all: facts arrive in the prompt."""
    return structured_agent(
        model,
        name="draft",
        output_type=DraftReply,
        prompt=draft_prompt(),
        validator=_cites_given_facts,
    )


async def run_draft(
    agent: Agent[None, DraftReply], request: DraftRequest
) -> tuple[DraftReply, RunInfo]:
    """Draft one reply; returns the output and the run's record for the NodeRun."""
    return await run_agent(agent, request, node="draft", prompt=draft_prompt())


def run_draft_sync(
    agent: Agent[None, DraftReply], request: DraftRequest
) -> tuple[DraftReply, RunInfo]:
    """:func:`run_draft` for synchronous callers."""
    return run_agent_sync(agent, request, node="draft", prompt=draft_prompt())
