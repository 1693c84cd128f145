"""Certificate registry: status history fields, batch origin, reissues; certificate queries for limits and alarms.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('cert_query',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kinds', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cert_query', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cert_query_at'), ['at'], unique=False)
        batch_op.create_index('ix_cert_query_user_at', ['user_id', 'at'], unique=False)

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), server_default='import', nullable=False))
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reissue_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False))
        batch_op.create_foreign_key('fk_certificate_batch_id', 'exam_batch', ['batch_id'], ['id'])



def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint('fk_certificate_batch_id', type_='foreignkey')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('version')
        batch_op.drop_column('reissue_count')
        batch_op.drop_column('batch_id')
        batch_op.drop_column('source')

    with op.batch_alter_table('cert_query', schema=None) as batch_op:
        batch_op.drop_index('ix_cert_query_user_at')
        batch_op.drop_index(batch_op.f('ix_cert_query_at'))

    op.drop_table('cert_query')
