"""One reachability check per thing a hatchway process depends on; each raises when it is down.

Checks are cheap on purpose: IMAP connect + login, SMTP connect + EHLO (+ STARTTLS and
login when configured), an HTTP request to each model provider's base URL. No mail is
read or sent and no model is asked anything, so no tokens are spent.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from hatchway.agents.model_settings import ModelSettings
from hatchway.config import Settings
from hatchway.connectors.imap import ImapClientMailbox, ImapSettings
from hatchway.connectors.smtp.settings import SmtpSettings
from hatchway.connectors.smtp.smtplib_sender import SmtplibMailSender
from hatchway.store import Database
from hatchway.store.migrate import require_current

__all__ = ["ComponentCheck", "component_checks", "provider_base_urls"]

ComponentCheck = Callable[[], None]
"""Returns when the component is usable; raises (with a readable message) when not."""

_DEFAULT_BASE_URLS = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
}


def component_checks(
    settings: Settings, database: Database, *, timeout: float
) -> dict[str, ComponentCheck]:
    """``name -> check`` for the database, every mailbox, SMTP and every remote provider."""
    checks: dict[str, ComponentCheck] = {"database": lambda: require_current(database)}
    for box in settings.mailboxes:
        checks[f"imap:{box.name}"] = _imap_check(box, timeout)
    if settings.smtp is not None:
        checks["smtp"] = _smtp_check(settings.smtp, timeout)
    for provider, url in provider_base_urls(settings.models).items():
        checks[f"model:{provider}"] = _http_check(url, timeout)
    return checks


def provider_base_urls(models: ModelSettings) -> dict[str, str]:
    """The base URL of each pinned provider that is not offline (``local`` is always ready)."""
    urls: dict[str, str] = {}
    for pin in models.model_pins().values():
        if pin.provider == "local" or pin.provider in urls:
            continue
        if pin.provider in models.compatible:
            urls[pin.provider] = models.compatible[pin.provider].base_url
        else:
            configured = getattr(models, pin.provider).base_url
            urls[pin.provider] = configured or _DEFAULT_BASE_URLS[pin.provider]
    return urls


def _imap_check(box: ImapSettings, timeout: float) -> ComponentCheck:
    quick = box.model_copy(update={"timeout": timeout})

    def check() -> None:
        ImapClientMailbox.connect(quick).close()

    return check


def _smtp_check(smtp: SmtpSettings, timeout: float) -> ComponentCheck:
    sender = SmtplibMailSender(smtp.model_copy(update={"timeout_seconds": timeout}))
    return sender.verify


def _http_check(url: str, timeout: float) -> ComponentCheck:
    def check() -> None:
        # Any HTTP answer (401 without a key, 404 on a bare root) proves the server is there.
        httpx.get(url, timeout=timeout, follow_redirects=False)

    return check
