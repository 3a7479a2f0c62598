"""Log guards: library records never carry update content or tracebacks; repeated lines are held back.

python-telegram-bot logs whole updates (people's words and names) in some records: at DEBUG every request's
parameters and answer, at CRITICAL a batch it could not decode. `serve` holds its loggers at INFO, and
ContentFilter makes sure that anything they still log carries no structured data at any level.
"""

from __future__ import annotations

import io
import logging

from telegram import Update

from bot.logging_setup import FORMAT, ContentFilter, RepeatFilter

PHRASE = "zebracorn patient 47 years"


def capture() -> tuple[logging.Handler, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(ContentFilter())
    handler.addFilter(RepeatFilter(window=60, burst=3))
    return handler, stream


def test_library_records_carry_no_update_content_at_any_level():
    handler, stream = capture()
    update = Update.de_json({"update_id": 1, "message": {"message_id": 1, "date": 0, "text": PHRASE,
                                                         "chat": {"id": 1, "type": "private", "first_name": PHRASE}}},
                            None)
    loggers = [logging.getLogger(n) for n in ("telegram.ext.ExtBot", "telegram.ext.Updater", "tornado.general",
                                              "httpx")]
    for logger in loggers:
        logger.addHandler(handler)
        old = logger.level
        logger.setLevel(logging.DEBUG)
        try:
            logger.debug("Call to Bot API endpoint `%s` finished with return value `%s`", "getUpdates",
                         [{"message": {"text": PHRASE}}])
            logger.critical("Error while parsing updates! Received data was %r", [{"text": PHRASE}])
            logger.info("Received %s", update)
            try:
                raise TypeError(f"bad field {PHRASE}")
            except TypeError:
                logger.exception("Something went wrong processing the data")
        finally:
            logger.removeHandler(handler)
            logger.setLevel(old)
    out = stream.getvalue()
    assert PHRASE not in out and "Traceback" not in out
    assert out.count("arguments withheld") == 3 * len(loggers)
    assert out.count("Something went wrong processing the data (TypeError)") == len(loggers)


def test_our_own_records_keep_their_arguments():
    handler, stream = capture()
    logger = logging.getLogger("bot.telegram")
    logger.addHandler(handler)
    try:
        logger.warning("answer outcomes=%s", ("skin_infection",))
    finally:
        logger.removeHandler(handler)
    assert "outcomes=('skin_infection',)" in stream.getvalue()


def test_repeated_lines_are_held_back_and_counted():
    clock = [0.0]
    guard = RepeatFilter(window=10, burst=3, clock=lambda: clock[0])

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("tornado.general", logging.WARNING, __file__, 1, message, None, None)

    passed = [guard.filter(record("Malformed HTTP message")) for _ in range(1000)]
    assert sum(passed) == 3
    assert guard.filter(record("another kind of line"))
    clock[0] = 11.0
    later = record("Malformed HTTP message")
    assert guard.filter(later) and "997 similar lines held back" in later.getMessage()
