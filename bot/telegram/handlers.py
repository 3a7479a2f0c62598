"""Telegram handlers: thin glue between updates and EvidenceService.

Everything an answer says comes from the service and the renderers; this module decides only who is
addressed, which chat settings and follow-up context apply, how the reply is cut into messages, photos and
buttons, and what to say when a button or an argument is not usable. It never logs or stores what anyone
wrote: the log gets the parsed reading (status, intent, outcome ids, options) and timings, the store gets ids
and options (see store.py).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import json
import logging
import re
import time
import traceback
from collections import defaultdict, deque
from dataclasses import dataclass, field, fields, replace

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.answers.compose import with_options
from bot.answers.render import caption_html, html_messages, line_text
from bot.answers.reply import Button, Line, Reply, bold, italic, line
from bot.answers.wording import (
    DISCLAIMER,
    EXAMPLES,
    MEASURE_NAMES,
    METHOD_NAMES,
    footer,
    help_reply,
    sources_reply,
    topics_reply,
    trials_reply,
)
from bot.service import EvidenceService, Settings
from bot.telegram import callbacks
from bot.telegram.callbacks import Action, CallbackError, Entry, Recent
from bot.telegram.store import MEASURES, MODELS, PERS, Store
from bot.understand.parse import Options, Parse

log = logging.getLogger("bot.telegram")

COMMANDS = (
    ("ask", "Ask a question (in groups: /ask does dupilumab cause conjunctivitis?)"),
    ("topics", "What evidence I cover"),
    ("trials", "The trials I hold, optionally for one outcome"),
    ("sources", "Every source, with links"),
    ("settings", "Chat defaults: measure, model, per 100 or 1000"),
    ("about", "Data version, methods and disclaimer"),
    ("help", "How to ask"),
    ("start", "Start"),
)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
MAX_PICTURES = 3  # outcomes drawn per button press
MAX_INLINE_RESULTS = 5
SEND_RETRIES = 2  # extra attempts at sending a reply after a network failure (5xx, timeout, reset)
SEND_BACKOFF = 0.5  # seconds before the first extra attempt; doubled for the next


# --- dependencies shared by the handlers -----------------------------------------------------------------------

class FloodGuard:
    """At most ``limit`` questions per user in any ``window`` seconds; one polite note per window."""

    def __init__(self, limit: int = 20, window: float = 60.0, clock=time.monotonic):
        self.limit = max(1, limit)
        self.window = window
        self.clock = clock
        self._times: dict[int, deque[float]] = defaultdict(deque)
        self._warned: dict[int, float] = {}

    def allow(self, user_id: int | None) -> bool:
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


# --- sending ----------------------------------------------------------------------------------------------------

async def typing(context: ContextTypes.DEFAULT_TYPE, target: Target, action: str = ChatAction.TYPING) -> None:
    try:
        await context.bot.send_chat_action(target.chat_id, action, message_thread_id=target.thread_id)
    except TelegramError as exc:  # a missing indicator is no reason to skip the answer
        log.debug("chat action failed: %s", type(exc).__name__)


async def deliver(send, what: str = "send"):
    """Await ``send()`` (a Bot API call), retrying network failures a bounded number of times.

    A 5xx, a timeout or a dropped connection is usually over within a second, and the answer is worth more
    than the rare duplicate a retry can cause (a timed-out request may have been delivered: at-least-once).
    Refusals are not retried: BadRequest (400) and Forbidden (403, e.g. the user blocked the bot) cannot
    succeed, and 429 "retry after" is the rate limiter's to wait out.
    """
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
                    markup: InlineKeyboardMarkup | None = None) -> list[Message]:
    """Send each HTML message in order; the keyboard goes under the last one, the quote on the first."""
    sent = []
    for index, text in enumerate(messages):
        last = index == len(messages) - 1
        reply_parameters = None
        if index == 0 and target.reply_to is not None:
            reply_parameters = ReplyParameters(target.reply_to, allow_sending_without_reply=True)

        def send(text=text, last=last, reply_parameters=reply_parameters):
            return context.bot.send_message(
                target.chat_id, text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
                reply_markup=markup if last else None, message_thread_id=target.thread_id,
                reply_parameters=reply_parameters)

        sent.append(await deliver(send, "sendMessage"))
    return sent


async def send_note(context: ContextTypes.DEFAULT_TYPE, target: Target, text: str,
                    markup: InlineKeyboardMarkup | None = None) -> None:
    """A short message of our own wording (already HTML-safe)."""
    await send_html(context, target, [text], markup)


def keyboard(deps: Deps, chat_id: int, buttons: tuple[Button, ...], token: str) -> InlineKeyboardMarkup | None:
    """Reply buttons laid out for a phone: pictures, details, switches, then one canned question a row."""
    rows: dict[str, list[InlineKeyboardButton]] = {"view": [], "detail": [], "switch": []}
    asks: list[list[InlineKeyboardButton]] = []
    ask_index = 0
    for button in buttons:
        try:
            if button.action.startswith("ask:"):
                data = callbacks.encode(deps.key, chat_id, button.action, token, ask_index)
                ask_index += 1
                asks.append([InlineKeyboardButton(button.label[:64], callback_data=data)])
                continue
            data = callbacks.encode(deps.key, chat_id, button.action, token)
        except ValueError:
            log.warning("button skipped: unknown action %s", button.action.split(":", 1)[0])
            continue
        kind = ("view" if button.action in ("plot", "icons") else
                "switch" if button.action.startswith(("measure:", "model:")) else
                "more" if button.action in ("topics", "help") else "detail")
        rows.setdefault(kind, []).append(InlineKeyboardButton(button.label[:64], callback_data=data))
    layout = [r[i:i + 3] for r in (rows["view"], rows["detail"], rows["switch"]) for i in range(0, len(r), 3)]
    layout += asks
    if rows.get("more"):
        layout.append(rows["more"])
    return InlineKeyboardMarkup(layout) if layout else None


def is_effect(parsed: Parse) -> bool:
    return parsed.status == "answer" and parsed.intent == "effect" and bool(parsed.outcomes)


async def send_reply(context: ContextTypes.DEFAULT_TYPE, target: Target, reply: Reply,
                     parsed: Parse | None = None) -> str:
    """Send a Reply: effect answers show the headline (details behind buttons), others show everything."""
    deps = deps_of(context)
    token = callbacks.NO_TOKEN
    needs_token = any(not b.action.startswith("ask:") or b.action[4:] not in EXAMPLES for b in reply.buttons)
    if parsed is not None and needs_token:
        questions = tuple(b.action[4:] for b in reply.buttons if b.action.startswith("ask:"))
        token = deps.recent.add(Entry(target.chat_id, parsed, questions))
        if is_effect(parsed):
            deps.store.remember(target.chat_id, token, parsed, save=False)
    deps.store.flush()  # one write for the context and the recent answer, before anything is sent
    sections = () if parsed is not None and is_effect(parsed) else tuple(s.key for s in reply.sections)
    messages = html_messages(reply, sections) or ["…"]
    await send_html(context, target, messages, keyboard(deps, target.chat_id, reply.buttons, token))
    return token


def with_footer(reply: Reply, kb) -> Reply:
    return replace(reply, footer=reply.footer or footer(kb.version, kb.short_hash))


# --- the question path -----------------------------------------------------------------------------------------

def changed_options(options: Options) -> dict:
    """The options a question set (for logs and follow-ups): fields that differ from the defaults."""
    default = Options()
    return {f.name: getattr(options, f.name) for f in fields(Options)
            if getattr(options, f.name) != getattr(default, f.name)}


def follow_up(new: Parse, last: Parse | None) -> Parse:
    """Lean on the chat's last effect question when a message brings options or outcomes but no drug.

    New outcomes replace the old ones; options the new message sets override the old ones; the rest is kept.
    """
    if last is None or last.intent != "effect" or not last.outcomes:
        return new
    if new.intervention is not None and not new.assumed_drug:
        return new  # names the drug: a question of its own
    asks_drug = new.status == "clarify" and new.clarification is not None and new.clarification.reason == "need_drug"
    if not asks_drug and (new.status not in ("answer", "not_understood") or new.intent not in (None, "effect")):
        return new
    if new.uncovered or new.negated or new.condition:
        return new
    changes = changed_options(new.options)
    if not new.outcomes and not changes:
        return new
    if "method" in changes and "hksj" not in changes:
        changes["hksj"] = False
    options = replace(last.options, **changes)
    if "measure" in changes and "method" not in changes and last.options.method == "PETO" \
            and changes["measure"] != "OR":
        options = replace(options, method=None)
    return replace(last, status="answer", intent="effect", outcomes=new.outcomes or last.outcomes,
                   population=new.population or last.population, options=options, clarification=None,
                   corrections=new.corrections, uncovered=(), negated=())


def log_answer(kind: str, parsed: Parse, parse_ms: float, total_ms: float, **extra) -> None:
    details = " ".join(f"{k}={v}" for k, v in extra.items())
    log.info("%s status=%s intent=%s outcomes=%s options=%s parse_ms=%.1f total_ms=%.1f%s",
             kind, parsed.status, parsed.intent, ",".join(parsed.outcomes) or "-",
             json.dumps(changed_options(parsed.options), sort_keys=True), parse_ms, total_ms,
             f" {details}" if details else "")


async def flood_ok(context: ContextTypes.DEFAULT_TYPE, user_id: int | None, target: Target | None) -> bool:
    deps = deps_of(context)
    if deps.flood.allow(user_id):
        return True
    log.info("flood: question refused")
    if target is not None and deps.flood.should_warn(user_id):
        await send_note(context, target, "You are asking faster than I can answer well. "
                                         "Please wait a minute and ask again.")
    return False


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str,
                          target: Target, merge: bool = True) -> None:
    """A question in, an answer out: follow-up context and chat settings applied, reading logged."""
    deps = deps_of(context)
    user = update.effective_user
    if not await flood_ok(context, user.id if user else None, target):
        return
    await typing(context, target)
    start = time.perf_counter()
    parsed = deps.service.understand(question)
    parse_ms = (time.perf_counter() - start) * 1000
    last = deps.store.context(target.chat_id) if merge else None
    merged = follow_up(parsed, last)
    await answer_parsed(context, target, merged, start, parse_ms, followup=merged is not parsed)


async def answer_parsed(context: ContextTypes.DEFAULT_TYPE, target: Target, parsed: Parse,
                        start: float | None = None, parse_ms: float = 0.0, kind: str = "answer",
                        **extra) -> None:
    deps = deps_of(context)
    start = time.perf_counter() if start is None else start
    settings = deps.store.settings(target.chat_id)
    _, reply = deps.service.answer_parse(parsed, settings, sensitivity=False)
    total_ms = (time.perf_counter() - start) * 1000
    log_answer(kind, parsed, parse_ms, total_ms, chat=target.chat_type, **extra)
    if is_effect(parsed):
        deps.store.set_context(target.chat_id, parsed, save=False)  # send_reply saves it
    await send_reply(context, target, reply, parsed)


# --- commands ---------------------------------------------------------------------------------------------------

def command_text(message: Message) -> str:
    """What follows the command word (``/ask@bot does …`` → ``does …``), as sent."""
    text = message.text or ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    deps = deps_of(context)
    target = Target.of(message)
    payload = context.args[0] if context.args else ""
    if payload.startswith("a") and len(payload) > 1:
        parsed = deps.store.recall_inline(payload[1:])
        if parsed is None:
            await send_note(context, target, "That link has expired. Ask me the question again, for example: "
                                             f"<i>{html.escape(EXAMPLES[0])}</i>")
            return
        user = update.effective_user
        if not await flood_ok(context, user.id if user else None, target):
            return
        await typing(context, target)
        await answer_parsed(context, target, parsed, kind="deeplink")
        return
    log.info("command start")
    await send_reply(context, target, with_footer(help_reply(deps.service.kb), deps.service.kb))


def commands_lines() -> tuple[Line, ...]:
    return (line(bold("Commands")), *(line(f"/{name} — {text}") for name, text in COMMANDS if name != "start"),
            line("In a group, use /ask, mention me, or reply to one of my messages; I stay quiet otherwise."),
            line("In any chat, type my @username and a question to share a summary card."))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = deps_of(context)
    log.info("command help")
    reply = help_reply(deps.service.kb)
    reply = replace(reply, headline=(*reply.headline, line(""), *commands_lines()))
    await send_reply(context, Target.of(update.effective_message), with_footer(reply, deps.service.kb))


async def topics_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = deps_of(context)
    log.info("command topics")
    reply = with_footer(topics_reply(deps.service.kb), deps.service.kb)
    await send_reply(context, Target.of(update.effective_message), reply)


async def sources_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = deps_of(context)
    log.info("command sources")
    reply = with_footer(sources_reply(deps.service.kb), deps.service.kb)
    await send_reply(context, Target.of(update.effective_message), reply)


async def trials_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = deps_of(context)
    kb = deps.service.kb
    message = update.effective_message
    target = Target.of(message)
    wanted = command_text(message)
    outcomes: tuple[str, ...] = ()
    note = None
    if wanted:
        outcomes = deps.service.understand(wanted).outcomes
        if not outcomes:
            note = line(italic("I did not recognise an outcome there, so here are all the trials. Outcomes: "
                               + ", ".join(o.plural for o in kb.outcomes.values()) + "."))
    log.info("command trials outcomes=%s", ",".join(outcomes) or "-")
    reply = trials_reply(kb, outcomes)
    if note:
        reply = replace(reply, headline=(note, *reply.headline))
    await send_reply(context, target, with_footer(reply, kb))


def about_reply(kb, settings: Settings) -> Reply:
    outcome_lines = [
        line(f"• {o.plural}: {MEASURE_NAMES[o.default_measure]}, "
             f"{METHOD_NAMES.get(o.default_method, o.default_method)}; absolute effects per {o.per:,}")
        for o in kb.outcomes.values()
    ]
    return Reply((
        line(bold("About this bot")),
        line(kb.title + "." if kb.title and not kb.title.endswith(".") else kb.title),
        line(f"Data version {kb.version}, content hash ", bold(kb.short_hash), "."),
        line(f"{len(kb.trials)} trials, {len(kb.syntheses)} published pooled estimates, "
             f"{len(kb.outcomes)} outcomes."),
        line(""),
        line(bold("Methods")),
        line("Answers come from rules and curated numbers: no language model. When a published meta-analysis "
             "covers more trials than we hold counts for, it leads, and our own pooling is shown beside it."),
        line("Default measure and model per outcome:"),
        *outcome_lines,
        line("Absolute numbers apply the relative effect to the median placebo-group risk of the trials "
             "pooled (or a baseline risk you give)."),
        line("This chat: " + settings_words(settings) + " (change with /settings)."),
        line(""),
        line(bold("Privacy")),
        line("I keep this chat's settings and the outcomes and options of its last question (not its text), "
             "so follow-ups work. Nothing anyone writes is logged or stored."),
        line(""),
        line(italic(DISCLAIMER)),
    ))


async def about_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = deps_of(context)
    message = update.effective_message
    log.info("command about")
    reply = about_reply(deps.service.kb, deps.store.settings(message.chat.id))
    await send_reply(context, Target.of(message), reply)


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    question = command_text(message)
    target = Target.of(message)
    if not question:
        await send_note(context, target, "Put the question after the command, for example:\n"
                                         f"<code>/ask {html.escape(EXAMPLES[2])}</code>")
        return
    await answer_question(update, context, question, target)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_note(context, Target.of(update.effective_message),
                    "I don't know that command. Try /help, or just type your question.")


# --- settings ---------------------------------------------------------------------------------------------------

_SETTING_ALIASES = {"measure": "measure", "m": "measure", "effect": "measure", "scale": "measure",
                    "model": "model", "method": "model", "per": "per", "denominator": "per", "frequency": "per"}
_DEFAULT_WORDS = ("default", "reset", "auto", "none", "off", "-")


def settings_words(settings: Settings) -> str:
    measure = MEASURE_NAMES[settings.measure] if settings.measure else "each outcome's default measure"
    model = {"fixed": "fixed effect", "random": "random effects"}.get(settings.model or "",
                                                                      "each outcome's default model")
    per = f"per {settings.per:,}" if settings.per else "each outcome's default denominator"
    return f"{measure}, {model}, {per}"


def parse_settings(text: str, current: Settings) -> tuple[Settings, list[str]]:
    """New settings from ``measure=OR model=random per=1000`` (or ``reset``), and any problems, in words."""
    problems: list[str] = []
    values = {"measure": current.measure, "model": current.model, "per": current.per}
    text = re.sub(r"(\d),(\d{3})\b", r"\1\2", text)  # per=1,000
    text = re.sub(r"\s*[:=]\s*", "=", text)  # measure: OR, measure = OR
    words = text.replace(",", " ").split()
    if len(words) > 10:
        return current, ["That is more settings than I know: measure, model and per."]
    for word in words:
        shown = html.escape(word[:30] + ("…" if len(word) > 30 else ""))
        lower = word.lower()
        if lower in ("reset", "default", "defaults"):
            values = {"measure": None, "model": None, "per": None}
            continue
        if "=" in lower or ":" in lower:
            key, _, value = lower.replace(":", "=").partition("=")
        elif lower.upper() in MEASURES:
            key, value = "measure", lower
        elif lower in MODELS:
            key, value = "model", lower
        elif lower.lstrip("per").strip() in ("100", "1000"):
            key, value = "per", lower.lstrip("per").strip()
        else:
            problems.append(f"I don't know the setting “{shown}”. Use measure=, model= or per=.")
            continue
        name = _SETTING_ALIASES.get(key.strip())
        value = value.strip()
        if name is None:
            problems.append(f"I don't know the setting “{html.escape(key[:30])}”. "
                            "Use measure=, model= or per=.")
        elif not value:
            problems.append(f"<b>{name}</b> needs a value: " + _choices(name) + ".")
        elif value in _DEFAULT_WORDS:
            values[name] = None
        elif name == "measure" and value.upper() in MEASURES:
            values["measure"] = value.upper()
        elif name == "model" and value in MODELS:
            values["model"] = value
        elif name == "model" and value in ("fixed-effect", "fixed_effect", "common"):
            values["model"] = "fixed"
        elif name == "model" and value in ("random-effects", "random_effects", "re"):
            values["model"] = "random"
        elif name == "per" and value.replace(",", "").replace(" ", "") in ("100", "1000"):
            values["per"] = int(value.replace(",", ""))
        else:
            problems.append(f"<b>{name}</b> can be {_choices(name)}, not “{html.escape(value[:30])}”.")
    if problems:
        return current, problems
    return Settings(**values), []


def _choices(name: str) -> str:
    return {"measure": "RR, OR or RD", "model": "fixed or random", "per": "100 or 1000"}[name] + " (or default)"


def settings_message(settings: Settings, deps: Deps, chat_id: int) -> tuple[str, InlineKeyboardMarkup]:
    def mark(label: str, on: bool) -> str:
        return f"✓ {label}" if on else label

    def button(name: str, value: str, label: str, on: bool) -> InlineKeyboardButton:
        return InlineKeyboardButton(mark(label, on), callback_data=callbacks.encode_setting(
            deps.key, chat_id, name, value))

    rows = [
        [button("m", m, m, settings.measure == m) for m in MEASURES]
        + [button("m", "-", "default", settings.measure is None)],
        [button("f", "fixed", "fixed", settings.model == "fixed"),
         button("f", "random", "random", settings.model == "random"),
         button("f", "-", "default", settings.model is None)],
        [button("p", str(p), f"per {p}", settings.per == p) for p in PERS]
        + [button("p", "-", "default", settings.per is None)],
    ]
    text = "\n".join([
        "<b>Settings for this chat</b>",
        f"Measure: {html.escape(MEASURE_NAMES[settings.measure]) if settings.measure else 'default'}",
        f"Model: {settings.model or 'default'}",
        f"Absolute numbers: {'per ' + format(settings.per, ',') if settings.per else 'default'}",
        "",
        "A question's own words always win (e.g. “as odds ratio”). Change with the buttons, or "
        "<code>/settings measure=OR model=random per=1000</code>; <code>/settings reset</code> "
        "goes back to the defaults.",
    ])
    return text, InlineKeyboardMarkup(rows)


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = deps_of(context)
    message = update.effective_message
    target = Target.of(message)
    current = deps.store.settings(message.chat.id)
    wanted = command_text(message)
    if wanted:
        new, problems = parse_settings(wanted, current)
        if problems:
            log.info("command settings: not changed (%d problems)", len(problems))
            await send_note(context, target, "\n".join(["Settings not changed.", *problems,
                                                        "For example: <code>/settings measure=OR "
                                                        "model=random per=1000</code>"]))
            return
        if new != current:
            deps.store.set_settings(message.chat.id, new)
        current = new
        log.info("command settings: measure=%s model=%s per=%s", new.measure, new.model, new.per)
    text, markup = settings_message(current, deps, message.chat.id)
    await send_note(context, target, ("Saved. " if wanted else "") + text, markup)


# --- plain messages ---------------------------------------------------------------------------------------------

def _from_inline_card(message: Message, bot_id: int) -> bool:
    return message.via_bot is not None and message.via_bot.id == bot_id


async def private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or _from_inline_card(message, context.bot.id):
        return
    await answer_question(update, context, message.text or "", Target.of(message))


def addressed_text(message: Message, bot_id: int, username: str | None) -> str | None:
    """The question in a group message addressed to the bot (mention removed), or None when not addressed."""
    text = message.text or ""
    reply = message.reply_to_message
    addressed = bool(reply and reply.from_user and reply.from_user.id == bot_id)
    cuts: list[tuple[int, int]] = []
    for entity in message.entities or ():
        if entity.type == MessageEntity.MENTION and username:
            mention = message.parse_entity(entity)
            if mention.lower() == f"@{username.lower()}":
                addressed = True
                cuts.append((entity.offset, entity.length))
        elif entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id:
            addressed = True
    if not addressed:
        return None
    if cuts:  # entity offsets count UTF-16 code units
        encoded = text.encode("utf-16-le")
        for offset, length in sorted(cuts, reverse=True):
            encoded = encoded[: offset * 2] + b" " + b"\x00" + encoded[(offset + length) * 2:]
        text = encoded.decode("utf-16-le")
    return " ".join(text.split())


async def group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or _from_inline_card(message, context.bot.id):
        return
    question = addressed_text(message, context.bot.id, context.bot.username)
    if question is None:
        return  # not for us: stay quiet
    target = Target.of(message)
    if not question:
        await send_note(context, target, "Yes? Ask me about the trials I hold, for example: "
                                         f"<i>{html.escape(EXAMPLES[0])}</i>")
        return
    await answer_question(update, context, question, target)


# --- buttons ----------------------------------------------------------------------------------------------------

async def answer_query(query, text: str | None = None) -> None:
    """Answer a callback query; one that is too old to answer (after downtime) must not stop the action."""
    try:
        await query.answer(text)
    except TelegramError as exc:  # too old (BadRequest), or a network fault: the spinner stops by itself
        log.info("callback answer failed: %s", type(exc).__name__)


STALE = "That button has expired. Please ask the question again."
FOREIGN = "Sorry, I can't use that button."


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every callback query is answered exactly once: with a note when it is not usable, else silently."""
    query = update.callback_query
    deps = deps_of(context)
    message = query.message
    if message is None:  # a button on a shared inline card: no chat to answer in
        await answer_query(query, "Open a chat with me for the details.")
        return
    chat_id = message.chat.id
    try:
        action = callbacks.decode(deps.key, chat_id, query.data)
    except CallbackError as exc:
        log.info("callback refused: %s", exc)
        await answer_query(query, FOREIGN)
        return
    entry = None
    if action.needs_answer:
        entry = deps.recent.get(action.token, chat_id)
        if entry is None and action.name != "ask":
            parsed = deps.store.recall(chat_id, action.token)
            entry = Entry(chat_id, parsed) if parsed is not None else None
        if entry is None or (action.name == "ask" and int(action.value) >= len(entry.questions)):
            log.info("callback stale: %s", action.name)
            await answer_query(query, STALE)
            return
    heavy = action.name in ("plot", "icons", "measure", "model", "ask", "example", "section")
    if heavy and not deps.flood.allow(query.from_user.id if query.from_user else None):
        await answer_query(query, "Too many requests: please wait a minute.")
        return
    if action.name == "setting":
        await _setting_pressed(query, deps, chat_id, action)
        return
    await answer_query(query)
    target = Target(chat_id, message.chat.type, getattr(message, "message_thread_id", None)
                    if getattr(message, "is_topic_message", False) else None)
    log.info("callback %s", action.name)
    await run_action(context, target, action, entry)


