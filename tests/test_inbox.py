"""The durable inbox, per-chat turns and the per-group rate limit (issue 24), as units.

What the inbox keeps of an update is the minimum an answer needs (no names, user names, titles, or the text of a
message replied to), and its content is deleted once answered; update_ids are recognised when sent again. Turns:
one chat's backlog holds one worker at most and gets one turn per round; an update over its sender's limit is
refused at once, out of turn. The rate limiter: a 429 for one group holds back that group only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time

import pytest
from telegram import Update
from telegram.error import RetryAfter

from bot.telegram import inbox as inbox_module
from bot.telegram.delivery import ADMISSION, REFUSED, FloodGuard
from bot.telegram.inbox import Inbox, minimal
from bot.telegram.ratelimit import AnswerRateLimiter
from bot.telegram.store import Store
from bot.telegram.turns import FairUpdateProcessor, counts
from tests.fake_bot_api import BOT_ID, BOT_USERNAME, bot_message, callback_update, inline_update, message

SECRET_WORDS = ("Tangerine", "Zebracorn", "zebra_user", "Secret Clinic Group", "+441234", "Baker Street")


def personal(update: dict) -> dict:
    """Names, user names, titles and other personal fields everywhere a Bot API update can carry them."""
    def person(data: dict) -> dict:
        return {**data, "first_name": "Tangerine", "last_name": "Zebracorn", "username": "zebra_user",
                "language_code": "en"}

    msg = update.get("message") or (update.get("callback_query") or {}).get("message")
    if msg is not None:
        msg["chat"] = {**msg["chat"], "title": "Secret Clinic Group", "first_name": "Tangerine"}
        msg["from"] = person(msg["from"])
        msg["contact"] = {"phone_number": "+441234", "first_name": "Tangerine"}
        msg["location"] = {"latitude": 51.5, "longitude": -0.1}
        msg["forward_origin"] = {"type": "user", "date": 1, "sender_user": person({"id": 5, "is_bot": False})}
        msg["reply_to_message"] = {"message_id": 7, "date": 1, "chat": msg["chat"], "text": "Baker Street",
                                   "from": person({"id": BOT_ID, "is_bot": True})}
    for key in ("callback_query", "inline_query"):
        if key in update:
            update[key]["from"] = person(update[key]["from"])
            update[key]["location"] = {"latitude": 51.5, "longitude": -0.1}
    return update


@pytest.mark.parametrize("update", [
    {"message": message("does dupilumab reduce skin infections", chat_id=-100, kind="supergroup",
                        message_thread_id=3, is_topic_message=True,
                        entities=[{"type": "mention", "offset": 0, "length": 4}])},
    {"message": message(None, caption="/ask dupilumab", photo=[{"file_id": "f", "file_unique_id": "u",
                                                               "width": 1, "height": 1}])},
    callback_update("p..tok.sig12345", {"text": "answer", "reply_markup": {"inline_keyboard": []}}, chat_id=42),
    inline_update("dupilumab skin infection"),
])
def test_the_inbox_keeps_no_names_and_what_an_answer_needs(update):
    data = personal({"update_id": 9, **json.loads(json.dumps(update))})
    kept = minimal(data)
    text = json.dumps(kept)
    assert not [word for word in SECRET_WORDS if word in text], text
    assert "location" not in text and "contact" not in text and "forward_origin" not in text
    before, after = Update.de_json(data, None), Update.de_json(kept, None)
    assert after.update_id == 9
    if before.message:
        m, k = before.message, after.message
        assert (k.text, k.caption, k.chat.id, k.chat.type, k.from_user.id, k.message_thread_id,
                k.is_topic_message, k.entities) == (m.text, m.caption, m.chat.id, m.chat.type, m.from_user.id,
                                                    m.message_thread_id, m.is_topic_message, m.entities)
        assert k.reply_to_message.from_user.id == BOT_ID and k.reply_to_message.text is None
    if before.callback_query:
        q, k = before.callback_query, after.callback_query
        assert (k.id, k.data, k.from_user.id, k.message.chat.id, k.message.message_id, k.message.reply_markup) == \
            (q.id, q.data, q.from_user.id, q.message.chat.id, q.message.message_id, q.message.reply_markup)
    if before.inline_query:
        assert (after.inline_query.query, after.inline_query.from_user.id) == \
            (before.inline_query.query, before.inline_query.from_user.id)


def test_an_update_is_stored_once_and_its_content_deleted_once_answered(tmp_path):
    store = Store(tmp_path / "d")
    inbox = store.inbox
    first = {"update_id": 5, **minimal({"update_id": 5, "message": message("question one", chat_id=1)})}
    second = {"update_id": 6, **minimal({"update_id": 6, "message": message("question two", chat_id=1)})}
    assert inbox.add([first, second]) == ([first, second], True)
    assert inbox.add([first]) == ([], True)  # sent again: recognised
    assert [i["update_id"] for i in inbox.pending()] == [5, 6] and inbox.count() == 2
    inbox.done(5)
    assert [i["update_id"] for i in inbox.pending()] == [6] and inbox.load(5) is None
    assert inbox.add([first]) == ([], True)  # answered, and still recognised
    row = store._db.execute("SELECT data, done FROM inbox WHERE update_id=5").fetchone()
    assert row[0] is None and row[1] is not None  # no content kept once answered
    inbox.done(6)
    store.expire(now=time.time() + inbox_module.KEEP_DONE + 10)
    assert store._db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0] == 0  # ids forgotten after a day
    store.close()
    assert b"question one" not in (tmp_path / "d" / "state.sqlite3").read_bytes()  # zeroed, not just unlinked


def test_an_update_older_than_a_day_is_not_answered_after_a_restart(tmp_path, caplog):
    now = [time.time() - 2 * inbox_module.MAX_AGE]
    store = Store(tmp_path / "d")
    inbox = Inbox(lambda: store._db, clock=lambda: now[0])
    inbox.add([{"update_id": 1}, {"update_id": 2}])  # two days ago (a restored backup, a long outage)
    now[0] = time.time()
    inbox.add([{"update_id": 3}])
    assert [item["update_id"] for item in inbox.pending(inbox_module.MAX_AGE)] == [3]
    assert inbox.count() == 1 and store._db.execute("SELECT data FROM inbox WHERE update_id=1").fetchone() == (None,)
    assert any("2 updates in the inbox older than 24 hours" in r.getMessage() for r in caplog.records)


def test_a_failing_inbox_answers_from_memory_and_says_so_once(tmp_path, caplog):
    conn = sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)
    conn.close()  # every statement now fails
    inbox = Inbox(lambda: conn)
    items = [{"update_id": 1}, {"update_id": 2}]
    assert inbox.add(items) == (items, False)
    assert inbox.add(items) == (items, False)
    assert sum("inbox not written" in r.getMessage() for r in caplog.records) == 1


# --- turns --------------------------------------------------------------------------------------------------

class Bot:
    id, username = BOT_ID, BOT_USERNAME

    def insert_callback_data(self, update) -> None:
        pass


class App:
    """Just what FairUpdateProcessor uses of an Application: process_update, bot_data, bot, handlers."""

    def __init__(self, delays: dict[int, float], flood: FloodGuard | None = None):
        from types import SimpleNamespace

        self.delays = delays
        self.events: list[tuple[str, int, str | None]] = []
        self.bot_data = {"deps": SimpleNamespace(flood=flood)} if flood else {}
        self.bot = SimpleNamespace(id=BOT_ID, username=BOT_USERNAME)
        self.handlers: dict = {}

    async def process_update(self, update: Update) -> None:
        self.events.append(("start", update.update_id, ADMISSION.get()))
        await asyncio.sleep(self.delays.get(update.update_id, 0.0))
        self.events.append(("end", update.update_id, ADMISSION.get()))


def text_update(update_id: int, chat_id: int, user_id: int | None = None) -> Update:
    return Update.de_json({"update_id": update_id, "message": message("does dupilumab reduce skin infections",
                                                                       chat_id=chat_id, user_id=user_id or chat_id,
                                                                       kind="private" if chat_id > 0 else "group")},
                          None)


async def nothing():
    pass


async def test_a_chat_with_a_backlog_holds_one_worker_and_takes_turns():
    """A group with 30 slow updates (each waiting, as for Telegram's 20 a minute) and two workers: a private
    chat's update, queued after all of them, is answered at the next free turn, not after the backlog."""
    app = App({i: 0.05 for i in range(1, 31)})
    processor = FairUpdateProcessor(2)
    processor.application = app
    for update_id in range(1, 31):
        await processor.process_update(text_update(update_id, -500), nothing())
    await processor.process_update(text_update(100, 7), nothing())
    assert processor.backlog() == 31
    assert await processor.drain(10)
    order = [update_id for kind, update_id, _ in app.events if kind == "start"]
    assert order.index(100) <= 1, order  # not behind the 30
    group = [u for u in order if u != 100]
    assert group == sorted(group)  # the group's own order is kept
    running, most = 0, 0
    for kind, update_id, _ in app.events:
        if update_id != 100:
            running += 1 if kind == "start" else -1
            most = max(most, running)
    assert most == 1  # the group never held more than one worker
    await processor.cancel()


async def test_a_long_queue_waits_in_the_inbox_not_in_memory(tmp_path):
    store = Store(tmp_path / "d")
    app = App({})
    app.bot = Bot()
    processor = FairUpdateProcessor(4, in_memory=3)
    processor.application, processor.inbox = app, store.inbox
    updates = [text_update(i, 11) for i in range(1, 21)]
    data = [minimal(u.to_dict()) for u in updates]
    assert len(store.inbox.add(data)[0]) == 20
    processor.stored(u.update_id for u in updates)
    for update in updates:
        await processor.process_update(update, nothing())
    in_memory = sum(item.update is not None for queue in processor._queues.values() for item in queue)
    assert in_memory <= 3 + 1
    assert await processor.drain(10)
    assert [u for kind, u, _ in app.events if kind == "start"] == list(range(1, 21))  # all, in order
    await processor.cancel()
    store.close()


async def test_an_update_over_the_limit_is_refused_at_once_out_of_turn():
    flood = FloodGuard(limit=2)
    app = App({1: 0.3, 2: 0.0}, flood)
    processor = FairUpdateProcessor(4)
    processor.application = app
    for update_id in (1, 2, 3):  # one user, one chat: the third is over the limit
        await processor.process_update(text_update(update_id, 21), nothing())
    await asyncio.sleep(0.05)
    started = [(u, admission) for kind, u, admission in app.events if kind == "start"]
    assert started == [(1, "counted"), (3, REFUSED)]  # refused while 1 is still being answered, before 2
    assert await processor.drain(5)
    assert [u for kind, u, _ in app.events if kind == "start"] == [1, 3, 2]
    assert flood.allow(21) is False  # 2 counted on arrival; the refused one was not
    await processor.cancel()


def test_what_counts_against_the_limit_on_arrival():
    def check(update: dict) -> bool:
        return counts(Update.de_json({"update_id": 1, **update}, None), BOT_ID, BOT_USERNAME,
                      frozenset({"ask", "help", "sources"}))

    assert check({"message": message("a question")})  # private: any message
    assert check({"message": message("/sources", chat_id=-5, kind="group")})
    assert check({"message": message(f"/help@{BOT_USERNAME}", chat_id=-5, kind="group")})
    assert not check({"message": message("/help@other_bot", chat_id=-5, kind="group")})
    assert not check({"message": message("/unknown", chat_id=-5, kind="group")})
    assert not check({"message": message("chatting among ourselves", chat_id=-5, kind="group")})
    assert check({"message": message("is it safe?", chat_id=-5, kind="group",
                                     reply_to=bot_message({"text": "an answer"}, chat_id=-5))})
    assert check(callback_update("x", None))
    assert check(inline_update("dupilumab")) and not check(inline_update("  "))


# --- the per-group rate limit -----------------------------------------------------------------------------

async def test_a_429_for_a_group_holds_back_that_group_only():
    limiter = AnswerRateLimiter(max_retries=2)
    await limiter.initialize()
    calls: dict[str, list[float]] = {"group": [], "private": []}
    started = time.monotonic()

    async def group_send():
        calls["group"].append(time.monotonic() - started)
        if len(calls["group"]) == 1:
            raise RetryAfter(1)
        return True

    async def private_send():
        calls["private"].append(time.monotonic() - started)
        return True

    group = asyncio.ensure_future(limiter.process_request(group_send, (), {}, "sendMessage",
                                                          {"chat_id": -100}, None))
    await asyncio.sleep(0.1)  # the group's 429 has come back
    assert await limiter.process_request(private_send, (), {}, "sendMessage", {"chat_id": 42}, None)
    assert calls["private"][0] < 0.5  # not held by the group's retry-after
    assert await group is True
    assert calls["group"][1] >= 1.0  # the group waited its retry-after
    await limiter.shutdown()


def test_the_inbox_logs_nothing_of_an_update(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    store = Store(tmp_path / "d")
    data = personal({"update_id": 3, "message": message("Tangerine asks about dupilumab", chat_id=1)})
    store.inbox.add([minimal(data)])
    store.inbox.pending()
    store.inbox.done(3)
    store.close()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert not [word for word in SECRET_WORDS if word in text]
