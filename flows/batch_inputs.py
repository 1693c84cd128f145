"""Parsers of the batch form's typed answers: sessions (one per line) and rooms (one per line).

Sessions: `<subject> <date> <HH:MM>-<HH:MM> <site>`, e.g. `理论 2026-12-20 09:00-10:30 南昌技师学院1号楼`.
Rooms: `<subject> <room> <kind> <capacity>`, e.g. `理论 301 单人单桌 30` or `practical Lab-A station 12`.
Times are local (the service converts them with the configured time zone). Chinese and English words are both
understood; full-width digits and colons are accepted.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from bot.normalize import nfkc
from bot.rules.seating import ROOM_KINDS, SUBJECTS, SUITABLE_KINDS
from flows.apply_inputs import parse_date
from flows.context import FlowContext
from flows.engine import Invalid
from flows.events import Event, TextInput
from flows.replies import Label

SUBJECT_WORDS: dict[str, str] = {
    "理论": "theory", "理论知识": "theory", "理论考试": "theory", "theory": "theory",
    "实操": "practical", "实际操作": "practical", "技能操作": "practical", "操作技能": "practical", "practical": "practical",
    "综合": "comprehensive", "综合评审": "comprehensive", "comprehensive": "comprehensive",
}
KIND_WORDS: dict[str, str] = {
    "单人单桌": "desk", "桌": "desk", "考桌": "desk", "desk": "desk", "desks": "desk",
    "机位": "computer", "机考": "computer", "计算机": "computer", "computer": "computer", "computers": "computer",
    "工位": "station", "实操工位": "station", "station": "station", "stations": "station",
}
MAX_LINES = 30
MAX_CAPACITY = 200
MAX_SITE = 128
MAX_ROOM = 32
_TIMES = re.compile(r"^(\d{1,2}):(\d{2})[-~–—至到](\d{1,2}):(\d{2})$")


def _lines(event: Event) -> list[str]:
    assert isinstance(event, TextInput)
    lines = [re.sub(r"\s+", " ", nfkc(line)).strip() for line in event.text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise Invalid("batch.problem.empty")
    if len(lines) > MAX_LINES:
        raise Invalid("batch.problem.too_many_lines", limit=MAX_LINES)
    return lines


def _subject(word: str, line_no: int) -> str:
    subject = SUBJECT_WORDS.get(word.lower())
    if subject is None:
        raise Invalid("batch.problem.subject", line=line_no, word=word)
    return subject


def _clock(hour: str, minute: str, line_no: int) -> time:
    try:
        return time(int(hour), int(minute))
    except ValueError:
        raise Invalid("batch.problem.time", line=line_no) from None


def today(ctx: FlowContext) -> date:
    """The local date the service computed (falls back to the UTC date)."""
    raw = (ctx.facts.get("batch") or {}).get("today")
    return date.fromisoformat(raw) if raw else ctx.now.date()


def session_line(line: str, line_no: int, current: date) -> dict[str, Any]:
    """One session line as {subject, start, end, site} with local ISO date-times; Invalid names the line."""
    parts = line.split(" ", 3)
    if len(parts) < 4:
        raise Invalid("batch.problem.session_format", line=line_no)
    word, raw_date, raw_times, site = parts
    subject = _subject(word, line_no)
    try:
        day = parse_date(raw_date)
    except Invalid:
        raise Invalid("batch.problem.date", line=line_no) from None
    if day <= current:
        raise Invalid("batch.problem.date_past", line=line_no)
    match = _TIMES.match(raw_times)
    if not match:
        raise Invalid("batch.problem.time", line=line_no)
    start = _clock(match.group(1), match.group(2), line_no)
    end = _clock(match.group(3), match.group(4), line_no)
    if end <= start:
        raise Invalid("batch.problem.end_before_start", line=line_no)
    site = site.strip()
    if len(site) > MAX_SITE:
        raise Invalid("batch.problem.site_long", line=line_no, limit=MAX_SITE)
    return {
        "subject": subject,
        "start": datetime.combine(day, start).isoformat(timespec="minutes"),
        "end": datetime.combine(day, end).isoformat(timespec="minutes"),
        "site": site,
    }


def sessions(event: Event, ctx: FlowContext, values: dict[str, Any]) -> list[dict[str, Any]]:
    """All session lines; one session per subject, and exactly the subjects the level is examined in."""
    day = today(ctx)
    parsed = [session_line(line, i, day) for i, line in enumerate(_lines(event), start=1)]
    seen: set[str] = set()
    for i, item in enumerate(parsed, start=1):
        if item["subject"] in seen:
            raise Invalid("batch.problem.subject_twice", line=i)
        seen.add(item["subject"])
    needed = set(level_subjects(ctx, values))
    if needed and seen != needed:
        raise Invalid("batch.problem.subjects_mismatch", expected=[Label(f"subject.{s}") for s in SUBJECTS if s in needed])
    return sorted(parsed, key=lambda s: (s["start"], SUBJECTS.index(s["subject"])))


def level_subjects(ctx: FlowContext, values: dict[str, Any]) -> list[str]:
    """Subjects the chosen announcement examines at the chosen level (empty when unknown)."""
    chosen = next((a for a in (ctx.facts.get("batch") or {}).get("announcements", ()) if a["id"] == values.get("announcement")), None)
    return list((chosen or {}).get("subjects", {}).get(str(values.get("level")), ()))


def room_line(line: str, line_no: int, subjects: set[str]) -> dict[str, Any]:
    """One room line as {subject, name, kind, capacity}; Invalid names the line."""
    parts = line.split(" ")
    if len(parts) < 4:
        raise Invalid("batch.problem.room_format", line=line_no)
    subject = _subject(parts[0], line_no)
    if subject not in subjects:
        raise Invalid("batch.problem.room_subject", line=line_no)
    raw_capacity, raw_kind = parts[-1], parts[-2]
    name = " ".join(parts[1:-2]).strip()
    kind = KIND_WORDS.get(raw_kind.lower())
    if kind is None or kind not in ROOM_KINDS:
        raise Invalid("batch.problem.kind", line=line_no, word=raw_kind)
    if kind not in SUITABLE_KINDS[subject]:
        raise Invalid("batch.problem.kind_unsuitable", line=line_no)
    if not (raw_capacity.isascii() and raw_capacity.isdigit()) or not 1 <= int(raw_capacity) <= MAX_CAPACITY:
        raise Invalid("batch.problem.capacity", line=line_no, limit=MAX_CAPACITY)
    if not name or len(name) > MAX_ROOM:
        raise Invalid("batch.problem.room_name", line=line_no, limit=MAX_ROOM)
    return {"subject": subject, "name": name, "kind": kind, "capacity": int(raw_capacity)}


def rooms(event: Event, ctx: FlowContext, values: dict[str, Any]) -> list[dict[str, Any]]:
    """All room lines; every session gets at least one room and room names are unique per session."""
    subjects = {s["subject"] for s in values.get("sessions") or ()}
    parsed = [room_line(line, i, subjects) for i, line in enumerate(_lines(event), start=1)]
    seen: set[tuple[str, str]] = set()
    for i, room in enumerate(parsed, start=1):
        key = (room["subject"], room["name"])
        if key in seen:
            raise Invalid("batch.problem.room_twice", line=i)
        seen.add(key)
    missing = [s for s in SUBJECTS if s in subjects and s not in {r["subject"] for r in parsed}]
    if missing:
        raise Invalid("batch.problem.room_missing", subject=Label(f"subject.{missing[0]}"))
    return parsed


def name(event: Event, ctx: FlowContext, values: dict[str, Any]) -> str:
    """The batch name: 2..100 characters."""
    assert isinstance(event, TextInput)
    value = re.sub(r"\s+", " ", event.text).strip()
    if not 2 <= len(value) <= 100:
        raise Invalid("batch.problem.name", limit=100)
    return value
