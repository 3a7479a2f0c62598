"""Sending replies to Telegram: who is addressed (Target), bounded retries on network failures, HTML
messages with their keyboard, the typing indicator, flood control, and the dependencies every handler shares.

Nothing here logs or stores what anyone wrote: the log gets the parsed reading and timings, the store ids and
options (see store.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.answers.render import chat_sections, html_messages, is_effect
from bot.answers.reply import Button, Reply
from bot.answers.wording import EXAMPLES, footer
from bot.service import EvidenceService
from bot.telegram import callbacks
from bot.telegram.callbacks import Entry, Recent
from bot.telegram.store import Store
from bot.understand.frame import is_frame
from bot.understand.reading import Parse

log = logging.getLogger("bot.telegram")


NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
NO_PREVIEW_JSON = NO_PREVIEW.to_dict()


SEND_RETRIES = 2  # extra attempts at sending a reply after a network failure (5xx, timeout, reset)


SEND_BACKOFF = 0.5  # seconds before the first extra attempt; doubled for the next


# How the update being answered fared against its sender's limit on arrival (turns.py): COUNTED (counted then,
# not again), REFUSED (over the limit: the handler refuses it), or None (not checked on arrival: count now).
ADMISSION: ContextVar[str | None] = ContextVar("evidence_bot_admission", default=None)
COUNTED, REFUSED = "counted", "refused"


class FloodGuard:
    """At most ``limit`` questions per user in any ``window`` seconds; one polite note per window.

    Updates are counted when they arrive (``admit``, called by turns.py); a handler's ``allow`` then reports
    that verdict, and counts only updates that were not checked on arrival (e.g. fed straight to the handlers).
    """

    def __init__(self, limit: int = 20, window: float = 60.0, clock=time.monotonic):
        self.limit = max(1, limit)
        self.window = window
        self.clock = clock
        self._times: dict[int, deque[float]] = defaultdict(deque)
        self._warned: dict[int, float] = {}

    def allow(self, user_id: int | None) -> bool:
        admission = ADMISSION.get()
        if admission == COUNTED:
            return True
        if admission == REFUSED:
            return False
        return self.admit(user_id)

    def admit(self, user_id: int | None) -> bool:
        """Count one question of ``user_id`` now; False when that is over the limit (not counted then)."""
        if user_id is None:
            return True
        now = self.clock()
        times = self._times[user_id]
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        if len(self._times) > 50_000:  # forget idle users
            for uid in [u for u, t in self._times.items() if not t or now - t[-1] >= self.window]:
                self._times.pop(uid, None)
                self._warned.pop(uid, None)
        return True

    def should_warn(self, user_id: int | None) -> bool:
        """True the first time a user is refused in a window, so the note itself cannot flood the chat."""
        if user_id is None:
            return False
        now = self.clock()
        last = self._warned.get(user_id)
        if last is not None and now - last < self.window:
            return False
        self._warned[user_id] = now
        return True


@dataclass
class Deps:
    service: EvidenceService
    store: Store
    recent: Recent = field(default_factory=Recent)
    flood: FloodGuard = field(default_factory=FloodGuard)
    indicating: set[asyncio.Task] = field(default_factory=set)  # chat actions under way (see TYPING_DELAY)

    @property
    def key(self) -> bytes:
        return self.store.key()


def deps_of(context: ContextTypes.DEFAULT_TYPE) -> Deps:
    return context.application.bot_data["deps"]


@dataclass(frozen=True)
class Target:
    """Where a reply goes: the chat, its forum topic, and the message it answers (in groups)."""

    chat_id: int
    chat_type: str
    thread_id: int | None = None
    reply_to: int | None = None

    @property
    def private(self) -> bool:
        return self.chat_type == ChatType.PRIVATE

    @classmethod
    def of(cls, message: Message, quote: bool | None = None) -> Target:
        chat = message.chat
        thread = message.message_thread_id if getattr(message, "is_topic_message", False) else None
        quote = chat.type != ChatType.PRIVATE if quote is None else quote
        return cls(chat.id, chat.type, thread, message.message_id if quote else None)


TYPING_DELAY = 0.4
"""Seconds an answer may take before its chat is shown 'typing…' (or 'sending a photo…').

