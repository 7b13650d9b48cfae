"""Loading one inbox item: the message, its thread, draft, evidence, trace and outbox state."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hatchway.review import decision_pending_clause, role_required_by
from hatchway.store.models import (
    Draft,
    GraphRun,
    InboundMessage,
    NodeRun,
    OutboxEntry,
    OutboxState,
    ReviewDecision,
    User,
)
from hatchway.ui.inbox.views import (
    CheckLine,
    DecisionLine,
    DraftView,
    FactGroup,
    ItemView,
    MarkedText,
    OutboxView,
    ThreadEntry,
    TraceLine,
)

__all__ = ["load_item", "newest_outbox"]

THREAD_LIMIT = 50


def load_item(
    session: Session, message: InboundMessage, users: dict[int, str] | None = None
) -> ItemView:
    """The item page's content for ``message``; ``users`` (id → name) if already read.

    The page is round-trip bound on PostgreSQL, so the draft, the newest outbox entry and
    the pending-job flag come in one query, the graph run with its node runs in another.
    """
    names = users if users is not None else _user_names(session)
    view = ItemView(
        id=message.id,
        status=message.status.value,
        status_reason=message.status_reason,
        subject=message.subject or "(no subject)",
        from_name=message.from_name,
        from_address=message.from_address,
        to=[str(a) for a in message.to_addresses],
        cc=[str(a) for a in message.cc_addresses],
        sent_at=message.sent_at,
        received_at=message.received_at,
        category=message.category,
        has_html=bool(message.html_body),
        text_body=message.text_body or "",
        attachments=list(message.attachments),
        loop_signals=list(message.loop_signals),
        assignee=names.get(message.assignee_id) if message.assignee_id else None,
        assigned_role=message.assigned_role,
    )
    view.thread = _thread(session, message)
    draft, entry, view.pending = _draft_outbox_pending(session, message.id)
    view.draft = _draft(draft) if draft is not None else None
    view.required_role = role_required_by(draft.rule_hits if draft is not None else []).value
    view.outbox = _outbox(entry) if entry is not None else None
    view.trace, view.graph_error = _trace(session, message.id)
    view.decisions = _decisions(session, message.id, names)
    return view


def _draft_outbox_pending(
    session: Session, message_id: int
) -> tuple[Draft | None, OutboxEntry | None, bool]:
    """The newest draft, the newest outbox entry and whether a decision is pending: one query."""
    newest_draft = select(func.max(Draft.id)).where(Draft.inbound_message_id == message_id)
    newest_entry = select(func.max(OutboxEntry.id)).where(
        OutboxEntry.inbound_message_id == message_id
    )
    query = (
        select(Draft, OutboxEntry, decision_pending_clause(message_id).label("pending"))
        .select_from(InboundMessage)
        .outerjoin(Draft, Draft.id == newest_draft.scalar_subquery())
        .outerjoin(OutboxEntry, OutboxEntry.id == newest_entry.scalar_subquery())
        .where(InboundMessage.id == message_id)
    )
    row = session.execute(query).one()
    return row[0], row[1], bool(row[2])


def newest_outbox(session: Session, message_id: int) -> OutboxEntry | None:
    """The newest outbox entry replying to the message."""
    query = select(OutboxEntry).where(OutboxEntry.inbound_message_id == message_id)
    return session.scalar(query.order_by(OutboxEntry.id.desc()).limit(1))


def _user_names(session: Session) -> dict[int, str]:
    return {row[0]: row[1] for row in session.execute(select(User.id, User.display_name))}


def _thread(session: Session, message: InboundMessage) -> list[ThreadEntry]:
    if message.thread_id is None:
        return []
    inbound = session.execute(
        select(
            InboundMessage.id,
            InboundMessage.received_at,
            InboundMessage.from_name,
            InboundMessage.from_address,
            InboundMessage.subject,
            InboundMessage.text_body,
            InboundMessage.status,
        )
        .where(InboundMessage.thread_id == message.thread_id)
        .order_by(InboundMessage.received_at.desc())
        .limit(THREAD_LIMIT)
    ).all()
    entries = [
        ThreadEntry("inbound", r.id, r.received_at, r.from_name or r.from_address or "?",
                    r.subject or "", r.text_body or "", r.status.value, r.id == message.id)
        for r in inbound
    ]  # fmt: skip
    if len(inbound) < 2:
        return entries  # nothing else in the thread; this item's own reply is shown apart
    replies = session.scalars(
        select(OutboxEntry).where(
            OutboxEntry.inbound_message_id.in_([r.id for r in inbound]),
            OutboxEntry.state == OutboxState.SENT,
        )
    ).all()
    entries += [
        ThreadEntry("reply", e.id, e.sent_at or e.approved_at, "us", e.subject, e.body, "sent")
        for e in replies
    ]
    return sorted(entries, key=lambda entry: entry.at)


def _draft(draft: Draft) -> DraftView:
    return DraftView(
        id=draft.id,
        revision=draft.revision,
        author=draft.author.value,
        subject=draft.subject,
        body=draft.body,
        category=draft.category,
        facts=fact_groups(draft.facts),
        rule_hits=[_line(hit, "rule", ok=False) for hit in draft.rule_hits],
        checks=[_line(check, "check", ok=bool(_get(check, "ok"))) for check in draft.check_results],
        marked_body=marked_claims(draft.body, draft.check_results),
        risks=[str(risk) for risk in draft.risks],
        classifier_confidence=draft.classifier_confidence,
        gate_score=draft.gate_score,
        gate_version=draft.gate_version,
        route=draft.route.value if draft.route else None,
        review_reasons=[str(reason) for reason in draft.review_reasons],
    )


def _get(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, dict) else None


def _line(item: Any, name_key: str, *, ok: bool) -> CheckLine:
    name = str(_get(item, name_key) or "")
    text = str(_get(item, "explanation") or _get(item, "claim") or item)
    note, expected = _get(item, "note"), _get(item, "expected")
    return CheckLine(
        name=name,
        text=text,
        ok=ok,
        note=str(note) if note else None,
        expected=str(expected) if expected and not ok else None,
    )


def marked_claims(body: str, check_results: list[Any]) -> list[MarkedText]:
    """The body cut at the failed claims the checks located in it, so the page can mark them.

    Empty when no failed claim has a usable position (overlapping ones keep the first).
    """
    spans: list[tuple[int, int, str]] = []
    for check in check_results:
        start, end = _get(check, "start"), _get(check, "end")
        if _get(check, "ok") or _get(check, "location") not in (None, "body"):
            continue
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(body):
            spans.append((start, end, str(_get(check, "explanation") or "not backed by the facts")))
    pieces: list[MarkedText] = []
    at = 0
    for start, end, why in sorted(spans):
        if start < at:
            continue
        if start > at:
            pieces.append(MarkedText(body[at:start]))
        pieces.append(MarkedText(body[start:end], why))
        at = end
    if not pieces:
        return []
    if at < len(body):
        pieces.append(MarkedText(body[at:]))
    return pieces


def fact_groups(facts: list[Any]) -> list[FactGroup]:
    """``order.NW-1.status = shipped`` and friends as one group per order, product, customer."""
    groups: dict[tuple[str, str], FactGroup] = {}
    for fact in facts:
        key = str(_get(fact, "key") or "")
        parts = key.split(".")
        if len(parts) >= 3:
            title, name = f"{parts[0].capitalize()} {'.'.join(parts[1:-1])}", parts[-1]
        elif len(parts) == 2:
            title, name = parts[0].capitalize(), parts[1]
        else:
            title, name = "Other", key
        source = str(_get(fact, "source") or "")
        group = groups.setdefault((title, source), FactGroup(title, source, []))
        group.lines.append((name.replace("_", " "), _plain(_get(fact, "value"))))
    return list(groups.values())


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    return "—" if value is None else str(value)


def _trace(session: Session, message_id: int) -> tuple[list[TraceLine], str | None]:
    """The first graph run's node runs and error, in one query (a run may have no nodes)."""
    first_run = select(func.min(GraphRun.id)).where(GraphRun.inbound_message_id == message_id)
    rows = session.execute(
        select(GraphRun.error, NodeRun)
        .select_from(GraphRun)
        .outerjoin(NodeRun, NodeRun.graph_run_id == GraphRun.id)
        .where(GraphRun.id == first_run.scalar_subquery())
        .order_by(NodeRun.id)
    ).all()
    if not rows:
        return [], None
    return [_trace_line(node) for _, node in rows if node is not None], rows[0][0]


