"""The certificate change forms opened from the registry card, for registration with the form engine."""

from __future__ import annotations

from flows.cert_fix import FIX_FORM
from flows.cert_status import DELETE_FORM, REISSUE_FORM, REVOKE_FORM
from flows.engine import Form

CERT_FORMS: tuple[Form, ...] = (FIX_FORM, REVOKE_FORM, REISSUE_FORM, DELETE_FORM)
