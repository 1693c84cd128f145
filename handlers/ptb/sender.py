"""Send localized outgoing messages with PTB; callback queries are always answered."""

from __future__ import annotations

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.outgoing import OutMarkup, Outgoing

PtbMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


def to_markup(markup: OutMarkup | None) -> PtbMarkup:
    """PTB keyboard for a rendered markup."""
    if markup is None:
        return None
    if markup.kind == "remove":
        return ReplyKeyboardRemove()
    if markup.kind == "inline":
        return InlineKeyboardMarkup([[InlineKeyboardButton(**b) for b in row] for row in markup.rows])
    return ReplyKeyboardMarkup(
        [[KeyboardButton(**b) for b in row] for row in markup.rows],
        resize_keyboard=True,
        one_time_keyboard=markup.one_time,
    )


def _file(out: Outgoing) -> str | InputFile:
    return out.file_id or InputFile(out.content or b"", filename=out.filename or None)


async def send(bot: Bot, outgoing: list[Outgoing], callback_query_id: str | None = None) -> None:
    """Make the Bot API calls in order; a callback query gets exactly one answer first."""
    answers = [o for o in outgoing if o.kind == "answer"]
    if callback_query_id is not None:
        text = answers[0].text if answers else None
        await bot.answer_callback_query(callback_query_id, text=text or None)
    for out in outgoing:
        if out.kind == "answer" or out.chat_id is None:
            continue
        markup = to_markup(out.markup)
        if out.kind == "message":
            await bot.send_message(out.chat_id, out.text, reply_markup=markup)
        elif out.kind == "photo":
            await bot.send_photo(out.chat_id, _file(out), caption=out.text or None, reply_markup=markup)
        elif out.kind == "document":
            await bot.send_document(out.chat_id, _file(out), caption=out.text or None, reply_markup=markup)
        elif out.kind == "commands":
            commands = [BotCommand(name, text) for name, text in out.commands]
            await bot.set_my_commands(commands, scope=BotCommandScopeChat(out.chat_id))
