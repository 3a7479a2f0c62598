"""Work on the state database that must not stall the event loop: checks and the daily expiry.

It runs in one background thread with its own SQLite connection (WAL: it reads while the bot writes), and only
when there is something to do: ``PRAGMA quick_check`` after an unclean stop, and once a day the expiry of aged
follow-up context, recent answers, inline cards and answered inbox ids, then a full ``PRAGMA integrity_check``.
Deletions go in batches of BATCH rows, each its own short transaction, so the bot's own writes (which wait at
most state_db.BUSY_WAIT for the lock) slip in between. A failed check leaves the flag that makes the next start
run the full check and set a corrupt file aside (state_db.py); the bot goes on meanwhile.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bot.telegram.inbox import KEEP_DONE
from bot.telegram.state_db import BUSY_WAIT, CheckFailed, check, error_name, flag_for_check, is_corrupt

log = logging.getLogger("bot.telegram.store")

BATCH = 1_000  # rows per expiry transaction
PAUSE = 0.002  # seconds between two of them, so the bot's writes get the lock


@dataclass(frozen=True)
class Ages:
    context: float  # seconds follow-up context and recent answers are kept
    inline: float  # seconds inline cards are kept


def _write(conn: sqlite3.Connection, statements: list[tuple[str, tuple]]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for sql, params in statements:
            conn.execute(sql, params)
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


def expire(conn: sqlite3.Connection, now: float, ages: Ages, pause: float = PAUSE) -> dict[str, int]:
    """Drop aged context and recent answers (a chat left with nothing is deleted; settings stay), aged inline
    cards and answered inbox ids, in batches; returns the counts. Walks the time index once (by (t, chat_id)),
    so chats that keep only settings are read once, not once per batch."""
    counts = {"contexts": 0, "chats": 0, "inline": 0, "inbox": 0}
    last = (float("-inf"), -(2 ** 63))
    cut = now - ages.context
    while True:
        rows = conn.execute(
            "SELECT chat_id, t, settings IS NULL, context IS NOT NULL OR recent IS NOT NULL FROM chats "
            "WHERE t < ? AND (t > ? OR (t = ? AND chat_id > ?)) ORDER BY t, chat_id LIMIT ?",
            (cut, last[0], last[0], last[1], BATCH)).fetchall()
        if not rows:
            break
        last = (rows[-1][1], rows[-1][0])
        stale = [chat_id for chat_id, _, _, held in rows if held]
        empty = [chat_id for chat_id, _, no_settings, _ in rows if no_settings]
        if stale or empty:
            _write(conn, [*(("UPDATE chats SET context=NULL, recent=NULL WHERE chat_id=?", (c,)) for c in stale),
                          *(("DELETE FROM chats WHERE chat_id=?", (c,)) for c in empty)])
            counts["contexts"] += len(stale)
            counts["chats"] += len(empty)
            time.sleep(pause)
    for table, key, sql in (
            ("inline", "token", "SELECT token FROM inline WHERE t < ? LIMIT ?"),
            ("inbox", "update_id", "SELECT update_id FROM inbox WHERE done IS NOT NULL AND done < ? LIMIT ?")):
        limit = now - (ages.inline if table == "inline" else KEEP_DONE)
        while ids := [row[0] for row in conn.execute(sql, (limit, BATCH)).fetchall()]:
            _write(conn, [(f"DELETE FROM {table} WHERE {key}=?", (i,)) for i in ids])
            counts[table] += len(ids)
            time.sleep(pause)
    return counts


class Maintenance:
    """At most one background run at a time; ``stop`` interrupts it (at shutdown)."""

    def __init__(self, path: Path, ages: Ages):
        self.path = path
        self.ages = ages
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None
        self._stopping = False
        self.last: dict | None = None  # what the last run did (tests, log)

    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, *, quick_check: bool = False, full_check: bool = False, expire_at: float | None = None) -> bool:
        if self.busy() or self._stopping or not (quick_check or full_check or expire_at is not None):
            return False
        self._thread = threading.Thread(target=self._run, args=(quick_check, full_check, expire_at),
                                        name="evidence-bot state maintenance", daemon=True)
        self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.interrupt()
        self.wait(timeout)

    def _run(self, quick_check: bool, full_check: bool, expire_at: float | None) -> None:
        started = time.monotonic()
        done: dict = {}
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_WAIT * 5, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            log.warning("state maintenance not started (%s)", error_name(exc))
            return
        self._conn = conn
        try:
            if quick_check and not full_check:
                check(conn, "quick_check")
                done["quick_check"] = "ok"
            if expire_at is not None:
                done.update(expire(conn, expire_at, self.ages))
                _write(conn, [("INSERT OR REPLACE INTO meta(key, value) VALUES ('expired_at', ?)", (expire_at,))])
                done["chats_now"] = conn.execute("SELECT COUNT(*) FROM chats").fetchone()[0]
            if full_check:
                check(conn)
                _write(conn, [("INSERT OR REPLACE INTO meta(key, value) VALUES ('checked_at', ?)", (time.time(),))])
                done["integrity_check"] = "ok"
        except sqlite3.Error as exc:
            if is_corrupt(exc):
                flag_for_check(self.path.parent, exc)
            elif not self._stopping:  # interrupted at shutdown: nothing to say
                log.warning("state maintenance not finished (%s): tried again later", error_name(exc))
            done["error"] = error_name(exc) if not isinstance(exc, CheckFailed) else "check failed"
        finally:
            self._conn = None
            conn.close()
        self.last = done
        if "error" not in done:
            log.info("state maintenance done in %.1f s: %s", time.monotonic() - started,
                     " ".join(f"{k}={v}" for k, v in done.items()))
