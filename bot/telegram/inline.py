"""Inline mode (@bot question in any chat): cards with the headline and a button to open the answer; for "A vs
B", the comparison card of benefits and harms (bot/answers/card.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import replace

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.answers.card import card_for, is_card_question
from bot.answers.card_text import card_reply
from bot.answers.render import html_messages, is_effect, line_text
from bot.answers.reply import Reply
from bot.telegram.delivery import NO_PREVIEW, deps_of, with_footer
from bot.telegram.questions import log_answer
from bot.understand.reading import Parse

MAX_INLINE_RESULTS = 5


def inline_token(parsed: Parse) -> str:
    """The same reading always gets the same deep-link token, so typing does not fill the store."""
    from bot.telegram.store import snapshot

    digest = hashlib.sha256(json.dumps(snapshot(parsed), sort_keys=True).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:12]


def card(reply: Reply, result_id: str, markup: InlineKeyboardMarkup | None) -> InlineQueryResultArticle:
    title = line_text(reply.headline[0]) if reply.headline else "Evidence summary"
    rest = [line_text(p) for p in reply.headline[1:] if line_text(p).strip()]
    bullets = [t[2:] for t in rest if t.startswith("• ")]  # a card's lines: "EASI-75: 22 more (low)"
    first = next((t for t in rest if "95% CI" in t), "; ".join(bullets) if bullets else rest[0] if rest else "")
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
    elif is_card_question(parsed):  # "A vs B": the comparison card, to forward to a group (issue 22)
        questions = [parsed]
    elif parsed.status == "answer" and parsed.intent == "compare" and parsed.outcomes:
        questions = [replace(parsed, outcomes=(o,)) for o in parsed.outcomes[:MAX_INLINE_RESULTS - 1]]
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
            deps.store.remember_inline(token, parsed_one, query.from_user.id if query.from_user else None)
        link = f"https://t.me/{context.bot.username}?start=a{token}"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Details, plots and trials", url=link)]])
        results.append(card(reply, f"{token}{len(results)}", markup))
    if parsed.status == "answer" and parsed.intent == "compare" and parsed.intervention and parsed.comparator:
        # after the outcome asked about, the card of the same two sides: every outcome, to forward
        both = card_reply(card_for(deps.service.kb, parsed))
        token = inline_token(parsed)
        if deps.store.recall_inline(token) is None:
            deps.store.remember_inline(token, parsed)
        link = f"https://t.me/{context.bot.username}?start=a{token}"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Details, plots and trials", url=link)]])
        results.append(card(with_footer(both, deps.service.kb), f"{token}c", markup))
    log_answer("inline", parsed, parse_ms, (time.perf_counter() - start) * 1000, results=len(results))
    await query.answer(results, button=help_button, cache_time=300 if results else 30)
