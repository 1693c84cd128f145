"""Read, check, hash and encrypt a roster in chunks, off the event loop: in a worker thread, or for big files in a child
process so that a second core does this work while the parent compares and inserts the previous chunk.

A good row leaves this module as `(row number, values)` with `values` the `certificates.ROSTER_INSERT` columns from
`number` to `issuer`, the ID number still in plain text (the importer encrypts only the rows it inserts), a bad row as
its list of problems. Both ways run the same `checked_chunks` generator, so they give the same results; chunks pass
between the processes in memory only.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import queue as queues
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

from bot.pii import PiiCipher
from bot.services.cert_roster import Problem, RosterRow, ScopeChecker, check_row
from bot.services.cert_roster_read import RawRow, RosterFileError, Vocabulary, open_roster

BATCH = 2000  # rows per chunk: one lookup query and one bulk insert each
PROCESS_MIN_BYTES = 16 * 1024 * 1024  # from this file size on the rows are checked in a child process (~90 000 rows)
QUEUE_CHUNKS = 4  # chunks a child process may check ahead of the parent
POLL_SECONDS = 0.5

Good = tuple[int, tuple[Any, ...]]  # row number, ROSTER_INSERT values from number to issuer (ID number in plain text)
Checked = Good | list[Problem]
Message = tuple[str, list[Checked]]  # the roster's format ("xlsx" / "csv") and one chunk


def _values(row: RosterRow, id_hash: str) -> tuple[Any, ...]:
    return (row.number, row.holder_name, row.id_type, row.id_number, id_hash, row.work_unit, row.occupation, row.work_type,
            row.level, row.issue_date, row.evaluator, row.issuer)


def check_chunk(rows: Iterator[RawRow], vocab: Vocabulary, today: date, scope: ScopeChecker, cipher: PiiCipher) -> list[Checked]:
    """Read and check up to BATCH rows; good rows get their ID number's lookup hash."""
    out: list[Checked] = []
    for number, cells in itertools.islice(rows, BATCH):
        checked = check_row(number, cells, vocab, today)
        if isinstance(checked, list):
            out.append(checked)
            continue
        problem = scope.check(checked)
        if problem is not None:
            out.append([problem])
            continue
        out.append((number, _values(checked, cipher.lookup_hash(checked.id_number) or "")))
    return out


def checked_chunks(data: bytes, vocab: Vocabulary, today: date, scope: ScopeChecker, cipher: PiiCipher) -> Iterator[Message]:
    """Every chunk of the roster in `data`."""
    roster = open_roster(data, vocab)
    while chunk := check_chunk(roster.rows, vocab, today, scope, cipher):
        yield roster.format, chunk


def _put(channel: Any, item: tuple[str, Any]) -> None:
    """Hand an item to the parent, giving up when the parent is gone."""
    parent = multiprocessing.parent_process()
    while True:
        try:
            channel.put(item, timeout=POLL_SECONDS)
            return
        except queues.Full:
            if parent is None or not parent.is_alive():
                raise SystemExit(1) from None


def _child(channel: Any, data: bytes, vocab: Vocabulary, today: date, scope: ScopeChecker, cipher: PiiCipher) -> None:
    """Child process: send every chunk, then the end, a file problem or the name of an unexpected error."""
    try:
        for message in checked_chunks(data, vocab, today, scope, cipher):
            _put(channel, ("chunk", message))
        _put(channel, ("end", None))
    except RosterFileError as exc:
        _put(channel, ("file", (exc.code, exc.params)))
    except Exception as exc:  # reported by the parent; the message may hold cell values, so only the type is sent
        _put(channel, ("crash", type(exc).__name__))


def _receive(channel: Any, child: Any) -> tuple[str, Any]:
    while True:
        try:
            return channel.get(timeout=POLL_SECONDS)  # type: ignore[no-any-return]
        except queues.Empty:
            if not child.is_alive():
                try:
                    return channel.get(timeout=POLL_SECONDS)  # type: ignore[no-any-return]
                except queues.Empty:
                    return "crash", f"exit code {child.exitcode}"


async def _in_thread(data: bytes, vocab: Vocabulary, today: date, scope: ScopeChecker, cipher: PiiCipher) -> AsyncIterator[Message]:
    produced = checked_chunks(data, vocab, today, scope, cipher)
    while (message := await asyncio.to_thread(next, produced, None)) is not None:
        yield message


async def _in_process(data: bytes, vocab: Vocabulary, today: date, scope: ScopeChecker, cipher: PiiCipher) -> AsyncIterator[Message]:
    context = multiprocessing.get_context("spawn")  # a clean interpreter: no copy of the event loop, threads or pools
    channel = context.Queue(maxsize=QUEUE_CHUNKS)
    child = context.Process(target=_child, args=(channel, data, vocab, today, scope, cipher), daemon=True)
    child.start()
    try:
        while True:
            kind, payload = await asyncio.to_thread(_receive, channel, child)
            if kind == "chunk":
                yield payload
            elif kind == "end":
                return
            elif kind == "file":
                raise RosterFileError(payload[0], **payload[1])
            else:
                raise RuntimeError(f"the roster check process failed ({payload})")
    finally:
        if child.is_alive():
            child.terminate()
        await asyncio.to_thread(child.join, 10)
        channel.close()


def chunks(
    data: bytes, vocab: Vocabulary, today: date, scope: ScopeChecker, cipher: PiiCipher, process_min_bytes: int = PROCESS_MIN_BYTES
) -> AsyncIterator[Message]:
    """The checked chunks of a roster, produced in a worker thread, or in a child process from `process_min_bytes` on.

    Close the iterator (`contextlib.aclosing`) when leaving early, so a child process is stopped.
    """
    if len(data) >= process_min_bytes:
        return _in_process(data, vocab, today, scope, cipher)
    return _in_thread(data, vocab, today, scope, cipher)