async def _setting_pressed(query, deps: Deps, chat_id: int, action: Action) -> None:
    name, _, value = action.value.partition("=")
    current = deps.store.settings(chat_id)
    new_value = None if value == "-" else (int(value) if name == "per" else value)
    new = replace(current, **{name: new_value})
    if new != current:
        deps.store.set_settings(chat_id, new)
    await answer_query(query, f"Saved: {name} {'default' if new_value is None else new_value}")
    text, markup = settings_message(new, deps, chat_id)
    if new != current:
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                          link_preview_options=NO_PREVIEW)
        except TelegramError as exc:  # e.g. "message is not modified" after a double tap
            log.debug("settings edit failed: %s", type(exc).__name__)


async def run_action(context: ContextTypes.DEFAULT_TYPE, target: Target, action: Action,
                     entry: Entry | None) -> None:
    deps = deps_of(context)
    kb = deps.service.kb
    if action.name == "topics":
        await send_reply(context, target, with_footer(topics_reply(kb), kb))
    elif action.name == "help":
        await send_reply(context, target, with_footer(help_reply(kb), kb))
    elif action.name == "example":
        await _answer_canned(context, target, EXAMPLES[int(action.value)])
    elif action.name == "ask":
        await _answer_canned(context, target, entry.questions[int(action.value)])
    elif action.name == "measure":
        await typing(context, target)
        await answer_parsed(context, target, with_options(entry.parse, measure=action.value), kind="switch")
    elif action.name == "model":
        method = "DL" if action.value == "random" else "MH"
        await typing(context, target)
        await answer_parsed(context, target, with_options(entry.parse, method=method, hksj=False), kind="switch")
    elif action.name in ("plot", "icons"):
        await send_pictures(context, target, entry.parse, action.name)
    elif action.name == "section":
        await send_section(context, target, entry.parse, action.value)


