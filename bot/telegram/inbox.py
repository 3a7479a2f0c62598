"""The durable inbox: every update fetched from Telegram is written here before Telegram is told it arrived.

Delivery guarantee (README, "Delivery"). An update is confirmed to Telegram (long polling: a getUpdates offset
past it; webhook: the 200 answer) only after it is committed to the ``inbox`` table of the state database, with
``synchronous=FULL`` for that commit, so a crash, a kill or a power cut after the confirmation cannot lose it. It
is answered from there, each chat in order (turns.py), and marked done the moment its answer has been sent; a
restart answers what is not done yet, where it stood. Nothing is answered twice, except an answer that was
being sent at the moment the process died (sent, but not yet marked done). ``update_id`` is the key, so an
update that arrives again (a webhook retry, a getUpdates repeat) is recognised and not answered again.

Privacy. The inbox keeps the minimum needed to answer (``minimal``): ids, chat type, the text or caption with its
entities (runs of white space shortened to one character), the button data, the inline query; never names, user
names, titles, or the text of a message replied to. The content is deleted (``data`` set to NULL) once the update
is answered; the bare update_id is kept for a day so a late repeat is still recognised, then deleted with the daily
expiry. The file is mode 0600.

python-telegram-bot has no durable update queue: its ``update_queue`` is in memory, and its persistence
(``BasePersistence``) keeps user, chat and bot data, written on an interval, not updates before they are
confirmed; so the inbox is ours, and the library's queue, update processor and handlers run on top of it.

A write that fails (disk full, the database locked by another process) does not stop the bot: the batch is
answered from memory as before the inbox existed, and one log line says that a crash meanwhile would lose it.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import sqlite3
import time
from collections.abc import Iterable
from typing import Any

log = logging.getLogger("bot.telegram.inbox")

SCHEMA = (  # (name, statement), created by state_db when missing
    ("inbox", "CREATE TABLE IF NOT EXISTS inbox (update_id INTEGER PRIMARY KEY, data TEXT, t REAL NOT NULL, "
              "done REAL)"),
    ("inbox_pending", "CREATE INDEX IF NOT EXISTS inbox_pending ON inbox(update_id) WHERE done IS NULL"),
    ("inbox_done", "CREATE INDEX IF NOT EXISTS inbox_done ON inbox(done) WHERE done IS NOT NULL"),
)
KEEP_DONE = 86_400.0  # seconds an answered update's id is kept, so a late repeat is still recognised
MAX_AGE = 86_400.0  # an update older than this when the bot starts is not answered (Telegram keeps them a day)

# --- the minimum an answer needs -----------------------------------------------------------------------------

_ENTITY_KEYS = ("type", "offset", "length")
_MESSAGE_KEYS = ("message_id", "date", "message_thread_id", "is_topic_message", "text", "caption",
                 "migrate_to_chat_id", "migrate_from_chat_id")


def _user(data: Any) -> dict | None:
    """A user as its id and whether it is a bot; first_name is required by the library, so it is left empty."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    return {"id": data["id"], "is_bot": bool(data.get("is_bot")), "first_name": ""}


def _chat(data: Any) -> dict | None:
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    chat = {"id": data["id"], "type": data.get("type") if isinstance(data.get("type"), str) else "private"}
    if data.get("is_forum") is True:
        chat["is_forum"] = True
    return chat


def _entities(data: Any) -> list | None:
    if not isinstance(data, list):
        return None
    kept = []
    for entity in data:
        if not isinstance(entity, dict):
            continue
        item = {k: entity[k] for k in _ENTITY_KEYS if k in entity}
        if entity.get("type") == "text_mention" and _user(entity.get("user")):
            item["user"] = _user(entity["user"])
        kept.append(item)
    return kept


def collapse_whitespace(text: str, entities: list | None) -> tuple[str, list | None]:
    """Each run of white space kept as its first character, the entities' offsets (UTF-16 code units, as
    Telegram counts them) moved to match. Some patterns downstream (the reset and /settings commands) took time
    quadratic in the length of a run; nothing the bot reads depends on how long a run is."""
    if not any(a.isspace() and b.isspace() for a, b in itertools.pairwise(text)):
        return text, entities
    kept: list[str] = []
    moved = [0]  # moved[old offset] = new offset, in UTF-16 code units
    new = 0
    previous_space = False
    for char in text:
        units = 2 if ord(char) > 0xFFFF else 1
        space = char.isspace()
        if not (space and previous_space):
            kept.append(char)
            new += units
        moved.extend([new] * units)
        previous_space = space
    if entities:
        shifted = []
        for entity in entities:
            start, length = entity.get("offset"), entity.get("length")
            if isinstance(start, int) and isinstance(length, int) and 0 <= start <= start + length < len(moved):
                entity = {**entity, "offset": moved[start], "length": moved[start + length] - moved[start]}
            shifted.append(entity)
        entities = shifted
    return "".join(kept), entities


