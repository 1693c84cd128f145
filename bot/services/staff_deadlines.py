"""Staff deadlines of batches (P-rules of the batch's policy profile, in Chinese working days): stored per batch,
reminded ahead, escalated daily when overdue until marked done."""

from __future__ import annotations

from bot.app import App


async def refresh_batch(app: App, batch_id: int) -> int:
    """Re-derive the batch's deadlines from its events and re-plan their reminders (after the commit); returns how
    many deadlines the batch has."""
    raise NotImplementedError("staff deadlines are being built (issue 7)")
