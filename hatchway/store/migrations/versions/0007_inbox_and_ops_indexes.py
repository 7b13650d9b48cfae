"""inbox and ops indexes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 01:20:00.000000

The review inbox's reason search (a trigram GIN index on PostgreSQL, a covering b-tree on
SQLite) and the timestamp indexes the ops console's 30-day windows read (issue 7).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, column) for the ops console's time windows.
TIME_INDEXES = (
    ('ix_inbound_messages_received_at', 'inbound_messages', 'received_at'),
    ('ix_drafts_created_at', 'drafts', 'created_at'),
    ('ix_review_decisions_decided_at', 'review_decisions', 'decided_at'),
    ('ix_node_runs_started_at', 'node_runs', 'started_at'),
    ('ix_audit_samples_sampled_at', 'audit_samples', 'sampled_at'),
)
REASON_INDEX = 'ix_inbound_messages_inbox_reason'
REASON_COLUMNS = ['status', 'received_at', 'id', 'status_reason']


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        trigram_schema = _extension_schema(bind, 'pg_trgm')
        _extension_schema(bind, 'btree_gin')  # GIN opclasses for the plain columns
        op.create_index(
            REASON_INDEX,
            'inbound_messages',
            REASON_COLUMNS,
            postgresql_using='gin',
            postgresql_ops={'status_reason': f'{trigram_schema}.gin_trgm_ops'},
        )
    else:
        op.create_index(REASON_INDEX, 'inbound_messages', REASON_COLUMNS)
    for name, table, column in TIME_INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    # The extensions stay: other schemas of the database may use them.
    for name, table, _ in reversed(TIME_INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_index(REASON_INDEX, table_name='inbound_messages')


def _extension_schema(bind: sa.Connection, name: str) -> str:
    """Install the extension in public unless it is installed already; where it lives.

    pg_trgm and btree_gin are trusted extensions: a database owner may create them.
    """
    query = sa.text(
        'SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace'
        ' WHERE e.extname = :name'
    )
    schema = bind.scalar(query, {'name': name})
    if schema is None:
        bind.execute(sa.text(f'CREATE EXTENSION IF NOT EXISTS {name} SCHEMA public'))
        schema = 'public'
    return str(schema)
