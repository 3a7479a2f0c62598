"""Chat state in SQLite (bot/telegram/store.py, state_db.py): durable, private, per-row, and safe on faults.

Each test here failed with the JSON state file: settings were evicted by other chats' activity, every save
rewrote the whole file, a corrupt or unreadable file led to an empty start that overwrote it, invalid UTF-8 or
deep nesting crashed start-up, any write failure turned answers into "something went wrong", a group's settings
were lost when it became a supergroup, and a corrupt callback.key was replaced without a backup.
"""

from __future__ import annotations

import json
import logging
import os
import random
import sqlite3
import stat
import time

import pytest

from bot.service import Settings
from bot.telegram.state_db import DB_FILE
from bot.telegram.store import KEY_FILE, Store
from bot.understand.options import Options
from bot.understand.reading import Parse
from tests.fake_bot_api import message_update
from tests.test_telegram_handlers import QUESTION, Harness

PHRASE = "zebracorn patient 47 years"


def effect(outcomes=("skin_infection",), **options) -> Parse:
    return Parse(status="answer", intent="effect", intervention="dupilumab", outcomes=outcomes,
                 options=Options(**options), assumed_drug=True)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_state_is_sqlite_wal_one_row_per_chat_and_private(tmp_path):
    store = Store(tmp_path / "data")
    store.set_settings(1, Settings(measure="OR", model="random", per=1000))
    store.set_context(1, effect(measure="RD"))
    store.remember(1, "tok", effect(("conjunctivitis",)))
    store.remember_inline("inl", effect(("any_infection",)))
    store.set_settings(2, Settings(per=100))
    key = store.key()
    path = tmp_path / "data" / DB_FILE
    for name in (DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm", KEY_FILE):
        if (tmp_path / "data" / name).exists():
            assert mode(tmp_path / "data" / name) == 0o600, name
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT chat_id FROM chats ORDER BY chat_id").fetchall() == [(1,), (2,)]
    store.close()
    again = Store(tmp_path / "data")
    assert again.settings(1) == Settings(measure="OR", model="random", per=1000)
    assert again.settings(3) == Settings()
    assert again.context(1).options.measure == "RD"
    assert again.recall(1, "tok").outcomes == ("conjunctivitis",)
    assert again.recall(2, "tok") is None
    assert again.recall_inline("inl").outcomes == ("any_infection",)
    assert again.key() == key
    assert not (tmp_path / "data" / "state.json").exists()


def test_settings_are_never_evicted_by_other_chats(tmp_path):
    store = Store(tmp_path)
    store.set_settings(1, Settings(measure="OR"))
    for chat in range(2, 6_002):  # the JSON store kept the 5,000 most recently active chats only
        store.set_context(chat, effect(), save=False)
    store.flush()
    store.close()
    assert Store(tmp_path).settings(1).measure == "OR"


def test_a_save_costs_the_same_with_many_chats(tmp_path):
    store = Store(tmp_path)
    rows = [(chat, json.dumps({"measure": "OR", "model": None, "per": None}), None, None, time.time())
            for chat in range(50_000)]
    store._db.executemany("INSERT INTO chats VALUES (?,?,?,?,?)", rows)
    size = (tmp_path / DB_FILE).stat().st_size + (tmp_path / (DB_FILE + "-wal")).stat().st_size
    timings = []
    for index in range(50):
        started = time.perf_counter()
        store.set_context(7, effect(dose_mg=300), save=False)
        store.remember(7, f"t{index}", effect())
        timings.append(time.perf_counter() - started)
    timings.sort()
    # the JSON store rewrote (and fsynced) the whole 50,000-chat file each time: hundreds of milliseconds
    assert timings[len(timings) // 2] < 0.02, timings
    grown = (tmp_path / DB_FILE).stat().st_size + (tmp_path / (DB_FILE + "-wal")).stat().st_size - size
    assert grown < 2_000_000  # pages of one row, not a copy of the whole state per save


def test_context_and_recent_answers_expire_by_age_settings_do_not(tmp_path):
    store = Store(tmp_path, context_days=1)
    store.set_settings(5, Settings(per=100))
    store.set_context(5, effect())
    store.remember(5, "tok", effect())
    store.set_context(6, effect())
    later = time.time() + 2 * 86_400
    store.expire(now=later)
    assert store.context(5) is None and store.recall(5, "tok") is None and store.context(6) is None
    assert store.settings(5).per == 100
    assert store.chat_count() == 1  # chat 6 had nothing but context


def test_a_corrupt_database_is_moved_aside_with_one_log_line(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    directory = tmp_path / "data"
    directory.mkdir()
    garbage = b"this is not a database " * 500
    (directory / DB_FILE).write_bytes(garbage)
    store = Store(directory)
    store.set_settings(1, Settings(per=100))
    assert Store(directory).settings(1).per == 100
    kept = [p for p in directory.iterdir() if p.name.startswith(DB_FILE + ".corrupt-")]
    assert len(kept) == 1 and kept[0].read_bytes() == garbage  # nothing overwritten
    lines = [r.getMessage() for r in caplog.records if "state database unusable" in r.getMessage()]
    assert len(lines) == 1 and kept[0].name in lines[0]


def scribble(directory, first_page: int = 2) -> None:
    """Write over the b-tree pages of a closed database from ``first_page`` on (the first holds the header and
    the schema): it opens, then fails its check."""
    path = directory / DB_FILE
    data = bytearray(path.read_bytes())
    assert len(data) > 40_000
    noise = random.Random(first_page)  # fixed bytes: os.urandom let a page now and then still pass as readable
    for offset in range(4096 * (first_page - 1), len(data) - 4096, 4096):
        data[offset + 8:offset + 200] = noise.randbytes(192)
    path.write_bytes(bytes(data))
    with sqlite3.connect(path) as conn:
        try:
            result = conn.execute("PRAGMA integrity_check").fetchall()
        except sqlite3.DatabaseError:
            result = None
    assert result != [("ok",)]


def filled(directory, chats: int = 3_000) -> None:
    store = Store(directory)
    for chat in range(chats):
        store.set_settings(chat, Settings(per=100))
    store.close()


def test_a_database_failing_its_integrity_check_is_moved_aside(tmp_path, caplog):
    """On demand (serve --check-state): the full check runs before serving and sets a corrupt file aside."""
    directory = tmp_path / "data"
    filled(directory)
    scribble(directory)
    Store(directory, full_check=True).set_settings(1, Settings(per=1000))
    assert Store(directory).settings(1).per == 1000
    assert [p for p in directory.iterdir() if p.name.startswith(DB_FILE + ".corrupt-")]


def test_corruption_met_while_serving_is_checked_and_set_aside_at_the_next_start(tmp_path, caplog):
    """No full check at a clean start (it read the whole file every time); corruption met while serving leaves a
    flag, and the next start runs the full check and sets the file aside."""
    directory = tmp_path / "data"
    filled(directory)
    scribble(directory, first_page=12)  # the tables' first pages (meta among them) intact, the chats' rows not
    store = Store(directory)  # clean stop before: opened without reading the whole file
    store.set_settings(1, Settings(per=1000))  # the write meets the corruption: not saved, flagged
    assert store.settings(1).per == 1000  # kept in memory meanwhile
    assert (directory / (DB_FILE + ".check")).exists()
    assert not [p for p in directory.iterdir() if p.name.startswith(DB_FILE + ".corrupt-")]
    again = Store(directory)
    assert [p for p in directory.iterdir() if p.name.startswith(DB_FILE + ".corrupt-")]
    assert not (directory / (DB_FILE + ".check")).exists()
    again.set_settings(1, Settings(per=1000))
    assert Store(directory).settings(1).per == 1000
    assert sum("will be fully checked at the next start" in r.getMessage() for r in caplog.records) == 1


def test_a_database_that_cannot_be_opened_is_left_in_place_with_one_line(tmp_path, caplog):
    """Cannot open is not corrupt: the start stops with one line and the file is left as it is (before: moved
    aside, and the bot started with no chats)."""
    from bot.telegram.state_db import StateUnavailable

    directory = tmp_path / "data"
    (directory / DB_FILE).mkdir(parents=True)  # in the way, and unopenable as a database (even for root)
    (directory / DB_FILE / "keep.txt").write_text("operator's file")
    with pytest.raises(StateUnavailable, match=r"cannot open the state database .*left as it is"):
        Store(directory)
    assert (directory / DB_FILE / "keep.txt").read_text() == "operator's file"
    assert not [p for p in directory.iterdir() if ".corrupt-" in p.name]
    assert not any("moved aside" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("content", [b"\xff\xfe{not utf-8", b"[" * 100_000 + b"]" * 100_000, b"{not json"])
def test_a_bad_state_json_never_stops_start_up(tmp_path, content, caplog):
    directory = tmp_path / "data"
    directory.mkdir()
    (directory / "state.json").write_bytes(content)
    store = Store(directory)
    assert store.settings(1) == Settings()
    kept = [p for p in directory.iterdir() if p.name.startswith("state.json.corrupt-")]
    assert len(kept) == 1 and kept[0].read_bytes() == content
    assert sum("state.json not understood" in r.getMessage() for r in caplog.records) == 1


def test_state_json_is_imported_once(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    directory = tmp_path / "data"
    directory.mkdir()
    old = {"version": 1, "chats": {
        "1": {"settings": {"measure": "OR", "model": "random", "per": 1000}, "t": time.time(),
              "context": {"intent": "effect", "intervention": "dupilumab", "outcomes": ["conjunctivitis"],
                          "population": None, "options": {"measure": "RD"}, "assumed_drug": True}},
        "-100": {"settings": {"measure": "<b>", "model": 5, "per": 7}, "context": {"outcomes": "x"}}},
        "inline": {"abc": {"intent": "effect", "intervention": None, "outcomes": ["any_infection"],
                           "population": None, "options": {}, "t": time.time()}}}
    (directory / "state.json").write_text(json.dumps(old))
    store = Store(directory)
    assert store.settings(1) == Settings(measure="OR", model="random", per=1000)
    assert store.context(1).outcomes == ("conjunctivitis",) and store.context(1).options.measure == "RD"
    assert store.settings(-100) == Settings() and store.context(-100) is None
    assert store.recall_inline("abc").outcomes == ("any_infection",)
    assert not (directory / "state.json").exists()
    assert [p.name for p in directory.iterdir() if p.name.startswith("state.json.imported-")]
    store.set_settings(1, Settings(per=100))
    store.close()
    assert Store(directory).settings(1) == Settings(per=100)  # not imported a second time


def test_a_corrupt_callback_key_is_kept_and_a_readable_one_made_private(tmp_path, caplog):
    directory = tmp_path / "data"
    directory.mkdir()
    (directory / KEY_FILE).write_text("not hex at all")
    key = Store(directory).key()
    kept = [p for p in directory.iterdir() if p.name.startswith(KEY_FILE + ".corrupt-")]
    assert len(kept) == 1 and kept[0].read_text() == "not hex at all"
    assert mode(directory / KEY_FILE) == 0o600
    (directory / KEY_FILE).chmod(0o644)
    assert Store(directory).key() == key
    assert mode(directory / KEY_FILE) == 0o600


# --- through the handlers -------------------------------------------------------------------------------------

@pytest.fixture
async def bot(api, service, tmp_path):
    harness = await Harness(api, service, tmp_path / "data").start()
    yield harness
    await harness.stop()


def texts(calls) -> list[str]:
    return [c.text for c in calls if c.method == "sendMessage" and c.fault is None]


async def test_a_write_failure_degrades_to_answering_without_remembering(bot, caplog):
    caplog.set_level(logging.INFO)
    bot.store._db.execute("PRAGMA query_only=ON")  # every write fails, as on a full or read-only disk
    for question in (QUESTION, "as odds ratio", "/settings measure=RD", QUESTION):
        replies = texts(await bot.say(question))
        assert replies and not any("something went wrong" in t.lower() for t in replies), (question, replies)
    failures = [r for r in caplog.records if "state not saved" in r.getMessage()]
    assert len(failures) == 1 and failures[0].levelno == logging.ERROR
    assert bot.store.settings(42).measure == "RD"  # remembered in memory while the disk refuses
    bot.store._db.execute("PRAGMA query_only=OFF")
    texts(await bot.say(QUESTION))
    assert any("state saved again" in r.getMessage() for r in caplog.records)
    await bot.restart()
    assert bot.store.settings(42).measure == "RD"  # written once the disk accepted writes again


async def test_a_group_that_becomes_a_supergroup_keeps_its_settings(bot):
    group, supergroup = -4001, -1004001
    await bot.say("/settings measure=OR", chat_id=group, kind="group", user_id=7)
    assert bot.store.settings(group).measure == "OR"
    await bot.send(message_update(None, chat_id=group, kind="group", user_id=7, migrate_to_chat_id=supergroup))
    await bot.send(message_update(None, chat_id=supergroup, kind="supergroup", user_id=7,
                                  migrate_from_chat_id=group))
    assert bot.store.settings(supergroup).measure == "OR"
    assert bot.store.settings(group) == Settings()
    shown = texts(await bot.say("/settings", chat_id=supergroup, kind="supergroup", user_id=7))
    assert "Measure: odds ratio" in shown[-1]


async def test_settings_are_deleted_when_the_bot_is_removed(bot):
    group = -4002
    await bot.say("/settings per=1000", chat_id=group, kind="group", user_id=7)
    assert bot.store.settings(group).per == 1000
    member = {"user": {"id": 123456789, "is_bot": True, "first_name": "Evidence"}, "status": "kicked",
              "until_date": 0}
    await bot.send({"my_chat_member": {
        "chat": {"id": group, "type": "group", "title": "Clinicians"},
        "from": {"id": 7, "is_bot": False, "first_name": "Ada"}, "date": int(time.time()),
        "old_chat_member": {**member, "status": "member"}, "new_chat_member": member}})
    assert bot.store.settings(group) == Settings()
    assert bot.store.chat_count() == 0


async def test_no_message_text_in_the_database(bot):
    await bot.say(f"does dupilumab reduce skin infections {PHRASE}")
    await bot.say(f"as odds ratio {PHRASE}")
    await bot.say(f"/settings measure=OR {PHRASE}")
    bot.store.close()
    raw = b"".join(p.read_bytes() for p in bot.data_dir.iterdir() if p.is_file())
    assert b"zebracorn" not in raw and b"odds ratio" not in raw


def test_every_analysis_option_survives_a_restart(tmp_path):
    """Each field of Options (new ones included) is kept; a field the store did not know was dropped silently."""
    from dataclasses import fields

    samples = {int: 300, float: 0.1, bool: True, str: "tcs"}
    values = {}
    for f in fields(Options):
        kind = str(f.type)
        if "tuple" in kind:
            values[f.name] = ("chronos",)
        else:
            values[f.name] = next(v for t, v in samples.items() if t.__name__ in kind and not
                                  (t is int and "bool" in kind))
    values.update(measure="OR", method="DL", per=100)
    parsed = Parse(status="answer", intent="effect", intervention="dupilumab", outcomes=("skin_infection",),
                   options=Options(**values), assumed_drug=True)
    store = Store(tmp_path)
    store.set_context(1, parsed)
    store.close()
    assert Store(tmp_path).context(1).options == parsed.options
