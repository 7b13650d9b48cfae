"""Repeated submissions get the first answer; a reused key with other content is an error."""

from __future__ import annotations

import threading

from sqlalchemy import select

from hatchway.api.submissions import submit_raw
from hatchway.intake import accept_raw_message
from hatchway.store.models import IdempotencyRecord, InboundMessage, InboundSource, Job, Role
from tests.api.conftest import ApiStack, raw_mail


def test_the_same_idempotency_key_twice_replays_the_first_answer(api: ApiStack) -> None:
    raw = raw_mail("<idem-1@example.com>")
    first = api.submit_raw(raw, **{"Idempotency-Key": "k-1"})
    second = api.submit_raw(raw, **{"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert api.count(InboundMessage) == 1 and api.count(Job) == 1


def test_the_same_key_with_another_body_is_refused(api: ApiStack) -> None:
    api.submit_raw(raw_mail("<idem-2@example.com>"), **{"Idempotency-Key": "k-2"})
    response = api.submit_raw(raw_mail("<idem-3@example.com>"), **{"Idempotency-Key": "k-2"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "idempotency_key_reused" and error["field"] == "Idempotency-Key"
    assert api.count(InboundMessage) == 1


def test_keys_are_per_api_key(api: ApiStack) -> None:
    headers = {"Content-Type": "message/rfc822", "Idempotency-Key": "shared"}
    one = api.post("/messages", Role.REVIEWER, headers=headers, content=raw_mail("<a@x.example>"))
    two = api.post("/messages", Role.OPS, headers=headers, content=raw_mail("<b@x.example>"))
    assert one.status_code == two.status_code == 201
    assert one.json()["id"] != two.json()["id"]


def test_the_same_message_id_twice_returns_the_first_answer(api: ApiStack) -> None:
    first = api.submit_raw(raw_mail("<mid@example.com>", body="first delivery"))
    # Another relay, other trace headers: the same message all the same.
    again = b"Received: from relay2.example\r\n" + raw_mail(
        "<mid@example.com>", body="first delivery"
    )
    second = api.submit_raw(again)
    assert (second.status_code, second.json()) == (first.status_code, first.json())
    assert second.headers["idempotent-replayed"] == "true"
    assert api.count(InboundMessage) == 1


def test_the_same_json_twice_is_one_message(api: ApiStack) -> None:
    payload = {"from": "a@b.example", "to": ["s@shop.example"], "subject": "Hi", "text": "Hello"}
    first = api.post("/messages", json=payload)
    second = api.post("/messages", json=payload)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    third = api.post("/messages", json={**payload, "text": "Hello again"})
    assert third.status_code == 201 and third.json()["id"] != first.json()["id"]


def test_mail_that_came_over_imap_first_is_not_stored_again(api: ApiStack) -> None:
    with api.database.session() as session:
        earlier = accept_raw_message(
            session, raw=raw_mail("<both@example.com>"), source=InboundSource.IMAP
        ).message.id
    response = api.submit_raw(b"X-Relayed: crm\r\n" + raw_mail("<both@example.com>"))
    assert response.status_code == 200
    assert response.json()["id"] == earlier and response.json()["duplicate"] is True
    assert api.count(InboundMessage) == 1


def test_a_quarantined_repeat_is_answered_from_its_bytes(api: ApiStack) -> None:
    junk = b"\x00 not mail"
    first = api.submit_raw(junk)
    second = api.submit_raw(junk)
    assert first.json() == second.json() and first.json()["status"] == "quarantined"
    assert api.count(InboundMessage) == 1


def _race(api: ApiStack, raw: bytes, key: str, threads: int) -> list[tuple[int, dict[str, object]]]:
    barrier = threading.Barrier(threads)
    answers: list[tuple[int, dict[str, object]]] = []
    errors: list[BaseException] = []

    def submit() -> None:
        barrier.wait()
        try:
            answer = submit_raw(
                api.database, raw=raw, api_key_id=api.key_ids[Role.REVIEWER], idempotency_key=key
            )
            answers.append((answer.status_code, answer.body))
        except BaseException as exc:  # collected and asserted by the caller
            errors.append(exc)

    workers = [threading.Thread(target=submit) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    return answers


def test_concurrent_duplicates_create_one_message(api: ApiStack) -> None:
    for round_ in range(3):
        raw = raw_mail(f"<race-{round_}@example.com>")
        answers = _race(api, raw, key=f"r-{round_}", threads=6)
        assert api.count(InboundMessage) == round_ + 1, answers
        assert len(answers) == 6 and all(answer == answers[0] for answer in answers)
        assert answers[0][0] == 201
    assert api.count(Job) == 3
    with api.database.session() as session:
        scopes = sorted(session.scalars(select(IdempotencyRecord.scope).distinct()))
    assert scopes == ["content", f"key:{api.key_ids[Role.REVIEWER]}", "message-id"]


def test_an_overlong_idempotency_key_is_refused(api: ApiStack) -> None:
    response = api.submit_raw(raw_mail("<long@example.com>"), **{"Idempotency-Key": "k" * 256})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "Idempotency-Key"
    assert api.count(InboundMessage) == 0
