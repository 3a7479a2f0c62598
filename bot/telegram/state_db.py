"""Opening the chat-state database: refusals, file mode, WAL, checks, and the one-time state.json import.

Opening costs the same with ten chats or a million (benchmarks/README.md, "Chat state"): no check reads the
whole file at start-up. A database that was not closed cleanly (a crash, a kill, a power cut: the ``running``
flag in its ``meta`` table is still set) gets ``PRAGMA quick_check`` off the event loop, and every database a full
``PRAGMA integrity_check`` once a day, also off the loop (maintenance.py); ``serve --check-state`` runs the full
check before serving. A check that fails, or corruption met while serving, leaves a ``state.sqlite3.check`` flag:
the next start runs the full check first.

Only a corrupt database (SQLITE_CORRUPT, SQLITE_NOTADB, a failed check) is renamed to
``state.sqlite3.corrupt-<UTC timestamp>`` (with its -wal and -shm files), and a fresh one created; one log line
says so; nothing is overwritten or deleted. Anything else leaves the file exactly as it is and stops the start
with one line (``StateUnavailable``): an I/O error, a full disk, a file that cannot be opened, a database locked
by another process, one written by a newer version (a schema this code does not know), and a symbolic link in
place of the database or its side files (the bot would change the mode of whatever it points to).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any

from bot.telegram import inbox
from bot.telegram.snapshots import restore, settings_dict, settings_from

log = logging.getLogger("bot.telegram.store")

DB_FILE = "state.sqlite3"
JSON_FILE = "state.json"
CHECK_FILE = DB_FILE + ".check"  # corruption suspected: run the full check at the next start
SIDE_FILES = ("-wal", "-shm")
SCHEMA_VERSION = 1
OPEN_WAIT = 2.0  # seconds start-up waits for another process's lock before giving up
BUSY_WAIT = 0.2  # seconds a write waits for it while serving; then it is kept and retried with the next write
SCHEMA = (
    ("chats", "CREATE TABLE IF NOT EXISTS chats (chat_id INTEGER PRIMARY KEY, settings TEXT, context TEXT, "
              "recent TEXT, t REAL NOT NULL DEFAULT 0)"),
    ("chats_t", "CREATE INDEX IF NOT EXISTS chats_t ON chats(t)"),
    ("inline", "CREATE TABLE IF NOT EXISTS inline (token TEXT PRIMARY KEY, data TEXT NOT NULL, t REAL NOT NULL, "
               "user INTEGER)"),
    ("inline_t", "CREATE INDEX IF NOT EXISTS inline_t ON inline(t)"),
    ("inline_user", "CREATE INDEX IF NOT EXISTS inline_user ON inline(user, t)"),
    ("meta", "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value)"),
    *inbox.SCHEMA,
)


class StateUnavailable(OSError):
    """The state database cannot be used now; its file is left as it is. ``serve`` prints this and exits."""


class CheckFailed(sqlite3.DatabaseError):
    """PRAGMA integrity_check or quick_check found a problem."""


def error_name(exc: BaseException) -> str:
    return getattr(exc, "sqlite_errorname", None) or type(exc).__name__


def is_corrupt(exc: BaseException) -> bool:
    return isinstance(exc, CheckFailed) or error_name(exc).startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))


def is_locked(exc: BaseException) -> bool:
    return error_name(exc).startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in str(exc)


def stamp() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())


def aside(path: Path, why: str) -> Path:
    """Rename a file (and its SQLite side files) to ``<name>.<why>-<timestamp>``; never overwrite one."""
    target = path.with_name(f"{path.name}.{why}-{stamp()}")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.name}.{why}-{stamp()}-{counter}")
        counter += 1
    os.replace(path, target)
    for suffix in SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            with contextlib.suppress(OSError):
                os.replace(side, target.with_name(target.name + suffix))
    return target


def refuse_links(directory: Path, names=(DB_FILE, *(DB_FILE + s for s in SIDE_FILES))) -> None:
    for name in names:
        if (directory / name).is_symlink():
            raise StateUnavailable(f"{directory / name} is a symbolic link: refused (the bot would change the mode "
                                   "of the file it points to); put the file itself there")


def check_directory(directory: Path) -> None:
    """Warn once when others could replace the state: a data directory writable by group or others, or owned
    by another user."""
    try:
        info = directory.stat()
    except OSError:
        return
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        log.warning("data directory %s is writable by group or others (mode %o): they could replace the bot's "
                    "state and signing key; chmod 700 it", directory, stat.S_IMODE(info.st_mode))
    elif hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        log.warning("data directory %s belongs to another user (uid %d): they could replace the bot's state",
                    directory, info.st_uid)


def private_file(path: Path) -> None:
    """Create the database file 0600 before SQLite does (its -wal and -shm files inherit the mode); never
    through a symbolic link."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as exc:
        if path.is_symlink():
            raise StateUnavailable(f"{path} is a symbolic link: refused") from None
        if isinstance(exc, IsADirectoryError) or path.is_dir():
            raise StateUnavailable(f"cannot open the state database {path} (it is a directory); the file is left "
                                   "as it is") from None
        raise
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != 0o600:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def check(conn: sqlite3.Connection, pragma: str = "integrity_check") -> None:
    """Raise CheckFailed unless ``PRAGMA integrity_check`` (or quick_check) says ok."""
    rows = conn.execute(f"PRAGMA {pragma}").fetchall()
    if rows != [("ok",)]:
        raise CheckFailed(f"{pragma} failed")


