"""Test-session wiring: no model requests, server fixtures from tests/fixtures/."""

from __future__ import annotations

from pathlib import Path

import pydantic_ai.models

# LLM code is tested without a network: any real provider request fails loudly.
pydantic_ai.models.ALLOW_MODEL_REQUESTS = False

# Every module in tests/fixtures/ is a pytest plugin (real servers: Dovecot, SMTP, PostgreSQL...).
pytest_plugins = [
    f"tests.fixtures.{path.stem}"
    for path in sorted((Path(__file__).parent / "fixtures").glob("[!_]*.py"))
]
