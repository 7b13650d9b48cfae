"""inbound messages parsed_at

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 12:00:00.000000

IMAP ingest stores only the raw bytes and the triage job; the job's first step parses them
(DESIGN.md steps 1 and 2). parsed_at says whether that step has run. Every row stored before
this revision was parsed when it was stored, so it gets its received_at.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite adds a column with ALTER TABLE; batch mode copies nothing for this.
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parsed_at', sa.DateTime(timezone=True), nullable=True))
    op.execute('UPDATE inbound_messages SET parsed_at = received_at')


def downgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_column('parsed_at')
