"""The triage graph's nodes: model nodes, policy nodes, and the human-review nodes."""
