"""Taking turns: each chat's updates are answered in order from its own queue, chats in round robin.

python-telegram-bot hands every update to the application's update processor (``concurrent_updates``); this one
(``FairUpdateProcessor``, a ``BaseUpdateProcessor``) puts it in its chat's queue and returns. A fixed number of
workers take chats in turn: a worker takes the next chat that has work and is not being answered, answers its
oldest update, and puts the chat at the back of the line if more are waiting. So one chat holds at most one
worker, and a chat with a long backlog (a group whose answers wait for Telegram's 20 messages a minute) gets one
turn per round, like every other chat: the others are answered as if it were idle.

The library's own processor (``SimpleUpdateProcessor``) runs updates as they come, up to a number at once, with
no per-chat order; an earlier version of this one waited for a chat lock inside a task per update, so one chat's
backlog was a queue of tasks in memory. Here a queue holds at most ``IN_MEMORY`` decoded updates per chat; the
rest stay in the inbox on disk (inbox.py) and are read back when their turn comes.

The per-user limit is applied on arrival, not at the turn (``admission``): an update over the sender's limit is
refused at once, out of turn (the handler runs with the limit reported as reached: a short note or a toast, no
work), and one within it is counted then, so it is not counted again when its turn comes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

from telegram import MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import BaseUpdateProcessor, CommandHandler

from bot.telegram.delivery import ADMISSION, COUNTED, REFUSED

log = logging.getLogger("bot.telegram.turns")

WORKERS = 16  # chats answered at once
IN_MEMORY = 8  # decoded updates kept in memory per chat; the rest are read back from the inbox


@dataclass(frozen=True)
class Item:
    update_id: int
    update: Update | None  # None: in the inbox only, read back at its turn
    counted: bool  # counted against the sender's limit on arrival


def queue_key(update: object) -> tuple[str, int] | None:
    """The queue an update waits in: its chat's, else its sender's (inline queries)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return None


def counts(update: Update, bot_id: int, username: str | None, commands: frozenset[str]) -> bool:
    """Whether answering ``update`` counts against its sender's limit: a button press, an inline query, a
    command of ours, any message in a private chat, a group message addressed to the bot (as the handlers do)."""
    from bot.telegram.groups import addressed_text

    if update.callback_query is not None:
        return True
    if update.inline_query is not None:
        return bool((update.inline_query.query or "").strip())
    message = update.message
    if message is None or message.chat is None:
        return False
    if message.via_bot is not None and message.via_bot.id == bot_id:
        return False
    caption = message.text is None
    text = message.caption if caption else message.text
    if text is None:
        return False
    entities = (message.caption_entities if caption else message.entities) or ()
    command = next((e for e in entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0), None)
    if command is not None:
        word = (message.parse_caption_entity(command) if caption else message.parse_entity(command))[1:]
        name, _, addressee = word.partition("@")
        if addressee and (not username or addressee.lower() != username.lower()):
            return False
        return name.lower() in commands or message.chat.type == ChatType.PRIVATE
    if message.chat.type == ChatType.PRIVATE:
        return True
    return addressed_text(message, bot_id, username, caption=caption) is not None


