"""Exam-day checklists end to end: a fired checklist is delivered with tick buttons, the chief ticks and the message is
edited in place, strangers are refused, the supervisor refreshes the overview, an escalation lists what is open.

Runs on every Telegram transport through the production dispatcher against the Bot API emulator (each captured call
is checked against the Bot API spec), and in the console.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import select

from bot.app import App
from bot.delivery import DeliveryWorker
from bot.rules import checklist as rules
from bot.services import checklists
from handlers.console import Console
from storage.models import ChecklistTick
from tests.conftest import Harness
from tests.support import updates as u
from tests.support.applications import add_user
from tests.support.checklist_sitting import CHIEF, DEPUTY, SHANGHAI, STAFF, STRANGER, SUPERVISOR, make_sitting
from tests.support.fake_bot_api import ApiCall

STARTS = datetime(2030, 6, 14, 9, 0, tzinfo=SHANGHAI)
ENDS = STARTS + timedelta(minutes=90)
CANDIDATE = 641001
NOT_MODIFIED = (400, {"ok": False, "error_code": 400, "description": "Bad Request: message is not modified: specified new "
                      "message content and reply markup are exactly the same as a current content and reply markup of the message"})


def at(code: str) -> datetime:
    moment = rules.moment(code)
    assert moment is not None
    return moment.at(STARTS, ENDS)


class Clock:
    """A monotonic clock that sleeping moves on at once, so rate-limited delivery does not wait."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


async def deliver(harness: Harness) -> int:
    """Send everything due in the outbox through the harness's transport."""
    clock = Clock()
    return await DeliveryWorker(harness.app, harness.transport.deliver, clock=clock, sleep=clock.sleep).drain_once()


def sent_to(harness: Harness, chat_id: int) -> list[ApiCall]:
    return [c for c in harness.api.calls_of("sendMessage") if int(c.params["chat_id"]) == chat_id]


def keyboard(call: ApiCall) -> list[dict[str, Any]]:
    return [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]


async def ticks(app: App) -> dict[str, int]:
    async with app.sessions() as session:
        return {t.item: t.user_id for t in (await session.exec(select(ChecklistTick))).all()}


async def press(harness: Harness, user: int, data: str, message_id: int) -> None:
    harness.clear()
    await harness.feed(u.callback(user, data, message_id=message_id))


def answer(harness: Harness) -> str:
    (call,) = harness.api.calls_of("answerCallbackQuery")
    return str(call.params.get("text", ""))


