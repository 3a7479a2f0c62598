"""Per-chat state kept across restarts: settings, the last question's reading, recent answers' readings.

Nothing here is text anyone wrote (see snapshots.py): a question is kept only as what the parser made of it.

The state is a SQLite database (standard library ``sqlite3``, WAL mode) in EVIDENCE_BOT_DATA_DIR, file mode
0600, one row per chat. Each change is written in its own small transaction: a settings change at once, a
question's context and recent answer together just before the answer is sent (``flush``). No save rewrites
more than the rows that changed, so a save costs the same with 100 chats or 100,000 (benchmarks/bench_state.py).

Settings stay until the chat is deleted or the bot is removed from it (``forget``); other chats' activity never
evicts them. Follow-up context, recent answers and inline cards expire by age, once a day, off the event loop
(maintenance.py); one user keeps at most MAX_INLINE_PER_USER inline cards. A write that fails (disk full,
read-only file system, the database locked by another process for longer than state_db.BUSY_WAIT) is logged
once; the change is kept in memory (bounded) and retried with the next write, and the bot answers as before,
without remembering across a restart. Opening, checks, refusals and the import of an earlier version's
state.json are in state_db.py. The same database holds the inbox of updates not answered yet (inbox.py).

Only the methods below are used by the handlers; a server database could stand behind the same interface.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.service import Settings
from bot.telegram.inbox import Inbox
from bot.telegram.maintenance import Ages, Maintenance, expire
from bot.telegram.snapshots import (  # noqa: F401 (re-exported: handlers and tests import them from here)
    MEASURES,
    MODELS,
    PERS,
    delta,
    restore,
    settings_dict,
    settings_from,
    snapshot,
    undelta,
)
from bot.telegram.state_db import DB_FILE, aside, error_name, flag_for_check, is_corrupt, is_locked, open_database
from bot.understand.reading import Parse

log = logging.getLogger("bot.telegram.store")

STATE_FILE = DB_FILE
KEY_FILE = "callback.key"
DAY = 86_400.0
MAX_INLINE_PER_USER = 200  # inline cards kept per user (about 580 bytes each); the oldest go first


def default_data_dir(token: str | None = None) -> Path:
    """EVIDENCE_BOT_DATA_DIR, else the platform's data folder, one subfolder per bot (its id, the token's part
    before the colon): two bots on one machine never share settings or the signing key. An earlier version's
    state in the shared folder is moved into the first bot's own folder that starts (one log line)."""
    configured = os.environ.get("EVIDENCE_BOT_DATA_DIR", "").strip()
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_data_dir

    base = Path(user_data_dir("evidence-bot"))
    bot_id = (token or "").split(":", 1)[0]
    if not bot_id.isdigit():
        return base
    own = base / f"bot{bot_id}"
    if (base / DB_FILE).is_file() and not own.exists():
        own.mkdir(parents=True, mode=0o700)
        moved = []
        for name in (DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm", KEY_FILE, "state.json"):
            with contextlib.suppress(FileNotFoundError):
                os.replace(base / name, own / name)
                moved.append(name)
        log.warning("the default data directory is now one per bot: %s moved from %s to %s", ", ".join(moved),
                    base, own)
    return own


class Store:
    """Chat settings, last-question context and recent answers' readings, in one SQLite database."""

    def __init__(self, directory: str | Path | None = None, *, max_recent: int = 12, context_days: float = 30,
                 inline_days: float = 30, max_pending: int = 10_000, save_interval: float = 0.0,
                 full_check: bool = False):
        self.directory = Path(directory) if directory is not None else default_data_dir()
        self.path = self.directory / STATE_FILE
        self.max_recent = max_recent
        self.context_age = context_days * DAY
        self.inline_age = inline_days * DAY
        self.max_pending = max_pending
        self.save_interval = save_interval  # kept for callers; every change is written per transaction now
        self.write_failures = 0
        self._failing = False
        self._read_failing = False
        self._pending: dict[int, dict[str, Any]] = {}  # columns changed but not yet written, per chat
        self._inline_pending: dict[str, tuple[str, int | None]] = {}
        self._key: bytes | None = None
        self._db: sqlite3.Connection | None
        self._db, unclean = open_database(self.directory, full_check)
        self.inbox = Inbox(lambda: self._db)  # updates fetched and not answered yet (inbox.py)
        self.maintenance = Maintenance(self.path, Ages(self.context_age, self.inline_age))
        now = time.time()
        self._expired_at = self._meta("expired_at")
        if self._expired_at is None:  # a new database: nothing to expire today
            self._expired_at = 0.0 if self.chat_count() else now
            self._transaction([("INSERT OR REPLACE INTO meta(key, value) VALUES ('expired_at', ?)",
                                (self._expired_at,))])
        self._maintain(now, quick_check=unclean)

    # -- reading and writing rows --

    def _row(self, chat_id: int) -> dict[str, Any]:
        """The chat's stored columns with unwritten changes on top (empty when the chat is unknown)."""
        row: dict[str, Any] = {}
        if self._db is not None:
            try:
                found = self._db.execute("SELECT settings, context, recent FROM chats WHERE chat_id=?",
                                         (chat_id,)).fetchone()
            except sqlite3.Error as exc:
                self._read_failed(exc)
                found = None
            if found:
                row = {name: value for name, value in zip(("settings", "context", "recent"), found, strict=True)
                       if value is not None}
        row.update(self._pending.get(chat_id, {}))
        return row

    def _meta(self, key: str) -> float | None:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return float(row[0]) if row and isinstance(row[0], int | float) else None

    def _maintain(self, now: float, quick_check: bool = False) -> None:
        """Start the background work that is due: the quick check after an unclean stop; the daily expiry and
        full check (maintenance.py)."""
        due = now - self._expired_at > DAY
        started = (due or quick_check) and self.maintenance.start(quick_check=quick_check, full_check=due,
                                                                  expire_at=now if due else None)
        if started and due:
            self._expired_at = now

    def _read_failed(self, exc: BaseException) -> None:
        if is_corrupt(exc):
            flag_for_check(self.directory, exc)
        if not self._read_failing:
            self._read_failing = True
            log.error("state not readable (%s): answering with defaults", type(exc).__name__)

    def _transaction(self, statements: list[tuple[str, tuple]]) -> bool:
        """Run the statements in one transaction; False (logged once per outage) when it fails."""
        if self._db is None:
            return False
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    self._db.execute(sql, params)
                self._db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise
        except (sqlite3.Error, OSError) as exc:
            self.write_failures += 1
            if is_corrupt(exc):
                flag_for_check(self.directory, exc)
            if not self._failing:
                self._failing = True
                why = f"{error_name(exc)}: the database is locked by another process" if is_locked(exc) \
                    else error_name(exc)
                log.error("state not saved (%s): answering without remembering until writes succeed again", why)
            return False
        if self._failing:
            self._failing = False
            log.warning("state saved again after %d failed writes", self.write_failures)
        return True

    def _change(self, chat_id: int, **columns: Any) -> None:
        pending = self._pending.pop(chat_id, {})  # re-inserted last: the oldest pending chat is first
        pending.update(columns)
        self._pending[chat_id] = pending
        while len(self._pending) > self.max_pending:  # a long outage: forget the oldest unwritten changes
            del self._pending[next(iter(self._pending))]

    def flush(self) -> None:
        """Write every pending change, one transaction for all of them."""
        if not self._pending and not self._inline_pending:
            return
        now = time.time()
        statements = []
        for chat_id, columns in self._pending.items():
            names = sorted(columns)
            updates = ", ".join(f"{n}=excluded.{n}" for n in names)
            statements.append((f"INSERT INTO chats(chat_id, {', '.join(names)}, t) VALUES (?, "
                               f"{', '.join('?' for _ in names)}, ?) ON CONFLICT(chat_id) DO UPDATE SET "
                               f"{updates}, t=excluded.t", (chat_id, *(columns[n] for n in names), now)))
        users = set()
        for token, (data, user) in self._inline_pending.items():
            statements.append(("INSERT OR REPLACE INTO inline(token, data, t, user) VALUES (?, ?, ?, ?)",
                               (token, data, now, user)))
            users.add(user)
        for user in users - {None}:  # one user's cards: the newest MAX_INLINE_PER_USER only
            statements.append(("DELETE FROM inline WHERE user=? AND token NOT IN (SELECT token FROM inline "
                               "WHERE user=? ORDER BY t DESC LIMIT ?)", (user, user, MAX_INLINE_PER_USER)))
        if self._transaction(statements):
            self._pending.clear()
            self._inline_pending.clear()
        if now - self._expired_at > DAY:  # a long-running bot drops aged context once a day, off the loop
            self._maintain(now)

    def close(self) -> None:
        """Write anything pending, mark the stop clean and close the database (at shutdown)."""
        self.maintenance.stop()
        self.flush()
        self._transaction([("UPDATE meta SET value=0 WHERE key='running'", ())])
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()
            self._db = None

    def save(self) -> None:
        self.flush()

    def expire(self, now: float | None = None) -> dict[str, int]:
        """Drop follow-up context, recent answers and inline cards older than their age limit; keep settings.
        Here, at once (tests, tools); a running bot does this once a day off the event loop (maintenance.py)."""
        now = time.time() if now is None else now
        self._expired_at = now
        self.flush()
        if self._db is None:
            return {}
        try:
            return expire(self._db, now, Ages(self.context_age, self.inline_age), pause=0)
        except sqlite3.Error as exc:
            log.warning("state not expired (%s): tried again tomorrow", error_name(exc))
            return {}

    def _fresh(self, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("t"), int | float) \
                and time.time() - data["t"] > self.context_age:
            return None
        return data

    @staticmethod
    def _json(value: str | None) -> Any:
        if value is None:
            return None
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return None

    # -- settings --

    def settings(self, chat_id: int) -> Settings:
        return settings_from(self._json(self._row(chat_id).get("settings")))

    def set_settings(self, chat_id: int, settings: Settings) -> None:
        self._change(chat_id, settings=json.dumps(settings_dict(settings)))
        self.flush()

    # -- last effect question, for follow-ups --

    def context(self, chat_id: int) -> Parse | None:
        return restore(self._fresh(self._json(self._row(chat_id).get("context"))))

    def set_context(self, chat_id: int, parsed: Parse, save: bool = True) -> None:
        self._change(chat_id, context=json.dumps({**snapshot(parsed), "t": time.time()}))
        if save:
            self.flush()

    # -- each person's question in a chat (a group keeps one per member), for follow-ups --

    MAX_FRAMES = 50  # members of one group whose questions are kept; the least recent is dropped beyond that

    def frame(self, chat_id: int, user_id: int | None) -> Parse | None:
        """The question ``user_id`` last asked in the chat: in a group, two members never continue each
        other's question. A context written by an earlier version (one per chat) serves everyone."""
        data = self._fresh(self._json(self._row(chat_id).get("context")))
        if isinstance(data, dict) and isinstance(data.get("users"), dict):
            return restore(self._fresh(data["users"].get(str(user_id))))
        return restore(data)

    def set_frame(self, chat_id: int, user_id: int | None, parsed: Parse | None, save: bool = True) -> None:
        data = self._json(self._row(chat_id).get("context"))
        users = data.get("users") if isinstance(data, dict) and isinstance(data.get("users"), dict) else {}
        users.pop(str(user_id), None)
        if parsed is not None:
            users[str(user_id)] = {**snapshot(parsed), "t": time.time()}
        while len(users) > self.MAX_FRAMES:
            del users[next(iter(users))]
        self._change(chat_id, context=json.dumps({"users": users, "t": time.time()}))
        if save:
            self.flush()

    # -- recent answers' readings, for buttons pressed after a restart --

    def remember(self, chat_id: int, token: str, parsed: Parse, save: bool = True,
                 taps: tuple[Parse | None, ...] = ()) -> None:
        """``taps``: the frame each menu button of the answer carries (kept as its difference from the answer's
        own frame), so the buttons keep the question after a restart."""
        recent = self._json(self._row(chat_id).get("recent"))
        recent = recent if isinstance(recent, dict) else {}
        recent.pop(token, None)
        base = snapshot(parsed)
        recent[token] = {**base, "t": time.time()}
        if taps:
            recent[token]["taps"] = [None if tap is None else delta(base, snapshot(tap)) for tap in taps]
        while len(recent) > self.max_recent:
            del recent[min(recent, key=lambda k: recent[k].get("t", 0) if isinstance(recent[k], dict) else 0)]
        self._change(chat_id, recent=json.dumps(recent))
        if save:
            self.flush()

    def recall(self, chat_id: int, token: str) -> Parse | None:
        recent = self._json(self._row(chat_id).get("recent"))
        return restore(self._fresh(recent.get(token))) if isinstance(recent, dict) else None

    def recall_tap(self, chat_id: int, token: str, index: int) -> Parse | None:
        """The frame the ``index``-th menu button of a remembered answer carries."""
        recent = self._json(self._row(chat_id).get("recent"))
        entry = self._fresh(recent.get(token)) if isinstance(recent, dict) else None
        taps = entry.get("taps") if isinstance(entry, dict) else None
        if not isinstance(taps, list) or not 0 <= index < len(taps) or taps[index] is None:
            return None
        base = {k: v for k, v in entry.items() if k not in ("taps", "t")}
        return restore(undelta(base, taps[index]))

    def remember_inline(self, token: str, parsed: Parse, user_id: int | None = None) -> None:
        """Keep an inline card's reading for its deep link; one user keeps at most MAX_INLINE_PER_USER."""
        self._inline_pending[token] = (json.dumps({**snapshot(parsed), "t": time.time()}), user_id)
        self.flush()

    def recall_inline(self, token: str) -> Parse | None:
        data = self._inline_pending.get(token, (None,))[0]
        if data is None and self._db is not None:
            try:
                found = self._db.execute("SELECT data, t FROM inline WHERE token=?", (token,)).fetchone()
            except sqlite3.Error as exc:
                self._read_failed(exc)
                found = None
            if found is None or time.time() - found[1] > self.inline_age:
                return None
            data = found[0]
        return restore(self._json(data))

    # -- a chat's life: the bot removed, the chat deleted, a group become a supergroup --

    def forget(self, chat_id: int) -> None:
        """Delete everything kept for a chat (the bot was removed from it, or the user blocked it)."""
        self._pending.pop(chat_id, None)
        self._transaction([("DELETE FROM chats WHERE chat_id=?", (chat_id,))])

    def migrate(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: its row moves to the new id (what the new id already has wins)."""
        if old_id == new_id:
            return
        self.flush()
        if self._transaction([
            ("INSERT INTO chats(chat_id, settings, context, recent, t) SELECT ?, settings, context, recent, t "
             "FROM chats WHERE chat_id=? ON CONFLICT(chat_id) DO UPDATE SET settings=coalesce(chats.settings, "
             "excluded.settings), context=coalesce(chats.context, excluded.context), "
             "recent=coalesce(chats.recent, excluded.recent)", (new_id, old_id)),
            ("DELETE FROM chats WHERE chat_id=?", (old_id,)),
        ]):
            return
        moved = self._pending.pop(old_id, None)  # not written: carry it in memory
        if moved:
            self._change(new_id, **moved)

    # -- the key that signs callback data --

    def key(self) -> bytes:
        if self._key is None:
            path = self.directory / KEY_FILE
            try:
                key = bytes.fromhex(path.read_text(encoding="ascii").strip())
                if len(key) < 16:
                    raise ValueError("short key")
                if (path.stat().st_mode & 0o777) != 0o600:
                    os.chmod(path, 0o600)
                    log.warning("callback.key was readable by others: now mode 0600")
            except FileNotFoundError:
                key = secrets.token_bytes(32)
                atomic_write(path, key.hex().encode("ascii"))
            except (OSError, ValueError) as exc:
                key = secrets.token_bytes(32)
                moved = None
                if path.exists():
                    with contextlib.suppress(OSError):
                        moved = aside(path, "corrupt")
                log.error("callback.key unusable (%s): kept as %s, a new key was made (buttons of earlier "
                          "answers stop working)", type(exc).__name__, moved.name if moved else "-")
                atomic_write(path, key.hex().encode("ascii"))
            self._key = key
        return self._key

    def chat_count(self) -> int:
        if self._db is None:
            return 0
        try:
            return int(self._db.execute("SELECT COUNT(*) FROM chats").fetchone()[0])
        except sqlite3.Error:
            return 0


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old or the new content, never a mix; mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