async def _answer_canned(context: ContextTypes.DEFAULT_TYPE, target: Target, question: str) -> None:
    deps = deps_of(context)
    await typing(context, target)
    start = time.perf_counter()
    parsed = deps.service.understand(question)
    await answer_parsed(context, target, parsed, start, (time.perf_counter() - start) * 1000, kind="canned")


async def send_section(context: ContextTypes.DEFAULT_TYPE, target: Target, parsed: Parse, key: str) -> None:
    deps = deps_of(context)
    _, reply = deps.service.answer_parse(parsed, deps.store.settings(target.chat_id),
                                         sensitivity=key == "sensitivity")
    if not any(s.key == key for s in reply.sections):
        await send_note(context, target, "There is nothing more to show for that.")
        return
    details = Reply(headline=(), sections=reply.sections)
    await send_html(context, target, html_messages(details, (key,)))


async def send_pictures(context: ContextTypes.DEFAULT_TYPE, target: Target, parsed: Parse, kind: str) -> None:
    """One photo per outcome (at most three), drawn off the event loop, with a short caption."""
    from bot.answers.plots import forest_png, icon_array_png

    deps = deps_of(context)
    draw = forest_png if kind == "plot" else icon_array_png
    settings = deps.store.settings(target.chat_id)
    sent = 0
    missing: list[str] = []
    await typing(context, target, ChatAction.UPLOAD_PHOTO)
    for outcome_id in parsed.outcomes[:MAX_PICTURES]:
        answer, reply = deps.service.answer_parse(replace(parsed, outcomes=(outcome_id,)), settings,
                                                  sensitivity=False)
        if not answer.outcomes:
            continue
        start = time.perf_counter()
        png = await asyncio.to_thread(draw, answer.outcomes[0])
        log.info("picture kind=%s outcome=%s drawn=%s ms=%.0f", kind, outcome_id, png is not None,
                 (time.perf_counter() - start) * 1000)
        if png is None:
            missing.append(answer.outcomes[0].outcome.plural)
            continue
        caption = caption_html(reply)  # within CAPTION_LIMIT by construction (tests/test_fuzz.py)
        await deliver(lambda png=png, caption=caption: context.bot.send_photo(
            target.chat_id, png, caption=caption or None, parse_mode=ParseMode.HTML,
            message_thread_id=target.thread_id, filename="forest.png" if kind == "plot" else "icons.png"),
            "sendPhoto")
        sent += 1
    if missing:
        what = "forest plot" if kind == "plot" else "icon array"
        why = ("no trial counts could be pooled" if kind == "plot"
               else "there is no absolute effect to draw")
        await send_note(context, target, f"No {what} for {html.escape(', '.join(missing))}: {why}.")
    elif not sent:
        await send_note(context, target, "There is nothing to draw for that answer.")


