"""The error handler: one line with the error type and where, never the update's content."""

from __future__ import annotations

import traceback

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.telegram.delivery import NO_PREVIEW, log


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure's type and where it happened (never its message, which may quote a user), then say so."""
    error = context.error
    frames = traceback.extract_tb(error.__traceback__) if error is not None else []
    where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in reversed(frames[-4:]))
    kind = type(error).__name__ if error is not None else "unknown"
    update_kind = "none"
    if isinstance(update, Update):
        update_kind = next((name for name in ("message", "callback_query", "inline_query", "edited_message",
                                              "channel_post") if getattr(update, name, None)), "other")
    log.error("error type=%s update=%s at %s", kind, update_kind, where or "-")
    if not isinstance(update, Update) or isinstance(error, Forbidden):
        return
    chat = update.effective_chat
    if chat is None:
        return
    try:
        await context.bot.send_message(chat.id, "Sorry, something went wrong while answering. "
                                                "Please try again in a moment, or rephrase the question.",
                                       link_preview_options=NO_PREVIEW)
    except TelegramError as exc:
        log.error("error note not sent: %s", type(exc).__name__)
