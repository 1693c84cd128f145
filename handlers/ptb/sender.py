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
from telegram.error import BadRequest

from bot.outgoing import OutMarkup, Outgoing

PtbMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
NOT_MODIFIED = "message is not modified"  # an edit to the same text and keyboard (a double press) is no failure


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


async def edit(bot: Bot, out: Outgoing, pressed: tuple[int, int]) -> None:
    """editMessageText of the pressed message (chat id, message id); an unchanged message is not an error."""
    markup = to_markup(out.markup)
    try:
        await bot.edit_message_text(
            out.text, chat_id=pressed[0], message_id=pressed[1],
            reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
        )
    except BadRequest as exc:
        if NOT_MODIFIED not in exc.message.lower():
            raise


async def send(
    bot: Bot, outgoing: list[Outgoing], callback_query_id: str | None = None, pressed: tuple[int, int] | None = None
) -> None:
    """Make the Bot API calls in order; a callback query gets exactly one answer first.

    `pressed` is the (chat id, message id) of the message whose button was pressed: `edit` outgoing change it in
    place (without it they are sent as new messages).
    """
    answers = [o for o in outgoing if o.kind == "answer"]
    if callback_query_id is not None:
        text = answers[0].text if answers else None
        await bot.answer_callback_query(callback_query_id, text=text or None)
    for out in outgoing:
        if out.kind == "answer" or out.chat_id is None:
            continue
        markup = to_markup(out.markup)
        if out.kind == "edit" and pressed is not None:
            await edit(bot, out, pressed)
        elif out.kind in ("message", "edit"):
            await bot.send_message(out.chat_id, out.text, reply_markup=markup)
        elif out.kind == "photo":
            await bot.send_photo(out.chat_id, _file(out), caption=out.text or None, reply_markup=markup)
        elif out.kind == "document":
            await bot.send_document(out.chat_id, _file(out), caption=out.text or None, reply_markup=markup)
        elif out.kind == "commands":
            commands = [BotCommand(name, text) for name, text in out.commands]
            await bot.set_my_commands(commands, scope=BotCommandScopeChat(out.chat_id))
