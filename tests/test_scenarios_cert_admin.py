"""Staff open a certificate's registry card, correct the name, then the ID number (a separate correction), revoke it.

Runs on every Telegram transport through the production dispatcher against the Bot API emulator.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from bot.certs import tokens
from bot.data.demo_catalog import generate_certificates
from bot.demo import load_demo
from bot.pii import mask_id_number
from bot.rules.id_numbers import make_resident_id
from storage.models import AuditLog, Certificate
from storage.repositories import certificates
from tests.conftest import ADMIN_ID, Harness
from tests.support import updates as u
from tests.support.applications import add_user

CANDIDATE = 640001
NEW_ID = make_resident_id("360111", date(1988, 8, 8), 35)


async def click(harness: Harness, data: str, user: int = ADMIN_ID) -> None:
    assert data in [b.get("callback_data") for b in harness.buttons()], f"no button {data} in {harness.buttons()}"
    await harness.feed(u.callback(user, data))


async def say(harness: Harness, text: str, user: int = ADMIN_ID) -> None:
    await harness.feed(u.message(user, text))


async def stored(harness: Harness, number: str) -> Certificate:
    async with harness.app.sessions() as session:
        found = await certificates.by_number(session, number)
        assert found is not None
        return found


async def test_card_correct_name_then_id_then_revoke(harness: Harness) -> None:
    app = harness.app
    await load_demo(app)
    demo = generate_certificates()[0]
    cert = await stored(harness, demo.number)
    cert_id = cert.id

    await harness.feed(u.command(ADMIN_ID, "certificate"))
    assert "/certificate" in harness.last_text()
    await harness.feed(u.command(ADMIN_ID, "certificate", "S000000000000000000000"))
    assert "找不到" in harness.last_text()

    await harness.feed(u.command(ADMIN_ID, "certificate", demo.number.lower()))
    card = harness.last_text()
    assert demo.number in card and demo.holder_name in card and "有效" in card and "版本 1" in card
    assert mask_id_number(demo.id_number) in card and demo.id_number not in card
    assert [b["callback_data"] for b in harness.buttons()] == [
        f"ca:fix:{cert_id}", f"ca:revoke:{cert_id}", f"ca:reissue:{cert_id}", f"ca:delete:{cert_id}", f"ca:hist:{cert_id}"
    ]

    # 1. The name, alone.
    await click(harness, f"ca:fix:{cert_id}")
    assert "姓名和证件号码不能在同一次更正中同时修改" in harness.texts()[-2]
    await click(harness, "fm:c:field:holder_name")
    await say(harness, demo.holder_name)
    assert "相同" in harness.texts()[-2]
    await say(harness, "欧阳 明月")
    await say(harness, "户籍姓名变更")
    summary = harness.last_text()
    assert f"{demo.holder_name} → 欧阳明月" in summary and "户籍姓名变更" in summary
    await click(harness, "fm:ok")
    assert "已更正" in harness.last_text()
    renamed = await stored(harness, demo.number)
    assert (renamed.holder_name, renamed.version) == ("欧阳明月", 2)

    await click(harness, f"ca:show:{cert_id}")
    card = harness.last_text()
    assert "欧阳明月" in card and "版本 2" in card and "更正" in card and "欧**" in card and "户籍姓名变更" in card
    assert f"start={tokens.payload(app, renamed)}" in card  # the verification link of the new version

    # 2. The ID number, as a separate correction: checked like on the application form, shown masked.
    await click(harness, f"ca:fix:{cert_id}")
    await click(harness, "fm:c:field:id_number")
    await click(harness, "fm:c:id_type:201")
    await say(harness, NEW_ID[:17] + ("0" if NEW_ID[17] != "0" else "1"))
    assert "校验不通过" in harness.texts()[-2]
    await say(harness, NEW_ID)
    await say(harness, "身份证号码录入错误")
    summary = harness.last_text()
    assert mask_id_number(NEW_ID) in summary and NEW_ID not in summary and demo.id_number not in summary
    await click(harness, "fm:ok")
    assert "已更正" in harness.last_text()
    moved = await stored(harness, demo.number)
    assert moved.version == 3 and app.cipher.decrypt(moved.id_number_enc) == NEW_ID
    async with app.sessions() as session:
        assert [c.id for c in await certificates.by_id_hash(session, app.cipher.lookup_hash(NEW_ID) or "")] == [cert_id]
        assert cert_id not in [c.id for c in await certificates.by_id_hash(session, app.cipher.lookup_hash(demo.id_number) or "")]

    # 3. Revocation with a reason code and text; a revoked certificate offers no reissue.
    await click(harness, f"ca:show:{cert_id}")
    await click(harness, f"ca:revoke:{cert_id}")
    await click(harness, "fm:c:code:fraud")
    await say(harness, "伪造工作年限证明")
    assert "伪造工作年限证明" in harness.last_text()
    await click(harness, "fm:ok")
    assert "已撤销" in harness.last_text()
    revoked = await stored(harness, demo.number)
    assert (revoked.status, revoked.status_reason, revoked.version) == ("revoked", "fraud: 伪造工作年限证明", 4)
    await click(harness, f"ca:show:{cert_id}")
    assert "已撤销（以欺骗等不正当手段取得：伪造工作年限证明）" in harness.last_text()
    assert [b["callback_data"] for b in harness.buttons()] == [f"ca:fix:{cert_id}", f"ca:delete:{cert_id}", f"ca:hist:{cert_id}"]
    await harness.feed(u.callback(ADMIN_ID, f"ca:reissue:{cert_id}"))
    assert "已撤销，不能补发" in harness.last_text()

    await click(harness, f"ca:hist:{cert_id}")
    history = harness.last_text()
    assert history.index("撤销") < history.index("户籍姓名变更")  # newest first
    assert all(demo.id_number not in t and NEW_ID not in t for t in harness.texts())
    async with app.sessions() as session:
        rows = (await session.exec(select(AuditLog).where(col(AuditLog.entity) == "certificate"))).all()
    assert [r.action for r in rows] == ["correct", "correct", "revoke"]
    assert all(r.actor_id == ADMIN_ID for r in rows)


async def test_candidates_cannot_use_the_card(harness: Harness) -> None:
    app = harness.app
    await load_demo(app)
    await add_user(app, CANDIDATE)
    demo = generate_certificates()[0]
    cert = await stored(harness, demo.number)

    await harness.feed(u.command(CANDIDATE, "certificate", demo.number))
    assert "无法识别的命令" in harness.last_text()
    await harness.feed(u.callback(CANDIDATE, f"ca:fix:{cert.id}"))
    await harness.feed(u.callback(CANDIDATE, f"ca:revoke:{cert.id}"))
    assert all(demo.holder_name not in t and demo.number not in t for t in harness.texts())
    assert (await stored(harness, demo.number)).version == 1
    async with app.sessions() as session:
        assert (await session.exec(select(AuditLog).where(col(AuditLog.entity) == "certificate"))).all() == []
