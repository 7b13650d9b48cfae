"""One way to build a node's agent: structured output, no tools, the pinned prompt first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic_ai import Agent, RunContext
from pydantic_ai.models import Model

from hatchway.agents.prompts import Prompt

__all__ = ["OUTPUT_RETRIES", "structured_agent"]

OUTPUT_RETRIES = 2
"""How often a node's model may retry an output its validator refused, before review."""

OutputT = TypeVar("OutputT")


def structured_agent(
    model: Model,
    *,
    name: str,
    output_type: type[OutputT],
    prompt: Prompt,
    validator: Callable[[RunContext[None], OutputT], OutputT],
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
    return agent


def _on_the_loop(
    validator: Callable[[RunContext[None], OutputT], OutputT],
) -> Callable[[RunContext[None], OutputT], Awaitable[OutputT]]:
    """The validator as a coroutine function: pydantic-ai runs a plain function in a thread
    pool (a thread hop per run, for a check of microseconds); a coroutine it awaits."""

    async def validate(ctx: RunContext[None], output: OutputT) -> OutputT:
        return validator(ctx, output)

    return validate
