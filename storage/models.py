"""Database tables. PII columns hold ciphertext (`*_enc`) plus a keyed hash (`*_hash`) for lookups."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint, func
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Timezone-aware current UTC time."""
    return datetime.now(timezone.utc)


def _bigint_pk() -> Any:
    return Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=False))


class UserAccount(SQLModel, table=True):
    """A Telegram user known to the bot, with role, language and (encrypted) profile."""

    __tablename__ = "user_account"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    role: str = Field(default="candidate", max_length=16, index=True)
    locale: Optional[str] = Field(default=None, max_length=8)
    first_name: Optional[str] = Field(default=None, max_length=128)
    username: Optional[str] = Field(default=None, max_length=64)
    full_name: Optional[str] = Field(default=None, max_length=64)
    phone_enc: Optional[str] = Field(default=None, max_length=512)
    phone_hash: Optional[str] = Field(default=None, max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Conversation(SQLModel, table=True):
    """Per-user conversation state, encrypted as a whole (drafts hold PII); `version` is the optimistic lock."""

    __tablename__ = "conversation"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    data_enc: str = Field(default="", sa_column=Column(Text, nullable=False))
    version: int = Field(default=0, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow)


class ProcessedUpdate(SQLModel, table=True):
    """Telegram update ids already processed (kept for the retention window)."""

    __tablename__ = "processed_update"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    processed_at: datetime = Field(default_factory=utcnow, index=True)


class Invite(SQLModel, table=True):
    """One-time staff invitation; only the token's hash is stored."""

    __tablename__ = "invite"

    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=16)
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_by: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    used_at: Optional[datetime] = None


class AuditLog(SQLModel, table=True):
    """Who changed what and when, with masked before/after values (K4 §13 traceability)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    action: str = Field(max_length=32)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    before: Optional[dict[str, Any]] = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: Optional[dict[str, Any]] = Field(default=None, sa_column=Column(JSON, nullable=True))


class Institution(SQLModel, table=True):
    """An evaluation body: technical school, enterprise or social training organisation (DOMAIN.md L5)."""

    __tablename__ = "institution"

    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=128)
    kind: str = Field(max_length=16)
    region: str = Field(default="", max_length=32)


class Occupation(SQLModel, table=True):
    """A filed occupation/work type with the levels the body may certify (L5)."""

    __tablename__ = "occupation"
    __table_args__ = (UniqueConstraint("institution_id", "code", "work_type"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    code: str = Field(max_length=16)
    name: str = Field(max_length=64)
    work_type: str = Field(default="", max_length=64)
    levels: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Announcement(SQLModel, table=True):
    """A registration announcement (R1): occupation, levels, window, sites, fee."""

    __tablename__ = "announcement"

    id: Optional[int] = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    occupation_id: int = Field(foreign_key="occupation.id")
    title: str = Field(max_length=200)
    levels: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    conditions: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    registration_start: date
    registration_end: date
    sites: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    fee_yuan: int = 0
    status: str = Field(default="open", max_length=16)


class ExamBatch(SQLModel, table=True):
    """One certification batch of an occupation and level: sessions, rooms, examiners (A1-A4)."""

    __tablename__ = "exam_batch"

    id: Optional[int] = Field(default=None, primary_key=True)
    announcement_id: Optional[int] = Field(default=None, foreign_key="announcement.id")
    occupation_id: int = Field(foreign_key="occupation.id")
    level: int
    name: str = Field(max_length=200)
    exam_date: date
    status: str = Field(default="planned", max_length=16)
    supervisor_id: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    assessor_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    created_by: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    tickets_issued_at: Optional[datetime] = None
    policy: Optional[str] = Field(default=None, max_length=32)  # policy profile of its deadlines (None: POLICY setting)
    publicity_start: Optional[date] = None  # P5: results publicity began (/publish)
    publicity_end: Optional[date] = None
    certificates_issued_on: Optional[date] = None  # P7: issue date of its certificates (/issue)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ExamSession(SQLModel, table=True):
    """A sitting of one subject (theory / practical / comprehensive) with its time and site."""

    __tablename__ = "exam_session"

    id: Optional[int] = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="exam_batch.id", index=True)
    subject: str = Field(max_length=16)
    starts_at: datetime
    ends_at: datetime
    site: str = Field(max_length=128)


class ExamRoom(SQLModel, table=True):
    """A room of a session: seat kind and capacity (A3), chief and deputy proctor (A4)."""

    __tablename__ = "exam_room"
    __table_args__ = (UniqueConstraint("session_id", "name"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="exam_session.id", index=True)
    name: str = Field(max_length=32)
    kind: str = Field(max_length=16)
    capacity: int
    position: int = 0
    chief_id: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    deputy_id: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class Ticket(SQLModel, table=True):
    """An admission ticket (准考证, A1): number generated once, QR token version, issue time."""

    __tablename__ = "exam_ticket"
    __table_args__ = (UniqueConstraint("batch_id", "application_id"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    batch_id: int = Field(foreign_key="exam_batch.id", index=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    sequence: int
    status: str = Field(default="active", max_length=16)
    token_version: int = 1
    issued_at: Optional[datetime] = None
    created_at: datetime = Field(default_factory=utcnow)


class Seat(SQLModel, table=True):
    """A ticket's seat for one subject: room and seat number (one candidate per desk, A3)."""

    __tablename__ = "exam_seat"
    __table_args__ = (UniqueConstraint("room_id", "number"), UniqueConstraint("ticket_id", "subject"))

    id: Optional[int] = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="exam_ticket.id", index=True)
    subject: str = Field(max_length=16)
    session_id: int = Field(foreign_key="exam_session.id", index=True)
    room_id: int = Field(foreign_key="exam_room.id", index=True)
    number: int


