"""Running a node's agent once and recording what the graph stores per node run (invariant I5).

An agent whose model is offline (:class:`~hatchway.agents.offline.OfflineModel`: local,
deterministic, no tools, no network) is answered by :func:`run_offline` without pydantic-ai's
agent loop: the same rendered prompt, the same output type and validator, the same usage
estimate, so the output and its record are what ``agent.run`` gives (a test holds the two
equal), at a fraction of the cost. The model is still the node's pydantic-ai model, and the
graph code does not know which path ran.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import TypeAdapter
from pydantic_ai import Agent, ModelRetry, RunContext
from pydantic_ai.exceptions import UnexpectedModelBehavior
from pydantic_ai.run import AgentRunResult
from pydantic_ai.usage import RunUsage

from hatchway.agents.prompts import Prompt
from hatchway.agents.requests import ClassifyRequest, DraftRequest, render_user_prompt
from hatchway.agents.structured import OUTPUT_RETRIES, output_check

if TYPE_CHECKING:
    from hatchway.agents.offline._base import OfflineModel

__all__ = ["RunInfo", "answers_offline", "run_agent", "run_agent_sync", "run_offline"]

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
    response = result.response
    model_name = response.model_name or "unknown"
    return _record(node, prompt, model_name, response.provider_name, result.usage, latency_ms)


def _record(
    node: str,
    prompt: Prompt,
    model_name: str,
    provider: str | None,
    usage: RunUsage,
    latency_ms: float,
) -> RunInfo:
    return RunInfo(
        node=node,
        model_name=model_name,
        provider=provider,
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


def answers_offline(agent: Agent[None, OutputT]) -> bool:
    """True when :func:`run_offline` can answer for ``agent`` (an offline model, and an
    agent made by ``structured_agent``, whose output check is known)."""
    return _offline_model(agent) is not None and output_check(agent) is not None


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(output_type: type[OutputT]) -> TypeAdapter[OutputT]:
    """The output type's validator, built once per type (building one costs milliseconds)."""
    adapter = _ADAPTERS.get(output_type)
    if adapter is None:
        adapter = _ADAPTERS[output_type] = TypeAdapter(output_type)
    return adapter


def _offline_model(agent: Agent[None, OutputT]) -> OfflineModel | None:
    # Imported here: the offline package loads scikit-learn, which callers that only run
    # hosted models (the CLI, the API) should not pay for.
    from hatchway.agents.offline._base import OfflineModel

    return agent.model if isinstance(agent.model, OfflineModel) else None


def run_offline(
    agent: Agent[None, OutputT],
    request: ClassifyRequest | DraftRequest,
    *,
    node: str,
    prompt: Prompt,
) -> tuple[OutputT, RunInfo]:
    """What ``agent.run`` returns for an offline model, computed in the caller's thread.

    The model answers the rendered prompt; the answer is validated as the agent's output
    type and by its output validator. An offline model answers the same prompt the same way,
    so where the agent would retry a refused output until its retries ran out, this raises
    the same ``UnexpectedModelBehavior`` at once.
    """
    from hatchway.agents.offline._base import estimate_tokens

    model, check = _offline_model(agent), output_check(agent)
    if model is None or check is None:
        raise TypeError(f"agent {agent.name!r} is not answered by an offline model")
    output_type, validator = check
    started = time.perf_counter()
    user_prompt = render_user_prompt(request)
    answer = model.answer(user_prompt).model_dump(mode="json")
    output = _adapter(output_type).validate_python(answer)
    usage = RunUsage(
        requests=1,
        input_tokens=estimate_tokens(prompt.text) + estimate_tokens(user_prompt),
        output_tokens=estimate_tokens(json.dumps(answer)),
    )
    context: RunContext[None] = RunContext(deps=None, model=model, usage=usage, prompt=user_prompt)
    try:
        output = validator(context, output)
    except ModelRetry as refused:
        message = f"Exceeded maximum output retries ({OUTPUT_RETRIES})"
        raise UnexpectedModelBehavior(message, body=refused.message) from refused
    latency_ms = (time.perf_counter() - started) * 1000
    return output, _record(node, prompt, model.model_name, model.system, usage, latency_ms)
