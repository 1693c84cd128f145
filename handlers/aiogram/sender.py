"""Send localized outgoing messages with aiogram; callback queries are always answered."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.outgoing import OutMarkup, Outgoing

AiogramMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
NOT_MODIFIED = "message is not modified"  # an edit to the same text and keyboard (a double press) is no failure


def to_markup(markup: OutMarkup | None) -> AiogramMarkup:
    """aiogram keyboard for a rendered markup."""
    if markup is None:
        return None
    if markup.kind == "remove":
        return ReplyKeyboardRemove(remove_keyboard=True)
    if markup.kind == "inline":
        return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(**b) for b in row] for row in markup.rows])
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(**b) for b in row] for row in markup.rows],
        resize_keyboard=True,
        one_time_keyboard=markup.one_time,
    )


async def edit(bot: Bot, out: Outgoing, pressed: tuple[int, int]) -> None:
    """editMessageText of the pressed message (chat id, message id); an unchanged message is not an error."""
    markup = to_markup(out.markup)
    try:
        await bot.edit_message_text(
            text=out.text, chat_id=pressed[0], message_id=pressed[1],
            reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
        )
    except TelegramBadRequest as exc:
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
            photo = out.file_id or BufferedInputFile(out.content or b"", filename=out.filename)
            await bot.send_photo(out.chat_id, photo, caption=out.text or None, reply_markup=markup)
        elif out.kind == "document":
            document = out.file_id or BufferedInputFile(out.content or b"", filename=out.filename)
            await bot.send_document(out.chat_id, document, caption=out.text or None, reply_markup=markup)
        elif out.kind == "commands":
            commands = [BotCommand(command=name, description=text) for name, text in out.commands]
            await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=out.chat_id))
