"""Dispatcher assembly: middleware and routers in one explicit place."""

from __future__ import annotations

from aiogram import Dispatcher

from bot.app import App
from handlers.aiogram.middleware import UpdateScopeMiddleware
from handlers.aiogram.routers import batches, cert_admin, certificates, common, forms, staff, tickets
from handlers.aiogram.routers import checklists
from handlers.aiogram.routers import attendance
from handlers.aiogram.routers import room_records
from handlers.aiogram.routers import incidents
from handlers.aiogram.routers import deadlines
from handlers.aiogram.routers import broadcasts, exports, staff_roles, stats
from handlers.aiogram.routers import scores


def build_dispatcher(app: App) -> Dispatcher:
    """A Dispatcher with the update-scope middleware and the routers, most specific first."""
    dp = Dispatcher(disable_fsm=True, app=app)
    dp.update.outer_middleware(UpdateScopeMiddleware(app))
    dp.include_routers(
        common.create_router(),
        tickets.create_router(),
        staff.create_router(),
        batches.create_router(),
        checklists.create_router(),
        attendance.create_router(),
        room_records.create_router(),
        incidents.create_router(),
        deadlines.create_router(),
        broadcasts.create_router(),
        stats.create_router(),
        exports.create_router(),
        staff_roles.create_router(),
        scores.create_router(),
        certificates.create_router(),
        cert_admin.create_router(),
        forms.create_router(),
    )
    return dp
