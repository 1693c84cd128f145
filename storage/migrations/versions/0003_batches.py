"""Exam batches: sessions, rooms, tickets and seats (A1-A4); the notification outbox; APScheduler's job table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:19:50
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JOBS_TABLE = "apscheduler_jobs"


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('dedup_key', sa.String(length=96), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedup_key')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_due', ['status', 'due_at'], unique=False)
        batch_op.create_index('ix_notification_chat', ['chat_id', 'id'], unique=False)

    op.create_table('exam_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=16), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('site', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['exam_batch.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('exam_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_session_batch_id'), ['batch_id'], unique=False)

    op.create_table('exam_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('token_version', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.ForeignKeyConstraint(['batch_id'], ['exam_batch.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('batch_id', 'application_id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('exam_ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_ticket_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_ticket_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_ticket_user_id'), ['user_id'], unique=False)

    op.create_table('exam_room',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('chief_id', sa.BigInteger(), nullable=True),
    sa.Column('deputy_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['exam_session.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'name')
    )
    with op.batch_alter_table('exam_room', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_room_session_id'), ['session_id'], unique=False)

    op.create_table('exam_seat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=16), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['exam_room.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['exam_session.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['exam_ticket.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('room_id', 'number'),
    sa.UniqueConstraint('ticket_id', 'subject')
    )
    with op.batch_alter_table('exam_seat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_seat_room_id'), ['room_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_seat_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_seat_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('exam_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supervisor_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('assessor_ids', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('created_by', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('tickets_issued_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False))

    # APScheduler 3's SQLAlchemyJobStore table (same shape it creates itself), so the schema is migrated as one
    op.create_table(
        JOBS_TABLE,
        sa.Column("id", sa.Unicode(191), nullable=False),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_apscheduler_jobs_next_run_time", JOBS_TABLE, ["next_run_time"], unique=False)



def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_apscheduler_jobs_next_run_time", table_name=JOBS_TABLE)
    op.drop_table(JOBS_TABLE)
    with op.batch_alter_table('exam_batch', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('created_at')
        batch_op.drop_column('tickets_issued_at')
        batch_op.drop_column('created_by')
        batch_op.drop_column('assessor_ids')
        batch_op.drop_column('supervisor_id')

    with op.batch_alter_table('exam_seat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_seat_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_exam_seat_session_id'))
        batch_op.drop_index(batch_op.f('ix_exam_seat_room_id'))

    op.drop_table('exam_seat')
    with op.batch_alter_table('exam_room', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_room_session_id'))

    op.drop_table('exam_room')
    with op.batch_alter_table('exam_ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_ticket_user_id'))
        batch_op.drop_index(batch_op.f('ix_exam_ticket_batch_id'))
        batch_op.drop_index(batch_op.f('ix_exam_ticket_application_id'))

    op.drop_table('exam_ticket')
    with op.batch_alter_table('exam_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_session_batch_id'))

    op.drop_table('exam_session')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_chat')
        batch_op.drop_index('ix_notification_due')

    op.drop_table('notification')
