"""/readyz against real servers: Dovecot, the aiosmtpd capture server, an HTTP "provider"."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hatchway.agents.model_settings import ModelSettings
from hatchway.config import Settings, load_settings
from hatchway.observability.checks import provider_base_urls
from hatchway.observability.readiness import ReadinessProbe, ReadinessReport
from hatchway.store import Database
from hatchway.ui.app import create_app
from tests.fixtures.crm_http import CrmHttpServer
from tests.fixtures.dovecot import DovecotServer
from tests.fixtures.smtp_server import SmtpTestServer

pytestmark = [pytest.mark.imap, pytest.mark.smtp]

PROVIDER_PIN = "vllm:my-model@20250115"


def _closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _settings(
    *, imap: dict[str, Any], smtp: dict[str, Any], provider_url: str, timeout: float = 2.0
) -> Settings:
    return load_settings(
        dev_mode=True,
        mailboxes=[imap],
        smtp={"host": "127.0.0.1", "security": "none", "from_address": "s@shop.example", **smtp},
        models={
            "pins": {"draft": PROVIDER_PIN},
            "compatible": {"vllm": {"base_url": provider_url}},
        },
        observability={"readyz_timeout_seconds": timeout, "readyz_cache_seconds": 0},
    )


def _imap(dovecot: DovecotServer, **changes: Any) -> dict[str, Any]:
    box = dovecot.settings(dovecot.new_user()).model_dump()
    box["password"] = "secret"
    return {**box, **changes}


def test_ready_when_every_component_answers(
    database: Database, dovecot: DovecotServer, smtp_server: SmtpTestServer, crm_http: CrmHttpServer
) -> None:
    smtp = {
        "port": smtp_server.port_for("auth"),
        "username": smtp_server.username,
        "password": smtp_server.password,
        "allow_plaintext_auth": True,
    }
    settings = _settings(imap=_imap(dovecot), smtp=smtp, provider_url=crm_http.origin)
    response = TestClient(create_app(settings, database)).get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    box = settings.mailboxes[0].name
    assert body == {
        "status": "ok",
        "database": {"status": "ok"},
        f"imap:{box}": {"status": "ok"},
        "smtp": {"status": "ok"},
        "model:vllm": {"status": "ok"},
    }


def test_not_ready_names_each_component_that_is_down(
    database: Database, dovecot: DovecotServer
) -> None:
    down = f"http://127.0.0.1:{_closed_port()}/v1"
    settings = _settings(
        imap=_imap(dovecot, port=_closed_port()),
        smtp={"port": _closed_port()},
        provider_url=down,
    )
    started = time.monotonic()
    response = TestClient(create_app(settings, database)).get("/readyz")
    assert time.monotonic() - started < 5  # concurrent, within the budget
    assert response.status_code == 503
    body = response.json()
    box = settings.mailboxes[0].name
    assert body["status"] == "unavailable"
    assert body["database"] == {"status": "ok"}
    for name in (f"imap:{box}", "smtp", "model:vllm"):
        assert body[name]["status"] == "down"
        assert "refused" in body[name]["problem"].lower(), body[name]


def test_wrong_imap_password_and_refused_smtp_login_are_down(
    database: Database, dovecot: DovecotServer, smtp_server: SmtpTestServer, crm_http: CrmHttpServer
) -> None:
    smtp = {
        "port": smtp_server.port_for("auth"),
        "username": smtp_server.username,
        "password": "wrong-password",
        "allow_plaintext_auth": True,
    }
    settings = _settings(
        imap=_imap(dovecot, password="wrong"), smtp=smtp, provider_url=crm_http.origin
    )
    body = TestClient(create_app(settings, database)).get("/readyz").json()
    box = settings.mailboxes[0].name
    assert "refused" in body[f"imap:{box}"]["problem"]
    assert body["smtp"]["status"] == "down"
    assert (
        "SmtpAuthError" in body["smtp"]["problem"]
        and "credentials refused" in body["smtp"]["problem"]
    )
    assert body["model:vllm"] == {"status": "ok"}


def test_answers_are_cached_so_probes_do_not_hammer_the_servers() -> None:
    calls: list[str] = []
    now = [100.0]
    probe = ReadinessProbe(
        {"imap:x": lambda: calls.append("imap")},
        budget_seconds=1,
        cache_seconds=5,
        clock=lambda: now[0],
    )
    for _ in range(3):
        assert asyncio.run(probe.report()).ready
    now[0] += 5.1
    asyncio.run(probe.report())
    assert calls == ["imap", "imap"]


def test_a_check_that_hangs_is_down_within_the_budget() -> None:
    def hangs() -> None:
        time.sleep(1.5)

    probe = ReadinessProbe({"smtp": hangs, "database": lambda: None}, budget_seconds=0.2,
                           cache_seconds=0)  # fmt: skip

    async def timed() -> tuple[float, ReadinessReport]:
        started = time.monotonic()
        report = await probe.report()
        return time.monotonic() - started, report

    # Timed inside the loop: asyncio.run itself waits for the abandoned thread at exit.
    elapsed, report = asyncio.run(timed())
    assert elapsed < 1.0
    assert report.as_json() == {
        "status": "unavailable",
        "smtp": {"status": "down", "problem": "no answer within 0.2s"},
        "database": {"status": "ok"},
    }


def test_offline_models_need_no_check_and_hosted_ones_use_their_base_url() -> None:
    offline = ModelSettings()
    assert provider_base_urls(offline) == {}
    hosted = ModelSettings(
        pins={"draft": "openai:gpt-4.1-mini-2025-04-14"}, openai={"api_key": "sk-test"}
    )
    assert provider_base_urls(hosted) == {"openai": "https://api.openai.com/v1"}
