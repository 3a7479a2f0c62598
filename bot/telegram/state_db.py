"""Opening the chat-state database: file mode, WAL, the integrity check, and the one-time state.json import.

A database that cannot be opened or fails ``PRAGMA integrity_check`` is renamed to
``state.sqlite3.corrupt-<UTC timestamp>`` (with its -wal and -shm files) and a fresh one is created; one log
line says so. Nothing is overwritten or deleted: the operator can inspect or restore the file. A database
held by another process ("locked") is not touched: that is a configuration problem, reported as OSError.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from bot.telegram import inbox
from bot.telegram.snapshots import restore, settings_dict, settings_from

log = logging.getLogger("bot.telegram.store")

DB_FILE = "state.sqlite3"
JSON_FILE = "state.json"
SCHEMA_VERSION = 1
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS chats (chat_id INTEGER PRIMARY KEY, settings TEXT, context TEXT, recent TEXT,"
    " t REAL NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS chats_t ON chats(t)",
    "CREATE TABLE IF NOT EXISTS inline (token TEXT PRIMARY KEY, data TEXT NOT NULL, t REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS inline_t ON inline(t)",
    *inbox.SCHEMA,
)


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
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            with contextlib.suppress(OSError):
                os.replace(side, target.with_name(target.name + suffix))
    return target


def _private_file(path: Path) -> None:
    """Create the database file 0600 before SQLite does (its -wal and -shm files inherit the mode)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    except FileExistsError:
        pass
    if path.is_file() and (path.stat().st_mode & 0o777) != 0o600:
        os.chmod(path, 0o600)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL").fetchone()
        conn.execute("PRAGMA synchronous=NORMAL")
        # the inbox holds message text until answered: freed space is zeroed, and the -wal file is cut back to
        # 1 MB after each checkpoint, so little of it lingers on disk (README, Privacy)
        conn.execute("PRAGMA secure_delete=FAST")
        conn.execute("PRAGMA journal_size_limit=1048576")
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        if rows != [("ok",)]:
            raise sqlite3.DatabaseError("integrity check failed")
        for statement in SCHEMA:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    except BaseException:
        conn.close()
        raise
    return conn


def _locked(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) \
        or "locked" in str(exc)


def open_database(directory: Path) -> sqlite3.Connection:
    """The state database in ``directory``, created 0600 if missing; a broken one is set aside first."""
    path = directory / DB_FILE
    _private_file(path)
    try:
        conn = _connect(path)
    except sqlite3.Error as exc:
        if _locked(exc):
            raise OSError(f"state database is locked ({type(exc).__name__})") from None
        moved = aside(path, "corrupt")
        log.error("state database unusable (%s): moved aside to %s; starting with an empty one",
                  getattr(exc, "sqlite_errorname", None) or type(exc).__name__, moved.name)
        _private_file(path)
        try:
            conn = _connect(path)
        except sqlite3.Error as again:
            raise OSError(f"cannot create the state database ({type(again).__name__})") from None
    import_json(conn, directory)
    return conn


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
        if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("chats", {}), dict) \
                or not isinstance(data.get("inline", {}), dict):
            raise ValueError("unknown format")
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        with contextlib.suppress(OSError):
            moved = aside(path, "corrupt")
            log.error("state.json not understood (%s): moved aside to %s, not imported", type(exc).__name__,
                      moved.name)
        return None
    return data


def _chat_row(chat_id: str, chat: Any) -> tuple | None:
    if not isinstance(chat, dict):
        return None
    try:
        key = int(chat_id)
    except ValueError:
        return None
    t = chat.get("t") if isinstance(chat.get("t"), int | float) else time.time()
    settings = json.dumps(settings_dict(settings_from(chat.get("settings")))) if "settings" in chat else None
    context = chat.get("context")
    context = json.dumps({**context, "t": t}) if restore(context) is not None else None
    recent = chat.get("recent")
    recent = {k: v for k, v in recent.items() if isinstance(k, str) and restore(v) is not None} \
        if isinstance(recent, dict) else {}
    return key, settings, context, json.dumps(recent) if recent else None, float(t)


def import_json(conn: sqlite3.Connection, directory: Path) -> None:
    """Copy an earlier version's state.json into the database once, then rename it state.json.imported-…"""
    path = directory / JSON_FILE
    data = _json_state(path)
    if data is None:
        return
    rows = [row for k, v in data.get("chats", {}).items() if (row := _chat_row(k, v)) is not None]
    inline = [(str(k), json.dumps(v), float(v.get("t", time.time()) if isinstance(v.get("t"), int | float)
                                        else time.time()))
              for k, v in data.get("inline", {}).items() if isinstance(v, dict) and restore(v) is not None]
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
    log.info("state.json imported: %d chats; the old file is kept as %s", len(rows), moved.name)
