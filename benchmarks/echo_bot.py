"""A bare python-telegram-bot echo bot: the baseline bench_serving.py compares the real bot with (issue 23).

As python-telegram-bot's own echobot example: ApplicationBuilder, one MessageHandler that replies with the
message's text, long polling. It reads the same TELEGRAM_BOT_TOKEN / TELEGRAM_BASE_URL / TELEGRAM_BASE_FILE_URL
as `evidence-bot serve`, so both talk to the same Bot API stand-in (tests/fake_bot_api.py). Not part of the bot.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(update.message.text)


def main() -> None:
    builder = ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"])
    if os.environ.get("TELEGRAM_BASE_URL"):
        builder = builder.base_url(os.environ["TELEGRAM_BASE_URL"])
    if os.environ.get("TELEGRAM_BASE_FILE_URL"):
        builder = builder.base_file_url(os.environ["TELEGRAM_BASE_FILE_URL"])
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
