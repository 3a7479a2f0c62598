"""Confirming an update to Telegram only once it is answered, bounding what is fetched, and stopping in
bounded time (long polling; the bot side is ``intake.TolerantBot``).

Confirming. Telegram treats every update below the offset of a getUpdates call as done ("confirmed") and never
sends it again. python-telegram-bot asks for one past the last update it fetched, before that update is
answered, and once more when polling stops, before the application has worked through its queue: an update
still unanswered when the process dies (a second Ctrl-C, a crash, SIGKILL) was lost. Here the ``Ledger`` keeps the
updates fetched and not answered yet, and ``TolerantBot.get_updates`` asks for the oldest of them as the offset,
so an update is confirmed only once it is answered; the price is that answers given after an older one that
is still unanswered are given again if the process dies meanwhile (at least once, never lost). Telegram sends
the unconfirmed updates again with every getUpdates; those already being answered are dropped before decoding.
The same ledger bounds the intake: at most ``MAX_PENDING`` updates are fetched and not answered; beyond that,
polling waits for answers to go out (back-pressure), so a flood stays at Telegram, not in the process. An update
unanswered for STALE seconds (a hung answer) stops holding back the offset, so it cannot stall the intake.

Stopping. ``ConfirmingApplication.stop`` works through the updates fetched, as python-telegram-bot's does, but
for at most ``drain_timeout`` seconds (EVIDENCE_BOT_SHUTDOWN_TIMEOUT), or until a second stop signal; then the
answers under way are cancelled and what is unanswered stays unconfirmed, for the next process (one WARNING line
with the count). Either way one last getUpdates confirms everything answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application

log = logging.getLogger(__name__)

MAX_PENDING = 100  # updates fetched and not answered yet; beyond that, polling waits for answers to go out
GET_UPDATES_LIMIT = 100  # the most one getUpdates call may ask for (Telegram's own limit)
IDLE = 0.25  # seconds before polling again when getUpdates brought only updates already being answered
SHUTDOWN_TIMEOUT = 10.0  # seconds stop() works through fetched updates (EVIDENCE_BOT_SHUTDOWN_TIMEOUT)
SETTLE = 1.0  # seconds for cancelled answers to unwind once the drain is given up
CONFIRM_TIMEOUT = 5.0  # seconds for the last, confirming getUpdates at shutdown
STALE = 300.0  # seconds after which an update still unanswered (a hung answer) no longer holds back the offset


class Ledger:
    """The updates fetched and not answered yet, and so the offset that may be given to Telegram (see above)."""

    def __init__(self, max_pending: int = MAX_PENDING, clock=time.monotonic):
        self.max_pending = max_pending
        self.clock = clock
        self.polling = False  # set by the first getUpdates: a webhook has nothing to confirm
        self.confirmed: int | None = None  # the offset last given to Telegram
        self._pending: set[int] = set()  # queued, not answered
        self._unconfirmed: set[int] = set()  # queued, at or above the offset: Telegram sends these again each time
        self._next: int | None = None  # one past the newest update queued
        self._since: dict[int, float] = {}  # when each pending update was queued
        self._changed = asyncio.Event()

    def is_new(self, update_id: int) -> bool:
        return self._next is None or update_id >= self._next

    def queued(self, update_id: int) -> None:
        self._pending.add(update_id)
        self._since[update_id] = self.clock()
        self._unconfirmed.add(update_id)
        self._next = update_id + 1 if self._next is None else max(self._next, update_id + 1)

    def answered(self, update: object) -> None:
        update_id = getattr(update, "update_id", None)
        if update_id in self._pending:
            self._release([update_id])

    def release_stale(self) -> int:
        """Let updates unanswered for more than STALE seconds be confirmed: one hung answer must not stop the
        intake for everyone (at most MAX_PENDING more would be fetched behind it). Returns how many."""
        now = self.clock()
        stale = [update_id for update_id, since in self._since.items() if now - since > STALE]
        if stale:
            self._release(stale)
            log.warning("%d update%s still not answered after %.0f s: confirmed anyway, so the intake goes on",
                        len(stale), "" if len(stale) == 1 else "s", STALE)
        return len(stale)

    def _release(self, update_ids) -> None:
        for update_id in update_ids:
            self._pending.discard(update_id)
            self._since.pop(update_id, None)
        floor = self.offset(0)
        self._unconfirmed = {i for i in self._unconfirmed if i >= floor}
        self._changed.set()
        self._changed = asyncio.Event()

    def offset(self, default: int | None) -> int | None:
        """The oldest update not answered, else one past the newest fetched (``default`` before the first)."""
        if self._next is None:
            return default
        return min(self._pending) if self._pending else self._next

    def unanswered(self) -> int:
        return len(self._pending)

    def has_room(self) -> bool:
        return len(self._pending) < self.max_pending

    def limit(self) -> int:
        """How many updates to ask for: the unconfirmed ones Telegram sends again, plus room for new ones."""
        return max(1, min(GET_UPDATES_LIMIT, len(self._unconfirmed) + self.max_pending - len(self._pending)))

    async def wait(self, predicate, timeout: float) -> bool:
        """Wait until ``predicate()`` holds (checked after each answer), at most ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            left = deadline - loop.time()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)
        return True


