"""Room record files: assembled summaries localized through the locale's `room_record` template into layout items,
then one A4 PDF (a page run per room) and one xlsx workbook (a sheet per room). Rendering runs off the event loop.

The files are internal exam-office records: candidate names and ticket numbers, never ID numbers. Violations,
sanctions and incident statuses are named by the incident feature's catalogue keys (`violation_short.<code>`,
`sanction.<sanction>`, `incident.status.<status>`); a key that is missing shows the code itself.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import App
from bot.i18n import I18n
from bot.rendering.fonts import FontMissing, find_cjk_font
from bot.rendering.layout import Item, parse
from bot.rendering.record_pdf import RecordPdfRenderer
from bot.rendering.record_xlsx import workbook
from flows.room_record import RenderedRecord

log = logging.getLogger(__name__)

TEMPLATE = "room_record"


def clean(value: Any) -> str:
    """One line of text without the `|` the layout language reads as a cell separator."""
    return " ".join(("" if value is None else str(value)).replace("|", "｜").split())


def _localized(i18n: I18n, locale: str, key: str, fallback: str) -> str:
    return i18n.render(locale, key) if i18n.has(locale, key) else fallback


def _moment(tz: ZoneInfo, iso: str | None) -> str:
    return datetime.fromisoformat(iso).astimezone(tz).strftime("%Y-%m-%d %H:%M") if iso else ""


def record_params(i18n: I18n, tz: ZoneInfo, summary: dict[str, Any], locale: str) -> dict[str, Any]:
    """Template parameters of one room's record in `locale` (every text cleaned for the layout language)."""
    def render(key: str, params: dict[str, Any] | None = None) -> str:
        return clean(i18n.render(locale, key, params))

    sitting, room, papers = summary["sitting"], summary["room"], summary["papers"]
    start = datetime.fromisoformat(sitting["starts_at"]).astimezone(tz)
    end = datetime.fromisoformat(sitting["ends_at"]).astimezone(tz)
    unassigned = render("batch.unassigned")
    occupation = summary["occupation"]
    if summary.get("work_type"):
        occupation = f"{occupation}（{summary['work_type']}）"
    statuses = {s: render(f"room_record.status.{s}") for s in ("checked", "mismatch", "absent", "unrecorded")}
    candidates = [
        {"seat": c["seat"], "ticket": clean(c["ticket"]), "name": clean(c["name"]),
         "status": statuses.get(c["status"], clean(c["status"])), "note": clean(c["note"]),
         "incidents": clean("、".join(c["incidents"]))}
        for c in summary["candidates"]
    ]
    incidents = [
        {"number": clean(i["number"]), "ticket": clean(i["ticket"]), "seat": i["seat"] if i["seat"] is not None else "",
         "name": clean(i["name"]), "code": clean(i["code"]), "rule": clean(i["code"].split(".", 1)[0]),
         "violation": clean(_localized(i18n, locale, f"violation_short.{i['code']}", "")),
         "sanction": clean(_localized(i18n, locale, f"sanction.{i['sanction']}", i["sanction"])),
         "status": clean(_localized(i18n, locale, f"incident.status.{i['status']}", i["status"]))}
        for i in summary["incidents"]
    ]
    confirmed = papers.get("confirmed_by") or {}
    count = papers.get("count")
    papers_text = render("room_record.papers_value", {"count": count}) if count is not None else render("room_record.papers_missing")
    return {
        "batch": clean(summary["batch"]["name"]),
        "occupation": clean(occupation),
        "level": render(f"level.{summary['batch']['level']}"),
        "subject": render(f"subject.{sitting['subject']}"),
        "date": start.date().isoformat(), "start": f"{start:%H:%M}", "end": f"{end:%H:%M}",
        "site": clean(sitting["site"]),
        "room": clean(room["name"]),
        "room_kind": _localized(i18n, locale, f"room_kind.{room['kind']}", clean(room["kind"])),
        "chief": clean((summary.get("chief") or {}).get("name")) or unassigned,
        "deputy": clean((summary.get("deputy") or {}).get("name")) or unassigned,
        "counts": dict(summary["counts"]),
        "expected_papers": summary["expected_papers"],
        "papers": papers_text,
        "papers_by": clean(confirmed.get("name")),
        "papers_at": _moment(tz, papers.get("confirmed_at")),
        "candidates": candidates,
        "absent": [{**c, "ticket": clean(c["ticket"]), "name": clean(c["name"])} for c in summary["absent"]],
        "mismatches": [{**c, "ticket": clean(c["ticket"]), "name": clean(c["name"]), "note": clean(c["note"])}
                       for c in summary["mismatches"]],
        "incidents": incidents,
        "notes": clean(summary.get("notes")),
        "assembled": _moment(tz, summary.get("assembled_at")),
    }


def record_items(i18n: I18n, tz: ZoneInfo, summary: dict[str, Any], locale: str) -> tuple[Item, ...]:
    """The layout items of one room's record in `locale`."""
    return parse(i18n.render(locale, TEMPLATE, record_params(i18n, tz, summary, locale)))


def title(i18n: I18n, tz: ZoneInfo, summaries: list[dict[str, Any]], locale: str) -> str:
    """What the files are called in captions: batch, subject, date and the room (or how many rooms)."""
    first = summaries[0]
    start = datetime.fromisoformat(first["sitting"]["starts_at"]).astimezone(tz)
    params = {"batch": first["batch"]["name"], "subject": i18n.render(locale, f"subject.{first['sitting']['subject']}"),
              "date": start.date().isoformat(), "room": first["room"]["name"], "rooms": len(summaries)}
    key = "room_record.title_room" if len(summaries) == 1 else "room_record.title_rooms"
    return i18n.render(locale, key, params)


def filename(summaries: list[dict[str, Any]]) -> str:
    """An ASCII file name stem: the sitting, and the room when there is one."""
    sitting = summaries[0]["sitting"]["id"]
    if len(summaries) == 1:
        return f"room_record_s{sitting}_r{summaries[0]['room']['id']}"
    return f"room_record_s{sitting}"


def render(app: App, summaries: list[dict[str, Any]], locale: str) -> RenderedRecord:
    """PDF and xlsx of the rooms' records (call in a worker thread); the PDF is None when no CJK font is installed."""
    documents = [record_items(app.i18n, app.tz, summary, locale) for summary in summaries]
    caption = title(app.i18n, app.tz, summaries, locale)
    xlsx = workbook([(summary["room"]["name"], items) for summary, items in zip(summaries, documents)])
    pdf: bytes | None = None
    try:
        font = find_cjk_font(app.settings.ticket_font)
    except FontMissing as exc:
        log.warning("room record PDF not rendered: %s", exc)
    else:
        renderer = RecordPdfRenderer(font, cache_dir=app.settings.data_dir / "cache" / "fonts")
        pdf = renderer.pdf(documents, caption)
    return RenderedRecord(caption, filename(summaries), pdf, xlsx)


async def files(app: App, summaries: list[dict[str, Any]], locale: str) -> RenderedRecord | None:
    """The rooms' record files rendered off the event loop; None when there is nothing to render."""
    if not summaries:
        return None
    return await asyncio.to_thread(render, app, summaries, locale)
