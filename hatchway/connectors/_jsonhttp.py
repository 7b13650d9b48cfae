"""A small JSON-over-HTTP client for the CRM and inventory HTTP adapters.

Maps every outcome onto the hatchway tree: connect errors, timeouts, 429 and 5xx are
``TransientError`` (retried with jittered backoff, honouring ``Retry-After``, each attempt
logged); 401/403 ``AuthError``; other 4xx, non-JSON bodies ``ProtocolError``; 404 is "not
found" (``None``). POSTs carry an ``Idempotency-Key`` that stays the same across retries.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from hatchway.errors import AuthError, ProtocolError, TransientError, is_transient

__all__ = ["HttpSettingsBase", "JsonHttpClient", "parse_retry_after"]

logger = logging.getLogger(__name__)


class HttpSettingsBase(BaseModel):
    """Where the HTTP/JSON service is, how to authenticate, and how patiently to call it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["http"] = Field(default="http", description="selects the HTTP adapter")
    base_url: str = Field(description="e.g. https://crm.shop.example/api/hatchway/v1")
    auth_header: str = Field(
        default="Authorization", min_length=1, description="header carrying auth_value"
    )
    auth_value: SecretStr | None = Field(
        default=None, description="sent as the auth header's value, e.g. 'Bearer <token>'"
    )
    timeout_seconds: float = Field(default=10.0, gt=0, le=300, description="per attempt")
    connect_timeout_seconds: float = Field(
        default=5.0, gt=0, le=60, description="to open a connection"
    )
    attempts: int = Field(default=3, ge=1, le=10, description="tries on transient failures")
    retry_initial_wait_seconds: float = Field(
        default=0.5, ge=0, le=60, description="first wait between attempts; grows"
    )
    retry_max_wait_seconds: float = Field(
        default=30.0, ge=0, le=600, description="longest wait (a Retry-After may ask more)"
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or " " in value:
            raise ValueError("must be an http:// or https:// URL, e.g. https://crm.example/api")
        return value.rstrip("/") + "/"


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


class JsonHttpClient:
    """GET and POST JSON with retries; one instance per adapter, closed with it."""

    def __init__(
        self,
        connector: str,
        settings: HttpSettingsBase,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.connector = connector
        self._settings = settings
        headers = {"Accept": "application/json", "User-Agent": "hatchway"}
        if settings.auth_value is not None:
            headers[settings.auth_header] = settings.auth_value.get_secret_value()
        timeout = httpx.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds)
        self._client = httpx.Client(
            base_url=settings.base_url, headers=headers, timeout=timeout, transport=transport
        )

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        """GET ``path`` (relative to base_url); the decoded JSON, or None on 404."""
        return self._with_retries(lambda: self._once("GET", path, params=params))

    def post(
        self, path: str, body: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> Any:
        """POST ``body`` as JSON; the decoded JSON, or None for an empty 2xx. 404 is an error.

        ``idempotency_key`` names the operation across calls (e.g. a job retried later);
        without one, a fresh key still makes this call's own retries safe.
        """
        headers = {"Idempotency-Key": idempotency_key or uuid.uuid4().hex}
        return self._with_retries(
            lambda: self._once("POST", path, json=body, headers=headers, missing_ok=False)
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def _with_retries(self, call: Callable[[], Any]) -> Any:
        settings = self._settings
        retrying = Retrying(
            stop=stop_after_attempt(settings.attempts),
            wait=_backoff(settings.retry_initial_wait_seconds, settings.retry_max_wait_seconds),
            retry=retry_if_exception(is_transient),
            before_sleep=self._log_retry,
            reraise=True,
        )
        return retrying(call)

    def _once(self, method: str, path: str, missing_ok: bool = True, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, path.lstrip("/"), **kwargs)
        except httpx.TimeoutException as exc:
            raise TransientError(self.connector, f"{method} {path}: timed out ({exc})") from exc
        except httpx.TransportError as exc:
            raise TransientError(self.connector, f"{method} {path}: {exc!r}") from exc
        return self._decode(method, path, response, missing_ok)

    def _decode(self, method: str, path: str, response: httpx.Response, missing_ok: bool) -> Any:
        status, where = response.status_code, f"{method} {path}: HTTP {response.status_code}"
        if status == 404 and missing_ok:
            return None
        if status in (401, 403):
            raise AuthError(self.connector, f"{where}: credentials refused (check auth_value)")
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise TransientError(self.connector, where, retry_after=retry_after)
        if not 200 <= status < 300:
            raise ProtocolError(self.connector, f"{where}: {response.text[:200]!r}")
        if status == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise ProtocolError(self.connector, f"{where}: body is not JSON ({exc})") from exc

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "%s: attempt %d/%d failed (%s); retrying in %.2fs",
            self.connector,
            state.attempt_number,
            self._settings.attempts,
            exc,
            delay,
        )


def _backoff(initial_wait: float, max_wait: float) -> Callable[[RetryCallState], float]:
    jittered = wait_random_exponential(multiplier=initial_wait, max=max_wait)

    def wait(state: RetryCallState) -> float:
        # A server's own Retry-After wins when it asks for longer (capped at max_wait).
        exc = state.outcome.exception() if state.outcome else None
        hint = exc.retry_after if isinstance(exc, TransientError) else None
        return max(jittered(state), min(hint or 0.0, max_wait))

    return wait
