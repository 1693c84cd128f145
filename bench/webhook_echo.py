"""The baseline of `bench webhook`: a bare echo bot per framework behind a webhook that answers after the reply is sent."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.webhook import SECRET_HEADER

Closer = Callable[[], Awaitable[None]]


async def aiogram_echo(api_base: str, token: str, secret: str, path: str) -> tuple[web.Application, Closer]:
    """aiogram Dispatcher with one handler echoing the text, served by aiogram's aiohttp webhook integration."""
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler

    bot = Bot(token=token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_base, is_local=False)))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message, bot: Bot) -> None:
        await bot.send_message(message.chat.id, message.text or "")

    web_app = web.Application()
    # handle_in_background=False: answer Telegram after the handler finished, like skillbot's webhook does
    SimpleRequestHandler(dispatcher, bot, handle_in_background=False, secret_token=secret).register(web_app, path=path)
    return web_app, bot.session.close


async def ptb_echo(api_base: str, token: str, secret: str, path: str) -> tuple[web.Application, Closer]:
    """PTB Application with an echo MessageHandler; an aiohttp route checks the secret and awaits process_update."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    application = ApplicationBuilder().token(token).base_url(f"{api_base}/bot").updater(None).job_queue(None).build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None:
            await context.bot.send_message(message.chat_id, message.text or "")

    application.add_handler(MessageHandler(filters.TEXT, echo))
    await application.initialize()
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return web.Response(status=403)
        data: dict[str, Any] = await request.json()
        await application.process_update(Update.de_json(data, application.bot))
        return web.Response(status=200)

    web_app = web.Application()
    web_app.router.add_post(path, receive)
    return web_app, application.shutdown


ECHO_BOTS = {"aiogram": aiogram_echo, "ptb": ptb_echo}
