"""Which commands each role sees: one table for the welcome text, /help and setMyCommands."""

from __future__ import annotations

CANDIDATE = "candidate"
STAFF_ROLES = ("admin", "staff")
EXAM_ROLES = ("proctor", "assessor", "supervisor")
ROLES = (CANDIDATE, "admin", "staff", "proctor", "assessor", "supervisor")
INVITABLE_ROLES = ("admin", "staff", "proctor", "assessor", "supervisor")

_COMMON = ("start", "help", "cert", "profile", "lang", "cancel", "whoami")
_ANNOUNCE = ("announce", "announcements")  # staff: publish (R1) and list/close announcements
_BATCH = ("batch", "batches", "assign")  # staff: plan batches, examiners (A4, C10), seats, tickets (A1-A4)
_CERTS = ("certificate", "export_certificates")  # staff: certificate registry card, roster export (K1-K5)
_PAPERS = ("papers",)  # proctors: confirm the papers count at the end of a sitting (C9)
_ATTENDANCE = ("check", "attendance")  # proctors, supervisors, staff: five-point check (C6), absentees (C7)
_ROOM_RECORD = ("room_record",)  # staff: the room record (考场情况记录表) as PDF and xlsx (C9)
_INCIDENT = ("incident",)  # examiners and staff: report a violation (V1-V3); staff also list open cases (V5)
_OFFICE = ("broadcast", "stats", "export", "staff")  # staff: broadcasts (O2), pass rates (O1), exports, accounts
_RESULTS = ("scores", "publish", "issue")  # staff: double score entry (L3), publicity (P5), certificates (L2, K2)
_DEADLINES = ("deadlines", "done", "holidays")  # staff: P-rule deadlines per batch, mark done, holiday file

COMMANDS: dict[str, tuple[str, ...]] = {
    CANDIDATE: ("start", "apply", "my", "ticket", "cert", "help", "profile", "lang", "cancel", "whoami"),
    "proctor": _COMMON + _PAPERS + _ATTENDANCE + _INCIDENT,
    "assessor": _COMMON + _INCIDENT,
    "supervisor": _COMMON + _ATTENDANCE + _INCIDENT,
    "staff": _COMMON + ("review", "export_applications", "invite") + _ANNOUNCE + _BATCH + _CERTS + _ROOM_RECORD + _ATTENDANCE
    + _INCIDENT + ("incidents",) + _OFFICE + _RESULTS + _DEADLINES,
    "admin": _COMMON + ("review", "export_applications", "invite") + _ANNOUNCE + _BATCH + _CERTS + _ROOM_RECORD + _ATTENDANCE
    + _INCIDENT + ("incidents",) + _OFFICE + _RESULTS + _DEADLINES,
}


def commands_for(role: str) -> tuple[str, ...]:
    """Commands shown to a role, in menu order."""
    return COMMANDS.get(role, COMMANDS[CANDIDATE])


def is_staff(role: str) -> bool:
    """True for staff and admins."""
    return role in STAFF_ROLES
