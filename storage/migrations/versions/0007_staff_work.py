"""Staff work: scheduler lease, batch deadlines and their events, double-entry scores, broadcasts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 16:35:25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('broadcast',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=False),
    sa.Column('audience', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('scheduler_lease',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('holder', sa.String(length=128), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('renewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('batch_deadline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('anchor', sa.String(length=32), nullable=False),
    sa.Column('basis', sa.String(length=500), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['exam_batch.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('batch_id', 'rule', name='uq_batch_deadline_rule')
    )
    with op.batch_alter_table('batch_deadline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_deadline_batch_id'), ['batch_id'], unique=False)

    op.create_table('score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=16), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('absent', sa.Boolean(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('confirmed_by', sa.BigInteger(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['exam_batch.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['exam_ticket.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'subject', name='uq_score_ticket_subject')
    )
    with op.batch_alter_table('score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('score_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=16), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('absent', sa.Boolean(), nullable=False),
    sa.Column('entered_by', sa.BigInteger(), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('upload_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['exam_batch.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['exam_ticket.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'subject', 'round', name='uq_score_entry_round')
    )
    with op.batch_alter_table('score_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_entry_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_entry_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('exam_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('policy', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('publicity_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('publicity_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('certificates_issued_on', sa.Date(), nullable=True))



def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('exam_batch', schema=None) as batch_op:
        batch_op.drop_column('certificates_issued_on')
        batch_op.drop_column('publicity_end')
        batch_op.drop_column('publicity_start')
        batch_op.drop_column('policy')

    with op.batch_alter_table('score_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_entry_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_score_entry_batch_id'))

    op.drop_table('score_entry')
    with op.batch_alter_table('score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_score_batch_id'))

    op.drop_table('score')
    with op.batch_alter_table('batch_deadline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_deadline_batch_id'))

    op.drop_table('batch_deadline')
    op.drop_table('scheduler_lease')
    op.drop_table('broadcast')
