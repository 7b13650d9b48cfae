"""Running a node's agent once and recording what the graph stores per node run (invariant I5)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TypeVar

from pydantic_ai import Agent
from pydantic_ai.run import AgentRunResult

from hatchway.agents.prompts import Prompt
from hatchway.agents.requests import ClassifyRequest, DraftRequest, render_user_prompt

__all__ = ["RunInfo", "run_agent", "run_agent_sync"]

OutputT = TypeVar("OutputT")


@dataclass(frozen=True)
class RunInfo:
    """What one agent run cost and who answered: enough to attribute the output (I5)."""

    node: str
    model_name: str
    provider: str | None
    prompt_ref: str
    prompt_hash: str
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    requests: int
    latency_ms: float


def _run_info(
    node: str, prompt: Prompt, result: AgentRunResult[OutputT], latency_ms: float
) -> RunInfo:
    usage = result.usage
    response = result.response
    return RunInfo(
        node=node,
        model_name=response.model_name or "unknown",
        provider=response.provider_name,
        prompt_ref=prompt.ref,
        prompt_hash=prompt.hash,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        requests=usage.requests,
        latency_ms=round(latency_ms, 3),
    )


async def run_agent(
    agent: Agent[None, OutputT],
    request: ClassifyRequest | DraftRequest,
    *,
    node: str,
    prompt: Prompt,
) -> tuple[OutputT, RunInfo]:
    """Render ``request``, run ``agent`` once and return its output with the run's record.

    Failures (model errors after retries, invalid output) propagate as pydantic-ai exceptions;
    the graph routes them to the review inbox with the reason (I4).
    """
    started = time.perf_counter()
    result = await agent.run(render_user_prompt(request))
    latency_ms = (time.perf_counter() - started) * 1000
    return result.output, _run_info(node, prompt, result, latency_ms)


def run_agent_sync(
    agent: Agent[None, OutputT],
    request: ClassifyRequest | DraftRequest,
    *,
    node: str,
    prompt: Prompt,
) -> tuple[OutputT, RunInfo]:
    """:func:`run_agent` for callers without an event loop (not from inside a running loop)."""
    return asyncio.run(run_agent(agent, request, node=node, prompt=prompt))
