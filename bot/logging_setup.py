"""Logging for the Telegram bot: one line per event, no message text, no token.

The bot logs what it understood (status, intent, outcomes, options), how long it took and the type of any
error. It never logs what people wrote, their names or inline queries. httpx logs every request URL at INFO,
and Bot API URLs contain the token, so httpx and httpcore are held at WARNING; a redacting filter on the
handler removes the token from anything that still reaches the log (e.g. a network error's message).

Two more filters guard the handler. ContentFilter: a record from a library (not ``bot.*``) never carries
structured arguments (a dict, a list, an Update: the whole update with people's words) or a traceback (whose
last line can quote data); it becomes one line with the exception's type. RepeatFilter: a line repeated more
than REPEAT_BURST times in REPEAT_WINDOW seconds (e.g. one per refused webhook request under attack) is held
back; the next one let through says how many were held back.
"""

from __future__ import annotations

import logging
import os
import sys
import time

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler", "tornado.access", "hpack")
# errors whose traceback python-telegram-bot would log, but whose type alone says everything
QUIET_ERRORS = frozenset({"InvalidToken"})
NETWORK_ERRORS = frozenset({"NetworkError", "TimedOut"})
# python-telegram-bot logs request parameters and whole updates (message text) at DEBUG: never below INFO
PRIVATE_LOGGERS = ("telegram",)


class RedactFilter(logging.Filter):
    """Replaces each secret (the bot token, the webhook secret) in a record's final text."""

    def __init__(self, secrets: list[str] | tuple[str, ...] = ()):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def add(self, secret: str) -> None:
        if secret and secret not in self.secrets:
            self.secrets.append(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and type(record.exc_info[1]).__name__ in QUIET_ERRORS:
            record.exc_info = None  # `serve` explains these in one line; a traceback adds nothing
        elif (record.exc_info and record.name.startswith("telegram")
              and type(record.exc_info[1]).__name__ in NETWORK_ERRORS):
            # Telegram unreachable or slow: the error type says it all; a page of httpx frames does not help.
            record.msg = f"{record.getMessage()} ({type(record.exc_info[1]).__name__})"
            record.args, record.exc_info = None, None
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: drop its arguments rather than fail
            message = str(record.msg)
        exc_text = ""
        if record.exc_info:
            exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        elif record.exc_text:
            exc_text = record.exc_text
        for secret in self.secrets:
            message = message.replace(secret, "[redacted]")
            exc_text = exc_text.replace(secret, "[redacted]")
            # the token's numeric bot id alone is harmless, its secret half is what matters
            if ":" in secret:
                tail = secret.split(":", 1)[1]
                message = message.replace(tail, "[redacted]")
                exc_text = exc_text.replace(tail, "[redacted]")
        record.msg, record.args = message, None
        record.exc_text = exc_text or None
        return True


REPEAT_WINDOW = 10.0  # seconds
REPEAT_BURST = 10  # lines of one kind per window before the rest are held back
_STRUCTURED = (dict, list, tuple, set, bytes, bytearray)


class ContentFilter(logging.Filter):
    """Library records: no structured arguments (they can be whole updates), no tracebacks (one line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "bot" or record.name.startswith("bot."):
            return True
        args = record.args if isinstance(record.args, tuple) else (record.args,) if record.args else ()
        if any(isinstance(a, _STRUCTURED) or type(a).__module__.startswith("telegram") for a in args):
            record.msg = f"{record.msg} [arguments withheld: {', '.join(type(a).__name__ for a in args)}]"
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            kind = type(record.exc_info[1]).__name__
            record.msg, record.args = f"{record.getMessage()} ({kind})", None
            record.exc_info, record.exc_text = None, None
        return True


class RepeatFilter(logging.Filter):
    """At most ``burst`` records per logger, level and message template in any ``window`` seconds."""

    def __init__(self, window: float = REPEAT_WINDOW, burst: int = REPEAT_BURST, clock=time.monotonic):
        super().__init__()
        self.window, self.burst, self.clock = window, burst, clock
        self._seen: dict[tuple, list] = {}  # key -> [window start, count, held back]

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING and (record.name == "bot" or record.name.startswith("bot.")):
            return True  # our own INFO lines are one per question or command: the flood guard bounds them
        key = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        entry = self._seen.get(key)
        if entry is None or now - entry[0] >= self.window:
            held = entry[2] if entry else 0
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[key] = [now, 1, 0]
            if held:
                record.msg, record.args = f"{record.getMessage()} ({held} similar lines held back)", None
            return True
        entry[1] += 1
        if entry[1] > self.burst:
            entry[2] += 1
            return False
        return True


_redact = RedactFilter()
_content = ContentFilter()
_repeats = RepeatFilter()


def level_from_env(default: str = "INFO") -> int:
    name = (os.environ.get("LOG_LEVEL") or default).strip().upper()
    level = logging.getLevelName(name)
    return level if isinstance(level, int) else logging.INFO


def configure(level: int | str | None = None, secrets: tuple[str, ...] = (), stream=None) -> RedactFilter:
    """Set up root logging once (idempotent): a stderr handler with the redacting filter."""
    if level is None:
        level = level_from_env()
    elif isinstance(level, str):
        level = logging.getLevelName(level.upper()) if isinstance(logging.getLevelName(level.upper()), int) \
            else logging.INFO
    for secret in secrets:
        _redact.add(secret)
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_evidence_bot", False)), None)
    if handler is None:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler._evidence_bot = True  # type: ignore[attr-defined]
        handler.addFilter(_content)
        handler.addFilter(_repeats)
        handler.addFilter(_redact)
        root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, level))
    for name in PRIVATE_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, level))
    return _redact


def add_secret(secret: str) -> None:
    _redact.add(secret)