async def test_checklist_is_ticked_in_place_strangers_are_refused_and_open_items_escalate(harness: Harness) -> None:
    app = harness.app
    ids = await make_sitting(app, STARTS)
    await add_user(app, CANDIDATE)
    assert await checklists.fire_moment(app, ids.session_id, "T-30", now=at("T-30")) == 3
    assert await deliver(harness) == 3
    (message,) = sent_to(harness, CHIEF)
    assert "C2 考前30分钟 · 领取试卷 · 08:30" in message.params["text"]
    buttons = keyboard(message)
    (deputy_message,) = sent_to(harness, DEPUTY)
    assert "You are the deputy proctor" in deputy_message.params["text"]
    assert f"ck:{ids.desk}:C2.roster:1" in [b["callback_data"] for b in keyboard(deputy_message)]
    assert [b["callback_data"] for b in buttons] == [f"ck:{ids.desk}:{k}:1" for k in ("C2.papers", "C2.occupation_level", "C2.roster", "C2.storage")]
    assert buttons[0]["text"] == "⬜ 1. 两人同时领取试卷"

    first = buttons[0]["callback_data"]
    await press(harness, CHIEF, first, message_id=501)
    assert answer(harness) == "已勾选：两人同时领取试卷"
    (edit,) = harness.api.calls_of("editMessageText")
    assert int(edit.params["chat_id"]) == CHIEF and int(edit.params["message_id"]) == 501
    assert "1. ✅ 2名监考人员同时领取试卷（王主监" in edit.params["text"] and "2. ⬜ 检查试卷的职业（工种）名称、等级" in edit.params["text"]
    edited = [b for row in edit.params["reply_markup"]["inline_keyboard"] for b in row]
    assert edited[0] == {"text": "✅ 1. 两人同时领取试卷", "callback_data": f"ck:{ids.desk}:C2.papers:0"}
    assert harness.api.calls_of("sendMessage") == [], "edited in place, no new message"
    assert await ticks(app) == {"C2.papers": CHIEF}

    harness.api.fail_next["editMessageText"] = NOT_MODIFIED  # a double press: Telegram says nothing changed
    await press(harness, CHIEF, first, message_id=501)
    assert len(harness.api.calls_of("editMessageText")) == 1 and harness.api.calls_of("sendMessage") == [], "no apology"
    assert await ticks(app) == {"C2.papers": CHIEF}

    await press(harness, STRANGER, first, message_id=502)
    assert "只有本考场的主、副监考员" in answer(harness) and harness.api.calls_of("editMessageText") == []
    await press(harness, CANDIDATE, f"ck:{ids.desk}:C2.papers:0", message_id=503)
    assert harness.api.calls_of("editMessageText") == []
    assert await ticks(app) == {"C2.papers": CHIEF}, "neither a stranger nor a candidate changes anything"

    await press(harness, DEPUTY, f"ck:{ids.desk}:C2.roster:1", message_id=504)
    assert answer(harness) == "Ticked: Roster and scratch paper taken"
    (edit,) = harness.api.calls_of("editMessageText")
    assert "✅ Both proctors collect the exam papers together (ticked by 王主监" in edit.params["text"], "the chief's tick shows"
    assert "✅ Take the candidate roster" in edit.params["text"] and "Li Deputy" in edit.params["text"]

    harness.clear()
    assert await checklists.escalate(app, ids.session_id, "T-30", "chief", now=at("T-30") + timedelta(minutes=10)) == 2
    assert await deliver(harness) == 2
    (escalation,) = sent_to(harness, CHIEF)
    text = escalation.params["text"]
    assert "考场 301 清单未完成" in text and "检查试卷的职业（工种）名称、等级" in text and "设置考生物品存放处" in text
    assert "2名监考人员同时领取试卷" not in text and "将考生名册" not in text
    assert await checklists.escalate(app, ids.session_id, "T-30", "staff", now=at("T-30") + timedelta(minutes=20)) == 1
    assert await deliver(harness) == 1
    (to_staff,) = sent_to(harness, STAFF)
    assert "考场 301（主监考 王主监" in to_staff.params["text"] and "考场 机房1（主监考 赵机房" in to_staff.params["text"]


async def test_the_supervisor_refreshes_the_overview_in_place(harness: Harness) -> None:
    app = harness.app
    ids = await make_sitting(app, STARTS)
    await checklists.fire_moment(app, ids.session_id, "T-40", now=at("T-40"))
    await deliver(harness)
    (overview,) = sent_to(harness, SUPERVISOR)
    assert "清单已勾选 0/5" in overview.params["text"]
    (refresh,) = keyboard(overview)
    assert refresh["callback_data"] == f"ck:ov:{ids.session_id}:T-40"

    (meeting,) = [b for b in keyboard(sent_to(harness, CHIEF)[0]) if b["callback_data"].endswith("C1.meeting:1")]
    await press(harness, CHIEF, meeting["callback_data"], message_id=601)
    await press(harness, SUPERVISOR, refresh["callback_data"], message_id=602)
    (edit,) = harness.api.calls_of("editMessageText")
    assert int(edit.params["message_id"]) == 602 and "考场 301：主监考 王主监" in edit.params["text"]
    assert "清单已勾选 1/" in edit.params["text"]
    await press(harness, DEPUTY, refresh["callback_data"], message_id=603)
    assert harness.api.calls_of("editMessageText") == [] and answer(harness)


async def test_the_console_shows_the_checklist_and_ticks_it(app: App) -> None:
    ids = await make_sitting(app, STARTS)
    await checklists.fire_moment(app, ids.session_id, "T-30", now=at("T-30"))
    out = io.StringIO()
    await Console(app, io.StringIO("#1\n#1\n"), out, user_id=CHIEF).run(banner=False)
    printed = out.getvalue()
    shown, pressed = printed.split("> #1\n", 1)
    assert "C2 考前30分钟" in shown and "[1] ⬜ 1. 两人同时领取试卷" in shown
    assert "上一条消息已更新" in pressed and "[1] ✅ 1. 两人同时领取试卷" in pressed and "已勾选：两人同时领取试卷" in pressed
    assert "已撤销勾选：两人同时领取试卷" in printed.rsplit("> #1\n", 1)[1], "the second press unticks"
    async with app.sessions() as session:
        assert (await session.exec(select(ChecklistTick))).all() == []