def _connect(path: Path, full_check: bool) -> tuple[sqlite3.Connection, bool]:
    """The open connection, and whether the last process stopped without closing it (an unclean stop)."""
    conn = sqlite3.connect(path, timeout=OPEN_WAIT, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL").fetchone()
        conn.execute("PRAGMA synchronous=NORMAL")
        # the inbox holds message text until answered: freed space is zeroed, and the -wal file is cut back to
        # 1 MB after each checkpoint, so little of it lingers on disk (README, Privacy)
        conn.execute("PRAGMA secure_delete=FAST")
        conn.execute("PRAGMA journal_size_limit=1048576")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StateUnavailable(f"the state database {path} was written by a newer evidence-bot (schema version "
                                   f"{version}; this one knows {SCHEMA_VERSION}): run the newer version, or set "
                                   "EVIDENCE_BOT_DATA_DIR to another directory; the file is left as it is")
        names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        unclean = "chats" in names and ("meta" not in names or conn.execute(
            "SELECT value FROM meta WHERE key='running'").fetchone() == (1,))
        if full_check:
            check(conn)
        if "inline" in names and "user" not in {row[1] for row in conn.execute("PRAGMA table_info(inline)")}:
            conn.execute("ALTER TABLE inline ADD COLUMN user INTEGER")  # an earlier version's table
        for name, statement in SCHEMA:
            if name not in names:
                conn.execute(statement)
        if version != SCHEMA_VERSION:
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('running', 1)")
        conn.execute(f"PRAGMA busy_timeout={int(BUSY_WAIT * 1000)}")
    except BaseException:
        conn.close()
        raise
    return conn, unclean


def open_database(directory: Path, full_check: bool = False) -> tuple[sqlite3.Connection, bool]:
    """The state database in ``directory`` (created 0600 if missing) and whether it was not closed cleanly;
    a corrupt one is set aside first, any other problem raises StateUnavailable (see the module docstring)."""
    path = directory / DB_FILE
    refuse_links(directory)
    private_file(path)
    check_directory(directory)
    flagged = (directory / CHECK_FILE).exists()
    try:
        conn, unclean = _connect(path, full_check or flagged)
    except sqlite3.Error as exc:
        if is_locked(exc):
            raise StateUnavailable(f"the state database {path} is locked by another process ({error_name(exc)}): "
                                   "stop it (one evidence-bot per data directory), then start again") from None
        if not is_corrupt(exc):
            raise StateUnavailable(f"cannot open the state database {path} ({error_name(exc)}: a full disk, an I/O "
                                   "error or no permission); the file is left as it is") from None
        moved = aside(path, "corrupt")
        log.error("state database unusable (%s): moved aside to %s; starting with an empty one", error_name(exc),
                  moved.name)
        private_file(path)
        try:
            conn, unclean = _connect(path, False)
        except sqlite3.Error as again:
            raise StateUnavailable(f"cannot create the state database {path} ({error_name(again)})") from None
    if flagged:
        with contextlib.suppress(OSError):
            (directory / CHECK_FILE).unlink()
    import_json(conn, directory)
    return conn, unclean


def flag_for_check(directory: Path, exc: BaseException) -> None:
    """Corruption met while serving: the next start runs the full check (and sets the file aside if it fails)."""
    path = directory / CHECK_FILE
    if path.exists():
        return
    with contextlib.suppress(OSError):
        path.touch(mode=0o600)
    log.error("state database reports %s: it will be fully checked at the next start (and set aside if the "
              "check fails); restart the bot soon", error_name(exc))


# --- the one-time import of the JSON state file of earlier versions ----------------------------------------

def _json_state(path: Path) -> dict[str, Any] | None:
    """The JSON state, or None when there is none; a file that cannot be understood is set aside."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.error("state.json unreadable (%s): left in place, not imported", type(exc).__name__)
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
        # "version": true is not version 1 (True == 1 in Python)
        if not isinstance(data, dict) or type(data.get("version")) is not int or data["version"] != 1 \
                or not isinstance(data.get("chats", {}), dict) or not isinstance(data.get("inline", {}), dict):
            raise ValueError("unknown format")
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        with contextlib.suppress(OSError):
            moved = aside(path, "corrupt")
            log.error("state.json not understood (%s): moved aside to %s, not imported", type(exc).__name__,
                      moved.name)
        return None
    return data


INT64 = (-(2 ** 63), 2 ** 63 - 1)  # what an SQLite INTEGER holds; chat ids are far inside it


def _time(value: Any, now: float) -> tuple[float, bool]:
    """A stored time as a float, and False when it was not a usable one (missing, NaN, infinite, a number too
    big for a float, in the future): then it is now, so the entry is kept and ages from today."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            t = float(value)
        except OverflowError:
            return now, False
        if math.isfinite(t) and 0 <= t <= now + 86_400:
            return t, True
    return now, False


def _chat_row(chat_id: str, chat: Any, now: float) -> tuple[tuple | None, bool]:
    """The row for one chat (None: not importable) and whether its time had to be replaced."""
    if not isinstance(chat, dict):
        return None, False
    try:
        key = int(chat_id)
    except ValueError:
        return None, False
    if not INT64[0] <= key <= INT64[1]:
        return None, False
    t, usable = _time(chat.get("t"), now)
    settings = json.dumps(settings_dict(settings_from(chat.get("settings")))) if "settings" in chat else None
    context = chat.get("context")
    context = json.dumps({**context, "t": t}) if restore(context) is not None else None
    recent = chat.get("recent")
    recent = {k: v for k, v in recent.items() if isinstance(k, str) and restore(v) is not None} \
        if isinstance(recent, dict) else {}
    row = (key, settings, context, json.dumps(recent) if recent else None, t)
    return row, not usable and "t" in chat


def import_json(conn: sqlite3.Connection, directory: Path) -> None:
    """Copy an earlier version's state.json into the database once, then rename it state.json.imported-…

    A hand-edited file cannot stop the start: a chat id out of range or not a number skips that chat, a time
    that is missing, NaN, infinite or too large becomes now; the log line counts both."""
    path = directory / JSON_FILE
    data = _json_state(path)
    if data is None:
        return
    now = time.time()
    rows, skipped, retimed = [], 0, 0
    for chat_id, chat in data.get("chats", {}).items():
        row, replaced = _chat_row(chat_id, chat, now)
        if row is None:
            skipped += 1
            continue
        rows.append(row)
        retimed += replaced
    inline = []
    for token, card in data.get("inline", {}).items():
        if not isinstance(card, dict) or restore(card) is None:
            skipped += 1
            continue
        t, usable = _time(card.get("t"), now)
        retimed += not usable and "t" in card
        inline.append((str(token), json.dumps({**card, "t": t}), t))
    conn.execute("BEGIN IMMEDIATE")
    try:
        # rows already in the database (written by this version) win over the old file
        conn.executemany("INSERT OR IGNORE INTO chats(chat_id, settings, context, recent, t) VALUES (?,?,?,?,?)",
                         rows)
        conn.executemany("INSERT OR IGNORE INTO inline(token, data, t) VALUES (?,?,?)", inline)
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    moved = aside(path, "imported")
    log.info("state.json imported: %d chats, %d inline cards; %d entries not understood and skipped, %d times "
             "unusable and set to now; the old file is kept as %s", len(rows), len(inline), skipped, retimed,
             moved.name)
