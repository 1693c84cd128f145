"""Applications (R4), immutable pledge acceptances (R6) and bans (R7).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create application, pledge_acceptance and ban."""
    op.create_table(
        "ban",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_number_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ban_id_number_hash", "ban", ["id_number_hash"], unique=False)
    op.create_table(
        "application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("occupation_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("gender", sa.String(length=8), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("id_type", sa.String(length=3), nullable=False),
        sa.Column("id_number_enc", sa.String(length=512), nullable=False),
        sa.Column("id_number_hash", sa.String(length=64), nullable=False),
        sa.Column("mobile_enc", sa.String(length=512), nullable=False),
        sa.Column("mobile_hash", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("work_unit", sa.String(length=128), nullable=False),
        sa.Column("education", sa.String(length=32), nullable=False),
        sa.Column("major", sa.String(length=64), nullable=False),
        sa.Column("held_certificates", sa.JSON(), nullable=False),
        sa.Column("post", sa.String(length=64), nullable=False),
        sa.Column("years_in_post", sa.Float(), nullable=False),
        sa.Column("subjects", sa.JSON(), nullable=False),
        sa.Column("photo", sa.JSON(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("review_note", sa.String(length=500), nullable=True),
        sa.Column("reviewed_by", sa.BigInteger(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["announcement_id"], ["announcement.id"]),
        sa.ForeignKeyConstraint(["occupation_id"], ["occupation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index("ix_application_announcement_id_hash", "application", ["announcement_id", "id_number_hash"], unique=False)
    op.create_index("ix_application_id_number_hash", "application", ["id_number_hash"], unique=False)
    op.create_index("ix_application_status", "application", ["status"], unique=False)
    op.create_index("ix_application_user_id", "application", ["user_id"], unique=False)
    op.create_table(
        "pledge_acceptance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pledge_acceptance_application_id", "pledge_acceptance", ["application_id"], unique=False)
    _forbid_changes_to_pledges()


def _forbid_changes_to_pledges() -> None:
    """R6: an accepted pledge is evidence; the database refuses to update or delete it."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION pledge_acceptance_immutable() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'pledge acceptances are immutable'; END; $$"
        )
        op.execute(
            "CREATE TRIGGER pledge_acceptance_immutable BEFORE UPDATE OR DELETE ON pledge_acceptance "
            "FOR EACH ROW EXECUTE FUNCTION pledge_acceptance_immutable()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER pledge_acceptance_no_{event.lower()} BEFORE {event} ON pledge_acceptance "
            "BEGIN SELECT RAISE(ABORT, 'pledge acceptances are immutable'); END"
        )


def downgrade() -> None:
    """Drop the three tables, dependants first (triggers go with their table)."""
    for table in ("pledge_acceptance", "application", "ban"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS pledge_acceptance_immutable()")
