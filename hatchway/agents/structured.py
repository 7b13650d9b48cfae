"""One way to build a node's agent: structured output, no tools, the pinned prompt first."""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic_ai import Agent, RunContext
from pydantic_ai.models import Model

from hatchway.agents.prompts import Prompt

__all__ = ["OUTPUT_RETRIES", "OutputCheck", "output_check", "structured_agent"]

OUTPUT_RETRIES = 2
"""How often a node's model may retry an output its validator refused, before review."""

OutputT = TypeVar("OutputT")

OutputCheck = Callable[[RunContext[None], OutputT], OutputT]
"""An output validator: returns the output, or raises ``ModelRetry`` with what was wrong."""

# What each agent made here validates its output with, for runs that skip the agent loop
# (``runinfo.run_offline``), by id(agent): agents compare by value, so they cannot be keys.
# An agent that is collected is forgotten (weakref.finalize).
_CHECKS: dict[int, tuple[type[Any], OutputCheck[Any]]] = {}


def structured_agent(
    model: Model,
    *,
    name: str,
    output_type: type[OutputT],
    prompt: Prompt,
    validator: OutputCheck[OutputT],
) -> Agent[None, OutputT]:
    """An agent whose instructions are the static prompt (cacheable prefix), output checked."""
    agent: Agent[None, OutputT] = Agent(
        model,
        output_type=output_type,
        instructions=prompt.text,
        deps_type=type(None),
        name=name,
        retries={"output": OUTPUT_RETRIES},
    )
    agent.output_validator(_on_the_loop(validator))
    _CHECKS[id(agent)] = (output_type, validator)
    weakref.finalize(agent, _CHECKS.pop, id(agent), None)
    return agent


def output_check(agent: Agent[None, OutputT]) -> tuple[type[OutputT], OutputCheck[OutputT]] | None:
    """The output type and validator :func:`structured_agent` gave ``agent``; None for
    agents made elsewhere."""
    return _CHECKS.get(id(agent))


def _on_the_loop(
    validator: Callable[[RunContext[None], OutputT], OutputT],
) -> Callable[[RunContext[None], OutputT], Awaitable[OutputT]]:
    """The validator as a coroutine function: pydantic-ai runs a plain function in a thread
    pool (a thread hop per run, for a check of microseconds); a coroutine it awaits."""

    async def validate(ctx: RunContext[None], output: OutputT) -> OutputT:
        return validator(ctx, output)

    return validate
