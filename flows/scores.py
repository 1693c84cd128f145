"""Staff replies of score entry (/scores: template, round 1 / round 2 report, diff, confirm) and of /issue.

A batch awaiting a score sheet from this staff member is kept as a pseudo-form `scores` that is never active: its
values hold the batch id and, after a clean round 2, the SHA-256 of the upload to confirm — never the scores.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flows.context import FlowContext
from flows.engine import FlowResult
from flows.replies import Document, InlineButton, InlineKeyboard, Label, Text
from flows.state import ConversationState, FormProgress

NAME = "scores"
PREFIX = "sc"
CONFIRM = f"{PREFIX}:ok"
ISSUE = f"{PREFIX}:iss"
DROP = f"{PREFIX}:no"
SHOWN = 20  # problems and differences listed in the chat
RESTART = "restart"


@dataclass(frozen=True)
class Report:
    """An upload's outcome for the chat (see bot.services.scores.UploadResult); problems as (row, key, params)."""

    status: str
    batch: int
    file: str
    round: int = 0
    entered: int = 0
    absent: int = 0
    missing: int = 0
    problems: tuple[tuple[int, str, dict[str, Any]], ...] = ()
    diffs: tuple[tuple[str, str, Any, Any], ...] = ()
    confirmable: bool = False


def _digits(raw: str) -> bool:
    """An id as typed or in a button: ASCII digits, at most 12 (so the store can look it up)."""
    return raw.isascii() and raw.isdigit() and len(raw) <= 12


def parse_batch(args: str) -> tuple[int | None, str]:
    """`/scores ID [restart]`, `/publish ID`: the batch id (None when missing or not a number) and the rest."""
    parts = args.split()
    if not parts or not _digits(parts[0]):
        return None, ""
    return int(parts[0]), " ".join(parts[1:]).lower()


def parse_issue(args: str) -> tuple[int, date] | None:
    """`/issue ID YYYY-MM-DD`: the batch id and issue date, None when malformed."""
    parts = args.split()
    if len(parts) != 2 or not _digits(parts[0]):
        return None
    try:
        return int(parts[0]), date.fromisoformat(parts[1])
    except ValueError:
        return None


def awaiting(state: ConversationState) -> dict[str, Any] | None:
    """The batch this staff member is entering scores for (and a round 2 waiting for confirmation), if any."""
    progress = state.forms.get(NAME)
    return dict(progress.values) if progress is not None and progress.values.get("batch_id") else None


def _with(state: ConversationState, values: dict[str, Any]) -> ConversationState:
    return replace(state, forms={**state.forms, NAME: FormProgress(step="sheet", values=dict(values))})


def _forget(state: ConversationState) -> ConversationState:
    return replace(state, forms={k: v for k, v in state.forms.items() if k != NAME})


def usage(state: ConversationState, ctx: FlowContext, key: str = "scores.usage") -> FlowResult:
    """How to call the command."""
    return FlowResult(state, [Text(key)])


def refused(state: ConversationState, ctx: FlowContext, key: str, params: dict[str, Any] | None = None) -> FlowResult:
    """A refusal or a plain answer explained by its catalogue key (state kept)."""
    return FlowResult(state, [Text(key, params or {})])


def template(state: ConversationState, ctx: FlowContext, batch_id: int, name: str, content: bytes, rows: int) -> FlowResult:
    """The template workbook; the next xlsx/CSV sent is taken as this batch's score sheet."""
    caption = Label("scores.template_caption", {"batch": name, "id": batch_id, "rows": rows})
    return FlowResult(_with(state, {"batch_id": batch_id}), [Document(content=content, filename=f"scores-{batch_id}.xlsx",
                                                                     caption=caption)])


def _subject(key: str) -> Label:
    return Label(f"subject.{key}")


def _shown(value: Any) -> Label:
    if value is None:
        return Label("scores.not_entered")
    if value == "absent":
        return Label("scores.absent")
    return Label("", raw=f"{value:g}")


