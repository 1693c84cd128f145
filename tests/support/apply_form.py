"""The /apply form as a script of real updates with the prompt each must get, a candidate driving it over HTTP, stored-state readers."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.app import App
from tests.support.bot_process import GatedBotApi
from tests.support.images import id_photo
from bot.rules.id_numbers import make_resident_id
from storage.models import Application
from storage.repositories import conversations
from tests.support import updates as u
from tests.support.fake_bot_api import ApiCall, FakeBotApi, _chat_id

TODAY = datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Shanghai")).date()
ID_NUMBER = make_resident_id("360102", TODAY.replace(year=TODAY.year - 30, day=1), 123)
PHONE = "13800138000"
NAME = "张三"
PHOTO_FILE_ID = "AgAC-photo"
REPLY_METHODS = frozenset({"sendMessage", "editMessageText", "sendPhoto", "sendDocument"})


@dataclass(frozen=True)
class Step:
    """One update of the candidate, the form step it answers, the prompt it must get and how many messages it gets."""

    name: str
    update: dict[str, Any]
    prompt: str
    replies: int = 1

    @property
    def update_id(self) -> int:
        """The Telegram update id (a redelivery reuses it)."""
        return int(self.update["update_id"])

    @property
    def button(self) -> str | None:
        """The callback data of a button press, None for a message."""
        query = self.update.get("callback_query")
        return str(query["data"]) if query else None


def form_steps(user: int, announcement_id: int) -> list[Step]:
    """The whole application form, /apply to the receipt, with fresh update ids."""
    press = lambda data: u.callback(user, data)  # noqa: E731
    say = lambda text: u.message(user, text)  # noqa: E731
    return [
        Step("apply", u.command(user, "apply"), "请选择要报名的认定公告"),
        Step("announcement", press(f"fm:c:announcement:{announcement_id}"), "请选择申报等级"),
        Step("level", press("fm:c:level:4"), "请输入申报人姓名"),
        Step("name", say(NAME), "请选择证件类型"),
        Step("id_type", press("fm:c:id_type:201"), "请输入证件号码"),
        Step("id_number", say(ID_NUMBER), "手机号"),
        Step("mobile", u.contact(user, PHONE), "请选择人员类别", replies=2),
        Step("category", press("fm:c:category:employee"), "请输入工作单位"),
        Step("work_unit", say("南昌电力维修公司"), "请选择最高学历"),
        Step("education", press("fm:c:education:senior_high"), "请输入所学专业"),
        Step("major", say("无"), "您目前持有哪类证书"),
        Step("held_cert", press("fm:c:held_cert:skill"), "请选择所持证书的等级"),
        Step("held_level", press("fm:c:held_level:5"), "请输入所持证书的职业"),
        Step("held_name", say("电工"), "请输入证书编号"),
        Step("held_number", say("S000036010027195000123"), "请输入发证日期"),
        Step("held_date", say("2019-06-30"), "请输入发证机构名称"),
        Step("held_issuer", say("南昌市职业技能鉴定中心"), "请输入您从事的岗位"),
        Step("post", say("维修电工"), "请输入在该岗位累计工作年限"),
        Step("years", say("５"), "请选择申报科目"),
        Step("subjects", press("fm:c:subjects:theory+practical"), "请上传本人白底标准二寸近照"),
        Step("photo", u.photo(user, file_id=PHOTO_FILE_ID), "请上传证明材料"),
        Step("documents", u.document(user), "已收到第 1 份"),
        Step("done", press("fm:done"), "请核对以下信息"),
        Step("confirm", press("fm:ok"), "个人承诺"),
        Step("pledge", press("fm:c:pledge:accept"), "申请编号：SQ"),
    ]


def step_index(steps: list[Step], name: str) -> int:
    """Position of the step called `name`."""
    return next(i for i, s in enumerate(steps) if s.name == name)


async def draft(app: App, user: int) -> tuple[str | None, dict[str, Any], int]:
    """(current step of the active /apply form, its values, state version) as stored."""
    async with app.sessions() as session:
        data_enc, version = await conversations.load(session, user)
    state = json.loads(app.cipher.decrypt(data_enc) or "{}") if data_enc else {}
    form = state.get("forms", {}).get("apply", {})
    return form.get("step"), dict(form.get("values", {})), version


async def applications(app: App, user: int) -> list[Application]:
    """The user's stored applications."""
    async with app.sessions() as session:
        return list((await session.exec(select(Application).where(Application.user_id == user))).all())


