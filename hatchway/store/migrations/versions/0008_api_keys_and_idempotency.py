"""api keys and idempotency

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 01:20:00.000000

JSON API keys (only a hash of each secret) and the idempotency records that replay the
first answer to a repeated submission (issue 8).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_ROLE = sa.Enum('reviewer', 'ops', 'admin', name='role', native_enum=False, length=32)


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', _ID, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', _ROLE, nullable=False),
    sa.Column('prefix', sa.String(length=32), nullable=False),
    sa.Column('secret_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_keys_prefix'))
    )
    op.create_table('idempotency_records',
    sa.Column('id', _ID, nullable=False),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('key_sha256', sa.String(length=64), nullable=False),
    sa.Column('api_key_id', _ID, nullable=True),
    sa.Column('request_sha256', sa.String(length=64), nullable=False),
    sa.Column('inbound_message_id', _ID, nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response_body', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_idempotency_records_api_key_id_api_keys')),
    sa.ForeignKeyConstraint(['inbound_message_id'], ['inbound_messages.id'], name=op.f('fk_idempotency_records_inbound_message_id_inbound_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_records')),
    sa.UniqueConstraint('scope', 'key_sha256', name=op.f('uq_idempotency_records_scope_key_sha256'))
    )
    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_records_api_key_id'), ['api_key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_idempotency_records_inbound_message_id'), ['inbound_message_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_records_inbound_message_id'))
        batch_op.drop_index(batch_op.f('ix_idempotency_records_api_key_id'))
    op.drop_table('idempotency_records')
    op.drop_table('api_keys')