def checked(state: ConversationState, ctx: FlowContext, report: Report) -> FlowResult:
    """The upload's report: problems, round 1 stored, the round-1 author refused, or round 2 with its diff."""
    counts = {"batch": report.batch, "file": report.file, "round": report.round, "entered": report.entered,
              "absent": report.absent, "missing": report.missing}
    if report.status == "problems":
        listed = [{"row": row, "text": Label(f"scores.problem.{key}", {**params, "subject": _subject(params["subject"])}
                                             if "subject" in params else params)}
                  for row, key, params in report.problems[:SHOWN]]
        more = len(report.problems) - len(listed)
        return FlowResult(state, [Text("scores.problems", {**counts, "count": len(report.problems), "problems": listed,
                                                           "more": more})])
    if report.status in ("same_person", "confirmed", "no_batch", "no_tickets"):
        return FlowResult(_forget(state), [Text(f"scores.upload_{report.status}", counts)])
    if report.status == "round1":
        return FlowResult(_forget(state), [Text("scores.round1", counts)])
    if report.diffs:
        listed = [{"ticket": t, "subject": _subject(s), "first": _shown(a), "second": _shown(b)}
                  for t, s, a, b in report.diffs[:SHOWN]]
        params = {**counts, "count": len(report.diffs), "diffs": listed, "more": len(report.diffs) - len(listed)}
        return FlowResult(_with(state, {"batch_id": report.batch}), [Text("scores.differs", params)])
    if not report.confirmable:
        return FlowResult(_with(state, {"batch_id": report.batch}), [Text("scores.incomplete", counts)])
    buttons = InlineKeyboard(((InlineButton(Label("scores.btn_confirm"), data=f"{CONFIRM}:{report.batch}"),
                               InlineButton(Label("scores.btn_drop"), data=DROP)),))
    return FlowResult(state, [Text("scores.same", counts, buttons)])


def with_pending(state: ConversationState, batch_id: int, sha256: str) -> ConversationState:
    """Remember the round 2 upload (by hash) waiting for confirmation."""
    return _with(state, {"batch_id": batch_id, "sha256": sha256})


def confirmed(state: ConversationState, ctx: FlowContext, status: str, count: int, batch_id: int) -> FlowResult:
    """The confirmation's outcome (ok stores the scores; otherwise nothing changed)."""
    next_state = _forget(state) if status in ("ok", "confirmed") else state
    return FlowResult(next_state, [Text(f"scores.confirm_{status}", {"count": count, "batch": batch_id})])


def dropped(state: ConversationState, ctx: FlowContext) -> FlowResult:
    """The staff member did not confirm (the stored rounds stay)."""
    return FlowResult(_forget(state), [Text("scores.dropped")])


def issue_offer(state: ConversationState, ctx: FlowContext, batch_id: int, name: str, day: date, count: int, already: int,
                first: str) -> FlowResult:
    """How many certificates /issue would register, with confirm / drop buttons (none when nothing is to do)."""
    params = {"batch": name, "id": batch_id, "date": day.isoformat(), "count": count, "already": already, "first": first}
    if count == 0:
        return FlowResult(state, [Text("scores.issue_nothing", params)])
    buttons = InlineKeyboard(((InlineButton(Label("scores.btn_issue", {"count": count}),
                                            data=f"{ISSUE}:{batch_id}:{day.isoformat()}"),
                               InlineButton(Label("scores.btn_drop"), data=DROP)),))
    return FlowResult(state, [Text("scores.issue_offer", params, buttons)])


def issue_target(data: str) -> tuple[int, date] | None:
    """The batch and date of an `sc:iss:<batch>:<date>` button."""
    parts = data.split(":")
    if len(parts) != 4 or f"{parts[0]}:{parts[1]}" != ISSUE or not _digits(parts[2]):
        return None
    try:
        return int(parts[2]), date.fromisoformat(parts[3])
    except ValueError:
        return None


def confirm_target(data: str) -> int | None:
    """The batch of an `sc:ok:<batch>` button."""
    head, _, batch = data.rpartition(":")
    return int(batch) if head == CONFIRM and _digits(batch) else None


def issued(state: ConversationState, ctx: FlowContext, name: str, numbers: list[str], refused: dict[str, int]) -> FlowResult:
    """Certificates registered: count, number range, refusals by reason."""
    params = {"batch": name, "count": len(numbers), "first": numbers[0] if numbers else "",
              "last": numbers[-1] if numbers else "", "refused": sum(refused.values()),
              "reasons": [Label(f"cert_admin.issue_refused.{code}", {"application": "", "number": ""}) for code in refused]}
    return FlowResult(state, [Text("scores.issued", params)])