def assert_submitted(app: App, stored: list[Application]) -> None:
    """Exactly one application, with every field entered anywhere in the form."""
    assert len(stored) == 1, f"{len(stored)} applications stored"
    (application,) = stored
    assert application.status == "submitted" and application.level == 4 and application.name == NAME
    assert app.cipher.decrypt(application.id_number_enc) == ID_NUMBER and app.cipher.decrypt(application.mobile_enc) == PHONE
    assert application.category == "employee" and application.work_unit == "南昌电力维修公司" and application.education == "senior_high"
    assert application.held_certificates and application.held_certificates[0]["number"] == "S000036010027195000123"
    assert application.post == "维修电工" and application.years_in_post == 5 and application.subjects == ["theory", "practical"]
    assert application.photo["file_id"] == PHOTO_FILE_ID and len(application.documents) == 1


Poster = Callable[[dict[str, Any]], Awaitable[int]]


class Candidate:
    """Sends form steps to a webhook and attributes the emulator's replies to the update that caused them."""

    def __init__(self, api: FakeBotApi, post: Poster, user: int) -> None:
        self.api = api
        self.post = post
        self.user = user
        self.replies: dict[int, list[ApiCall]] = defaultdict(list)

    def sent_since(self, since: int) -> list[ApiCall]:
        """Replies to the candidate from call number `since` on."""
        return [c for c in self.api.calls[since:] if c.method in REPLY_METHODS and _chat_id(c.params) == self.user]

    def collect(self, step: Step, since: int) -> list[ApiCall]:
        """Attribute the replies made since call number `since` to `step`; returns them."""
        new = self.sent_since(since)
        self.replies[step.update_id].extend(new)
        return new

    def buttons(self) -> list[str]:
        """Callback data of the newest message to the candidate that has an inline keyboard."""
        for call in reversed(self.sent_since(0)):
            markup = call.params.get("reply_markup")
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                return [b.get("callback_data", "") for row in markup["inline_keyboard"] for b in row]
        return []

    def last_text(self) -> str:
        """Text of the newest message to the candidate."""
        mine = self.sent_since(0)
        return str(mine[-1].params.get("text", "")) if mine else ""

    async def deliver(self, step: Step) -> tuple[int, list[ApiCall]]:
        """POST the step's update once: (HTTP status, replies it caused)."""
        since = len(self.api.calls)
        status = await self.post(step.update)
        return status, self.collect(step, since)

    async def answer(self, step: Step) -> None:
        """Press the offered button or send the message; the webhook says 200 and the step's prompt comes back."""
        if step.button is not None:
            assert step.button in self.buttons(), f"{step.name}: button {step.button} not offered in {self.buttons()}"
        status, replies = await self.deliver(step)
        assert status == 200, f"{step.name}: webhook answered {status}"
        assert replies, f"{step.name}: no reply"
        text = str(replies[-1].params.get("text", ""))
        assert step.prompt in text, f"{step.name}: expected {step.prompt!r}, got {text[:80]!r}"

    async def redeliver(self, step: Step) -> None:
        """Telegram sends an already processed update again: 200 and no reply at all."""
        status, replies = await self.deliver(step)
        assert status == 200, f"{step.name} redelivered: webhook answered {status}"
        assert replies == [], f"{step.name} redelivered: replied again {[str(c.params.get('text'))[:40] for c in replies]}"

    def assert_answered_once(self, steps: list[Step]) -> None:
        """Every update got exactly its replies over all its deliveries: nothing lost, nothing doubled."""
        counts = {s.name: len(self.replies[s.update_id]) for s in steps}
        expected = {s.name: s.replies for s in steps}
        assert counts == expected, {k: (counts[k], expected[k]) for k in counts if counts[k] != expected[k]}


@asynccontextmanager
async def form_api() -> AsyncIterator[GatedBotApi]:
    """The loopback Bot API emulator, able to withhold an answer, serving the form's ID photo."""
    emulator = GatedBotApi()
    await emulator.start()
    emulator.files[PHOTO_FILE_ID] = id_photo()
    try:
        yield emulator
    finally:
        await emulator.stop()
