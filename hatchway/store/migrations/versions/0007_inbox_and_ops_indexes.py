"""inbox and ops indexes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 01:20:00.000000

Reserved in the chain for review inbox reason filter and ops time-range indexes (issue 7); filled in by that work.
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