Users never see an indicator for an answer that arrives a moment later: a text answer is read and written on the
event loop in about 1 ms from a warmed memo (the slowest of the question set, a reading new to the memo, about
0.3 s); sent anyway, the indicator was a second Bot API request per answer, about a tenth of the serving CPU
(issue 23, benchmarks/README.md "Serving"). So it is armed when an answer starts and sent only if the answer
has not started to go out after this delay: a picture drawn off the event loop, anything else an answer awaits
before its first message. It is called off the moment the first message or photo is sent (``deliver``), so it
never arrives after the answer it announces; a text answer, computed on the loop without a pause, is always
out before it is due.
"""

_INDICATOR: ContextVar[asyncio.TimerHandle | None] = ContextVar("evidence_bot_indicator", default=None)


async def typing(context: ContextTypes.DEFAULT_TYPE, target: Target, action: str = ChatAction.TYPING) -> None:
    """Arm the chat action for the answer under way: sent after TYPING_DELAY unless the answer goes out first
    (``deliver``) or its update is done (``stop_indicator``). Returns at once."""
    stop_indicator()
    loop = asyncio.get_running_loop()
    under_way = deps_of(context).indicating
    _INDICATOR.set(loop.call_later(TYPING_DELAY, _indicate, context.bot, target, action, under_way))


def stop_indicator() -> None:
    """Call off the armed chat action of the answer under way, if any (it is not needed any more)."""
    handle = _INDICATOR.get()
    if handle is not None:
        handle.cancel()
        _INDICATOR.set(None)


def _indicate(bot, target: Target, action: str, under_way: set[asyncio.Task]) -> None:
    task = asyncio.ensure_future(_send_action(bot, target, action))
    under_way.add(task)  # referenced until done, so it is not collected mid-flight
    task.add_done_callback(under_way.discard)


async def _send_action(bot, target: Target, action: str) -> None:
    try:
        await bot.send_chat_action(target.chat_id, action, message_thread_id=target.thread_id)
    except TelegramError as exc:  # a missing indicator is no reason to skip the answer
        log.debug("chat action failed: %s", type(exc).__name__)


async def deliver(send, what: str = "send"):
    """Await ``send()`` (a Bot API call), retrying network failures a bounded number of times.

    A 5xx, a timeout or a dropped connection is usually over within a second, and the answer is worth more
    than the rare duplicate a retry can cause (a timed-out request may have been delivered: at-least-once).
    Refusals are not retried: BadRequest (400) and Forbidden (403, e.g. the user blocked the bot) cannot
    succeed, and 429 "retry after" is the rate limiter's to wait out.
    """
    stop_indicator()  # the answer is going out: an indicator now would only follow it
    for attempt in range(SEND_RETRIES + 1):
        try:
            return await send()
        except BadRequest:
            raise
        except NetworkError as exc:
            if attempt >= SEND_RETRIES:
                raise
            log.warning("%s failed: %s; retry %d of %d", what, type(exc).__name__, attempt + 1, SEND_RETRIES)
            await asyncio.sleep(SEND_BACKOFF * 2 ** attempt)
    raise AssertionError("unreachable")  # pragma: no cover


async def send_html(context: ContextTypes.DEFAULT_TYPE, target: Target, messages: list[str],
                    markup: InlineKeyboardMarkup | dict | None = None) -> None:
    """Send each HTML message in order; the keyboard goes under the last one, the quote on the first."""
    bot = context.bot
    unread = getattr(bot, "send_unread", None)  # TolerantBot (intake.py): the answer is not decoded back
    for index, text in enumerate(messages):
        last = index == len(messages) - 1
        quote = target.reply_to if index == 0 else None
        if unread is not None:  # the request as the Bot API takes it, without building library objects first
            params: dict = {"parse_mode": "HTML", "link_preview_options": NO_PREVIEW_JSON}
            if last and markup is not None:
                params["reply_markup"] = markup
            if target.thread_id is not None:
                params["message_thread_id"] = target.thread_id
            if quote is not None:
                params["reply_parameters"] = {"message_id": quote, "allow_sending_without_reply": True}

            def send(text=text, params=params):
                return unread(target.chat_id, text, **params)
        else:
            def send(text=text, last=last, quote=quote):
                return bot.send_message(
                    target.chat_id, text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
                    reply_markup=markup if last else None, message_thread_id=target.thread_id,
                    reply_parameters=None if quote is None else ReplyParameters(
                        quote, allow_sending_without_reply=True))

        await deliver(send, "sendMessage")


async def send_note(context: ContextTypes.DEFAULT_TYPE, target: Target, text: str,
                    markup: InlineKeyboardMarkup | dict | None = None) -> None:
    """A short message of our own wording (already HTML-safe)."""
    await send_html(context, target, [text], markup)


def keyboard(deps: Deps, chat_id: int, buttons: tuple[Button, ...], token: str,
             taps: tuple[Parse | None, ...] = ()) -> dict | None:
    """Reply buttons laid out for a phone: pictures, details, switches, then one canned question a row.

    Returned as the Bot API's reply_markup (``{"inline_keyboard": rows of {"text", "callback_data"}}``), ready to
    send: python-telegram-bot's InlineKeyboardMarkup of the same buttons, made and turned back into this, cost
    about 0.2 ms per answer (issue 23)."""
    rows: dict[str, list[dict]] = {"view": [], "detail": [], "switch": []}
    asks: list[list[dict]] = []
    ask_index = 0
    for button in buttons:
        try:
            if button.action.startswith("ask:"):
                data = callbacks.encode(deps.key, chat_id, button.action, token, ask_index,
                                        carries_frame=ask_index < len(taps) and taps[ask_index] is not None)
                ask_index += 1
                asks.append([{"text": button.label[:64], "callback_data": data}])
                continue
            data = callbacks.encode(deps.key, chat_id, button.action, token)
        except ValueError:
            log.warning("button skipped: unknown action %s", button.action.split(":", 1)[0])
            continue
        kind = ("view" if button.action in ("plot", "icons", "sof") else
                "switch" if button.action.startswith(("measure:", "model:")) else
                "more" if button.action in ("topics", "help") else "detail")
        rows.setdefault(kind, []).append({"text": button.label[:64], "callback_data": data})
    layout = [r[i:i + 3] for r in (rows["view"], rows["detail"], rows["switch"]) for i in range(0, len(r), 3)]
    layout += asks
    if rows.get("more"):
        layout.append(rows["more"])
    return {"inline_keyboard": layout} if layout else None


async def send_reply(context: ContextTypes.DEFAULT_TYPE, target: Target, reply: Reply,
                     parsed: Parse | None = None, taps: tuple[Parse | None, ...] = ()) -> str:
    """Send a Reply: effect answers show the headline (details behind buttons), others show everything.
    ``taps``: the frame each ask: button carries, by index (see questions.tap_frames)."""
    deps = deps_of(context)
    token = callbacks.NO_TOKEN
    needs_token = any(not b.action.startswith("ask:") or b.action[4:] not in EXAMPLES for b in reply.buttons)
    if parsed is not None and needs_token:
        questions = tuple(b.action[4:] for b in reply.buttons if b.action.startswith("ask:"))
        token = deps.recent.add(Entry(target.chat_id, parsed, questions, taps))
        if is_effect(parsed) or is_frame(parsed):
            deps.store.remember(target.chat_id, token, parsed, save=False, taps=taps)
    deps.store.flush()  # one write for the context and the recent answer, before anything is sent
    messages = html_messages(reply, chat_sections(reply, parsed)) or ["…"]
    await send_html(context, target, messages, keyboard(deps, target.chat_id, reply.buttons, token, taps))
    return token


def with_footer(reply: Reply, kb) -> Reply:
    return replace(reply, footer=reply.footer or footer(kb.version, kb.short_hash))


async def flood_ok(context: ContextTypes.DEFAULT_TYPE, user_id: int | None, target: Target | None) -> bool:
    deps = deps_of(context)
    if deps.flood.allow(user_id):
        return True
    log.info("flood: question refused")
    if target is not None and deps.flood.should_warn(user_id):
        await send_note(context, target, "You are asking faster than I can answer well. "
                                         "Please wait a minute and ask again.")
    return False