def _trace_line(node: NodeRun) -> TraceLine:
    model = None
    if node.model:
        model = f"{node.provider}:{node.model}" if node.provider else node.model
        if node.model_version and node.model_version not in node.model:
            model += f"@{node.model_version}"
    tokens = "—"
    if node.input_tokens is not None or node.output_tokens is not None:
        tokens = f"{node.input_tokens or 0} in / {node.output_tokens or 0} out"
    return TraceLine(
        node=node.node,
        ok=node.status.value == "ok",
        attempt=node.attempt,
        model=model,
        prompt_hash=node.prompt_hash[:12] if node.prompt_hash else None,
        tokens=tokens,
        cost=node.cost_usd,
        latency_ms=node.latency_ms,
        input_summary=node.input_summary,
        output=node.error or node.output_summary,
        started_at=node.started_at,
    )


def _decisions(session: Session, message_id: int, users: dict[int, str]) -> list[DecisionLine]:
    rows = session.scalars(
        select(ReviewDecision)
        .where(ReviewDecision.inbound_message_id == message_id)
        .order_by(ReviewDecision.id)
    ).all()
    return [
        DecisionLine(r.decided_at, users.get(r.reviewer_id or 0, "system"), r.action.value,
                     r.label.value, r.reason)
        for r in rows
    ]  # fmt: skip


def _outbox(entry: OutboxEntry) -> OutboxView:
    return OutboxView(
        state=entry.state.value,
        hold_until=entry.hold_until,
        sent_at=entry.sent_at,
        subject=entry.subject,
        body=entry.body,
        last_error=entry.last_error,
    )
