"""The Telegram application: builder, handler registration and `evidence-bot serve`.

Modelled on python-telegram-bot's own examples: ApplicationBuilder with AIORateLimiter (Telegram's flood
limits, retries after 429 "retry after"), CommandHandler / MessageHandler / CallbackQueryHandler /
InlineQueryHandler, one error handler, and post_init to register the command list. Long polling by default,
a webhook with a secret token on request. The token comes from TELEGRAM_BOT_TOKEN only and never reaches the
log. TELEGRAM_BASE_URL / TELEGRAM_BASE_FILE_URL point the bot at another Bot API server (a local one, or a test
stand-in). Updates come in through intake.py: each is committed to the durable inbox (inbox.py) before it is
confirmed to Telegram; an update the library cannot decode is skipped, not fatal; the webhook checks the secret
before reading a capped body. Each chat's updates are answered in order, chats in turn (turns.py). SIGHUP stops
cleanly, like SIGTERM and SIGINT: queued updates are answered for up to EVIDENCE_BOT_SHUTDOWN_TIMEOUT seconds (a
second signal cuts that short); the rest stay in the inbox and are answered after the next start.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import secrets
import signal
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.logging_setup import add_secret, configure
from bot.service import EvidenceService
from bot.snapshot import freeze_loaded
from bot.telegram import buttons, commands, errors, groups, inline, membership
from bot.telegram.confirming import ConfirmingApplication, shutdown_timeout_from_env
from bot.telegram.delivery import Deps, FloodGuard
from bot.telegram.intake import HardenedUpdater, TolerantBot, limits_from_env
from bot.telegram.ratelimit import AnswerRateLimiter
from bot.telegram.state_db import StateUnavailable
from bot.telegram.store import Store, default_data_dir
from bot.telegram.transport import JSONRequest
from bot.telegram.turns import FairUpdateProcessor
from bot.understand.ordinary import ordinary_words

log = logging.getLogger("bot.telegram")

TOKEN_PATTERN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{10,200}$")
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY, Update.MY_CHAT_MEMBER]
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT, signal.SIGHUP)
DEFAULT_QUESTIONS_PER_MINUTE = 20
MAX_RETRIES = 3


class SetupError(Exception):
    """A configuration problem explained in one line; `serve` prints it and exits with code 2."""


def token_from_env(environ=os.environ) -> str:
    token = (environ.get("TELEGRAM_BOT_TOKEN") or "").strip()
    if not token:
        raise SetupError("TELEGRAM_BOT_TOKEN is not set: put the token @BotFather gave you in the environment "
                         "(export TELEGRAM_BOT_TOKEN=123456789:AA...)")
    if not TOKEN_PATTERN.match(token):
        raise SetupError("TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then letters, "
                         "digits, '-' and '_'); check for quotes or spaces")
    return token


def questions_per_minute(environ=os.environ) -> int:
    raw = (environ.get("EVIDENCE_BOT_QUESTIONS_PER_MINUTE") or "").strip()
    if not raw:
        return DEFAULT_QUESTIONS_PER_MINUTE
    if not raw.isdigit() or int(raw) < 1:
        raise SetupError("EVIDENCE_BOT_QUESTIONS_PER_MINUTE must be a whole number of at least 1")
    return int(raw)


def register(application: Application) -> None:
    """All handlers. Only new messages count: edits, channel posts and service messages are left alone."""
    new = filters.UpdateType.MESSAGE
    by_name = {
        "start": commands.start, "help": commands.help_command, "topics": commands.topics_command,
        "trials": commands.trials_command, "sources": commands.sources_command,
        "about": commands.about_command, "settings": commands.settings_command, "ask": commands.ask_command,
        "reset": commands.reset_command,
    }
    for name, callback in by_name.items():
        # /ask counts against the per-user limit as a question; every other command counts here
        limited = callback if name == "ask" else commands.flood_limited(callback)
        application.add_handler(CommandHandler(name, limited, filters=new))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, membership.migrated))
    application.add_handler(ChatMemberHandler(membership.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(
        new & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, groups.private_text))
    application.add_handler(MessageHandler(
        new & filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, groups.group_text))
    # a photo, document or video forwarded with the question in its caption: the caption is read, never the file
    application.add_handler(MessageHandler(new & filters.ChatType.PRIVATE & filters.CAPTION, groups.private_caption))
    application.add_handler(MessageHandler(new & filters.ChatType.GROUPS & filters.CAPTION, groups.group_caption))
    application.add_handler(MessageHandler(new & filters.ChatType.PRIVATE & filters.COMMAND,
                                           commands.flood_limited(commands.unknown_command)))
    application.add_handler(CallbackQueryHandler(buttons.button))
    application.add_handler(InlineQueryHandler(inline.inline_query))
    application.add_error_handler(errors.on_error)


async def post_init(application: Application) -> None:
    """Register the command list with Telegram and warm the parser before the first question."""
    deps: Deps = application.bot_data["deps"]
    await application.bot.set_my_commands(commands.bot_commands())
    deps.service.understand("does dupilumab reduce skin infections")
    deps.service.warm()  # every drug's outcomes and every outcome's network, before the first question
    ordinary_words()  # the word list read (or built by a child process) now, not at the first unknown word
    deps.store.key()
    freeze_loaded()  # what is loaded now is never garbage: full collections stop tracing it (issue 23)
    kb = deps.service.kb
    # no count of the chats here: at a million chats counting alone took longer than opening the database
    log.info("ready: knowledge base %s (%s)", kb.version, kb.short_hash)


async def post_shutdown(application: Application) -> None:
    """Write anything still pending and close the state database."""
    application.bot_data["deps"].store.close()


def build_application(token: str, service: EvidenceService, store: Store, *, base_url: str | None = None,
                      base_file_url: str | None = None, rate_limiter: bool = True,
                      max_retries: int = MAX_RETRIES, questions_per_minute: int = DEFAULT_QUESTIONS_PER_MINUTE,
                      max_concurrent_updates: int = 16) -> Application:
    # the bot and updater ApplicationBuilder would make (same connection pools), with tolerant decoding and
    # the hardened webhook server (intake.py)
    urls = {"base_url": base_url} if base_url else {}
    if base_file_url:
        urls["base_file_url"] = base_file_url
    # every update goes into the store's durable inbox before it is confirmed to Telegram (intake.py), and is
    # answered from there, each chat in turn (turns.py). getUpdates runs one at a time, but gets two connections:
    # stopping cancels the poll under way, and httpcore (1.0.9) can then keep the slot of a cancelled request
    # taken, so with one connection the confirming getUpdates at shutdown failed with "Pool timeout" (about 1
    # stop in 10 under load).
    processor = FairUpdateProcessor(max_concurrent_updates)
    bot = TolerantBot(token, inbox=store.inbox, turns=processor, request=JSONRequest(connection_pool_size=256),
                      get_updates_request=JSONRequest(connection_pool_size=2),
                      rate_limiter=AnswerRateLimiter(max_retries=max_retries) if rate_limiter else None, **urls)
    updater = HardenedUpdater(bot=bot, update_queue=asyncio.Queue())
    updater.max_connections, updater.timeout = limits_from_env()
    builder = ApplicationBuilder().application_class(ConfirmingApplication).updater(updater)
    builder = builder.post_init(post_init).post_shutdown(post_shutdown)
    builder = builder.concurrent_updates(processor)
    application = builder.build()
    application.bot_data["deps"] = Deps(service, store, flood=FloodGuard(questions_per_minute))
    application.inbox = store.inbox
    processor.application, processor.inbox = application, store.inbox
    register(application)
    return application


def webhook_target(url: str) -> tuple[str, str]:
    """The public webhook URL and the local path it maps to (a URL without a path gets /telegram)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise SetupError("--webhook-url must be a full URL such as https://bot.example.org/telegram")
    path = parts.path.strip("/")
    if not path:
        path = "telegram"
        url = urlunsplit((parts.scheme, parts.netloc, "/telegram", "", ""))
    return url, path


