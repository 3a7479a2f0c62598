"""The state database's last edges (issue 24, issue 23's store goal): only corruption sets a database aside; a full
disk, an I/O error, a lock held by another process, a newer schema and a symbolic link stop the start with one
line and leave the file; opening reads nothing in proportion to the number of chats (the checks and the daily
expiry run off the event loop); one bot per default data directory; a hand-edited state.json cannot stop the
start; one user's inline cards are capped.

Each test failed before its fix: the full disk set a healthy database aside, a lock stalled every write 5 s and
was blamed on permissions at start-up, schema version 2 was silently relabelled 1, a symlinked database had its
target chmod-ed, two tokens shared one default directory, the start-up ran a full integrity check every time and
the expiry on the event loop, "version": true was accepted, an out-of-range number crashed every start, NaN times
were dropped while the log said imported, and inline cards were bounded only by the per-user rate.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
import subprocess
import sys
import time

import pytest

from bot.service import Settings
from bot.telegram import store as store_module
from bot.telegram.state_db import DB_FILE, StateUnavailable, is_corrupt, is_locked
from bot.telegram.store import MAX_INLINE_PER_USER, Store
from tests.fake_bot_api import TOKEN
from tests.test_state_store import effect
from tests.test_telegram_e2e import ROOT, run_serve, serve_env

FULL_DISK = """
import os, resource, signal, sys
sys.path.insert(0, sys.argv[2])
from bot.telegram.store import Store
from bot.service import Settings
store = Store(sys.argv[1]); store.set_settings(1, Settings(per=100)); store.close()
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))  # no file may grow: as on a full disk
try:
    Store(sys.argv[1])
except OSError as exc:
    print(exc)
