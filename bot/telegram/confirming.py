"""The application around the inbox: an update is marked done once answered, a restart answers what was not,
and stopping takes bounded time.

Confirming. Telegram treats every update below the offset of a getUpdates call as done ("confirmed") and never
sends it again; a webhook update is confirmed by the 200 answer. Both happen only after the update is committed
to the durable inbox (inbox.py, intake.py), so confirming no longer waits for the answer: one chat's backlog
cannot hold back the offset, and Telegram does not send the updates behind it again and again. Answering is
tracked in the inbox instead: ``ConfirmingApplication.process_update`` marks an update done as soon as its
handler has finished (a failure too: the error handler has told the chat), and ``start`` queues whatever the
inbox holds unanswered from before, ahead of anything new.

Stopping. ``stop`` answers the queued updates for at most ``drain_timeout`` seconds
(EVIDENCE_BOT_SHUTDOWN_TIMEOUT), or until a second stop signal; then it cancels the answers under way and leaves
everything unanswered in the inbox, for the next start (one WARNING line with the count). Nothing is lost either
way, in long polling and webhook mode alike.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from telegram.ext import Application

from bot.telegram.delivery import stop_indicator
from bot.telegram.inbox import MAX_AGE

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 10.0  # seconds stop() works through queued updates (EVIDENCE_BOT_SHUTDOWN_TIMEOUT)
IDLE = 0.25  # seconds polling pauses while the backlog is at its bound (intake.py)


class ConfirmingApplication(Application):
    """Application that marks each update done in the inbox, resumes the inbox at start, and stops in bounded
    time (see the module docstring). ``inbox`` is set by build_application (None: no durable inbox)."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.drain_timeout = SHUTDOWN_TIMEOUT
        self.inbox: Any = None
        self._signals = 0
        self._hurry = asyncio.Event()
        self._given_up = False

    def on_stop_signal(self) -> None:
        """The handler for SIGINT, SIGTERM…: the first stops gracefully, exactly as python-telegram-bot's own
        handler does (SystemExit out of the event loop); another one cuts the drain short."""
        self._signals += 1
        if self._signals == 1:
            raise SystemExit
        log.warning("stop signal again: not waiting for the answers under way")
        self._hurry.set()

    async def process_update(self, update: object) -> None:
        if self._given_up:
            return  # stopping: left in the inbox, answered after the next start
        cancelled = False
        try:
            await super().process_update(update)
        except asyncio.CancelledError:
            cancelled = True  # cut short by stop(): left in the inbox, answered after the next start
            raise
        finally:
            stop_indicator()  # a handler that sent nothing leaves no chat action armed
            update_id = getattr(update, "update_id", None)
            if self.inbox is not None and not cancelled and isinstance(update_id, int):
                self.inbox.done(update_id)

    def resume(self) -> int:
        """Queue the updates the inbox holds unanswered (a crash, a kill, a stop that ran out of time), oldest
        first, before anything fetched now; returns how many."""
        from bot.telegram.intake import decode

        processor = self.update_processor
        if self.inbox is None or not hasattr(processor, "admit"):
            return 0
        pending = self.inbox.pending(MAX_AGE)
        for item in pending:
            update = decode(item, self.bot)
            if update is None or update.to_dict() == {"update_id": update.update_id}:
                self.inbox.done(item["update_id"])  # nothing to answer
                continue
            processor.stored([update.update_id])
            processor.admit(update)
        if pending:
            log.info("%d update%s from before the last stop not answered yet: answering them first", len(pending),
                     "" if len(pending) == 1 else "s")
        return len(pending)

    async def start(self) -> None:
        self.resume()  # before the update fetcher runs: what waited longest goes first in each chat
        await super().start()

    async def stop(self) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        await super().stop()  # the update queue: quick, the processor only queues each update
        processor = self.update_processor
        if not hasattr(processor, "drain"):
            return
        if not await processor.drain(self.drain_timeout, self._hurry):
            self._given_up = True
            left = await processor.cancel()
            if left:
                where = "kept in the inbox, answered after the next start" if self.inbox is not None else "lost"
                log.warning("stopped after %.1f s with %d update%s not answered: %s", loop.time() - started, left,
                            "" if left == 1 else "s", where)


def shutdown_timeout_from_env(environ=os.environ) -> float:
    """EVIDENCE_BOT_SHUTDOWN_TIMEOUT: seconds (0 or more) to work through fetched updates when stopping."""
    raw = (environ.get("EVIDENCE_BOT_SHUTDOWN_TIMEOUT") or "").strip()
    if not raw:
        return SHUTDOWN_TIMEOUT
    value = float(raw)  # ValueError for anything else
    if not 0 <= value <= 3600:
        raise ValueError("out of range")
    return value