def webhook_secret(environ=os.environ) -> str:
    secret = (environ.get("TELEGRAM_WEBHOOK_SECRET") or "").strip()
    if not secret:
        return secrets.token_urlsafe(32)
    if not SECRET_PATTERN.match(secret):
        raise SetupError("TELEGRAM_WEBHOOK_SECRET may hold only letters, digits, '-' and '_' (1 to 256)")
    return secret


def run_serve(args: argparse.Namespace) -> int:
    """`evidence-bot serve`: 0 after a clean stop, 2 for a configuration problem, 1 when Telegram fails."""
    configure()
    try:
        token = token_from_env()
        add_secret(token)
        limit = questions_per_minute()
        try:
            drain_timeout = shutdown_timeout_from_env()
        except ValueError:
            raise SetupError("EVIDENCE_BOT_SHUTDOWN_TIMEOUT must be a number of seconds from 0 to 3600") from None
        webhook = None
        if getattr(args, "webhook_url", None):
            url, path = webhook_target(args.webhook_url)
            secret = webhook_secret()
            add_secret(secret)
            webhook = (url, path, secret)
        data_dir = Path(default_data_dir(token))
        try:
            store = Store(data_dir, full_check=bool(getattr(args, "check_state", False)))
            store.key()
        except StateUnavailable as exc:
            raise SetupError(str(exc)) from None
        except OSError as exc:
            raise SetupError(f"cannot use the data directory {data_dir} ({type(exc).__name__}); "
                             "set EVIDENCE_BOT_DATA_DIR to a writable directory") from None
    except SetupError as exc:
        print(f"evidence-bot: {exc}", file=sys.stderr)
        return 2
    service = EvidenceService.from_directory(getattr(args, "kb", None))
    # EVIDENCE_BOT_NO_RATE_LIMIT=1 is for benchmarks against a local stand-in only (it shows the bot's own
    # limit): without AIORateLimiter, Telegram's flood limits are not respected and 429s are not waited out.
    rate_limiter = os.environ.get("EVIDENCE_BOT_NO_RATE_LIMIT", "").strip() != "1"
    if not rate_limiter:
        log.warning("rate limiter off (EVIDENCE_BOT_NO_RATE_LIMIT=1): for benchmarks only")
    application = build_application(
        token, service, store, base_url=os.environ.get("TELEGRAM_BASE_URL") or None,
        base_file_url=os.environ.get("TELEGRAM_BASE_FILE_URL") or None, rate_limiter=rate_limiter,
        questions_per_minute=limit)
    application.drain_timeout = drain_timeout
    # the stop signals get our handler, not python-telegram-bot's (stop_signals=None below): the first stops
    # gracefully as the library's does; a second cuts the drain short, where the library's aborted the stop
    # half-way, after the fetched updates had been confirmed and before they were answered (intake.py)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # run_polling / run_webhook run on it, and close it
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, application.on_stop_signal)
    log.info("starting: %s, data in %s", "webhook" if webhook else "long polling", data_dir)
    try:
        if webhook:
            url, path, secret = webhook
            application.run_webhook(listen=args.listen, port=args.port, url_path=path, webhook_url=url,
                                    secret_token=secret, allowed_updates=ALLOWED_UPDATES, stop_signals=None)
        else:
            application.run_polling(allowed_updates=ALLOWED_UPDATES, stop_signals=None)
    except InvalidToken:
        print("evidence-bot: Telegram rejected TELEGRAM_BOT_TOKEN (InvalidToken): check it with @BotFather",
              file=sys.stderr)
        return 2
    except (NetworkError, TelegramError, OSError) as exc:
        print(f"evidence-bot: could not reach Telegram ({type(exc).__name__}); check the network, "
              "TELEGRAM_BASE_URL or the webhook address", file=sys.stderr)
        return 1
    log.info("stopped")
    return 0
