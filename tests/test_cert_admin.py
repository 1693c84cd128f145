"""Certificate registry service: corrections (K4), revocation/reissue (K5, V4), logical deletion, history, batch issue."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlmodel import col, select

from bot.app import App
from bot.certs import tokens
from bot.rules.cert_numbers import format_k2
from bot.rules.id_numbers import make_resident_id
from bot.services import cert_admin, cert_registry
from bot.services.cert_admin import Refused
from bot.services.cert_registry import IssueRefused
from bot.i18n import I18n
from flows import cert_card, cert_fix, cert_status
from flows.cert_drafts import ACTION_NAMES, CERT_KEY, VERSION_KEY
from flows.cert_forms import CERT_FORMS
from flows.context import FlowContext
from flows.engine import Invalid
from flows.events import ButtonPress, TextInput
from storage.models import Application, AuditLog, Certificate, ExamBatch, Ticket
from storage.repositories import certificates
from tests.support.applications import ID_NUMBER, insert_application
from tests.support.catalog import open_announcement

STAFF = 700001
OLD_ID = make_resident_id("360102", date(1985, 3, 14), 211)
NEW_ID = make_resident_id("360103", date(1985, 3, 14), 213)
K2_NUMBER = format_k2("S", "0000", "36", "010027", 2024, 4, 17)  # level digit 4, year 24
LEGACY_NUMBER = "1234567890123456"
TODAY = datetime.now(timezone.utc).date()


async def insert_certificate(app: App, number: str = K2_NUMBER, **overrides: Any) -> Certificate:
    """One registered certificate, encrypted and hashed like the importer stores them."""
    fields: dict[str, Any] = {
        "number": number, "holder_name": "王小明", "id_type": "201", "id_number_enc": app.cipher.encrypt(OLD_ID) or "",
        "id_number_hash": app.cipher.lookup_hash(OLD_ID) or "", "work_unit": "南昌电力维修公司", "occupation": "电工",
        "work_type": "", "level": 4, "issue_date": date(2024, 6, 30), "evaluator": "南昌赣江技工学校",
        "issuer": "南昌赣江技工学校",
    }
    fields.update(overrides)
    async with app.sessions() as session:
        certificate = Certificate(**fields)
        session.add(certificate)
        await session.commit()
        await session.refresh(certificate)
        return certificate


async def stored(app: App, certificate_id: int) -> Certificate:
    async with app.sessions() as session:
        found = await session.get(Certificate, certificate_id)
        assert found is not None
        return found


async def audit_rows(app: App, certificate_id: int) -> list[AuditLog]:
    async with app.sessions() as session:
        query = select(AuditLog).where(col(AuditLog.entity) == "certificate", col(AuditLog.entity_id) == str(certificate_id))
        return list((await session.exec(query.order_by(col(AuditLog.id)))).all())


async def run(app: App, action: str, certificate_id: int, *args: Any, **kwargs: Any) -> Certificate:
    """Call one service change in its own committed transaction."""
    async with app.sessions() as session:
        result = await getattr(cert_admin, action)(app, session, STAFF, certificate_id, *args, **kwargs)
        await session.commit()
        return result


def no_raw_pii(rows: list[AuditLog], *raw: str) -> bool:
    dumped = json.dumps([[r.before, r.after] for r in rows], ensure_ascii=False)
    return not any(value in dumped for value in raw)


async def test_name_correction_bumps_version_and_is_audited_masked(app: App) -> None:
    cert = await insert_certificate(app)
    assert cert.id is not None and cert.version == 1
    await run(app, "correct", cert.id, {"holder_name": " 王 晓明 "}, "户籍信息更正")
    after = await stored(app, cert.id)
    assert after.holder_name == "王晓明" and after.version == 2
    assert after.updated_at.replace(tzinfo=timezone.utc) > cert.updated_at.replace(tzinfo=timezone.utc)
    (row,) = await audit_rows(app, cert.id)
    assert (row.actor_id, row.action) == (STAFF, "correct")
    assert row.before == {"holder_name": "王**", "version": 1}
    assert row.after == {"holder_name": "王**", "version": 2, "reason": "户籍信息更正"}
    assert no_raw_pii([row], "王小明", "王晓明")


async def test_id_correction_moves_the_lookup_hash(app: App) -> None:
    cert = await insert_certificate(app)
    assert cert.id is not None
    await run(app, "correct", cert.id, {"id_type": "201", "id_number": NEW_ID.lower()}, "证件号码录入错误")
    after = await stored(app, cert.id)
    assert app.cipher.decrypt(after.id_number_enc) == NEW_ID and after.version == 2
    async with app.sessions() as session:
        assert [c.id for c in await certificates.by_id_hash(session, app.cipher.lookup_hash(NEW_ID) or "")] == [cert.id]
        assert await certificates.by_id_hash(session, app.cipher.lookup_hash(OLD_ID) or "") == []
    rows = await audit_rows(app, cert.id)
    assert rows[0].before["id_number"] == OLD_ID[:4] + "*" * 10 + OLD_ID[-4:]
    assert rows[0].after["id_number"] == NEW_ID[:4] + "*" * 10 + NEW_ID[-4:]
    assert no_raw_pii(rows, OLD_ID, NEW_ID)


async def test_name_and_id_never_change_in_one_correction(app: App) -> None:
    cert = await insert_certificate(app)
    assert cert.id is not None
    with pytest.raises(Refused) as refused:
        await run(app, "correct", cert.id, {"holder_name": "王晓明", "id_number": NEW_ID}, "两项都错")
    assert refused.value.code == "one_identity"
    with pytest.raises(Refused):
        await run(app, "correct", cert.id, {"holder_name": "王晓明", "id_type": "227"}, "两项都错")
    after = await stored(app, cert.id)
    assert (after.holder_name, after.version, app.cipher.decrypt(after.id_number_enc)) == ("王小明", 1, OLD_ID)
    assert await audit_rows(app, cert.id) == []
    # Two separate corrections are fine.
    await run(app, "correct", cert.id, {"holder_name": "王晓明"}, "姓名")
    await run(app, "correct", cert.id, {"id_number": NEW_ID}, "证件号码")
    assert (await stored(app, cert.id)).version == 3


async def test_invalid_values_are_refused(app: App) -> None:
    cert = await insert_certificate(app)
    assert cert.id is not None
    bad_check = NEW_ID[:17] + ("0" if NEW_ID[17] != "0" else "1")
    cases: list[tuple[dict[str, str], str]] = [
        ({"id_number": bad_check}, "bad_id"),
        ({"level": "3"}, "level_mismatch"),  # the K2 number's level digit is 4
        ({"issue_date": "2023-06-30"}, "year_mismatch"),  # the K2 number says 2024
        ({"issue_date": (TODAY + timedelta(days=3)).isoformat()}, "future_date"),
        ({"holder_name": "王小明"}, "unchanged"),
        ({"occupation": " "}, "empty"),
        ({"status": "valid"}, "field"),
    ]
    for changes, code in cases:
        with pytest.raises(Refused) as refused:
            await run(app, "correct", cert.id, changes, "更正")
        assert refused.value.code == code, changes
    with pytest.raises(Refused) as refused:
        await run(app, "correct", cert.id, {"work_unit": "新单位"}, "   ")
    assert refused.value.code == "reason"
    assert (await stored(app, cert.id)).version == 1 and await audit_rows(app, cert.id) == []


async def test_level_and_date_of_a_legacy_number_can_change(app: App) -> None:
    cert = await insert_certificate(app, number=LEGACY_NUMBER, level=3)
    assert cert.id is not None
    await run(app, "correct", cert.id, {"level": "2"}, "等级录入错误")
    await run(app, "correct", cert.id, {"issue_date": "2019-12-01"}, "日期录入错误")
    await run(app, "correct", cert.id, {"work_type": "维修电工"}, "补录工种")
    after = await stored(app, cert.id)
    assert (after.level, after.issue_date, after.work_type, after.version) == (2, date(2019, 12, 1), "维修电工", 4)


async def test_a_change_made_meanwhile_is_refused(app: App) -> None:
    cert = await insert_certificate(app)
    assert cert.id is not None
    await run(app, "correct", cert.id, {"work_unit": "新单位"}, "单位更名", version=1)
    with pytest.raises(Refused) as refused:
        await run(app, "revoke", cert.id, "fraud", "材料造假", version=1)
    assert refused.value.code == "changed"
    assert (await stored(app, cert.id)).status == "valid"


async def test_revoke_then_no_reissue_then_logical_delete(app: App) -> None:
    cert = await insert_certificate(app)
    assert cert.id is not None
    await run(app, "revoke", cert.id, "violation", "事后查实替考(V4)")
    revoked = await stored(app, cert.id)
    assert (revoked.status, revoked.status_reason, revoked.version) == ("revoked", "violation: 事后查实替考(V4)", 2)
    with pytest.raises(Refused) as refused:
        await run(app, "reissue", cert.id, "lost", "遗失")
    assert refused.value.code == "status"
    with pytest.raises(Refused):
        await run(app, "revoke", cert.id, "fraud", "again")
    await run(app, "delete", cert.id, "重复登记")
    deleted = await stored(app, cert.id)
    assert (deleted.status, deleted.status_reason, deleted.version) == ("deleted", "重复登记", 3)
    for action, args in (("correct", ({"work_unit": "x"}, "r")), ("delete", ("r",)), ("reissue", ("lost", "r"))):
        with pytest.raises(Refused):
            await run(app, action, cert.id, *args)
    async with app.sessions() as session:
        assert await certificates.by_number(session, K2_NUMBER) is not None  # never a DELETE
    rows = await audit_rows(app, cert.id)
    assert [r.action for r in rows] == ["revoke", "delete"]
    assert rows[0].before == {"status": "valid", "version": 1}
    assert rows[0].after == {"status": "revoked", "status_reason": "violation: 事后查实替考(V4)", "version": 2}
    assert rows[1].after == {"status": "deleted", "status_reason": "重复登记", "version": 3}


async def test_reissue_counts_and_stays_valid(app: App) -> None:
    cert = await insert_certificate(app)
    assert cert.id is not None
    await run(app, "reissue", cert.id, "lost", "本人遗失")
    await run(app, "reissue", cert.id, "damaged", "水浸损毁原件收回")
    after = await stored(app, cert.id)
    assert (after.status, after.reissue_count, after.version) == ("valid", 2, 3)
    with pytest.raises(Refused) as refused:
        await run(app, "reissue", cert.id, "fraud", "不是补发原因")
    assert refused.value.code == "code"
    rows = await audit_rows(app, cert.id)
    assert rows[-1].after == {"reissue_count": 2, "code": "damaged", "reason": "水浸损毁原件收回", "version": 3}


async def test_card_and_history(app: App) -> None:
    cert = await insert_certificate(app)
    assert cert.id is not None
    for n in range(12):
        await run(app, "correct", cert.id, {"work_unit": f"单位{n}"}, f"第{n}次")
    async with app.sessions() as session:
        card = await cert_admin.card_by_number(app, session, K2_NUMBER.lower())
        full = await cert_admin.card_by_id(app, session, cert.id, cert_admin.FULL_HISTORY)
        assert await cert_admin.card_by_number(app, session, "S0000") is None
    assert card is not None and full is not None
    assert card["id_masked"] == OLD_ID[:4] + "*" * 10 + OLD_ID[-4:] and OLD_ID not in json.dumps(card, ensure_ascii=False)
    assert card["version"] == 13 and card["work_unit"] == "单位11"
    ref = tokens.verify(app.cipher, card["link"].rsplit(tokens.PREFIX, 1)[1])
    assert ref == tokens.CertificateRef(cert.id, 13)  # the QR link of the current version
    assert len(card["history"]) == cert_admin.CARD_HISTORY and len(full["history"]) == 12
    newest = card["history"][0]
    assert (newest["actor"], newest["action"]) == (STAFF, "correct")
    assert newest["before"] == {"work_unit": "单位10", "version": 12}
    assert newest["after"] == {"work_unit": "单位11", "version": 13, "reason": "第11次"}
    assert [h["after"]["reason"] for h in full["history"]][-1] == "第0次"


async def test_card_buttons_follow_the_status(app: App) -> None:
    base = {"id": 5, "status": "valid"}
    data = [b.data for row in cert_card.card_keyboard(base).rows for b in row]
    assert data == ["ca:fix:5", "ca:revoke:5", "ca:reissue:5", "ca:delete:5", "ca:hist:5"]
    data = [b.data for row in cert_card.card_keyboard({**base, "status": "revoked"}).rows for b in row]
    assert data == ["ca:fix:5", "ca:delete:5", "ca:hist:5"]
    data = [b.data for row in cert_card.card_keyboard({**base, "status": "deleted"}).rows for b in row]
    assert data == ["ca:hist:5"]
    assert cert_card.parse("ca:fix:5") == cert_card.Action("fix", 5)
    assert cert_card.parse("ca:fix:x") is None and cert_card.parse("ca:drop:5") is None and cert_card.parse("ca:fix") is None


def _fix_ctx(number: str = K2_NUMBER) -> FlowContext:
    cert = {"id": 1, "number": number, "status": "valid", "version": 1, "holder_name": "王小明", "id_type": "201",
            "id_number": OLD_ID, "level": 4, "issue_date": "2024-06-30", "work_unit": "", "occupation": "电工",
            "work_type": "", "evaluator": "", "issuer": "学校"}
    now = datetime.now(timezone.utc)
    return FlowContext(STAFF, STAFF, "staff", "zh_CN", now, {cert_fix.NAME: {"today": now.date().isoformat(), "certificate": cert}})


def test_form_explains_level_digit_and_checks_the_resident_id() -> None:
    ctx = _fix_ctx()
    with pytest.raises(Invalid) as bad:
        cert_fix.parse_level(ButtonPress("3"), ctx, {})
    assert bad.value.key == "cert_admin.fix.level_mismatch" and bad.value.params["digit"] == 4
    with pytest.raises(Invalid) as bad:
        cert_fix.parse_id_number(TextInput(NEW_ID[:17] + ("0" if NEW_ID[17] != "0" else "1")), ctx, {"id_type": "201"})
    assert bad.value.key == "apply.id.bad_checksum"
    with pytest.raises(Invalid) as bad:
        cert_fix.parse_id_number(TextInput(OLD_ID), ctx, {"id_type": "201"})
    assert bad.value.key == "cert_admin.fix.unchanged"
    assert cert_fix.parse_id_number(TextInput(NEW_ID.lower()), ctx, {"id_type": "201"})["value"] == NEW_ID
    assert cert_fix.parse_level(ButtonPress("3"), _fix_ctx(LEGACY_NUMBER), {}) == {"value": "3", "was": "4"}


def test_form_check_refuses_both_identities_and_stale_versions() -> None:
    ctx = _fix_ctx()
    values = {CERT_KEY: 1, VERSION_KEY: 1, "field": "holder_name", "holder_name": {"value": "王晓明", "was": "王小明"}, "reason": "r"}
    assert cert_fix.check(values, ctx) == []
    assert cert_fix.changes_of(values) == {"holder_name": "王晓明"}
    assert cert_fix.touches_both_identities({"holder_name": "a", "id_number": "b"})
    assert [t.key for t in cert_fix.check({**values, VERSION_KEY: 0}, ctx)] == ["cert_admin.refused.changed"]
    assert [t.key for t in cert_fix.check(values, FlowContext(1, 1, "candidate", "zh_CN", ctx.now, ctx.facts))] == [
        "cert_admin.not_allowed"
    ]


# --- certificates produced by the bot's own batches -------------------------------------------------------------


async def batch_with_ticket(app: App, status: str = "approved") -> tuple[int, int, int]:
    """An announcement, an application (approved by default), its batch and active ticket: (application, batch, ticket)."""
    announcement = await open_announcement(app, TODAY)
    application = await insert_application(app, announcement, 710001, status=status)
    async with app.sessions() as session:
        batch = ExamBatch(announcement_id=announcement.id, occupation_id=announcement.occupation_id, level=4,
                          name="2026 电工四级", exam_date=TODAY)
        session.add(batch)
        await session.flush()
        ticket = Ticket(number="ZK2026000001", batch_id=batch.id or 0, application_id=application.id or 0, user_id=710001,
                        sequence=1, issued_at=datetime.now(timezone.utc))
        session.add(ticket)
        await session.commit()
        return application.id or 0, batch.id or 0, ticket.id or 0


BATCH_NUMBER = format_k2("S", "0000", "36", "010027", TODAY.year, 4, 901)


async def issue(app: App, number: str = BATCH_NUMBER, **where: Any) -> Certificate:
    async with app.sessions() as session:
        found = await cert_registry.register_issued(
            app, session, number=number, issue_date=TODAY, issuer="南昌市人社局", evaluator="南昌赣江技工学校", actor_id=STAFF,
            **where,
        )
        await session.commit()
        return found


async def test_register_issued_from_a_ticket(app: App) -> None:
    application_id, batch_id, ticket_id = await batch_with_ticket(app)
    cert = await issue(app, BATCH_NUMBER.lower(), ticket_id=ticket_id)
    assert cert.id is not None
    stored_cert = await stored(app, cert.id)
    assert (stored_cert.number, stored_cert.holder_name, stored_cert.id_type) == (BATCH_NUMBER, "张三", "201")
    assert (stored_cert.occupation, stored_cert.level, stored_cert.source, stored_cert.batch_id) == ("电工", 4, "batch", batch_id)
    assert (stored_cert.status, stored_cert.version, stored_cert.work_unit) == ("valid", 1, "南昌电力维修公司")
    assert app.cipher.decrypt(stored_cert.id_number_enc) == ID_NUMBER
    async with app.sessions() as session:
        found = await certificates.by_id_hash(session, app.cipher.lookup_hash(ID_NUMBER) or "")
        assert [c.id for c in found] == [cert.id]
    rows = await audit_rows(app, cert.id)
    assert [r.action for r in rows] == ["register"] and no_raw_pii(rows, ID_NUMBER, "张三")

    refusals = {
        "duplicate_number": {"ticket_id": ticket_id},
        "already_issued": {"ticket_id": ticket_id, "number": format_k2("S", "0000", "36", "010027", TODAY.year, 4, 902)},
        "bad_number": {"ticket_id": ticket_id, "number": "ABC123"},
        "number_mismatch": {"ticket_id": ticket_id, "number": format_k2("S", "0000", "36", "010027", TODAY.year, 3, 903)},
        "no_ticket": {"ticket_id": ticket_id + 99},
    }
    for code, where in refusals.items():
        with pytest.raises(IssueRefused) as refused:
            await issue(app, **where)
        assert refused.value.code == code
        assert refused.value.text.key == f"cert_admin.issue_refused.{code}"
    async with app.sessions() as session:
        assert await certificates.count(session) == 1


async def test_register_issued_from_an_application(app: App) -> None:
    application_id, _, _ = await batch_with_ticket(app)
    async with app.sessions() as session:
        application = await session.get(Application, application_id)
        assert application is not None
        cert = await cert_registry.register_issued(app, session, application=application, number=BATCH_NUMBER, issue_date=TODAY,
                                                   issuer="南昌市人社局", evaluator="南昌赣江技工学校", actor_id=STAFF)
        await session.commit()
    assert cert.source == "batch"


async def test_register_issued_needs_an_approved_application(app: App) -> None:
    _, _, ticket_id = await batch_with_ticket(app, status="submitted")
    with pytest.raises(IssueRefused) as refused:
        await issue(app, ticket_id=ticket_id)
    assert refused.value.code == "not_approved"


def test_keys_built_at_run_time_exist_in_both_locales() -> None:
    keys = {"cmd.certificate"} | {f"cert_admin.field.{f}" for f in cert_card.FIELDS}
    keys |= {f"cert_admin.status.{s}" for s in cert_card.STATUSES} | {f"cert_admin.source.{s}" for s in cert_card.SOURCES}
    keys |= {f"cert_admin.code.{c}" for c in cert_card.REASON_CODES} | {f"cert_admin.action.{a}" for a in cert_card.HISTORY_ACTIONS}
    keys |= {f"cert_admin.action.{a}" for a in ACTION_NAMES.values()} | set(cert_status.INTROS.values()) | {"cert_admin.fix.intro"}
    for form in CERT_FORMS:
        keys |= {form.title} | {s.prompt for s in form.steps} | {s.label for s in form.steps}
    codes = ("not_found", "status", "changed", "one_identity", "reason", "too_long", "empty", "field", "bad_id", "level_mismatch",
             "future_date", "year_mismatch", "unchanged", "code")
    keys |= {f"cert_admin.refused.{c}" for c in codes}
    keys |= {f"cert_admin.issue_refused.{c}" for c in ("no_ticket", "not_in_batch", "not_approved", "bad_number", "number_mismatch",
                                                        "duplicate_number", "already_issued", "bad_body")}
    i18n = I18n()
    for locale in ("zh_CN", "en"):
        assert not sorted(k for k in keys if not i18n.has(locale, k)), locale
