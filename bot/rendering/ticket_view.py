"""Everything printed on an admission ticket (A1), already localized; the renderers only lay it out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TicketSessionView:
    """One exam sitting on the ticket: subject, date, time, site, room and seat (labels localized)."""

    subject: str
    date: str
    time: str
    site: str
    room: str
    seat: str


@dataclass(frozen=True)
class TicketView:
    """A1 ticket content: holder, masked ID, ticket number, occupation, level, sittings, rules; QR link."""

    locale: str
    number: str
    name: str
    gender: str
    id_type: str
    id_number: str  # masked (first 4 and last 4 kept): the proctor checks the ID card itself
    occupation: str
    level: str
    batch: str
    institution: str
    sessions: tuple[TicketSessionView, ...]
    qr_link: str  # https://t.me/<bot>?start=tk_<signed token>; carries no personal data
    issued: str  # issue date, localized
    photo: bytes | None = None  # the application photo when it could be downloaded
