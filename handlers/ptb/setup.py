"""Application assembly: handlers in one explicit place and order, plus the error handler."""

from __future__ import annotations

from flows.menu import STAFF_ROLES
from handlers.ptb.app import PtbApplication
from handlers.ptb.errors import record_error
from handlers.ptb.filters import RoleFilter
from handlers.ptb.handlers import batches, cert_admin, certificates, common, forms, staff, tickets


def register_handlers(application: PtbApplication) -> None:
    """All handlers in group 0, most specific first (the first match wins), and the error handler."""
    role_filter = RoleFilter(application.bot_data, *STAFF_ROLES)
    application.add_handlers([
        *common.create_handlers(),
        *tickets.create_handlers(),
        *staff.create_handlers(role_filter),
        *batches.create_handlers(role_filter),
        *certificates.create_handlers(),
        *cert_admin.create_handlers(role_filter),
        *forms.create_handlers(),
    ])
    application.add_error_handler(record_error)
