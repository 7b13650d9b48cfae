"""pydantic-ai agents, one per LLM node of the triage graph, with the model registry and pins."""