"""


def error(name: str) -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError(name.lower())
    exc.sqlite_errorname = name
    return exc


def test_only_corruption_counts_as_corrupt():
    for name in ("SQLITE_CORRUPT", "SQLITE_CORRUPT_INDEX", "SQLITE_NOTADB"):
        assert is_corrupt(error(name))
    for name in ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_IOERR_WRITE", "SQLITE_CANTOPEN", "SQLITE_BUSY",
                 "SQLITE_READONLY", "SQLITE_PERM"):
        assert not is_corrupt(error(name))
    assert is_locked(error("SQLITE_BUSY")) and not is_locked(error("SQLITE_FULL"))


def test_a_full_disk_at_start_up_leaves_the_database_in_place(tmp_path):
    directory = tmp_path / "data"
    out = subprocess.run([sys.executable, "-c", FULL_DISK, str(directory), str(ROOT)], capture_output=True,
                         text=True, timeout=60)
    assert "cannot open the state database" in out.stdout and "left as it is" in out.stdout, out.stdout + out.stderr
    assert not [p for p in directory.iterdir() if ".corrupt-" in p.name]  # not set aside
    assert Store(directory).settings(1).per == 100  # the settings are all there once the disk has room


def test_another_process_holding_the_lock(tmp_path, caplog):
    directory = tmp_path / "data"
    store = Store(directory)
    other = sqlite3.connect(directory / DB_FILE, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        started = time.monotonic()
        store.set_settings(5, Settings(per=1000))
        took = time.monotonic() - started
        with pytest.raises(StateUnavailable, match="locked by another process"):
            Store(directory)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert took < 1.0  # the write gives up quickly (before: 5 s per write)
    assert store.settings(5).per == 1000  # kept, and written with the next write
    lines = [r.getMessage() for r in caplog.records if "state not saved" in r.getMessage()]
    assert len(lines) == 1 and "locked by another process" in lines[0]
    store.set_settings(6, Settings(per=100))
    store.close()
    assert Store(directory).settings(5).per == 1000


def test_a_newer_schema_is_refused_and_left_alone(tmp_path):
    directory = tmp_path / "data"
    Store(directory).close()
    with sqlite3.connect(directory / DB_FILE) as conn:
        conn.execute("PRAGMA user_version=2")
    with pytest.raises(StateUnavailable, match=r"newer evidence-bot .schema version 2; this one knows 1"):
        Store(directory)
    with sqlite3.connect(directory / DB_FILE) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2


def test_serve_refuses_a_symlinked_database_in_one_line(tmp_path):
    directory = tmp_path / "data"
    directory.mkdir(mode=0o700)
    target = tmp_path / "elsewhere.txt"
    target.write_text("someone else's file")
    target.chmod(0o644)
    (directory / DB_FILE).symlink_to(target)
    result = run_serve(serve_env(None, directory, TELEGRAM_BOT_TOKEN=TOKEN))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "symbolic link: refused" in result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o644 and target.read_text() == "someone else's file"


def test_a_data_directory_others_can_write_is_warned_about(tmp_path, caplog):
    directory = tmp_path / "data"
    directory.mkdir()
    directory.chmod(0o777)
    Store(directory).close()
    assert any("writable by group or others" in r.getMessage() for r in caplog.records)


def test_the_default_data_directory_is_one_per_bot(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("EVIDENCE_BOT_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    shared = store_module.default_data_dir()
    Store(shared).set_settings(1, Settings(per=100))  # an earlier version's state in the shared folder
    first = store_module.default_data_dir("111:AAAA")
    second = store_module.default_data_dir("222:BBBB")
    assert first != second and first.parent == second.parent == shared
    assert Store(first).settings(1).per == 100  # the first bot to start takes the earlier state over
    assert Store(second).settings(1).per is None  # the other bot starts with its own
    assert Store(first).key() != Store(second).key()
    assert sum("one per bot" in r.getMessage() for r in caplog.records) == 1


def test_opening_reads_nothing_in_proportion_and_checks_only_after_an_unclean_stop(tmp_path):
    directory = tmp_path / "data"
    store = Store(directory)
    store.set_settings(1, Settings(per=100))
    store.close()
    clean = Store(directory)
    assert not clean.maintenance.busy() and clean.maintenance.last is None  # a clean stop: no check at all
    # not closed (a crash): the next start runs the quick check, off the event loop
    unclean = Store(directory)
    unclean.maintenance.wait(10)
    assert unclean.maintenance.last == {"quick_check": "ok"}
    unclean.close()


def test_the_daily_expiry_and_full_check_run_off_the_event_loop(tmp_path):
    directory = tmp_path / "data"
    store = Store(directory)
    store.set_context(5, effect())
    store.set_settings(6, Settings(per=100))
    store.set_context(6, effect())
    store._db.execute("UPDATE chats SET t=t-40*86400")  # a month and more ago
    store._db.execute("UPDATE meta SET value=0 WHERE key='expired_at'")
    store.close()
    later = Store(directory)
    later.maintenance.wait(10)
    assert later.maintenance.last["contexts"] == 2 and later.maintenance.last["chats"] == 1  # 5 had only context
    assert later.chat_count() == 1 and later.context(5) is None and later.context(6) is None
    assert later.settings(6).per == 100
    assert later.maintenance.last.get("integrity_check") == "ok"
    later.close()


@pytest.mark.parametrize("content, imported", [
    ({"version": True, "chats": {"1": {"settings": {"per": 100}}}}, False),
    ({"version": 1, "chats": {"1": {"settings": {"per": 100}, "t": float("nan")},
                              "2": {"settings": {"per": 1000}, "t": 10 ** 400},
                              "3": {"settings": {"per": 100}, "t": 1e400},
                              "99999999999999999999999": {"settings": {"per": 100}},
                              "-5": {"settings": {"per": 100}, "t": -1e308}},
      "inline": {"tok": {"intent": "effect", "intervention": None, "outcomes": ["any_infection"],
                         "population": None, "options": {}, "t": float("nan")}}}, True),
])
def test_a_hand_edited_state_json_never_stops_the_start(tmp_path, caplog, content, imported):
    caplog.set_level(logging.INFO)
    directory = tmp_path / "data"
    directory.mkdir()
    (directory / "state.json").write_text(json.dumps(content))  # NaN, Infinity and huge numbers as Python writes
    store = Store(directory)
    if not imported:
        assert store.settings(1).per is None
        assert any("state.json not understood" in r.getMessage() for r in caplog.records)
        return
    assert [store.settings(c).per for c in (1, 2, 3, -5)] == [100, 1000, 100, 100]  # none dropped
    assert store.recall_inline("tok") is not None
    (line,) = [r.getMessage() for r in caplog.records if "state.json imported" in r.getMessage()]
    assert "4 chats, 1 inline cards; 1 entries not understood and skipped, 5 times unusable" in line


def test_one_user_keeps_a_bounded_number_of_inline_cards(tmp_path):
    store = Store(tmp_path / "data")
    parsed = effect()
    for index in range(MAX_INLINE_PER_USER + 50):
        store.remember_inline(f"u1-{index}", parsed, user_id=1)
    store.remember_inline("u2", parsed, user_id=2)
    count = store._db.execute("SELECT COUNT(*) FROM inline WHERE user=1").fetchone()[0]
    assert count == MAX_INLINE_PER_USER
    assert store.recall_inline(f"u1-{MAX_INLINE_PER_USER + 49}") is not None  # the newest are kept
    assert store.recall_inline("u1-0") is None and store.recall_inline("u2") is not None


def test_an_earlier_versions_database_gains_the_new_columns(tmp_path):
    directory = tmp_path / "data"
    directory.mkdir()
    with sqlite3.connect(directory / DB_FILE) as conn:  # as the previous release created it
        conn.execute("CREATE TABLE chats (chat_id INTEGER PRIMARY KEY, settings TEXT, context TEXT, recent TEXT, "
                     "t REAL NOT NULL DEFAULT 0)")
        conn.execute("CREATE TABLE inline (token TEXT PRIMARY KEY, data TEXT NOT NULL, t REAL NOT NULL)")
        conn.execute("INSERT INTO chats(chat_id, settings, t) VALUES (1, ?, ?)",
                     (json.dumps({"measure": "OR"}), time.time()))
        conn.execute("PRAGMA user_version=1")
    store = Store(directory)
    assert store.settings(1).measure == "OR"
    store.remember_inline("tok", effect(), user_id=3)
    assert store.recall_inline("tok") is not None
    store.maintenance.wait(10)
    last = store.maintenance.last  # an older version's file is checked once (and its expiry is due)
    assert "ok" in (last.get("quick_check"), last.get("integrity_check")), last
    store.close()
    os.chmod(directory / DB_FILE, 0o600)
