"""inbound messages raw compressed with lz4 on PostgreSQL

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 08:00:00.000000

IMAP ingest stores every message's raw bytes (mean 5.5 kB on the SpamAssassin corpus), so
each row is TOASTed, and PostgreSQL's default pglz compression was most of the server's
work per message: a binary COPY of 3,000 messages into this table took 214-246 us a row
with pglz, 96-117 with lz4 (issue #3's ingest benchmark, BENCHMARKS.md). lz4 still
compresses. Only rows written from now on use it; rows already stored keep pglz, both are
read alike. Skipped on SQLite, and on a PostgreSQL built without lz4 (it keeps pglz).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _postgresql_with_lz4() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return False
    methods = bind.scalar(
        sa.text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
    )
    return methods is not None and 'lz4' in methods  # PostgreSQL 14 or later, with lz4


def upgrade() -> None:
    if _postgresql_with_lz4():
        op.execute('ALTER TABLE inbound_messages ALTER COLUMN raw SET COMPRESSION lz4')


def downgrade() -> None:
    if _postgresql_with_lz4():
        op.execute('ALTER TABLE inbound_messages ALTER COLUMN raw SET COMPRESSION default')