def _message(data: Any, *, content: bool = True) -> dict | None:
    """A message: ids, chat, sender, and (``content``) its text or caption with entities; no names or media."""
    if not isinstance(data, dict):
        return None
    message = {k: data[k] for k in _MESSAGE_KEYS if k in data and (content or k not in ("text", "caption"))}
    message.setdefault("date", 0)
    for key, clean in (("chat", _chat), ("from", _user), ("via_bot", _user), ("sender_chat", _chat)):
        value = clean(data.get(key))
        if value is not None:
            message[key] = value
    if content:
        for key, entities_key in (("text", "entities"), ("caption", "caption_entities")):
            entities = _entities(data.get(entities_key))
            if isinstance(message.get(key), str):
                message[key], entities = collapse_whitespace(message[key], entities)
            if entities:
                message[entities_key] = entities
        reply = _message(data.get("reply_to_message"), content=False)
        if reply is not None and "chat" in reply:
            message["reply_to_message"] = reply
    if "chat" not in message:
        return None
    return message


def _member(data: Any) -> dict | None:
    """A chat member (my_chat_member): its status fields as sent, the user reduced to id and is_bot."""
    if not isinstance(data, dict):
        return None
    member = {k: v for k, v in data.items() if k != "user" and not isinstance(v, dict | list)}
    user = _user(data.get("user"))
    if user is None:
        return None
    member["user"] = user
    return member


def minimal(update: dict) -> dict:
    """What answering ``update`` needs, and nothing more (see the module docstring); kinds the bot does not
    answer keep only their update_id."""
    kept: dict[str, Any] = {"update_id": update["update_id"]}
    if isinstance(update.get("message"), dict):
        message = _message(update["message"])
        if message is not None:
            kept["message"] = message
    elif isinstance(update.get("callback_query"), dict):
        query = update["callback_query"]
        sender = _user(query.get("from"))
        if sender is not None:
            kept["callback_query"] = {
                "id": str(query.get("id", "")), "from": sender, "chat_instance": str(query.get("chat_instance", "")),
                **({"data": query["data"]} if isinstance(query.get("data"), str) else {}),
                **({"inline_message_id": query["inline_message_id"]}
                   if isinstance(query.get("inline_message_id"), str) else {})}
            message = _message(query.get("message"), content=False)
            if message is not None:
                if isinstance(query["message"].get("reply_markup"), dict):
                    message["reply_markup"] = query["message"]["reply_markup"]  # the bot's own buttons
                kept["callback_query"]["message"] = message
    elif isinstance(update.get("inline_query"), dict):
        query = update["inline_query"]
        sender = _user(query.get("from"))
        if sender is not None:
            kept["inline_query"] = {"id": str(query.get("id", "")), "from": sender,
                                    "query": query.get("query") if isinstance(query.get("query"), str) else "",
                                    "offset": query.get("offset") if isinstance(query.get("offset"), str) else "",
                                    **({"chat_type": query["chat_type"]}
                                       if isinstance(query.get("chat_type"), str) else {})}
    elif isinstance(update.get("my_chat_member"), dict):
        change = update["my_chat_member"]
        chat, sender = _chat(change.get("chat")), _user(change.get("from"))
        old, new = _member(change.get("old_chat_member")), _member(change.get("new_chat_member"))
        if chat and sender and old and new:
            kept["my_chat_member"] = {"chat": chat, "from": sender, "date": change.get("date", 0),
                                      "old_chat_member": old, "new_chat_member": new}
    return kept


def update_id_of(item: Any) -> int | None:
    update_id = item.get("update_id") if isinstance(item, dict) else None
    return update_id if isinstance(update_id, int) and not isinstance(update_id, bool) else None


# --- the table ----------------------------------------------------------------------------------------------