# --- inline mode ------------------------------------------------------------------------------------------------

def inline_token(parsed: Parse) -> str:
    """The same reading always gets the same deep-link token, so typing does not fill the store."""
    from bot.telegram.store import snapshot

    digest = hashlib.sha256(json.dumps(snapshot(parsed), sort_keys=True).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:12]


def card(reply: Reply, result_id: str, markup: InlineKeyboardMarkup | None) -> InlineQueryResultArticle:
    title = line_text(reply.headline[0]) if reply.headline else "Evidence summary"
    rest = [line_text(p) for p in reply.headline[1:] if line_text(p).strip()]
    first = next((t for t in rest if "95% CI" in t), rest[0] if rest else "")
    body = html_messages(reply)[0] if reply.headline else ""  # within MESSAGE_LIMIT by construction
    return InlineQueryResultArticle(
        id=result_id, title=title[:256], description=first[:300],
        input_message_content=InputTextMessageContent(body, parse_mode=ParseMode.HTML,
                                                      link_preview_options=NO_PREVIEW),
        reply_markup=markup)


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query
    deps = deps_of(context)
    help_button = InlineQueryResultsButton("How to ask me", start_parameter="help")
    text = query.query or ""
    if not text.strip():
        await query.answer([], button=help_button, cache_time=300)
        return
    if not deps.flood.allow(query.from_user.id if query.from_user else None):
        await query.answer([], button=help_button, cache_time=5, is_personal=True)
        return
    start = time.perf_counter()
    parsed = deps.service.understand(text)
    parse_ms = (time.perf_counter() - start) * 1000
    questions: list[Parse] = []
    if is_effect(parsed):
        questions = [replace(parsed, outcomes=(o,)) for o in parsed.outcomes[:MAX_INLINE_RESULTS]]
    elif parsed.status == "clarify" and parsed.clarification is not None:
        for _, choice in parsed.clarification.choices[:MAX_INLINE_RESULTS]:
            candidate = deps.service.understand(choice)
            if is_effect(candidate):
                questions.append(candidate)
    results = []
    for parsed_one in questions:
        _, reply = deps.service.answer_parse(parsed_one, sensitivity=False)
        token = inline_token(parsed_one)
        if deps.store.recall_inline(token) is None:
            deps.store.remember_inline(token, parsed_one)
        link = f"https://t.me/{context.bot.username}?start=a{token}"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Details, plots and trials", url=link)]])
        results.append(card(reply, f"{token}{len(results)}", markup))
    log_answer("inline", parsed, parse_ms, (time.perf_counter() - start) * 1000, results=len(results))
    await query.answer(results, button=help_button, cache_time=300 if results else 30)


# --- what is not ours -------------------------------------------------------------------------------------------

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


def bot_commands() -> list[BotCommand]:
    return [BotCommand(name, text[:256]) for name, text in COMMANDS]