class Notification(SQLModel, table=True):
    """Outbox: a rendered message for one chat, delivered by the background sender; `dedup_key` makes it once-only."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_due", "status", "due_at"), Index("ix_notification_chat", "chat_id", "id"))

    id: Optional[int] = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    dedup_key: Optional[str] = Field(default=None, max_length=96, unique=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    due_at: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: Optional[datetime] = None
    last_error: Optional[str] = Field(default=None, max_length=200)


class Certificate(SQLModel, table=True):
    """A certificate record with the K1 fields; the holder's ID number is encrypted with a lookup hash."""

    __tablename__ = "certificate"

    id: Optional[int] = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True)
    holder_name: str = Field(max_length=64)
    id_type: str = Field(max_length=3)
    id_number_enc: str = Field(max_length=512)
    id_number_hash: str = Field(max_length=64, index=True)
    work_unit: str = Field(default="", max_length=128)
    occupation: str = Field(max_length=64)
    work_type: str = Field(default="", max_length=64)
    level: int
    issue_date: date
    evaluator: str = Field(default="", max_length=128)
    issuer: str = Field(max_length=128)
    status: str = Field(default="valid", max_length=16)
    status_reason: Optional[str] = Field(default=None, max_length=256)
    source: str = Field(default="import", max_length=16, sa_column_kwargs={"server_default": "import"})
    batch_id: Optional[int] = Field(default=None, foreign_key="exam_batch.id")
    reissue_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, sa_column_kwargs={"server_default": func.current_timestamp()})


