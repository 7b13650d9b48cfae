"""webhooks

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 01:20:00.000000

Reserved in the chain for webhook events and their delivery log (issue 8); filled in by that work.
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
