"""Which commands each role sees: one table for the welcome text, /help and setMyCommands."""

from __future__ import annotations

CANDIDATE = "candidate"
STAFF_ROLES = ("admin", "staff")
EXAM_ROLES = ("proctor", "assessor", "supervisor")
ROLES = (CANDIDATE, "admin", "staff", "proctor", "assessor", "supervisor")
INVITABLE_ROLES = ("admin", "staff", "proctor", "assessor", "supervisor")

_COMMON = ("start", "help", "cert", "profile", "lang", "cancel", "whoami")
_ANNOUNCE = ("announce", "announcements")  # staff: publish (R1) and list/close announcements
_BATCH = ("batch", "batches")  # staff: plan batches, examiners, seats, tickets (A1-A4)
_CERTS = ("certificate", "export_certificates")  # staff: certificate registry card, roster export (K1-K5)

COMMANDS: dict[str, tuple[str, ...]] = {
    CANDIDATE: ("start", "apply", "my", "ticket", "cert", "help", "profile", "lang", "cancel", "whoami"),
    "proctor": _COMMON,
    "assessor": _COMMON,
    "supervisor": _COMMON,
    "staff": _COMMON + ("review", "export_applications", "invite") + _ANNOUNCE + _BATCH + _CERTS,
    "admin": _COMMON + ("review", "export_applications", "invite") + _ANNOUNCE + _BATCH + _CERTS,
}


def commands_for(role: str) -> tuple[str, ...]:
    """Commands shown to a role, in menu order."""
    return COMMANDS.get(role, COMMANDS[CANDIDATE])


def is_staff(role: str) -> bool:
    """True for staff and admins."""
    return role in STAFF_ROLES
