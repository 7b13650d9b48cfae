"""The delivery log through the API: list (failed only), redeliver, 404 (ops role)."""

from __future__ import annotations

import socket

import httpx
from pydantic import SecretStr

from hatchway.policies.automation import Actor, promote
from hatchway.store.models import CategoryMode, Role
from hatchway.webhooks import WebhookSettings
from hatchway.webhooks.dispatcher import WebhookDispatcher
from tests.api.conftest import ApiStack


def _closed_port() -> int:
    with socket.socket() as probe:  # bound then closed: nothing listens there
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _failed_delivery(api: ApiStack) -> None:
    endpoint = WebhookSettings(
        url=f"http://127.0.0.1:{_closed_port()}/hook",  # type: ignore[arg-type]
        secret=SecretStr("whsec-test-secret-not-real"),
        max_attempts=1,
        timeout_seconds=2,
    )
    with api.database.session() as session:
        promote(session, name="refund", to=CategoryMode.SHADOW, actor=Actor("ops-olga"),
                gate_version=None)  # fmt: skip
    with httpx.Client() as client:
        dispatcher = WebhookDispatcher(api.database, [endpoint], client=client)
        dispatcher()
        dispatcher()


def test_ops_list_failed_deliveries_and_redeliver_one(api: ApiStack) -> None:
    _failed_delivery(api)
    response = api.get("/webhooks/deliveries?failed=true", role=Role.OPS)
    assert response.status_code == 200
    [delivery] = response.json()
    assert delivery["event_type"] == "category.mode_changed"
    assert (delivery["state"], delivery["attempts"]) == ("failed", 1)
    assert delivery["last_error"]
    again = api.post(f"/webhooks/deliveries/{delivery['id']}/redeliver", role=Role.OPS)
    assert again.status_code == 200
    assert (again.json()["state"], again.json()["attempts"]) == ("pending", 0)
    assert api.get("/webhooks/deliveries?failed=true", role=Role.OPS).json() == []
    assert len(api.get("/webhooks/deliveries", role=Role.OPS).json()) == 1


def test_redelivering_an_unknown_delivery_is_404(api: ApiStack) -> None:
    response = api.post("/webhooks/deliveries/999/redeliver", role=Role.ADMIN)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_reviewer_key_may_not_read_the_delivery_log(api: ApiStack) -> None:
    assert api.get("/webhooks/deliveries").status_code == 403
