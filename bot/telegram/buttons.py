"""Inline-keyboard presses: signed callback data, sections, pictures, settings and canned questions."""

from __future__ import annotations

import asyncio
import html
import time
from dataclasses import replace

from telegram import Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.answers.compose import with_options
from bot.answers.messages import help_reply, topics_reply
from bot.answers.render import caption_html, html_messages
from bot.answers.reply import Reply
from bot.answers.wording import EXAMPLES
from bot.telegram import callbacks
from bot.telegram.callbacks import Action, CallbackError, Entry
from bot.telegram.commands import settings_message
from bot.telegram.delivery import (
    NO_PREVIEW,
    Deps,
    Target,
    deliver,
    deps_of,
    log,
    send_html,
    send_note,
    send_reply,
    typing,
    with_footer,
)
from bot.telegram.questions import answer_parsed
from bot.understand.frame import without_carried
from bot.understand.reading import Parse

MAX_PICTURES = 3  # outcomes drawn per button press


async def answer_query(query, text: str | None = None) -> None:
    """Answer a callback query; one that is too old to answer (after downtime) must not stop the action."""
    try:
        await query.answer(text)
    except TelegramError as exc:  # too old (BadRequest), or a network fault: the spinner stops by itself
        log.info("callback answer failed: %s", type(exc).__name__)


STALE = "That button has expired. Please ask the question again."


FOREIGN = "Sorry, I can't use that button."