class FairUpdateProcessor(BaseUpdateProcessor):
    """Per-chat queues served in round robin by ``max_concurrent_updates`` workers (see the module docstring).

    ``application`` is set by build_application; ``inbox`` (optional) holds the updates not kept in memory.
    """

    def __init__(self, max_concurrent_updates: int = WORKERS, in_memory: int = IN_MEMORY):
        super().__init__(max_concurrent_updates)
        self.in_memory = in_memory
        self.application: Any = None
        self.inbox: Any = None
        self._queues: dict[tuple[str, int], deque[Item]] = {}
        self._ready: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
        self._known: set[int] = set()  # update ids queued or being answered
        self._durable: set[int] = set()  # update ids the inbox holds (stored()): these may wait on disk only
        self._workers: list[asyncio.Task] = []
        self._refusals: set[asyncio.Task] = set()
        self._commands: frozenset[str] | None = None
        self._changed = asyncio.Event()

    # -- the library's interface --

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        await self.cancel()

    async def do_process_update(self, update: object, coroutine) -> None:
        await self.process_update(update, coroutine)

    async def process_update(self, update: object, coroutine) -> None:  # type: ignore[override]
        """Queue a chat's update and return; an update of no chat or user runs at once (as the base class)."""
        key = queue_key(update)
        if key is None or self.application is None:
            self._durable.discard(getattr(update, "update_id", None))
            async with self._semaphore:
                await coroutine
            return
        coroutine.close()  # it runs at the chat's turn, as application.process_update(update)
        self.admit(update, key)

    # -- queues --

    def admit(self, update: Update, key: tuple[str, int] | None = None) -> None:
        """Refuse an update over its sender's limit at once; queue any other at the back of its chat's queue."""
        key = key or queue_key(update)
        if key is None or update.update_id in self._known:
            return  # already queued (read back from the inbox after a restart, then fetched again)
        verdict = self._admission(update)
        if verdict == REFUSED:
            self._durable.discard(update.update_id)
            task = asyncio.ensure_future(self._run(Item(update.update_id, update, False), REFUSED))
            self._refusals.add(task)
            task.add_done_callback(self._refusals.discard)
            return
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = deque()
            self._ready.put_nowait(key)
        spill = len(queue) >= self.in_memory and update.update_id in self._durable and self.inbox is not None
        queue.append(Item(update.update_id, None if spill else update, verdict == COUNTED))
        self._known.add(update.update_id)
        self._start_workers()

    def stored(self, update_ids) -> None:
        """These updates are committed to the inbox (by the intake): they may wait there instead of in memory."""
        self._durable.update(update_ids)

    def _admission(self, update: Update) -> str | None:
        deps = self.application.bot_data.get("deps")
        flood = getattr(deps, "flood", None)
        user = update.effective_user
        if flood is None or user is None:
            return None
        bot = self.application.bot
        if self._commands is None:
            self._commands = frozenset(command for handlers in self.application.handlers.values()
                                       for handler in handlers if isinstance(handler, CommandHandler)
                                       for command in handler.commands)
        try:
            if not counts(update, bot.id, bot.username, self._commands):
                return None
        except Exception as exc:  # a shape the check does not expect: counted at its turn, as handlers do
            log.warning("update not checked on arrival (%s)", type(exc).__name__)
            return None
        return COUNTED if flood.admit(user.id) else REFUSED

    def _start_workers(self) -> None:
        self._workers = [task for task in self._workers if not task.done()]
        while len(self._workers) < self.max_concurrent_updates:
            self._workers.append(asyncio.ensure_future(self._work()))

    async def _work(self) -> None:
        while True:
            key = await self._ready.get()
            queue = self._queues[key]
            item = queue[0]
            try:
                await self._run(item, COUNTED if item.counted else None)
            except Exception as exc:  # never lose a worker: the next chat's turn must come
                log.error("update not processed (%s)", type(exc).__name__)
            finally:
                queue.popleft()
                self._known.discard(item.update_id)
                self._durable.discard(item.update_id)
                if queue:
                    self._ready.put_nowait(key)
                else:
                    del self._queues[key]
                self._changed.set()

    async def _run(self, item: Item, admission: str | None) -> None:
        update = item.update
        if update is None:
            update = self._read_back(item.update_id)
            if update is None:
                return
        token = ADMISSION.set(admission)
        try:
            await self.application.process_update(update)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # process_update hands handler errors to the error handler; this is the rest
            log.error("update not processed (%s)", type(exc).__name__)
        finally:
            ADMISSION.reset(token)

    def _read_back(self, update_id: int) -> Update | None:
        from bot.telegram.intake import decode

        data = self.inbox.load(update_id) if self.inbox is not None else None
        update = decode(data, self.application.bot) if data is not None else None
        if update is None:
            log.warning("an update was gone from the inbox at its turn: skipped")
            if self.inbox is not None:
                self.inbox.done(update_id)
        return update

    # -- state, draining and stopping --

    def backlog(self) -> int:
        """Updates queued or being answered."""
        return len(self._known)

    def idle(self) -> bool:
        return not self._queues and not self._refusals

    async def drain(self, timeout: float, hurry: asyncio.Event | None = None) -> bool:
        """Wait until every queued update is answered, at most ``timeout`` seconds or until ``hurry`` is set."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.idle():
            left = deadline - loop.time()
            if left <= 0 or (hurry is not None and hurry.is_set()):
                return False
            self._changed.clear()
            waiters = [asyncio.ensure_future(self._changed.wait())]
            if hurry is not None:
                waiters.append(asyncio.ensure_future(hurry.wait()))
            waiters.extend(self._refusals)
            try:
                await asyncio.wait(waiters, timeout=min(left, 0.5), return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters[:2]:
                    waiter.cancel()
        return True

    async def cancel(self) -> int:
        """Stop the workers; the updates they were answering stay unanswered in the inbox (for the next start).
        Returns how many updates were left."""
        left = len(self._known)
        tasks = [*self._workers, *self._refusals]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._workers = []
        self._queues.clear()
        self._known.clear()
        self._durable.clear()
        self._ready = asyncio.Queue()
        return left
