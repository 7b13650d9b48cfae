"""Connecting with retries: only transient failures, jittered exponential backoff, logged."""

from __future__ import annotations

import logging
from collections.abc import Callable

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from hatchway.connectors.imap.imapclient_mailbox import ImapClientMailbox
from hatchway.connectors.imap.protocol import MailboxClient
from hatchway.connectors.imap.settings import ImapSettings
from hatchway.errors import TransientError, is_transient

__all__ = ["connect_with_retry"]

logger = logging.getLogger(__name__)


def connect_with_retry(
    settings: ImapSettings,
    *,
    attempts: int = 5,
    initial_wait: float = 1.0,
    max_wait: float = 60.0,
    connect: Callable[[ImapSettings], MailboxClient] = ImapClientMailbox.connect,
) -> MailboxClient:
    """Connect, retrying only transient failures with jittered exponential backoff.

    Each retry is logged (WARNING) with the mailbox name and the error. After ``attempts``
    tries the last ``TransientError`` is raised; ``AuthError``/``ProtocolError`` at once.
    """
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=_backoff(initial_wait, max_wait),
        retry=retry_if_exception(is_transient),
        before_sleep=_log_retry(settings.name, attempts),
        reraise=True,
    )
    return retrying(connect, settings)


def _backoff(initial_wait: float, max_wait: float) -> Callable[[RetryCallState], float]:
    jittered = wait_random_exponential(multiplier=initial_wait, max=max_wait)

    def wait(state: RetryCallState) -> float:
        # Honour a server's own hint (TransientError.retry_after) when it asks for longer.
        exc = state.outcome.exception() if state.outcome else None
        hint = exc.retry_after if isinstance(exc, TransientError) else None
        return max(jittered(state), min(hint or 0.0, max_wait))

    return wait


def _log_retry(name: str, attempts: int) -> Callable[[RetryCallState], None]:
    def log(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "imap mailbox %r: connect attempt %d/%d failed (%s); retrying in %.2fs",
            name,
            state.attempt_number,
            attempts,
            exc,
            delay,
        )

    return log
