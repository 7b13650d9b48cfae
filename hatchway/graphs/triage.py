"""The triage graph: classify → lookup → rules → draft → check → gate → route → review/send.

```
START → classify ─(unsure, fallback set)→ classify_fallback ─┐
            └──────────────────────────────────────────────→ lookup → rules → draft → check
                                                                                     → gate → route
route ─auto→ dispatch → END
route ─review→ review ══interrupt══ reviewer ─send→ dispatch → END
                                              ─reject→ reject → END
                                              ─escalate/reassign→ reassign → review
```
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from hatchway.graphs.nodes.models import (
    classify_is_unsure,
    make_classify,
    make_classify_fallback,
    make_draft,
)
from hatchway.graphs.nodes.policy import make_check, make_gate, make_lookup, make_rules
from hatchway.graphs.nodes.review import (
    decision_route,
    make_dispatch,
    make_reassign,
    make_reject,
    make_review,
)
from hatchway.graphs.nodes.routing import make_route
from hatchway.graphs.recording import recorded_node
from hatchway.graphs.services import TriageServices
from hatchway.graphs.state import TriageState

__all__ = ["GRAPH_NAME", "GRAPH_VERSION", "build_triage_graph"]

GRAPH_NAME = "triage"
GRAPH_VERSION = "1"

PIPELINE = ("lookup", "rules", "draft", "check", "gate", "route")
# These run even after a failure: they are what brings a failed item to a human.
ESCAPE_HATCH = frozenset({"gate", "route", "review", "dispatch", "reject", "reassign"})
# These only read (the message, the CRM, the gate) and return state: no lease read before
# them. The rest write rows of their own (draft, outbox, decisions) and are guarded (I7).
READS_ONLY = frozenset(
    {"classify", "classify_fallback", "lookup", "rules", "draft", "check", "gate"}
)


def build_triage_graph(
    services: TriageServices, checkpointer: BaseCheckpointSaver[Any]
) -> CompiledStateGraph[TriageState, None, TriageState, TriageState]:
    """Compile the graph with its nodes bound to ``services``."""
    makers = {
        "classify": make_classify,
        "lookup": make_lookup,
        "rules": make_rules,
        "draft": make_draft,
        "check": make_check,
        "gate": make_gate,
        "route": make_route,
        "review": make_review,
        "dispatch": make_dispatch,
        "reject": make_reject,
        "reassign": make_reassign,
    }
    if services.classify_fallback is not None:
        makers["classify_fallback"] = make_classify_fallback
    graph = StateGraph(TriageState)
    for name, make in makers.items():
        node = recorded_node(
            name,
            services.database,
            make(services),
            runs_after_failure=name in ESCAPE_HATCH,
            reads_only=name in READS_ONLY,
        )
        graph.add_node(name, node)  # type: ignore[call-overload]
    _wire(graph, services)
    return graph.compile(checkpointer=checkpointer)


def _wire(
    graph: StateGraph[TriageState, None, TriageState, TriageState], services: TriageServices
) -> None:
    graph.add_edge(START, "classify")
    if services.classify_fallback is not None:
        threshold = services.settings.confidence_threshold
        graph.add_conditional_edges(
            "classify",
            lambda state: (
                "classify_fallback"
                if not state.get("failure") and classify_is_unsure(state, threshold)
                else "lookup"
            ),
            ["classify_fallback", "lookup"],
        )
        graph.add_edge("classify_fallback", "lookup")
    else:
        graph.add_edge("classify", "lookup")
    for before, after in zip(PIPELINE, PIPELINE[1:], strict=False):
        graph.add_edge(before, after)
    graph.add_conditional_edges(
        "route",
        lambda state: "dispatch" if state.get("route") == "auto" else "review",
        ["dispatch", "review"],
    )
    graph.add_conditional_edges("review", decision_route, ["dispatch", "reject", "reassign"])
    graph.add_edge("reassign", "review")
    graph.add_edge("dispatch", END)
    graph.add_edge("reject", END)
