"""LangGraph graphs (triage), their state and checkpointer wiring."""