class CertQuery(SQLModel, table=True):
    """One certificate query (K3): who, when, which kinds of value, outcome — for rate limits and the volume alarm.

    The values themselves are never stored here; the audit log keeps a masked trace.
    """

    __tablename__ = "cert_query"
    __table_args__ = (Index("ix_cert_query_user_at", "user_id", "at"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    at: datetime = Field(default_factory=utcnow, index=True)
    kinds: str = Field(max_length=32)
    outcome: str = Field(max_length=16)


class Application(SQLModel, table=True):
    """A submitted application form (R4); ID number and mobile are encrypted with lookup hashes."""

    __tablename__ = "application"
    __table_args__ = (Index("ix_application_announcement_id_hash", "announcement_id", "id_number_hash"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    announcement_id: int = Field(foreign_key="announcement.id")
    occupation_id: int = Field(foreign_key="occupation.id")
    level: int
    status: str = Field(default="submitted", max_length=16, index=True)
    name: str = Field(max_length=64)
    gender: str = Field(max_length=8)
    birth_date: date
    id_type: str = Field(max_length=3)
    id_number_enc: str = Field(max_length=512)
    id_number_hash: str = Field(max_length=64, index=True)
    mobile_enc: str = Field(max_length=512)
    mobile_hash: str = Field(max_length=64)
    category: str = Field(max_length=16)
    work_unit: str = Field(default="", max_length=128)
    education: str = Field(max_length=32)
    major: str = Field(default="", max_length=64)
    held_certificates: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    post: str = Field(default="", max_length=64)
    years_in_post: float = 0
    subjects: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    photo: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    documents: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    review_note: Optional[str] = Field(default=None, max_length=500)
    reviewed_by: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    reviewed_at: Optional[datetime] = None
    submitted_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PledgeAcceptance(SQLModel, table=True):
    """Immutable record that a user accepted the R6 pledge text (by version hash) for an application."""

    __tablename__ = "pledge_acceptance"

    id: Optional[int] = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    locale: str = Field(max_length=8)
    text_hash: str = Field(max_length=64)
    accepted_at: datetime = Field(default_factory=utcnow)


class Ban(SQLModel, table=True):
    """A ban from evaluation after a violation (R7: V2 rest of the year, V3 two or five years)."""

    __tablename__ = "ban"

    id: Optional[int] = Field(default=None, primary_key=True)
    id_number_hash: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=4)
    until: date
    reason: str = Field(default="", max_length=256)
    incident_id: Optional[int] = Field(default=None, foreign_key="incident.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class ChecklistTick(SQLModel, table=True):
    """One ticked exam-day checklist item (C1–C10) of a room: which item, who ticked it and when."""

    __tablename__ = "checklist_tick"
    __table_args__ = (UniqueConstraint("room_id", "item", name="uq_checklist_tick_room_item"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="exam_session.id", index=True)
    room_id: int = Field(foreign_key="exam_room.id", index=True)
    item: str = Field(max_length=32)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    ticked_at: datetime = Field(default_factory=utcnow)


class Attendance(SQLModel, table=True):
    """A candidate's presence at one sitting (one seat): checked (C6 five-point check), mismatch (suspected
    impersonation) or absent (C7)."""

    __tablename__ = "attendance"

    id: Optional[int] = Field(default=None, primary_key=True)
    seat_id: int = Field(foreign_key="exam_seat.id", unique=True)
    session_id: int = Field(foreign_key="exam_session.id", index=True)
    room_id: int = Field(foreign_key="exam_room.id", index=True)
    ticket_id: int = Field(foreign_key="exam_ticket.id", index=True)
    status: str = Field(max_length=16)
    note: str = Field(default="", max_length=256)
    recorded_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    recorded_at: datetime = Field(default_factory=utcnow)


class Incident(SQLModel, table=True):
    """A candidate violation (V1–V3) reported in a room. It takes effect only after a second signature and the room
    head's approval (V5); the candidate is then told the facts, reason and basis and may appeal."""

    __tablename__ = "incident"

    id: Optional[int] = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    session_id: int = Field(foreign_key="exam_session.id", index=True)
    room_id: int = Field(foreign_key="exam_room.id", index=True)
    ticket_id: int = Field(foreign_key="exam_ticket.id", index=True)
    code: str = Field(max_length=24)
    sanction: str = Field(max_length=16)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    evidence: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    status: str = Field(default="reported", max_length=16, index=True)
    reported_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    reported_at: datetime = Field(default_factory=utcnow)
    signed_by: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    signed_at: Optional[datetime] = None
    decided_by: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    decided_at: Optional[datetime] = None
    decision_note: str = Field(default="", max_length=500)
    notified_at: Optional[datetime] = None
    appeal_text: Optional[str] = Field(default=None, sa_column=Column(Text, nullable=True))
    appealed_at: Optional[datetime] = None
    appeal_status: Optional[str] = Field(default=None, max_length=16)
    appeal_decided_by: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    appeal_decided_at: Optional[datetime] = None
    appeal_note: str = Field(default="", max_length=500)
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow)


class RoomRecord(SQLModel, table=True):
    """The room record (考场情况记录表) of one room at one sitting, assembled at the end (C9): the papers count the
    chief proctor confirmed, free notes, and the counts as assembled."""

    __tablename__ = "room_record"

    id: Optional[int] = Field(default=None, primary_key=True)
    room_id: int = Field(foreign_key="exam_room.id", unique=True)
    session_id: int = Field(foreign_key="exam_session.id", index=True)
    papers_count: Optional[int] = None
    papers_confirmed_by: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    papers_confirmed_at: Optional[datetime] = None
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    assembled_at: Optional[datetime] = None
    updated_at: datetime = Field(default_factory=utcnow)


class WorkCalendarYear(SQLModel, table=True):
    """One year's official holiday arrangement loaded by staff (P-rule working days): days off (休) and make-up
    working days (班) as ISO dates, for a year the shipped chinese-calendar data does not cover (or, forced, corrects)."""

    __tablename__ = "work_calendar_year"

    id: Optional[int] = Field(default=None, primary_key=True)
    year: int = Field(unique=True)
    holidays: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    workdays: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source: str = Field(default="", max_length=200)
    sha256: str = Field(max_length=64)
    loaded_by: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    loaded_at: datetime = Field(default_factory=utcnow)


class SchedulerLease(SQLModel, table=True):
    """Which process runs the scheduler (one per deployment): its holder renews the lease, another process takes it
    over once it has expired."""

    __tablename__ = "scheduler_lease"

    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(max_length=128)
    expires_at: datetime
    renewed_at: datetime = Field(default_factory=utcnow)


class BatchDeadline(SQLModel, table=True):
    """A staff deadline of a batch (a P-rule of its policy profile): the date, whether it is provisional, and when
    (and by whom) it was marked done with /done."""

    __tablename__ = "batch_deadline"
    __table_args__ = (UniqueConstraint("batch_id", "rule", name="uq_batch_deadline_rule"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="exam_batch.id", index=True)
    rule: str = Field(max_length=16)
    kind: str = Field(default="due", max_length=16)
    due: date
    provisional: bool = False
    anchor: str = Field(default="", max_length=32)
    basis: str = Field(default="", max_length=500)
    done_at: Optional[datetime] = None
    done_by: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ScoreEntry(SQLModel, table=True):
    """One entry of a subject score (L3 double entry): round 1 by one staff member, round 2 by another; the two are
    compared before a score is confirmed."""

    __tablename__ = "score_entry"
    __table_args__ = (UniqueConstraint("ticket_id", "subject", "round", name="uq_score_entry_round"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="exam_batch.id", index=True)
    ticket_id: int = Field(foreign_key="exam_ticket.id", index=True)
    subject: str = Field(max_length=16)
    round: int
    value: Optional[float] = None
    absent: bool = False
    entered_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    entered_at: datetime = Field(default_factory=utcnow)
    upload_sha256: str = Field(default="", max_length=64)


class Score(SQLModel, table=True):
    """A confirmed subject score (L2: out of 100, a pass from 60), published to the candidate with /publish."""

    __tablename__ = "score"
    __table_args__ = (UniqueConstraint("ticket_id", "subject", name="uq_score_ticket_subject"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="exam_batch.id", index=True)
    ticket_id: int = Field(foreign_key="exam_ticket.id", index=True)
    subject: str = Field(max_length=16)
    value: Optional[float] = None
    absent: bool = False
    passed: bool = False
    confirmed_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    confirmed_at: datetime = Field(default_factory=utcnow)
    published_at: Optional[datetime] = None


class Broadcast(SQLModel, table=True):
    """A message sent to a batch's candidates or to a role (/broadcast), delivered through the outbox; progress is
    read from its notifications."""

    __tablename__ = "broadcast"

    id: Optional[int] = Field(default=None, primary_key=True)
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    audience: str = Field(max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    total: int = 0
    created_at: datetime = Field(default_factory=utcnow)
