"""The console's numbers on the seeded dataset (seed.py), exactly: table, shadow, chart, costs.

In the window (30 days): order_status has five mails (m4 auto-sent, its mail row without a
category), decisions unchanged 1, edited 3 (0.1, 0.2, 0.4), none rejected; m5 is 40 days
old and counts nowhere but the monthly costs. refund has one shadow draft, rejected.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from hatchway.policies.automation import Actor, record_evidence
from hatchway.store.models import ModelPin
from hatchway.ui.ops.category_table import category_rows
from hatchway.ui.ops.costs import costs_by_category, costs_by_period, costs_of_message
from hatchway.ui.ops.periods import month_start, window_start
from hatchway.ui.ops.settings import OpsSettings
from hatchway.ui.ops.timeline import daily_series
from tests.ui.conftest import login
from tests.ui.ops.conftest import OpsStack
from tests.ui.ops.seed import seed

SETTINGS = OpsSettings()


def _cells(html: str, row_attr: str) -> dict[str, str]:
    """The data-col cells of the table row marked ``row_attr`` (e.g. data-category="x")."""
    row = re.search(rf"<tr[^>]* {row_attr}.*?</tr>", html, re.S)
    assert row is not None, row_attr
    cells = re.findall(r'data-col="([\w-]+)">(.*?)</td>', row.group(0), re.S)
    return {name: re.sub(r"<[^>]+>", " ", text).split()[0] for name, text in cells}


def test_category_table_numbers(ops_stack: OpsStack) -> None:
    seed(ops_stack.database, ops_stack.now)
    since = window_start(ops_stack.now, 30)
    with ops_stack.database.session() as session:
        rows = {r.name: r for r in category_rows(session, since=since, gate_version=None)}
    order = rows["order_status"]
    assert (order.volume, order.drafted, order.auto_sent) == (5, 5, 1)
    assert order.reviewed_share == pytest.approx(0.8)
    assert (order.unchanged, order.edited, order.rejected) == (1, 3, 0)
    assert order.median_edit == pytest.approx(0.2)
    refund = rows["refund"]
    assert (refund.volume, refund.drafted, refund.rejected, refund.reviewed_share) == (1, 1, 1, 1.0)
    assert refund.median_edit is None
    assert rows["complaint"].volume == 0 and rows["complaint"].reviewed_share is None
    html = ops_stack.as_role("ops").get("/ops").text
    assert _cells(html, 'data-category="order_status"') == {
        "volume": "5", "reviewed": "80%", "unchanged": "1", "edited": "3", "rejected": "0",
        "median-edit": "0.20", "evidence": "not", "mode": "review",
    }  # fmt: skip


def test_shadow_comparison(ops_stack: OpsStack) -> None:
    seed(ops_stack.database, ops_stack.now)
    since = window_start(ops_stack.now, 30)
    with ops_stack.database.session() as session:
        rows = {r.name: r for r in category_rows(session, since=since, gate_version=None)}
    order, refund = rows["order_status"].shadow, rows["refund"].shadow
    assert order is not None and refund is not None
    # m3: automation would have sent it; the reviewer edited it — a would-be error.
    assert (order.would_send_fine, order.would_send_changed, order.held_fine) == (0, 1, 0)
    assert (order.agreement, order.would_send_error) == (0.0, 1.0)
    # m6: automation would have held it back; the reviewer rejected it — agreement.
    assert (refund.held_changed, refund.agreement, refund.would_send_error) == (1, 1.0, None)
    html = ops_stack.as_role("reviewer").get("/ops").text
    assert _cells(html, 'data-shadow-category="refund"') == {"agreement": "100%"}
    assert _cells(html, 'data-shadow-category="order_status"') == {"agreement": "0%"}


def test_evidence_is_shown_against_the_target(ops_stack: OpsStack) -> None:
    evidence = {"bound": 0.008, "coverage": 0.62, "gate_version": "g1", "n": 800, "n_above": 500,
                "errors_above": 1, "certified_at": "2026-01-02T03:04:05+00:00"}  # fmt: skip
    with ops_stack.database.session() as session:
        record_evidence(session, names=["order_status"], evidence=evidence, threshold=0.93,
                        actor=Actor("cli:test"))  # fmt: skip
    client = ops_stack.as_role("ops")
    cells = _cells(client.get("/ops").text, 'data-category="order_status"')
    assert cells["evidence"] == "62%"
    page = client.get("/ops/categories/order_status").text
    assert "0.80%</strong> against a target of 1.00%" in page
    assert "the evidence was made with another gate model than the current one" in page


def test_daily_chart_series_and_svg(ops_stack: OpsStack) -> None:
    seed(ops_stack.database, ops_stack.now)
    with ops_stack.database.session() as session:
        series = {
            s.category: s for s in daily_series(session, now=ops_stack.now, days=30, targets={})
        }
    assert set(series) == {"order_status", "refund"}
    order = series["order_status"]
    assert len(order.points) == 30 and order.points[-1].day == ops_stack.now.date().isoformat()
    yesterday = order.points[-2]
    assert (yesterday.drafted, yesterday.auto, yesterday.automation_rate) == (5, 1, 0.2)
    assert order.audited == 0 and order.error_rate is None
    html = ops_stack.as_role("ops").get("/ops").text
    assert f"<title>{yesterday.day}: 1 of 5 sent automatically</title>" in html
    assert "<svg" in html and "<script" not in html.split("<main")[1]


def test_costs_by_category_node_and_model(ops_stack: OpsStack) -> None:
    seeded = seed(ops_stack.database, ops_stack.now)
    since = window_start(ops_stack.now, 30)
    with ops_stack.database.session() as session:
        rows, emails = costs_by_category(session, since=since, settings=SETTINGS)
        one = costs_of_message(session, message_id=seeded.messages["m1"], settings=SETTINGS)
    table = {(r.category, r.node, r.model): r.line for r in rows}
    mini = table[("order_status", "draft", "openai:gpt-4.1-mini-2025-04-14")]
    assert (mini.runs, mini.input_tokens, mini.output_tokens) == (2, 3000, 1500)
    assert mini.cost == Decimal("0.003600") and mini.energy_wh == pytest.approx(0.45)
    local = table[("order_status", "classify", "local:intent-tfidf")]
    assert (local.cost, local.energy_wh, local.estimated) == (Decimal("0.000000"), 0.0, True)
    sonnet = table[("refund", "draft", "anthropic:claude-sonnet-4-20250514")]
    assert sonnet.cost == Decimal("0.018000") and sonnet.energy_wh == pytest.approx(0.8)
    assert len(table) == 3  # m5 (40 days ago) is outside the window
    assert emails == {"order_status": 2, "refund": 1}
    assert [(r.node, r.line.input_tokens, r.line.cost) for r in one] == [
        ("classify", 100, Decimal("0.000000")),
        ("draft", 1000, Decimal("0.001200")),
    ]
    html = ops_stack.as_role("reviewer").get(f"/ops/costs?message={seeded.messages['m1']}").text
    assert _cells(html, 'data-cost-category="order_status"') == {"cost": "$0.0036", "wh": "0.45"}
    assert "$0.0018 per email" in html
    assert _cells(html, 'data-email-node="draft"') == {"cost": "$0.0012"}


def test_costs_per_day_and_month(ops_stack: OpsStack) -> None:
    seed(ops_stack.database, ops_stack.now)
    now = ops_stack.now
    with ops_stack.database.session() as session:
        days = costs_by_period(session, since=window_start(now, 30), monthly=False,
                               settings=SETTINGS)  # fmt: skip
        months = costs_by_period(session, since=month_start(now, 12), monthly=True,
                                 settings=SETTINGS)  # fmt: skip
    day1, day2 = ((now - timedelta(days=n)).date().isoformat() for n in (1, 2))
    assert [(d.period, d.emails, d.line.cost) for d in days] == [
        (day1, 2, Decimal("0.003600")),
        (day2, 1, Decimal("0.018000")),
    ]
    assert days[0].per_email == Decimal("0.0018")
    assert days[0].line.energy_wh == pytest.approx(0.45)
    by_month: dict[str, tuple[int, Decimal]] = {}
    for m in months:
        by_month[m.period] = (m.emails, m.line.cost)
    old = (now - timedelta(days=40)).strftime("%Y-%m")
    assert by_month[old][1] >= Decimal("0.5")
    assert sum(e for e, _ in by_month.values()) == 4
    assert sum(c for _, c in by_month.values()) == Decimal("0.521600")
    html = ops_stack.as_role("ops").get("/ops/costs").text
    assert _cells(html, f'data-day="{day2}"') == {"cost": "$0.0180", "wh": "0.80"}


def test_energy_table_matches_by_longest_prefix() -> None:
    settings = OpsSettings(energy_wh_per_1k_tokens={"openai:": 1.0, "openai:gpt-4.1-mini": 0.1})
    assert settings.energy_per_1k("openai", "gpt-4.1-mini-2025-04-14") == 0.1
    assert settings.energy_per_1k("openai", "o3") == 1.0
    assert settings.energy_per_1k("mistral", "large") is None  # no "*": unknown
    assert OpsSettings().energy_per_1k("local", "intent-tfidf@sha256:ab") == 0.0
    assert OpsSettings().energy_per_1k("someone", "new-model") == 0.3


def test_audit_log_is_newest_first_paged_and_filtered(ops_stack: OpsStack) -> None:
    ops_stack.app.state.ops_settings = OpsSettings(log_page_size=10)
    assert login(ops_stack.client(), "olive", "wrong password").status_code == 401
    for _ in range(11):
        ops_stack.as_role("ops")
    client = ops_stack.as_role("ops")
    first = client.get("/ops/audit-log").text
    assert "page 1 of 2" in first and "Older →" in first
    filtered = client.get("/ops/audit-log?action=user.signed_in").text
    assert "· 12 events" in filtered
    assert "user.signed_in" in filtered and "<code>user.sign_in_failed</code>" not in filtered
    stamps = re.findall(r'<tr data-event="(\d+)">', first)
    assert stamps == sorted(stamps, key=int, reverse=True)


def test_model_pins_page_lists_every_node_and_the_gate(ops_stack: OpsStack) -> None:
    with ops_stack.database.session() as session:
        session.add_all([
            ModelPin(node="draft", spec="openai:gpt-4.1-mini-2025-04-14", provider="openai",
                     model="gpt-4.1-mini-2025-04-14", version="2025-04-14"),
            ModelPin(node="gate", spec="local:gate@sha256:abc", provider="local",
                     model="gate", version="sha256:abc"),
        ])  # fmt: skip
    html = ops_stack.as_role("reviewer").get("/ops/models").text
    assert 'data-node="draft"' in html and 'data-node="gate"' in html
    assert html.index('data-node="draft"') < html.index('data-node="gate"')  # the gate last
    assert "gate model" in html
