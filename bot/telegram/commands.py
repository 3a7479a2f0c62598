"""Slash commands: /start, /help, /topics, /trials, /sources, /about, /ask and /settings."""

from __future__ import annotations

import functools
import html
import re
from dataclasses import replace

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.answers.messages import help_reply, sources_reply, topics_reply, trials_reply
from bot.answers.reply import Line, Reply, bold, italic, line
from bot.answers.wording import DISCLAIMER, EXAMPLES, MEASURE_NAMES, METHOD_NAMES
from bot.service import Settings
from bot.telegram import callbacks
from bot.telegram.delivery import Deps, Target, deps_of, flood_ok, log, send_note, send_reply, typing, with_footer
from bot.telegram.questions import answer_parsed, answer_question, reset_chat
from bot.telegram.store import MEASURES, MODELS, PERS

COMMANDS = (
    ("ask", "Ask a question (in groups: /ask does dupilumab cause conjunctivitis?)"),
    ("topics", "What evidence I cover"),
    ("trials", "The trials I hold, optionally for one outcome"),
    ("sources", "Every source, with links"),
    ("settings", "Chat defaults: measure, model, per 100 or 1000"),
    ("about", "Data version, methods and disclaimer"),
    ("reset", "Forget the last question: the next one starts afresh"),
    ("help", "How to ask"),
    ("start", "Start"),
)


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
        await typing(context, target)  # flood_limited has counted it already
        user = update.effective_user
        await answer_parsed(context, target, parsed, kind="deeplink", user_id=user.id if user else None)
        return
    log.info("command start")
    await send_reply(context, target, with_footer(help_reply(deps.service.kb), deps.service.kb))


def flood_limited(callback):
    """A command that counts against the sender's per-minute limit, as a question does.

    Every command sends at least one message (/sources several); uncounted, one user could make the bot send
    hundreds of messages a minute, and /settings writes to the store each time.
    """
    @functools.wraps(callback)
    async def limited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        message = update.effective_message
        target = Target.of(message) if message is not None else None
        if not await flood_ok(context, user.id if user else None, target):
            return
        await callback(update, context)

    return limited


def commands_lines() -> tuple[Line, ...]:
    return (line(bold("Commands")), *(line(f"/{name} — {text}") for name, text in COMMANDS if name != "start"),
            line("In a group, use /ask, mention me, or reply to one of my messages; I stay quiet otherwise."),
            line("In any chat, type my @username and a question to share a summary card."))


async def reset_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    await reset_chat(context, Target.of(update.effective_message), user.id if user else None)


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


def bot_commands() -> list[BotCommand]:
    return [BotCommand(name, text[:256]) for name, text in COMMANDS]
