"""Telegram's flood limits: python-telegram-bot's AIORateLimiter, with two changes.

1. The 'typing…' indicator bypasses it. Telegram's flood limits are about messages. Counted against the same 30
   requests a second, the typing indicator then sent before every answer halved the answers the bot could send
   (benchmarks/README.md; it is now sent only for an answer slower than delivery.TYPING_DELAY). A rejected
   indicator costs nothing: handlers already carry on without it.
2. A 429 "retry after" for a group holds back that group only. AIORateLimiter waits out every 429 with one
   event shared by all chats, so a group over Telegram's 20 messages a minute stopped every private answer for
   the retry-after (often tens of seconds, again and again while the group's backlog lasts). Telegram's answer
   to a group message is about that group; the bot's overall limit (30 a second) is still shared, and a 429 for
   a private chat or for no chat is still waited out by everyone, as the library does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

log = logging.getLogger("bot.telegram.ratelimit")


def _seconds(exc: RetryAfter) -> float:
    value = getattr(exc, "_retry_after", None)  # a timedelta in python-telegram-bot 22, as the library reads it
    if value is None:
        value = exc.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def group_of(data: dict) -> int | str | None:
    """The group a request goes to (a negative chat id or a @channel name), as AIORateLimiter decides."""
    chat_id = data.get("chat_id")
    with contextlib.suppress(TypeError, ValueError):
        chat_id = int(chat_id)
    if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str):
        return chat_id
    return None


class AnswerRateLimiter(AIORateLimiter):
    """AIORateLimiter whose typing indicator bypasses it and whose group 429s hold back that group only."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._group_pause: dict[int | str, float] = {}  # loop time until which a group waits (its 429)

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        if endpoint == "sendChatAction":
            return await callback(*args, **kwargs)
        group = group_of(data)
        if group is None or data.get("allow_paid_broadcast"):
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        loop = asyncio.get_running_loop()
        retries = rate_limit_args or self._max_retries
        for attempt in range(retries + 1):
            pause = self._group_pause.get(group, 0.0) - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
            try:
                result = await self._run_request(chat=True, group=group, allow_paid_broadcast=False,
                                                 callback=callback, args=args, kwargs=kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    log.warning("group message not sent: Telegram's limit still hit after %d retries", retries)
                    raise
                wait = _seconds(exc) + 0.1
                self._group_pause[group] = max(self._group_pause.get(group, 0.0), loop.time() + wait)
                log.info("group rate limit: that group waits %.0f s (other chats do not)", wait)
                continue
            if self._group_pause.get(group, 0.0) <= loop.time():
                self._group_pause.pop(group, None)
            return result
        raise AssertionError("unreachable")  # pragma: no cover