class LedgerQueue(asyncio.Queue):
    """The update queue; each update put in it goes into the ledger as fetched and not answered."""

    def __init__(self, ledger: Ledger):
        super().__init__()
        self.ledger = ledger

    def put_nowait(self, item) -> None:
        update_id = getattr(item, "update_id", None)
        if isinstance(update_id, int):
            self.ledger.queued(update_id)
        super().put_nowait(item)


def known(item: Any, ledger: Ledger) -> bool:
    """An update fetched before (Telegram sends every unconfirmed update again)."""
    update_id = item.get("update_id") if isinstance(item, dict) else None
    return isinstance(update_id, int) and not isinstance(update_id, bool) and not ledger.is_new(update_id)


class ConfirmingApplication(Application):
    """Application that marks each update answered in the ledger, and whose stop() takes bounded time.

    stop() works through the fetched updates as python-telegram-bot's does, for at most ``drain_timeout``
    seconds or until a second stop signal; then it cancels the answers under way, lets the rest of the queue
    run through without answering, and leaves every unanswered update unconfirmed. It ends with one getUpdates
    that confirms what was answered.
    """

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.drain_timeout = SHUTDOWN_TIMEOUT
        self._signals = 0
        self._hurry = asyncio.Event()
        self._given_up = False
        self._answering: set[asyncio.Task] = set()

    @property
    def ledger(self) -> Ledger | None:
        return getattr(self.update_queue, "ledger", None)

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
            return  # stopping: left unanswered and unconfirmed, so Telegram delivers it again
        task = asyncio.current_task()
        if task is not None:
            self._answering.add(task)
        cancelled = False
        try:
            await super().process_update(update)
        except asyncio.CancelledError:
            cancelled = True  # cut short by stop(): left unconfirmed, delivered again
            raise
        finally:
            self._answering.discard(task)
            ledger = self.ledger
            if ledger is not None and not cancelled:
                ledger.answered(update)  # a failure too: it was handled (the error handler), not to be retried

    async def stop(self) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        drain = asyncio.ensure_future(super().stop())
        hurry = asyncio.ensure_future(self._hurry.wait())
        try:
            await asyncio.wait({drain, hurry}, timeout=self.drain_timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            hurry.cancel()
        if drain.done():
            drain.result()
        else:
            await self._give_up(drain)
        await self._confirm()
        ledger = self.ledger
        left = ledger.unanswered() if ledger is not None else 0
        if left:
            fate = ("left unconfirmed, so Telegram delivers them again" if ledger.polling else
                    "lost: in webhook mode Telegram does not deliver them again")
            log.warning("stopped after %.1f s with %d update%s not answered: %s", loop.time() - started, left,
                        "" if left == 1 else "s", fate)

    async def _give_up(self, drain: asyncio.Future) -> None:
        """Cancel the answers under way; the updates still queued run through process_update unanswered."""
        self._given_up = True
        for task in list(self._answering):
            task.cancel()
        await asyncio.wait({drain}, timeout=SETTLE)
        if not drain.done():
            drain.cancel()
            await asyncio.wait({drain}, timeout=SETTLE)
        if drain.done() and not drain.cancelled():
            drain.exception()  # retrieved, so asyncio does not log it; stopping goes on regardless

    async def _confirm(self) -> None:
        """One getUpdates (no long poll) with the offset past every answered update."""
        ledger = self.ledger
        if ledger is None or not ledger.polling or ledger.offset(ledger.confirmed) == ledger.confirmed:
            return
        try:
            await asyncio.wait_for(self.bot.get_updates(timeout=0, limit=1), CONFIRM_TIMEOUT)
        except (TelegramError, TimeoutError) as exc:
            log.warning("answered updates not confirmed (%s): Telegram will deliver them again", type(exc).__name__)


def shutdown_timeout_from_env(environ=os.environ) -> float:
    """EVIDENCE_BOT_SHUTDOWN_TIMEOUT: seconds (0 or more) to work through fetched updates when stopping."""
    raw = (environ.get("EVIDENCE_BOT_SHUTDOWN_TIMEOUT") or "").strip()
    if not raw:
        return SHUTDOWN_TIMEOUT
    value = float(raw)  # ValueError for anything else
    if not 0 <= value <= 3600:
        raise ValueError("out of range")
    return value
