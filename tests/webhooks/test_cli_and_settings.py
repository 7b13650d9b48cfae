"""`hatchway webhooks deliveries/redeliver`, [[webhooks]] settings, and the public surface."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import hatchway.webhooks
from hatchway.cli import app
from hatchway.config import Settings
from hatchway.errors import ConfigError
from hatchway.store import Database
from hatchway.store.models import DeliveryState
from hatchway.webhooks import (
    EventType,
    WebhookSettings,
    list_deliveries,
    record_event,
    signature_header,
)
from hatchway.webhooks.dispatcher import WebhookDispatcher
from tests.webhooks._receiver import Receiver

runner = CliRunner()


def test_deliveries_lists_and_redeliver_queues_again(
    database: Database,
    receiver: Receiver,
    endpoint: WebhookSettings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.delenv("HATCHWAY_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./hatchway.toml
    url = database.url.render_as_string(hide_password=False)
    env = {"HATCHWAY_DATABASE_URL": url, "HATCHWAY_DEV_MODE": "true"}
    with database.session() as session:
        record_event(session, type=EventType.REVIEW_REJECTED, payload={"item_id": 7})
    receiver.answer({"status": 410})
    WebhookDispatcher(database, [endpoint])()
    result = runner.invoke(app, ["webhooks", "deliveries", "--failed"], env=env)
    assert result.exit_code == 0, result.output
    [line] = result.output.splitlines()
    assert "failed" in line and "review.rejected" in line and "HTTP 410" in line
    delivery_id = list_deliveries(database)[0].id
    result = runner.invoke(app, ["webhooks", "redeliver", str(delivery_id)], env=env)
    assert result.exit_code == 0, result.output
    assert f"delivery {delivery_id} queued again" in result.output
    assert list_deliveries(database)[0].state == DeliveryState.PENDING
    result = runner.invoke(app, ["webhooks", "deliveries", "--failed"], env=env)
    assert result.output.strip() == "no failed deliveries"
    result = runner.invoke(app, ["webhooks", "redeliver", "999999"], env=env)
    assert result.exit_code == 1 and "does not exist" in str(result.exception or result.output)


def test_endpoints_default_to_every_event() -> None:
    hook = WebhookSettings.model_validate({"url": "https://crm.example/h", "secret": "s" * 32})
    assert set(hook.events) == set(EventType) and hook.wants("reply.sent")
    only = hook.model_copy(update={"events": [EventType.REPLY_SENT]})
    assert only.wants("reply.sent") and not only.wants("review.rejected")


def test_a_placeholder_webhook_secret_is_refused_outside_dev_mode() -> None:
    hooks = [{"url": "https://crm.example/h", "secret": "change-me"}]
    with pytest.raises(ConfigError, match=r"webhooks\[0\]\.secret"):
        Settings(secret_key="k" * 40, webhooks=hooks)
    assert Settings(dev_mode=True, webhooks=hooks).webhooks[0].endpoint == "https://crm.example/h"


def test_an_unknown_event_name_is_refused() -> None:
    with pytest.raises(ValueError, match="reply.sent"):
        WebhookSettings.model_validate(
            {"url": "https://crm.example/h", "secret": "s" * 32, "events": ["reply.snet"]}
        )


def test_public_surface_is_pinned() -> None:
    assert sorted(hatchway.webhooks.__all__) == [
        "DeliveryNotFound",
        "DeliveryRecord",
        "EventType",
        "SignatureInvalid",
        "WebhookSettings",
        "get_delivery",
        "item_payload",
        "list_deliveries",
        "record_back_in_review",
        "record_event",
        "redeliver",
        "reply_payload",
        "signature_header",
        "verify_signature",
    ]
    for name in hatchway.webhooks.__all__:
        assert getattr(hatchway.webhooks, name).__doc__, name


def test_the_documented_receiver_check_verifies_our_signatures() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
    example = docs.read_text().split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(example, str(docs), "exec"), namespace)  # the docs' own code, not ours
    verify = namespace["verify"]
    body = b'{"id":1,"type":"reply.sent","data":{}}'
    header = signature_header("whsec-doc", int(time.time()), body)
    assert verify("whsec-doc", header, body)
    assert not verify("whsec-doc", header, body.replace(b"1", b"2"))
    assert not verify("another", header, body)
    assert not verify("whsec-doc", signature_header("whsec-doc", 1_000_000, body), body)
