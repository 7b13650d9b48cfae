"""The item view is round-trip bound on PostgreSQL: keep its statement count small."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select, update

from hatchway.review import required_role, role_required_by
from hatchway.store.models import Draft, InboundMessage, Job, JobState, Role
from tests.ui.conftest import UiStack

# session check, message, users, claim, neighbours, thread, draft+outbox+pending, trace,
# decisions: nine; before issue 7 the page took fifteen or more.
ITEM_STATEMENTS = 9


@contextmanager
def statements(stack: UiStack) -> Iterator[list[str]]:
    """The SQL statements the app sends while the block runs (no BEGIN/COMMIT)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if not sql.startswith("BEGIN"):  # SQLite's explicit BEGIN IMMEDIATE
            seen.append(sql)

    event.listen(stack.database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(stack.database.engine, "before_cursor_execute", record)


def test_item_view_takes_few_round_trips(ui_stack: UiStack) -> None:
    first, item, last = (ui_stack.add_message(n) for n in (1, 2, 3))
    client = ui_stack.client("riley")
    client.get(f"/inbox/{item}")  # warm: session touch and first claim
    with statements(ui_stack) as seen:
        page = client.get(f"/inbox/{item}").text
    assert len(seen) <= ITEM_STATEMENTS, "\n\n".join(seen)
    assert f'href="/inbox/{first}"' in page and f'href="/inbox/{last}"' in page  # j/k
    assert "Hello" in page  # the draft, from the combined query
    assert "openai:gpt-4.1-mini-2025-04-14" in page  # the trace, from the joined query


def test_claim_and_pending_are_current_after_the_combined_reads(ui_stack: UiStack) -> None:
    item = ui_stack.add_message(1)
    client = ui_stack.client("riley")
    client.get(f"/inbox/{item}")
    other = ui_stack.client("sam").get(f"/inbox/{item}").text
    assert "Riley Reviewer" in other  # sam sees who holds it (claim not taken from riley)
    assert "being carried out by a worker" not in client.get(f"/inbox/{item}").text
    with ui_stack.database.session() as session:
        session.add(Job(kind="review_decision", inbound_message_id=item, payload={},
                        state=JobState.QUEUED))  # fmt: skip
    assert "being carried out by a worker" in client.get(f"/inbox/{item}").text


def test_required_role_on_the_page_agrees_with_the_review_service(ui_stack: UiStack) -> None:
    item = ui_stack.add_message(1)
    hits: list[Any] = [
        {"rule": "vip", "explanation": "a VIP", "role": "ops"},
        {"rule": "odd", "role": "nobody"},
        "not a dict",
    ]
    with ui_stack.database.session() as session:
        session.execute(
            update(Draft).where(Draft.inbound_message_id == item).values(rule_hits=hits)
        )
        draft = session.scalars(select(Draft).where(Draft.inbound_message_id == item)).one()
        assert role_required_by(draft.rule_hits) == required_role(session, item) == Role.OPS
        assert session.get(InboundMessage, item) is not None
    assert "sending needs ops" in ui_stack.client("riley").get(f"/inbox/{item}").text
    assert role_required_by([]) == Role.REVIEWER
    assert role_required_by([{"role": "admin"}, {"role": "ops"}]) == Role.ADMIN
