"""Calling a node's agent: a per-call timeout, and retries of what is transient only.

429, 5xx, timeouts (the node's own, and the HTTP client's) and dropped connections are
retried with jittered exponential backoff, honouring the provider's Retry-After; every
attempt is logged. Anything else (bad request, invalid
structured output after the agent's own retries) fails at once and the node's failure
puts the item in the review inbox.

An offline model (local classifier, template drafter) is answered in the calling thread by
``runinfo.run_offline``: it is CPU work of milliseconds that no timeout could interrupt and
no retry would change, so it neither hops to the model loop nor runs the agent loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from pydantic_ai.exceptions import (
    ModelAPIError,
    ModelConnectionError,
    ModelHTTPError,
    ModelRequestTimeout,
)
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from hatchway.agents.deprecations import today_utc
from hatchway.agents.requests import ClassifyRequest, DraftRequest
from hatchway.agents.runinfo import RunInfo, answers_offline, run_agent, run_offline
from hatchway.graphs.model_loop import ModelLoop
from hatchway.graphs.services import NodeModel, TriageSettings

__all__ = ["call_node_model", "is_retryable_model_error"]

log = logging.getLogger(__name__)

OutputT = TypeVar("OutputT")


def is_retryable_model_error(exc: BaseException) -> bool:
    """Rate limits, server errors, timeouts and lost connections may pass; nothing else will."""
    if isinstance(exc, ModelHTTPError):
        return exc.status_code == 429 or exc.status_code >= 500
    return isinstance(exc, TimeoutError | ModelRequestTimeout | ModelConnectionError)


def call_node_model(
    node_model: NodeModel[OutputT],
    request: ClassifyRequest | DraftRequest,
    *,
    node: str,
    settings: TriageSettings,
    loop: ModelLoop,
) -> tuple[OutputT, RunInfo]:
    """Run the node's agent once per attempt on ``loop``, each bounded by the node timeout.

    A model its provider has retired is not called (ConfigError naming the pin and the fix):
    the provider would refuse it or answer with another model."""
    if (deprecation := node_model.deprecation) is not None:
        today = today_utc()  # only for a deprecated pin: most calls skip the clock
        if deprecation.retired(today):
            raise deprecation.refusal(today)
    if answers_offline(node_model.agent):
        return run_offline(node_model.agent, request, node=node, prompt=node_model.prompt)

    def attempt() -> tuple[OutputT, RunInfo]:
        call = run_agent(node_model.agent, request, node=node, prompt=node_model.prompt)
        return loop.run(call, timeout=settings.node_timeout_seconds)

    retrying = Retrying(
        stop=stop_after_attempt(settings.model_attempts),
        wait=_wait(settings.retry_max_wait_seconds),
        retry=retry_if_exception(is_retryable_model_error),
        before_sleep=lambda state: _log_retry(node, state),
        reraise=True,
    )
    return retrying(attempt)


def _wait(max_wait: float) -> Callable[[RetryCallState], float]:
    jittered = wait_random_exponential(multiplier=1, max=max_wait)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return max(jittered(state), min(_retry_after(exc), max_wait))

    return wait


def _retry_after(exc: BaseException | None) -> float:
    """The provider's Retry-After in seconds (pydantic-ai parses seconds and HTTP dates)."""
    if not isinstance(exc, ModelAPIError) or exc.retry_after is None:
        return 0.0
    return max(0.0, exc.retry_after)


def _log_retry(node: str, state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    delay = state.next_action.sleep if state.next_action else 0.0
    log.warning(
        "node %s: model call attempt %d failed (%s); retrying in %.1fs",
        node,
        state.attempt_number,
        exc,
        delay,
    )