class Inbox:
    """The ``inbox`` table, on the store's connection (one thread: the event loop)."""

    def __init__(self, connection_of, clock=time.time):
        self._connection_of = connection_of  # a callable: the store's connection, or None once closed
        self.clock = clock
        self._failing = False
        self.failures = 0

    @property
    def _db(self) -> sqlite3.Connection | None:
        return self._connection_of()

    def add(self, items: Iterable[dict]) -> tuple[list[dict], bool]:
        """Store each update (already ``minimal``) unless its update_id is known; returns the new ones, in
        order, and whether they are durable (False: the write failed, they are answered from memory)."""
        items = [item for item in items if update_id_of(item) is not None]
        if not items:
            return [], True
        db = self._db
        if db is None:
            return items, False
        now = self.clock()
        try:
            db.execute("PRAGMA synchronous=FULL")  # confirmed to Telegram next: must survive a power cut
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    new = []
                    for item in items:
                        cursor = db.execute("INSERT OR IGNORE INTO inbox(update_id, data, t) VALUES (?, ?, ?)",
                                            (item["update_id"], json.dumps(item, separators=(",", ":")), now))
                        if cursor.rowcount:
                            new.append(item)
                    db.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                    raise
            finally:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("PRAGMA synchronous=NORMAL")
        except (sqlite3.Error, OSError) as exc:
            self._failed(exc)
            return items, False
        if self._failing:
            self._failing = False
            log.warning("inbox written again after %d failed writes", self.failures)
        return new, True

    def _failed(self, exc: BaseException) -> None:
        self.failures += 1
        if not self._failing:
            self._failing = True
            log.error("inbox not written (%s): answering from memory; updates fetched meanwhile are lost if the "
                      "process dies before answering them", getattr(exc, "sqlite_errorname", None)
                      or type(exc).__name__)

    def done(self, update_id: int) -> None:
        """The update is answered: its content is deleted; its id stays a day (repeats are recognised)."""
        db = self._db
        if db is None:
            return
        try:
            db.execute("UPDATE inbox SET data=NULL, done=? WHERE update_id=?", (self.clock(), update_id))
        except (sqlite3.Error, OSError) as exc:
            self._failed(exc)

    def pending(self, max_age: float | None = None) -> list[dict]:
        """The updates not answered yet, oldest first (after a restart). With ``max_age``, older ones are marked
        done unanswered (a question from days ago, or from a restored backup, is not answered now)."""
        db = self._db
        if db is None:
            return []
        try:
            if max_age is not None:
                cursor = db.execute("UPDATE inbox SET data=NULL, done=? WHERE done IS NULL AND t < ?",
                                    (self.clock(), self.clock() - max_age))
                if cursor.rowcount:
                    log.warning("%d update%s in the inbox older than %.0f hours: not answered", cursor.rowcount,
                                "" if cursor.rowcount == 1 else "s", max_age / 3600)
            rows = db.execute("SELECT update_id, data FROM inbox WHERE done IS NULL ORDER BY update_id").fetchall()
        except sqlite3.Error as exc:
            log.error("inbox not readable (%s): unanswered updates stay for the next start", type(exc).__name__)
            return []
        found = []
        for update_id, data in rows:
            try:
                item = json.loads(data) if data else None
            except (ValueError, RecursionError):
                item = None
            found.append(item if isinstance(item, dict) and update_id_of(item) == update_id
                         else {"update_id": update_id})
        return found

    def load(self, update_id: int) -> dict | None:
        """One stored update (spilled from memory while its chat had a long queue)."""
        db = self._db
        if db is None:
            return None
        try:
            row = db.execute("SELECT data FROM inbox WHERE update_id=? AND done IS NULL", (update_id,)).fetchone()
            return json.loads(row[0]) if row and row[0] else None
        except (sqlite3.Error, ValueError, RecursionError):
            return None

    def count(self) -> int:
        db = self._db
        if db is None:
            return 0
        try:
            return int(db.execute("SELECT COUNT(*) FROM inbox WHERE done IS NULL").fetchone()[0])
        except sqlite3.Error:
            return 0


def prune_statement(now: float) -> tuple[str, tuple]:
    """For the daily expiry: forget answered updates' ids after KEEP_DONE seconds."""
    return "DELETE FROM inbox WHERE done IS NOT NULL AND done < ?", (now - KEEP_DONE,)
