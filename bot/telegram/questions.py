"""Questions in, answers out: follow-up context, chat settings, and a log line of the parsed reading (never the
text)."""

from __future__ import annotations

import json
import re
import time
from dataclasses import fields, replace

from telegram import Update
from telegram.ext import ContextTypes

from bot.telegram.delivery import Target, deps_of, flood_ok, is_effect, log, send_note, send_reply, typing
from bot.understand.options import Options
from bot.understand.reading import Parse


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
    # "and conjunctivitis?" asks which drug, "without CHRONOS" / "in adolescents?" ask which outcome: the last
    # question answers both
    leaning = new.status == "clarify" and new.clarification is not None and \
        new.clarification.reason in ("need_drug", "need_outcome")
    if not leaning and (new.status not in ("answer", "not_understood") or new.intent not in (None, "effect")):
        return new
    if new.uncovered or new.negated or new.condition:
        return new
    changes = changed_options(new.options)
    if not new.outcomes and not changes and not new.population:
        return new
    outcomes = new.outcomes or last.outcomes
    if outcomes != last.outcomes and "baseline_risk" not in changes:
        changes["baseline_risk"] = None  # an assumed baseline risk belongs to one outcome, never carried over
    if "method" in changes and "hksj" not in changes:
        changes["hksj"] = False
    options = replace(last.options, **changes)
    if "measure" in changes and "method" not in changes and last.options.method == "PETO" \
            and changes["measure"] != "OR":
        options = replace(options, method=None)
    merged = replace(last, status="answer", intent="effect", outcomes=outcomes,
                     population=new.population or last.population, options=options, clarification=None,
                     corrections=new.corrections, uncovered=(), negated=(), notices=new.notices)
    carried = {k for k in FILTER_OPTIONS if getattr(options, k) and k not in changes}
    if carried or (last.population and not new.population):
        merged = replace(merged, notices=(*merged.notices, "carried_filters"))
    return merged


# Options that narrow the evidence; when a follow-up keeps them the reply says so at the top.
FILTER_OPTIONS = ("dose_mg", "interval_weeks", "background", "followup_weeks", "exclude_trials", "only_trials",
                  "exclude_dose_mg", "exclude_interval_weeks", "exclude_followup_weeks", "exclude_populations",
                  "include_trials")
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
        await reset_chat(context, target)
        return
    await typing(context, target)
    start = time.perf_counter()
    parsed = deps.service.understand(question)
    parse_ms = (time.perf_counter() - start) * 1000
    last = deps.store.context(target.chat_id) if merge else None
    merged = follow_up(parsed, last)
    await answer_parsed(context, target, merged, start, parse_ms, followup=merged is not parsed)


async def reset_chat(context: ContextTypes.DEFAULT_TYPE, target: Target) -> None:
    """'reset', 'start over', /reset: forget the chat's last question (its settings are kept)."""
    deps_of(context).store.set_context(target.chat_id, Parse(status="not_understood", intent=None))
    await send_note(context, target, "Done: the next question starts afresh (no earlier drug, outcome or "
                                     "filters). Chat settings are kept; /settings changes them.")
    log.info("reset")


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
