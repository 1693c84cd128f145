"""Certificate queries (K3) and certificate QR verification, end to end on the demo registry of 300 certificates.

Runs on every Telegram transport through the production dispatcher against the Bot API emulator.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.app import App
from bot.certs import tokens
from bot.data.demo_catalog import DemoCertificate, generate_certificates
from bot.demo import load_demo
from bot.normalize import id_like
from bot.pii import mask_id_number
from bot.services import cert_usecases
from bot.services.intake import update_scope
from bot.services.turn import Actor
from flows.events import Command, TextInput
from flows.menu import STAFF_ROLES
from storage.models import AuditLog, Certificate, CertQuery, Notification, UserAccount
from storage.repositories import certificates
from tests.conftest import Harness
from tests.support import updates as u

TZ = ZoneInfo("Asia/Shanghai")
DEMO = generate_certificates()
CERT = DEMO[0]
X_CERT = next(c for c in DEMO if c.id_number.endswith("X"))
OTHER = DEMO[1]
ASKER, STRANGER = 641001, 641999
NO_MATCH = "没有找到匹配的证书。请核对输入的信息后重试。"


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def masked(cert: DemoCertificate) -> str:
    return mask_id_number(cert.id_number)


async def click(harness: Harness, data: str, user: int = ASKER) -> None:
    assert data in [b.get("callback_data") for b in harness.buttons()], f"no button {data} in {harness.buttons()}"
    await harness.feed(u.callback(user, data))


async def say(harness: Harness, text: str, user: int = ASKER) -> None:
    await harness.feed(u.message(user, text))


async def cert(harness: Harness, args: str = "", user: int = ASKER) -> None:
    await harness.feed(u.command(user, "cert", args))


async def stored(app: App, number: str) -> Certificate:
    async with app.sessions() as session:
        found = await certificates.by_number(session, number)
    assert found is not None
    return found


async def queries(app: App) -> list[CertQuery]:
    async with app.sessions() as session:
        return list((await session.exec(select(CertQuery).order_by(col(CertQuery.id)))).all())


def assert_card(text: str, item: DemoCertificate) -> None:
    for part in (item.holder_name, "居民身份证 " + masked(item), item.occupation.name, item.number, item.issue_date.isoformat(),
                 "南昌赣江技工学校"):
        assert part in text, f"{part!r} not in {text!r}"


async def assert_no_personal_data_leaked(harness: Harness) -> None:
    """No full ID number in any sent text; no ID number or full name in any audit row."""
    sent = "\n".join(harness.texts())
    assert not [c.number for c in DEMO if c.id_number in sent]
    async with harness.app.sessions() as session:
        rows = list((await session.exec(select(AuditLog))).all())
    dump = json.dumps([[r.before, r.after] for r in rows], ensure_ascii=False)
    assert not [c.number for c in DEMO if c.id_number in dump or (len(c.holder_name) > 1 and c.holder_name in dump)]


async def test_conversational_query_name_then_number(harness: Harness) -> None:
    await load_demo(harness.app)
    await cert(harness)
    assert "证书编号、持证人姓名、证件号码" in harness.last_text()
    await say(harness, f" {CERT.holder_name[0]} {CERT.holder_name[1:]} ")
    assert harness.last_text() == "已收到持证人姓名。请再发送证书编号或证件号码。"
    await say(harness, CERT.holder_name)
    assert "这同样是持证人姓名" in harness.last_text()
    await say(harness, CERT.number.lower())
    assert_card(harness.last_text(), CERT)  # the second value completes the pair: answered at once
    assert harness.last_text().startswith("✅ 证书有效")
    (query,) = await queries(harness.app)
    assert (query.user_id, query.kinds, query.outcome) == (ASKER, "number+name", "found")
    async with harness.app.sessions() as session:
        (row,) = (await session.exec(select(AuditLog).where(AuditLog.action == "cert_query"))).all()
    assert row.after is not None and row.after["values"] == {"number": mask_id_number(CERT.number), "name": CERT.holder_name[0] + "*" * (len(CERT.holder_name) - 1)}
    await click(harness, "cq:new")
    assert "证书编号、持证人姓名、证件号码" in harness.last_text()
    await say(harness, "/cancel")
    assert harness.last_text() == "已退出证书查询，输入的信息未保留。"
    await say(harness, "张三")
    assert "我没有看懂" in harness.last_text()
    await assert_no_personal_data_leaked(harness)


async def test_one_shot_in_both_orders_with_full_width_input_and_lower_case_x(harness: Harness) -> None:
    await load_demo(harness.app)
    await cert(harness, f"{full_width(X_CERT.number)}　{X_CERT.holder_name}")
    assert_card(harness.last_text(), X_CERT)
    await cert(harness, f"{X_CERT.holder_name} {X_CERT.number.lower()}")
    assert_card(harness.last_text(), X_CERT)
    await cert(harness, f"{X_CERT.id_number.lower()}，{X_CERT.holder_name}")
    assert_card(harness.last_text(), X_CERT)
    await cert(harness, f"{X_CERT.holder_name},{full_width(X_CERT.id_number.lower())}")
    assert_card(harness.last_text(), X_CERT)
    await cert(harness, f"{X_CERT.number} {X_CERT.id_number.lower()}")
    assert_card(harness.last_text(), X_CERT)
    await cert(harness, X_CERT.number)
    assert harness.last_text() == "已收到证书编号。请再发送持证人姓名或证件号码。"
    await cert(harness, f"{X_CERT.id_number} {X_CERT.id_number}")
    assert "两项信息都是证件号码" in harness.last_text()
    await cert(harness, f"{X_CERT.holder_name} {X_CERT.number[:-1]}")
    assert "格式不正确" in harness.last_text()
    assert [q.outcome for q in await queries(harness.app)] == ["found"] * 5
    await assert_no_personal_data_leaked(harness)


async def test_name_and_id_find_every_certificate_of_the_holder(harness: Harness) -> None:
    app = harness.app
    await load_demo(app)
    normalized = id_like(CERT.id_number)
    async with app.sessions() as session:
        session.add(Certificate(
            number="S000036010027244000999", holder_name=CERT.holder_name, id_type="201",
            id_number_enc=app.cipher.encrypt(normalized) or "", id_number_hash=app.cipher.lookup_hash(normalized) or "",
            occupation="电工", work_type="维修电工", level=4, issue_date=date(2024, 6, 30), evaluator="南昌赣江技工学校",
            issuer="南昌赣江技工学校",
        ))
        await session.commit()
    await cert(harness, f"{CERT.holder_name} {CERT.id_number}")
    texts = harness.texts()
    assert texts[-3] == "找到 2 本证书："
    assert_card(texts[-2], CERT)
    assert "S000036010027244000999" in texts[-1] and "四级/中级工" in texts[-1] and masked(CERT) in texts[-1]
    await cert(harness, f"{OTHER.holder_name} {CERT.id_number}")
    assert harness.last_text() == NO_MATCH
    await assert_no_personal_data_leaked(harness)


async def test_a_mismatch_never_says_which_value_was_wrong(harness: Harness) -> None:
    await load_demo(harness.app)
    wrong_id = OTHER.id_number
    answers = []
    for args in (
        f"{CERT.number} {OTHER.holder_name}",  # wrong name
        f"{CERT.number} {wrong_id}",  # wrong ID number
        f"{OTHER.number} {CERT.holder_name}",  # wrong number
        f"{CERT.holder_name} {wrong_id}",  # name and ID of different people
        f"S000036010027195999999 {CERT.holder_name}",  # no such certificate
    ):
        await cert(harness, args)
        answers.append(harness.last_text())
    assert answers == [NO_MATCH] * 5
    assert [b.get("callback_data") for b in harness.buttons()] == ["cq:new"]
    assert [q.outcome for q in await queries(harness.app)] == ["nomatch"] * 5
    await assert_no_personal_data_leaked(harness)


async def test_revoked_and_deleted_certificates(harness: Harness) -> None:
    app = harness.app
    await load_demo(app)
    async with app.sessions() as session:
        revoked = await certificates.by_number(session, CERT.number)
        deleted = await certificates.by_number(session, OTHER.number)
        assert revoked is not None and deleted is not None
        revoked.status, revoked.status_reason = "revoked", "证书转借他人使用"
        deleted.status, deleted.status_reason = "deleted", "重复登记"
        session.add_all([revoked, deleted])
        await session.commit()
    await cert(harness, f"{CERT.number} {CERT.holder_name}")
    assert harness.last_text().startswith("⛔ 证书已撤销（原因：证书转借他人使用）")
    assert_card(harness.last_text(), CERT)
    await cert(harness, f"{OTHER.number} {OTHER.holder_name}")
    assert harness.last_text() == "该证书记录已被注销，不提供证书信息。如有疑问，请联系发证机构。"
    assert OTHER.occupation.name not in harness.last_text() and "重复登记" not in harness.last_text()
    await cert(harness, f"{OTHER.number} {CERT.holder_name}")
    assert harness.last_text() == NO_MATCH
    assert [q.outcome for q in await queries(app)] == ["found", "deleted", "nomatch"]
    await assert_no_personal_data_leaked(harness)


async def test_too_many_failures_are_refused_until_the_oldest_leaves_the_window(harness: Harness) -> None:
    app = harness.app
    await load_demo(app)
    for i in range(10):
        await cert(harness, f"{DEMO[i + 2].number} {CERT.holder_name}")
        assert harness.last_text() == NO_MATCH
    first = min(q.at for q in await queries(app))
    free = (first.replace(tzinfo=first.tzinfo or timezone.utc) + timedelta(minutes=60)).astimezone(TZ)
    shown = (free.replace(second=0, microsecond=0) + timedelta(minutes=1)) if free.second or free.microsecond else free
    refusal = f"查询失败次数过多。为保护持证人信息，请于 {shown:%Y-%m-%d %H:%M}（北京时间）之后再查询。"

    await cert(harness, f"{CERT.number} {CERT.holder_name}")  # a correct pair: refused without a lookup
    assert harness.last_text() == refusal
    last = (await queries(app))[-1]
    assert (last.kinds, last.outcome) == ("number+name", "limited")
    async with app.sessions() as session:
        audit_rows = (await session.exec(select(AuditLog).where(AuditLog.action == "cert_query"))).all()
    assert audit_rows[-1].after is not None and audit_rows[-1].after["certificates"] == []
    await cert(harness)
    assert harness.last_text() == refusal
    await cert(harness, user=STRANGER)  # other users are not affected
    assert "证书编号、持证人姓名、证件号码" in harness.last_text()

    async with app.sessions() as session:  # the oldest failure leaves the window: one more try
        rows = list((await session.exec(select(CertQuery).where(CertQuery.outcome == "nomatch").order_by(col(CertQuery.id)))).all())
        rows[0].at = datetime.now(timezone.utc) - timedelta(minutes=61)
        session.add(rows[0])
        await session.commit()
    await cert(harness, f"{CERT.number} {CERT.holder_name}")
    assert_card(harness.last_text(), CERT)
    await assert_no_personal_data_leaked(harness)


async def test_query_volume_alarm_reaches_staff_once_per_window(harness: Harness) -> None:
    app = harness.app
    await load_demo(app)
    now = datetime.now(timezone.utc)
    async with app.sessions() as session:
        session.add_all([CertQuery(user_id=650000 + i, kinds="number+name", outcome="nomatch", at=now) for i in range(298)])
        await session.commit()
    await cert(harness, f"{CERT.number} {CERT.holder_name}")  # the 299th query in the window
    async with app.sessions() as session:
        staff = {a.id for a in (await session.exec(select(UserAccount).where(col(UserAccount.role).in_(STAFF_ROLES)))).all()}
        assert not (await session.exec(select(Notification))).all()
    assert len(staff) >= 2
    await cert(harness, f"{CERT.number} {CERT.holder_name}")  # the 300th: the alarm
    await cert(harness, f"{CERT.number} {OTHER.holder_name}")  # the 301st: no second alarm in this window
    async with app.sessions() as session:
        alarms = list((await session.exec(select(Notification).where(col(Notification.dedup_key).startswith("cert_alarm:")))).all())
    per_window: dict[str, set[int]] = {}
    for alarm in alarms:
        bucket = (alarm.dedup_key or "").split(":")[1]
        assert alarm.chat_id not in per_window.setdefault(bucket, set())
        per_window[bucket].add(alarm.chat_id)
    assert per_window and all(chats == staff for chats in per_window.values())
    text = alarms[0].payload["text"]
    assert "最近 10 分钟内共有 300 次查询" in text and "未匹配 298 次" in text
    assert ASKER not in {a.chat_id for a in alarms}
    assert not [c.number for c in DEMO if c.holder_name in text or c.number in text]


async def test_certificate_qr_verification(harness: Harness) -> None:
    app = harness.app
    await load_demo(app)
    record = await stored(app, CERT.number)
    link = tokens.link(app, record)
    assert link.startswith("https://t.me/skillbot_test_bot?start=ct_")
    payload = link.split("start=", 1)[1]
    assert len(payload) <= 64 and all(c.isalnum() or c in "_-" for c in payload)
    await harness.feed(u.command(STRANGER, "start", payload))
    text = harness.last_text()
    assert text.startswith("证书核验：✅ 证书有效")
    assert CERT.holder_name[0] + "*" * (len(CERT.holder_name) - 1) in text and CERT.holder_name not in text
    assert masked(CERT) in text and CERT.number in text and CERT.occupation.name in text

    token = payload.removeprefix("ct_")
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    await harness.feed(u.command(STRANGER, "start", f"ct_{forged}"))
    assert "不是有效的证书二维码" in harness.last_text()
    other_id = tokens.make(app.cipher, (record.id or 0) + 1, record.version)
    await harness.feed(u.command(STRANGER, "start", f"ct_{other_id[:-1]}"))
    assert "不是有效的证书二维码" in harness.last_text()

    async with app.sessions() as session:  # a correction bumps the version: the old QR is stale
        fresh = await session.get(Certificate, record.id)
        assert fresh is not None
        fresh.version += 1
        session.add(fresh)
        await session.commit()
    await harness.feed(u.command(STRANGER, "start", payload))
    assert "不是有效的证书二维码" in harness.last_text()
    await harness.feed(u.command(STRANGER, "start", f"ct_{tokens.make(app.cipher, record.id or 0, record.version + 1)}"))
    assert harness.last_text().startswith("证书核验：✅ 证书有效")
    async with app.sessions() as session:
        checks = list((await session.exec(select(AuditLog).where(AuditLog.action == "verify_certificate"))).all())
    assert [c.after for c in checks] == [{"result": "ok"}, {"result": "invalid"}, {"result": "ok"}]
    assert not await queries(app)  # a QR check is not a query and never counts against the limit
    await assert_no_personal_data_leaked(harness)


async def test_typed_pair_is_answered_at_once_through_take_input(app: App) -> None:
    await load_demo(app)
    actor = Actor(ASKER, ASKER)
    async with update_scope(app, None, actor) as turn:
        assert turn is not None
        assert await cert_usecases.take_input(turn, TextInput(CERT.holder_name)) is None  # no query active
        await cert_usecases.query(turn, Command("cert"))
    async with update_scope(app, None, actor) as turn:
        assert turn is not None
        outcome = await cert_usecases.take_input(turn, TextInput(CERT.holder_name))
        assert outcome is not None and outcome.outgoing[-1].text == "已收到持证人姓名。请再发送证书编号或证件号码。"
    async with update_scope(app, None, actor) as turn:
        assert turn is not None
        outcome = await cert_usecases.take_input(turn, TextInput(CERT.id_number.lower()))
        assert outcome is not None
        assert_card(outcome.outgoing[-1].text, CERT)
    assert [(q.kinds, q.outcome) for q in await queries(app)] == [("name+id", "found")]
