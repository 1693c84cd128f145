"""The App that persisted jobs run against, bound while a scheduler is up in this process.

APScheduler 3 persists a job as a textual function reference ("module:function") plus primitive arguments, so a job
function cannot receive the App object. This module therefore keeps the one process-wide mutable holder the project
allows: the apps bound by `start_scheduler` (normally exactly one; the most recent wins, so a test or a second
scheduler on another App does not hijack or clear the first one when it shuts down).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App

_bound: list[App] = []  # forced by APScheduler's by-reference jobs (see the module docstring)


class NotBound(RuntimeError):
    """A job ran while no App was bound (no scheduler started in this process)."""


def bind(app: App) -> None:
    """Make `app` the App that job functions see (until `unbind`)."""
    if not any(a is app for a in _bound):
        _bound.append(app)


def unbind(app: App | None = None) -> None:
    """Forget `app` (by default the most recently bound one); no error when it is not bound."""
    if app is None:
        if _bound:
            _bound.pop()
        return
    _bound[:] = [a for a in _bound if a is not app]


def current() -> App:
    """The bound App; raises NotBound when no scheduler has bound one in this process."""
    if not _bound:
        raise NotBound("no App is bound: start the scheduler with bot.scheduler.service.start_scheduler(app) first")
    return _bound[-1]
