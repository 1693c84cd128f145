"""/stats: per batch and per occupation candidates, sat, passed and pass rate (L2), and the O1 flag per body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.rules.stats import O1_CITATION, Tally, key_target, percent
from flows.context import FlowContext
from flows.engine import FlowResult
from flows.replies import Label, Text
from flows.state import ConversationState

COMMAND = "stats"


@dataclass(frozen=True)
class BatchLine:
    """One batch's tally."""

    id: int
    name: str
    occupation: str
    level: int
    exam_date: date
    tally: Tally


@dataclass(frozen=True)
class GroupLine:
    """A named group's tally (an occupation, or an institution over the last 12 months)."""

    name: str
    tally: Tally


@dataclass(frozen=True)
class Report:
    """Everything /stats shows."""

    batches: list[BatchLine]
    occupations: list[GroupLine]
    institutions: list[GroupLine]


def _counts(tally: Tally) -> dict[str, object]:
    return {"candidates": tally.candidates, "sat": tally.sat, "passed": tally.passed, "rate": percent(tally.rate)}


def show(state: ConversationState, ctx: FlowContext, report: Report) -> FlowResult:
    """The report; batches without scores show zeros, and a body above 90 % over 12 months is flagged (O1)."""
    if not report.batches:
        return FlowResult(state, [Text("stats.no_batches")])
    batches = [
        Label("stats.batch_row", {"id": b.id, "name": b.name, "occupation": b.occupation, "level": Label(f"level.{b.level}"),
                                  "date": b.exam_date.isoformat(), **_counts(b.tally)})
        for b in report.batches
    ]
    occupations = [Label("stats.group_row", {"name": o.name, **_counts(o.tally)}) for o in report.occupations]
    institutions = [
        Label("stats.o1_row" if key_target(i.tally.rate) else "stats.body_row",
              {"name": i.name, "citation": O1_CITATION, **_counts(i.tally)})
        for i in report.institutions
    ]
    scored = any(b.tally.sat for b in report.batches)
    return FlowResult(state, [Text("stats.report", {"batches": batches, "occupations": occupations,
                                                    "institutions": institutions, "scored": scored})])
