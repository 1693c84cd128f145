"""Application assembly: handlers in one explicit place and order, plus the error handler."""

from __future__ import annotations

from flows.menu import STAFF_ROLES
from handlers.ptb.app import PtbApplication
from handlers.ptb.errors import record_error
from handlers.ptb.filters import RoleFilter
from handlers.ptb.handlers import batches, cert_admin, certificates, common, forms, staff, tickets
from handlers.ptb.handlers import checklists
from handlers.ptb.handlers import room_records
from handlers.ptb.handlers import attendance
from handlers.ptb.handlers import incidents
from handlers.ptb.handlers import deadlines
from handlers.ptb.handlers import broadcasts, exports, staff_roles, stats
from handlers.ptb.handlers import scores
from bot.services.staff_usecases import CHANGE_ROLES as STAFF_ROLE_CHANGERS
from flows.incident import REPORT_ROLES as INCIDENT_ROLES
from bot.services.attendance_usecases import ROLES as ATTENDANCE_ROLES
from bot.services.checklist_usecases import CHECKLIST_ROLES


def register_handlers(application: PtbApplication) -> None:
    """All handlers in group 0, most specific first (the first match wins), and the error handler."""
    role_filter = RoleFilter(application.bot_data, *STAFF_ROLES)
    application.add_handlers([
        *common.create_handlers(),
        *tickets.create_handlers(),
        *staff.create_handlers(role_filter),
        *batches.create_handlers(role_filter),
        *checklists.create_handlers(RoleFilter(application.bot_data, *CHECKLIST_ROLES)),
        *room_records.create_handlers(role_filter, RoleFilter(application.bot_data, *room_records.PROCTOR_ROLES)),
        *attendance.create_handlers(RoleFilter(application.bot_data, *ATTENDANCE_ROLES)),
        *incidents.create_handlers(RoleFilter(application.bot_data, *INCIDENT_ROLES)),
        *deadlines.create_handlers(role_filter),
        *broadcasts.create_handlers(role_filter),
        *stats.create_handlers(role_filter),
        *exports.create_handlers(role_filter),
        *staff_roles.create_handlers(role_filter, RoleFilter(application.bot_data, *STAFF_ROLE_CHANGERS)),
        *scores.create_handlers(role_filter),
        *certificates.create_handlers(),
        *cert_admin.create_handlers(role_filter),
        *forms.create_handlers(),
    ])
    application.add_error_handler(record_error)
