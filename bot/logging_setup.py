"""Logging for the Telegram bot: one line per event, no message text, no token.

The bot logs what it understood (status, intent, outcomes, options), how long it took and the type of any
error. It never logs what people wrote, their names or inline queries. httpx logs every request URL at INFO,
and Bot API URLs contain the token, so httpx and httpcore are held at WARNING; a redacting filter on the
handler removes the token from anything that still reaches the log (e.g. a network error's message).
"""

from __future__ import annotations

import logging
import os
import sys

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


_redact = RedactFilter()


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
