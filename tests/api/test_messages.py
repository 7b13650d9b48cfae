"""Submitting, listing and reading items: the same intake as IMAP, quarantine, filters, paging."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from hatchway.intake import TRIAGE_JOB
from hatchway.store.models import InboundMessage, InboundSource, InboundStatus, Job
from tests.api.conftest import API, ApiStack, raw_mail


def _stored(api: ApiStack, message_id: int) -> InboundMessage:
    with api.database.session() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None
        return message


def _triage_jobs(api: ApiStack, message_id: int) -> int:
    with api.database.session() as session:
        query = select(Job).where(Job.inbound_message_id == message_id, Job.kind == TRIAGE_JOB)
        return len(list(session.scalars(query)))


def test_raw_mail_is_stored_parsed_and_queued_for_triage(api: ApiStack) -> None:
    raw = raw_mail("<order-1@example.com>", subject="Where is NW-100231?")
    response = api.submit_raw(raw)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "received" and body["message_id"] == "<order-1@example.com>"
    assert body["duplicate"] is False
    assert response.headers["location"] == f"{API}/messages/{body['id']}"
    stored = _stored(api, body["id"])
    assert stored.raw == raw and stored.source == InboundSource.API
    assert stored.subject == "Where is NW-100231?" and stored.from_address == "casey@example.com"
    assert _triage_jobs(api, body["id"]) == 1


def test_structured_json_becomes_mail_and_joins_its_thread(api: ApiStack) -> None:
    first = api.submit_raw(raw_mail("<t-1@example.com>")).json()
    response = api.post(
        "/messages",
        json={
            "from": "casey@example.com",
            "from_name": "Casey",
            "to": ["support@shop.example"],
            "subject": "Re: Where is my order?",
            "text": "Any news?",
            "html": "<p>Any <b>news</b>?</p><script>alert(1)</script>",
            "message_id": "t-2@example.com",
            "in_reply_to": "<t-1@example.com>",
            "references": ["<t-1@example.com>"],
            "date": "2026-11-22T11:00:00Z",
        },
    )
    assert response.status_code == 201, response.text
    second = _stored(api, response.json()["id"])
    assert second.message_id == "<t-2@example.com>" and second.in_reply_to == "<t-1@example.com>"
    assert second.from_name == "Casey" and second.text_body is not None
    assert "Any news?" in second.text_body
    assert second.html_body is not None and "<script>" not in second.html_body
    assert second.thread_id == _stored(api, first["id"]).thread_id
    assert second.sent_at is not None and second.sent_at.hour == 11
    assert b"Subject: Re: Where is my order?" in second.raw
    assert _triage_jobs(api, second.id) == 1


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\x00\x01\x02 binary junk, no headers at all", "no headers"),
        (b"Subject: hello\r\n\r\nno sender here\r\n", "From"),
    ],
)
def test_malformed_raw_mail_is_quarantined_with_its_reason_and_kept(
    api: ApiStack, raw: bytes, reason: str
) -> None:
    response = api.submit_raw(raw)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "quarantined" and reason.lower() in body["status_reason"].lower()
    stored = _stored(api, body["id"])
    assert stored.raw == raw and stored.status == InboundStatus.QUARANTINED
    assert _triage_jobs(api, body["id"]) == 0
    listed = api.get("/messages", params={"status": "quarantined"}).json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]


def test_auto_submitted_mail_is_stored_but_never_answered(api: ApiStack) -> None:
    raw = raw_mail("<ooo@example.com>").replace(
        b"\r\n\r\n", b"\r\nAuto-Submitted: auto-replied\r\n\r\n", 1
    )
    body = api.submit_raw(raw).json()
    assert body["status"] == "ignored" and "auto" in body["status_reason"].lower()
    assert _triage_jobs(api, body["id"]) == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {
                "from": "a@b.example",
                "to": ["s@shop.example"],
                "text": "x",
                "subject": "a\r\nBcc: x@y",
            },
            "subject",
        ),
        ({"from": "not an address", "to": ["s@shop.example"], "text": "x"}, "from"),
        ({"from": "a@b.example", "to": [], "text": "x"}, "to"),
        ({"from": "a@b.example", "to": ["s@shop.example", "bad"], "text": "x"}, "to.1"),
        ({"from": "a@b.example", "to": ["s@shop.example"]}, "text"),
        ({"from": "a@b.example", "to": ["s@shop.example"], "text": "x", "bcc": "x"}, "bcc"),
        ({"from": "a@b.example", "to": ["s@shop.example"], "text": "x", "date": "noon"}, "date"),
    ],
)
def test_invalid_json_names_the_field(
    api: ApiStack, payload: dict[str, object], field: str
) -> None:
    response = api.post("/messages", json=payload)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["field"] == field
    assert api.count(InboundMessage) == 0


def test_other_media_types_and_empty_bodies_are_refused(api: ApiStack) -> None:
    response = api.post("/messages", headers={"Content-Type": "text/plain"}, content=b"hello")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    response = api.submit_raw(b"")
    assert response.status_code == 422 and response.json()["error"]["field"] == "body"
    response = api.post("/messages", headers={"Content-Type": "application/json"}, content=b"{")
    assert response.status_code == 422
    assert api.count(InboundMessage) == 0


def test_the_list_filters_by_status_and_category_and_pages_newest_first(api: ApiStack) -> None:
    ids = [
        api.submit_raw(raw_mail(f"<p-{n}@example.com>", body=f"n{n}")).json()["id"]
        for n in range(5)
    ]
    with api.database.session() as session:
        for message_id in ids[:3]:
            message = session.get(InboundMessage, message_id)
            assert message is not None
            message.category = "order_status"
    page = api.get("/messages", params={"limit": 2}).json()
    assert [item["id"] for item in page["items"]] == ids[::-1][:2]
    page2 = api.get("/messages", params={"limit": 2, "before_id": page["next_before_id"]}).json()
    page3 = api.get("/messages", params={"limit": 2, "before_id": page2["next_before_id"]}).json()
    assert [item["id"] for item in page2["items"] + page3["items"]] == ids[::-1][2:]
    assert page3["next_before_id"] is None
    by_category = api.get("/messages", params={"category": "order_status"}).json()["items"]
    assert sorted(item["id"] for item in by_category) == ids[:3]
    assert api.get("/messages", params={"status": "in_review"}).json()["items"] == []
    bad = api.get("/messages", params={"status": "lost"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "status"


def test_unknown_item_is_404(api: ApiStack) -> None:
    response = api.get("/messages/999")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "There is no message 999.",
        "field": None,
    }


def test_mail_over_the_size_limit_is_refused_before_it_is_stored(
    api: ApiStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hatchway.api.routes import messages

    monkeypatch.setattr(messages, "MAX_MESSAGE_BYTES", 200)
    raw = raw_mail("<big@example.com>", body="x" * 300)
    response = api.submit_raw(raw)
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted while it streams
        yield raw[:150]
        yield raw[150:]

    response = api.submit_raw(chunked())  # type: ignore[arg-type]
    assert response.status_code == 413
    assert api.count(InboundMessage) == 0
    assert api.submit_raw(raw_mail("<small@example.com>")[:190]).status_code == 201
