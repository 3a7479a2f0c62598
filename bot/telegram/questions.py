"""Questions in, answers out: each asker's frame (the question a follow-up or a menu tap continues; in a group,
one per member), chat settings, and a log line of the parsed reading (never the text)."""

from __future__ import annotations

import json
import re
import time
from dataclasses import fields

from telegram import Update
from telegram.ext import ContextTypes

from bot.answers.reply import Reply
from bot.service import EvidenceService
from bot.telegram.delivery import Target, deps_of, flood_ok, log, send_note, send_reply, typing
from bot.understand.frame import follow_up, frame_after, is_frame
from bot.understand.options import Options
from bot.understand.reading import Parse


def changed_options(options: Options) -> dict:
    """The options a question set (for logs and follow-ups): fields that differ from the defaults."""
    default = Options()
    return {f.name: getattr(options, f.name) for f in fields(Options)
            if getattr(options, f.name) != getattr(default, f.name)}


def next_turn(service: EvidenceService, question: str, frame: Parse | None) -> Parse:
    """A message in a chat: read alone, then as a follow-up of the asker's frame (bot/understand/frame.py)."""
    return follow_up(service.understand(question), frame, service.lexicon)


def tap_frames(service: EvidenceService, shown: Parse, reply: Reply) -> tuple[Parse | None, ...]:
    """The frame each menu (ask:) button of a reply carries, in the order of those buttons (their index in the
    callback data): its canned question read as a follow-up of the question the reply answers, so a tap
    changes one slot and keeps the rest. None under a reply with no frame (help, a refusal): such a button is
    a question of its own."""
    asks = [b.action[4:] for b in reply.buttons if b.action.startswith("ask:")]
    if not is_frame(shown):
        return (None,) * len(asks)
    return tuple(follow_up(service.understand_button(q), shown, service.lexicon, tap=True) for q in asks)


RESET = re.compile(r"^\s*/?(?:reset|start\s+over|new\s+question|clear|forget\s+(?:it|that))\s*[.!]*\s*$", re.I)


def log_answer(kind: str, parsed: Parse, parse_ms: float, total_ms: float, **extra) -> None:
    details = " ".join(f"{k}={v}" for k, v in extra.items())
    log.info("%s status=%s intent=%s outcomes=%s options=%s parse_ms=%.1f total_ms=%.1f%s",
             kind, parsed.status, parsed.intent, ",".join(parsed.outcomes) or "-",
             json.dumps(changed_options(parsed.options), sort_keys=True), parse_ms, total_ms,
             f" {details}" if details else "")


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str,
                          target: Target, merge: bool = True) -> None:
    """A question in, an answer out: follow-up context and chat settings applied, reading logged."""
    deps = deps_of(context)
    user = update.effective_user
    if not await flood_ok(context, user.id if user else None, target):
        return
    if RESET.match(question):
        await reset_chat(context, target, user.id if user else None)
        return
    await typing(context, target)
    start = time.perf_counter()
    user_id = user.id if user else None
    last = deps.store.frame(target.chat_id, user_id) if merge else None
    merged = next_turn(deps.service, question, last)
    parse_ms = (time.perf_counter() - start) * 1000
    await answer_parsed(context, target, merged, start, parse_ms, user_id=user_id, previous=last,
                        followup=bool(merged.carried))


async def reset_chat(context: ContextTypes.DEFAULT_TYPE, target: Target, user_id: int | None = None) -> None:
    """'reset', 'start over', /reset: forget the asker's last question (the chat's settings are kept)."""
    deps_of(context).store.set_frame(target.chat_id, user_id, None)
    await send_note(context, target, "Done: the next question starts afresh (no earlier drug, outcome or "
                                     "filters). Chat settings are kept; /settings changes them.")
    log.info("reset")


async def answer_parsed(context: ContextTypes.DEFAULT_TYPE, target: Target, parsed: Parse,
                        start: float | None = None, parse_ms: float = 0.0, kind: str = "answer",
                        user_id: int | None = None, previous: Parse | None = None, **extra) -> None:
    """Answer a reading, keep it as the asker's frame, and send it with its menu buttons' frames."""
    deps = deps_of(context)
    start = time.perf_counter() if start is None else start
    settings = deps.store.settings(target.chat_id)
    _, reply = deps.service.answer_parse(parsed, settings, sensitivity=False)
    taps = tap_frames(deps.service, parsed, reply)
    total_ms = (time.perf_counter() - start) * 1000
    log_answer(kind, parsed, parse_ms, total_ms, chat=target.chat_type, **extra)
    frame = frame_after(parsed, previous)
    if frame is not None and frame is not previous:
        deps.store.set_frame(target.chat_id, user_id, frame, save=False)  # send_reply saves it
    await send_reply(context, target, reply, parsed, taps)