TOO_MANY = "Too many requests: please wait a minute."


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every callback query is answered exactly once: with a note when it is not usable, else silently.

    Every press counts against the presser's per-minute limit, as a question or a command does (a settings
    press writes the store and edits a message; a picture press draws). Over the limit, the press gets a short
    toast and nothing else: no state is read or written, no message is sent or edited.
    """
    query = update.callback_query
    deps = deps_of(context)
    if not deps.flood.allow(query.from_user.id if query.from_user else None):
        log.info("flood: button refused")
        await answer_query(query, TOO_MANY)
        return
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
        entry = _entry(deps, chat_id, action)
        if entry is None:
            log.info("callback stale: %s", action.name)
            await answer_query(query, STALE)
            return
    if action.name == "setting":
        await _setting_pressed(query, deps, chat_id, action)
        return
    await answer_query(query)
    target = Target(chat_id, message.chat.type, getattr(message, "message_thread_id", None)
                    if getattr(message, "is_topic_message", False) else None)
    log.info("callback %s", action.name)
    await run_action(context, target, action, entry, query.from_user.id if query.from_user else None)


def _entry(deps: Deps, chat_id: int, action: Action) -> Entry | None:
    """The answer a button belongs to: from memory, else (after a restart) from the store; for a menu (ask)
    button, only if the frame it carries (or, in memory, its canned question) is known."""
    entry = deps.recent.get(action.token, chat_id)
    if action.name != "ask":
        if entry is None:
            parsed = deps.store.recall(chat_id, action.token)
            entry = Entry(chat_id, parsed) if parsed is not None else None
        return entry
    index = int(action.value)
    if entry is not None and (index < len(entry.questions) or tapped(entry, index) is not None):
        return entry
    frame = deps.store.recall_tap(chat_id, action.token, index)
    if frame is None:
        return None
    return Entry(chat_id, frame, taps=(None,) * index + (frame,))


def tapped(entry: Entry, index: int) -> Parse | None:
    return entry.taps[index] if index < len(entry.taps) else None


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
                     entry: Entry | None, user_id: int | None = None) -> None:
    deps = deps_of(context)
    kb = deps.service.kb
    if action.name == "topics":
        await send_reply(context, target, with_footer(topics_reply(kb), kb))
    elif action.name == "help":
        await send_reply(context, target, with_footer(help_reply(kb), kb))
    elif action.name == "example":
        await _answer_canned(context, target, EXAMPLES[int(action.value)], user_id)
    elif action.name == "ask":
        frame = tapped(entry, int(action.value))
        if frame is None:  # a menu under an answer that had no frame (help, a refusal): a question of its own
            await _answer_canned(context, target, entry.questions[int(action.value)], user_id)
        else:  # the frame of the answer the menu is under, with the slot the button names filled
            await typing(context, target)
            await answer_parsed(context, target, frame, kind="tap", user_id=user_id)
    elif action.name == "clear":
        await typing(context, target)
        await answer_parsed(context, target, without_carried(entry.parse), kind="clear", user_id=user_id)
    elif action.name == "measure":
        await typing(context, target)
        await answer_parsed(context, target, with_options(entry.parse, measure=action.value), kind="switch",
                            user_id=user_id)
    elif action.name == "model":
        method = "DL" if action.value == "random" else "MH"
        await typing(context, target)
        await answer_parsed(context, target, with_options(entry.parse, method=method, hksj=False), kind="switch",
                            user_id=user_id)
    elif action.name in ("plot", "icons"):
        await send_pictures(context, target, entry.parse, action.name)
    elif action.name == "sof":
        await send_summary_picture(context, target, entry.parse)
    elif action.name == "section":
        await send_section(context, target, entry.parse, action.value)


async def _answer_canned(context: ContextTypes.DEFAULT_TYPE, target: Target, question: str,
                         user_id: int | None = None) -> None:
    deps = deps_of(context)
    await typing(context, target)
    start = time.perf_counter()
    parsed = deps.service.understand(question)
    await answer_parsed(context, target, parsed, start, (time.perf_counter() - start) * 1000, kind="canned",
                        user_id=user_id)


async def send_section(context: ContextTypes.DEFAULT_TYPE, target: Target, parsed: Parse, key: str) -> None:
    deps = deps_of(context)
    _, reply = deps.service.answer_parse(parsed, deps.store.settings(target.chat_id),
                                         sensitivity=key == "sensitivity")
    if not any(s.key == key for s in reply.sections):
        await send_note(context, target, "There is nothing more to show for that.")
        return
    details = Reply(headline=(), sections=reply.sections)
    await send_html(context, target, html_messages(details, (key,)))


async def send_summary_picture(context: ContextTypes.DEFAULT_TYPE, target: Target, parsed: Parse) -> None:
    """The summary table of an answer as one photo, drawn off the event loop: an overview's summary of findings,
    or the comparison card of two regimens (bot/answers/sof_picture.summary_picture)."""
    from bot.answers.sof_picture import summary_picture

    deps = deps_of(context)
    answer, reply = deps.service.answer_parse(parsed, deps.store.settings(target.chat_id), sensitivity=False)
    if answer.overview is None and answer.card is None and not answer.comparisons:
        await send_note(context, target, "There is nothing to draw for that answer.")
        return
    await typing(context, target, ChatAction.UPLOAD_PHOTO)
    png, filename = await asyncio.to_thread(summary_picture, answer, deps.service.kb)
    log.info("picture kind=sof drawn=%s", png is not None)
    if png is None:
        await send_note(context, target, "There is nothing to draw for that answer.")
        return
    caption = caption_html(reply)
    await deliver(lambda: context.bot.send_photo(
        target.chat_id, png, caption=caption or None, parse_mode=ParseMode.HTML,
        message_thread_id=target.thread_id, filename=filename), "sendPhoto")


async def send_pictures(context: ContextTypes.DEFAULT_TYPE, target: Target, parsed: Parse, kind: str) -> None:
    """One photo per outcome (at most three), drawn off the event loop, with a short caption."""
    from bot.answers.plots import forest_png, icon_array_png

    deps = deps_of(context)
    draw = forest_png if kind == "plot" else icon_array_png
    settings = deps.store.settings(target.chat_id)
    sent = 0
    missing: list[str] = []
    for outcome_id in parsed.outcomes[:MAX_PICTURES]:
        answer, reply = deps.service.answer_parse(replace(parsed, outcomes=(outcome_id,)), settings,
                                                  sensitivity=False)
        if not answer.outcomes:
            continue
        await typing(context, target, ChatAction.UPLOAD_PHOTO)  # each photo's own: the last one was sent
        start = time.perf_counter()
        png = await asyncio.to_thread(draw, answer.outcomes[0], f"{answer.kb_version} ({answer.kb_hash})")
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
