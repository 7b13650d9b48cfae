"""The inbox list (filters, counts, paging) and claims between two reviewers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from hatchway.store.models import AuditEvent, InboundMessage
from tests.ui.conftest import UiStack, csrf_of


def _set(stack: UiStack, message_id: int, **values: object) -> None:
    with stack.database.session() as session:
        session.execute(
            update(InboundMessage).where(InboundMessage.id == message_id).values(**values)
        )


def test_filters_counts_and_order(ui_stack: UiStack) -> None:
    first, second, third = (ui_stack.add_message(n) for n in (1, 2, 3))
    _set(ui_stack, second, category="returns", status_reason="refund above the limit")
    _set(ui_stack, third, assignee_id=ui_stack.user_ids["riley"])
    _set(ui_stack, first, received_at=ui_stack.clock() - timedelta(hours=5))
    client = ui_stack.client("riley")
    page = client.get("/inbox").text
    assert page.index(f'href="/inbox/{first}"') < page.index(f'href="/inbox/{third}"')
    assert "1 late" in page and ">returns<" in page.replace("</span><span", "<")
    newest = client.get("/inbox?sort=newest").text
    assert newest.index(f'"/inbox/{first}') > newest.index(f'"/inbox/{third}')

    def ids(query: str) -> set[int]:
        text = client.get(f"/inbox?{query}").text
        return {m for m in (first, second, third) if f'class="subj" href="/inbox/{m}' in text}

    assert ids("category=returns") == {second}
    assert ids("reason=REFUND") == {second}
    assert ids("reason=100%25") == set()  # LIKE wildcards are literal
    assert ids("age=late") == {first}
    assert ids("age=on_time") == {second, third}
    assert ids("assignee=mine") == {third}
    assert ids("assignee=unassigned") == {first, second}
    assert ids(f"assignee={ui_stack.user_ids['riley']}") == {third}


def test_paging(ui_stack: UiStack) -> None:
    from hatchway.ui.settings import UiSettings

    for n in range(7):
        _set(ui_stack, ui_stack.add_message(n), status_reason="needs a person")
    ui_stack.app.state.ui_settings = UiSettings(page_size=5, counts_cache_seconds=0)
    client = ui_stack.client("riley")
    assert "page 1 of 2" in client.get("/inbox").text
    second = client.get("/inbox?page=2").text
    assert "page 2 of 2" in second and second.count('class="subj"') == 2
    searched = client.get("/inbox?reason=person").text  # a text search is not counted
    assert "page 1<" in searched and "?reason=person&amp;page=2" in searched
    assert "Next" not in client.get("/inbox?reason=person&page=2").text


def test_opening_claims_and_a_second_reviewer_sees_who_holds_it(ui_stack: UiStack) -> None:
    item = ui_stack.add_message(1)
    riley, sam = ui_stack.client("riley"), ui_stack.client("sam")
    assert "you hold this item" in riley.get(f"/inbox/{item}").text
    seen = sam.get(f"/inbox/{item}").text
    assert "held by Riley Reviewer since" in seen and "Take over" in seen
    assert "Riley Reviewer" in sam.get("/inbox").text
    token = csrf_of(sam)
    refused = sam.post(f"/inbox/{item}/send", data={"csrf_token": token, "body": "mine"})
    assert refused.status_code == 409
    assert "held by Riley Reviewer" in refused.text and "mine</textarea>" in refused.text
    heartbeat = sam.post(f"/api/inbox/{item}/heartbeat", headers={"X-CSRF-Token": token})
    assert heartbeat.json() == {
        "held": False,
        "holder": "Riley Reviewer",
        "until": heartbeat.json()["until"],
    }


def test_take_over_is_audited_and_flips_the_hold(ui_stack: UiStack) -> None:
    item = ui_stack.add_message(1)
    riley, sam = ui_stack.client("riley"), ui_stack.client("sam")
    riley.get(f"/inbox/{item}")
    sam.post(f"/inbox/{item}/claim", data={"csrf_token": csrf_of(sam), "take_over": "true"})
    assert "you hold this item" in sam.get(f"/inbox/{item}").text
    with ui_stack.database.session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "review.claim_taken_over")
        ).one()
        assert event.actor == "sam" and event.details["from_user_id"] == ui_stack.user_ids["riley"]
    token = csrf_of(riley)
    refused = riley.post(f"/inbox/{item}/reject", data={"csrf_token": token, "reason": "Other"})
    assert refused.status_code == 409 and "held by Sam Second" in refused.text


def test_a_lapsed_claim_frees_the_item(ui_stack: UiStack) -> None:
    item = ui_stack.add_message(1)
    riley, sam = ui_stack.client("riley"), ui_stack.client("sam")
    riley.get(f"/inbox/{item}")
    ui_stack.clock.offset += timedelta(minutes=11)
    assert "you hold this item" in sam.get(f"/inbox/{item}").text
    response = sam.post(
        f"/inbox/{item}/reject", data={"csrf_token": csrf_of(sam), "reason": "No reply needed"}
    )
    assert response.status_code == 303


def test_release_gives_the_item_back(ui_stack: UiStack) -> None:
    item = ui_stack.add_message(1)
    riley, sam = ui_stack.client("riley"), ui_stack.client("sam")
    riley.get(f"/inbox/{item}")
    riley.post(f"/api/inbox/{item}/release", headers={"X-CSRF-Token": csrf_of(riley)})
    assert "you hold this item" in sam.get(f"/inbox/{item}").text


def test_reason_kind_filter_finds_each_kind_among_others(ui_stack: UiStack) -> None:
    unsure, failed, plain = (ui_stack.add_message(n) for n in (1, 2, 3))
    _set(ui_stack, unsure, status_reason="refund above the limit; the classifier is unsure "
         "(0.41 < 0.60); refund is a guess")  # fmt: skip
    _set(ui_stack, failed, status_reason="draft failed: TimeoutError: slow model")
    _set(ui_stack, plain, status_reason="refund above the limit")
    client = ui_stack.client("riley")

    def ids(query: str) -> set[int]:
        text = client.get(f"/inbox?{query}").text
        return {m for m in (unsure, failed, plain) if f'class="subj" href="/inbox/{m}' in text}

    assert ids("why=unsure") == {unsure}  # not only as the first reason
    assert ids("why=failed") == {failed}
    assert ids("why=undone") == set()
    assert ids("why=unsure&reason=refund") == {unsure}  # both filters apply
    assert ids("why=no-such-kind") == {unsure, failed, plain}  # unknown codes are ignored
    page = client.get("/inbox?why=unsure").text
    assert "matching classifier unsure" in page and 'value="unsure" selected' in page


def test_reason_search_is_served_by_the_reason_index(ui_stack: UiStack) -> None:
    """SQLite walks the covering index; PostgreSQL has trigrams (the 100k plan: BENCHMARKS)."""
    from sqlalchemy import event, text

    from hatchway.ui.inbox.queries import InboxFilters, list_inbox

    seen: list[tuple[str, object]] = []

    def capture(_c: object, _cur: object, sql: str, params: object, *_: object) -> None:
        if "LIKE" in sql.upper() or "instr(" in sql:
            seen.append((sql, params))

    engine = ui_stack.database.engine
    with ui_stack.database.session() as session:
        event.listen(engine, "before_cursor_execute", capture)
        try:
            list_inbox(session, InboxFilters(why="unsure"), user_id=1, now=ui_stack.clock(),
                       sla=timedelta(hours=4), page_size=50)  # fmt: skip
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        (sql, params), *_ = seen
        connection = session.connection()
        if ui_stack.database.dialect == "sqlite":
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()  # type: ignore[arg-type]
            assert "COVERING INDEX ix_inbound_messages_inbox_reason" in str(plan), plan
        else:
            found = connection.execute(text(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                " AND indexname = 'ix_inbound_messages_inbox_reason'"
            )).scalar_one()  # fmt: skip
            assert "USING gin" in found and "gin_trgm_ops" in found, found
