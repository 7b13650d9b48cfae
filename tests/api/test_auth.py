"""API keys: hashed at rest, refused when missing, wrong or revoked, roles enforced per route."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from hatchway.api.keys import ApiKeyRefused, authenticate, create_api_key, revoke_api_key
from hatchway.store.models import ApiKey, Role, utcnow
from tests.api.conftest import API, ApiStack

# Every route with the least role it needs; reviewer routes are tried without a key.
ROUTES = [
    ("GET", "/messages", Role.REVIEWER),
    ("POST", "/messages", Role.REVIEWER),
    ("GET", "/messages/1", Role.REVIEWER),
    ("POST", "/messages/1/decisions", Role.REVIEWER),
    ("GET", "/categories", Role.REVIEWER),
    ("GET", "/categories/order_status", Role.REVIEWER),
    ("POST", "/categories/order_status/promote", Role.OPS),
    ("POST", "/categories/order_status/demote", Role.OPS),
    ("GET", "/webhooks/deliveries", Role.OPS),
    ("POST", "/webhooks/deliveries/1/redeliver", Role.OPS),
]


def test_the_route_table_covers_every_route(api: ApiStack) -> None:
    paths = api.client.get(f"{API}/openapi.json").json()["paths"]
    documented = {(method.upper(), path) for path, item in paths.items() for method in item}
    table = {
        (
            method,
            path.replace("deliveries/1", "deliveries/{delivery_id}")
            .replace("/1", "/{message_id}")
            .replace("order_status", "{name}"),
        )
        for method, path, _ in ROUTES
    }
    assert documented == table


@pytest.mark.parametrize(("method", "path", "_role"), ROUTES)
def test_no_key_is_401_with_a_bearer_challenge(
    api: ApiStack, method: str, path: str, _role: Role
) -> None:
    response = api.client.request(method, API + path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "token",
    ["not-a-key", "hw_only-prefix", "Basic abc", "hw_000000000000_" + "x" * 43, "hw__secret"],
)
def test_malformed_or_unknown_keys_are_401(api: ApiStack, token: str) -> None:
    response = api.client.get(f"{API}/messages", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_the_right_prefix_with_a_wrong_secret_is_401(api: ApiStack) -> None:
    prefix = api.tokens[Role.ADMIN].split("_")[1]
    forged = f"hw_{prefix}_{'A' * 43}"
    response = api.client.get(f"{API}/messages", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_a_revoked_key_is_401(api: ApiStack) -> None:
    assert api.get("/messages").status_code == 200
    with api.database.session() as session:
        key = session.get(ApiKey, api.key_ids[Role.REVIEWER])
        assert key is not None
        revoke_api_key(session, prefix=key.prefix)
    response = api.get("/messages")
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


@pytest.mark.parametrize(("method", "path", "needed"), ROUTES)
def test_roles_are_enforced_per_route(api: ApiStack, method: str, path: str, needed: Role) -> None:
    rank = {Role.REVIEWER: 0, Role.OPS: 1, Role.ADMIN: 2}
    for role in Role:
        response = api.client.request(method, API + path, headers=api.headers(role), json={})
        if rank[role] < rank[needed]:
            assert response.status_code == 403, (role, response.text)
            assert response.json()["error"]["code"] == "forbidden"
        else:
            assert response.status_code not in (401, 403), (role, response.text)


def test_only_a_hash_of_the_secret_is_stored(api: ApiStack) -> None:
    token = api.tokens[Role.OPS]
    _, prefix, secret = token.split("_", 2)
    with api.database.session() as session:
        key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        assert key is not None
        assert key.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
        stored = [str(value) for value in vars(key).values()]
    assert not any(secret in value for value in stored)
    assert len(secret) >= 43  # 256 bits, url-safe base64


def test_last_used_is_recorded_at_most_once_a_minute(api: ApiStack) -> None:
    token = api.tokens[Role.REVIEWER]
    start = utcnow()
    with api.database.session() as session:
        authenticate(session, token, now=start)
        authenticate(session, token, now=start + timedelta(seconds=30))
        key = session.get(ApiKey, api.key_ids[Role.REVIEWER])
        assert key is not None and key.last_used_at == start
        authenticate(session, token, now=start + timedelta(minutes=2))
        assert key.last_used_at == start + timedelta(minutes=2)


def test_keys_are_unique_and_revoking_an_unknown_prefix_is_refused(api: ApiStack) -> None:
    with api.database.session() as session:
        first = create_api_key(session, name="a", role=Role.REVIEWER, created_by="t")
        second = create_api_key(session, name="a", role=Role.REVIEWER, created_by="t")
        assert first.prefix != second.prefix and first.token != second.token
        with pytest.raises(ApiKeyRefused):
            revoke_api_key(session, prefix="nope")
