"""Exam day: checklist ticks (C1–C10), attendance (C6, C7), incidents (V1–V5) with bans, room records (C9).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 15:47:15
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('checklist_tick',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('ticked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['exam_room.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['exam_session.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('room_id', 'item', name='uq_checklist_tick_room_item')
    )
    with op.batch_alter_table('checklist_tick', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_tick_room_id'), ['room_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklist_tick_session_id'), ['session_id'], unique=False)

    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('sanction', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('evidence', sa.JSON(), server_default='[]', nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reported_by', sa.BigInteger(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signed_by', sa.BigInteger(), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.BigInteger(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('appeal_text', sa.Text(), nullable=True),
    sa.Column('appealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('appeal_status', sa.String(length=16), nullable=True),
    sa.Column('appeal_decided_by', sa.BigInteger(), nullable=True),
    sa.Column('appeal_decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('appeal_note', sa.String(length=500), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['exam_room.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['exam_session.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['exam_ticket.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_room_id'), ['room_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('room_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('papers_count', sa.Integer(), nullable=True),
    sa.Column('papers_confirmed_by', sa.BigInteger(), nullable=True),
    sa.Column('papers_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('summary', sa.JSON(), server_default='{}', nullable=False),
    sa.Column('assembled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['exam_room.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['exam_session.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('room_id')
    )
    with op.batch_alter_table('room_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_room_record_session_id'), ['session_id'], unique=False)

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=256), nullable=False),
    sa.Column('recorded_by', sa.BigInteger(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['exam_room.id'], ),
    sa.ForeignKeyConstraint(['seat_id'], ['exam_seat.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['exam_session.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['exam_ticket.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('seat_id')
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_room_id'), ['room_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('ban', schema=None) as batch_op:
        batch_op.add_column(sa.Column('incident_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ban_incident_id'), ['incident_id'], unique=False)
        batch_op.create_foreign_key('fk_ban_incident_id', 'incident', ['incident_id'], ['id'])



def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('ban', schema=None) as batch_op:
        batch_op.drop_constraint('fk_ban_incident_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ban_incident_id'))
        batch_op.drop_column('incident_id')

    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_session_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_room_id'))

    op.drop_table('attendance')
    with op.batch_alter_table('room_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_room_record_session_id'))

    op.drop_table('room_record')
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_incident_status'))
        batch_op.drop_index(batch_op.f('ix_incident_session_id'))
        batch_op.drop_index(batch_op.f('ix_incident_room_id'))

    op.drop_table('incident')
    with op.batch_alter_table('checklist_tick', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_tick_session_id'))
        batch_op.drop_index(batch_op.f('ix_checklist_tick_room_id'))

    op.drop_table('checklist_tick')
