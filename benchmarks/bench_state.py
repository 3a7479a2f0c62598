"""Chat state with 100,000 chats: save latency, and answers per second through the real handlers (by hand).

    .venv/bin/python benchmarks/bench_state.py            # ~1 minute
    .venv/bin/python benchmarks/bench_state.py --quick    # 20,000 chats, fewer answers
    .venv/bin/python benchmarks/bench_state.py --open 1000000 [--before DIR]   # opening a big database

``--open N`` fills a database with N chats (settings and follow-up context each, about 330 bytes a chat), then
times opening it with ``Store(directory)``, each open in a fresh process, with the file's pages dropped from the
page cache first (``posix_fadvise(DONTNEED)``: a cold start) and again with them cached; interleaved with the
same opens by the code in ``--before DIR`` (a checkout of an earlier version), and with a bare
``sqlite3.connect`` + one query as the floor. It also times ``PRAGMA quick_check`` and ``integrity_check``, which
the store runs off the event loop (after an unclean stop, and daily).

1. The SQLite store (bot/telegram/store.py) is filled with CHATS chats, each with settings, follow-up context and
   RECENT recent answers. Timed per call: a settings change (one transaction),
   the write before each answer (context + recent answer, one transaction), and the reads an answer makes.
   For comparison, the JSON state file of earlier versions: serialising the same chats and writing the file
   atomically (fsync, rename), which it did on every settings change.
2. Answers per second: the real Application (handlers, store, rendering) against the Bot API stand-in on
   127.0.0.1, questions fed to process_update (16 at a time, as the bot's update processor) from chats picked
   at random among the CHATS, rate limiter off (it would cap at Telegram's 30 messages/s). Once with an empty
   store, once with the CHATS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.service import EvidenceService, Settings  # noqa: E402
from bot.telegram.application import build_application  # noqa: E402
from bot.telegram.store import Store, atomic_write, snapshot  # noqa: E402
from bot.understand.options import Options  # noqa: E402
from bot.understand.reading import Parse  # noqa: E402
from tests.fake_bot_api import TOKEN, FakeBotAPI, message_update  # noqa: E402

RECENT = 4  # recent answers kept per chat in the filled store (at most 12)
QUESTIONS = ("does dupilumab reduce skin infections", "dupilumab eczema herpeticum risk",
             "does dupilumab cause conjunctivitis", "dupixent herpes infections as odds ratio")


def effect(measure=None) -> Parse:
    return Parse(status="answer", intent="effect", intervention="dupilumab", outcomes=("skin_infection",),
                 options=Options(measure=measure, dose_mg=300), assumed_drug=True)


def fill(store: Store, chats: int) -> None:
    now = time.time()
    parsed = snapshot(effect("OR"))
    recent = json.dumps({f"tok{i:04d}": {**parsed, "t": now} for i in range(RECENT)})
    rows = [(chat, json.dumps({"measure": "OR", "model": None, "per": 1000}), json.dumps({**parsed, "t": now}),
             recent, now) for chat in range(1, chats + 1)]
    store._db.execute("BEGIN")
    store._db.executemany("INSERT INTO chats(chat_id, settings, context, recent, t) VALUES (?,?,?,?,?)", rows)
    store._db.execute("COMMIT")


def timed(fn, repeats: int) -> tuple[float, float]:
    samples = []
    for index in range(repeats):
        started = time.perf_counter()
        fn(index)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def store_part(directory: Path, chats: int, repeats: int, json_too: bool = True) -> list[tuple[str, float, float]]:
    store = Store(directory)
    started = time.perf_counter()
    fill(store, chats)
    print(f"filled {chats:,} chats in {time.perf_counter() - started:.1f} s; database "
          f"{(directory / 'state.sqlite3').stat().st_size / 1e6:.1f} MB")
    pick = random.Random(1).randrange
    # the floor, interleaved call by call with the store's writes: a bare upsert of one row on a plain connection
    # to a copy of the same schema, so the ratio to it says what the store adds whatever the machine's load
    raw = sqlite3.connect(directory / "raw.sqlite3", isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=NORMAL")
    raw.execute("CREATE TABLE chats (chat_id INTEGER PRIMARY KEY, settings TEXT, context TEXT, recent TEXT, t REAL)")
    raw.execute("CREATE INDEX chats_t ON chats(t)")
    raw.execute("BEGIN")
    raw.executemany("INSERT INTO chats VALUES (?, ?, NULL, NULL, ?)",
                    ((c, '{"measure": "OR"}', time.time()) for c in range(1, chats + 1)))
    raw.execute("COMMIT")
    floor: list[float] = []

    def upsert() -> None:
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO chats(chat_id, settings, t) VALUES (?, ?, ?) ON CONFLICT(chat_id) DO UPDATE "
                    "SET settings=excluded.settings, t=excluded.t", (pick(1, chats), '{"measure": "RR"}', time.time()))
        raw.execute("COMMIT")

    def timed_store(fn, repeats: int) -> tuple[float, float]:
        """The store's call alone (the floor's upsert before it is timed apart)."""
        samples = []
        for index in range(repeats):
            started = time.perf_counter()
            upsert()
            floor.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            fn(index)
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]

    rows = [
        ("settings change (/settings): one transaction", *timed_store(
            lambda i: store.set_settings(pick(1, chats), Settings(measure=("RR", "OR")[i % 2])), repeats)),
        ("write before an answer: context + recent answer", *timed_store(lambda i: (
            store.set_context(c := pick(1, chats), effect(), save=False),
            store.remember(c, f"n{i}", effect(), save=False), store.flush()), repeats)),
        ("reads for an answer: settings + context", *timed(
            lambda i: (store.settings(c := pick(1, chats)), store.context(c)), repeats)),
    ]
    floor.sort()
    rows.append(("floor: a bare one-row upsert on a plain connection, interleaved with the two writes",
                 statistics.median(floor), floor[min(len(floor) - 1, int(len(floor) * 0.99))]))
    raw.close()
    if not json_too:
        store.close()
        return rows
    chat = {"settings": {"measure": "OR", "model": None, "per": 1000}, "context": snapshot(effect("OR")),
            "recent": {f"tok{i:04d}": snapshot(effect()) for i in range(RECENT)}, "t": time.time()}
    state = {"version": 1, "chats": {str(c): chat for c in range(1, chats + 1)}, "inline": {}}
    json_path = directory / "old-state.json"
    size = []

    def json_save(_):
        payload = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
        size.append(len(payload))
        atomic_write(json_path, payload)

    rows.append((f"old JSON state file, whole-file save ({chats:,} chats)", *timed(json_save, max(3, repeats // 100))))
    print(f"JSON state file for {chats:,} chats: {size[-1] / 1e6:.1f} MB")
    store.close()
    return rows


async def answers_per_second(directory: Path, service: EvidenceService, chats: int, answers: int) -> float:
    with FakeBotAPI() as api:
        store = Store(directory)
        app = build_application(TOKEN, service, store, base_url=api.base_url, base_file_url=api.base_file_url,
                                rate_limiter=False, questions_per_minute=1_000_000)
        await app.initialize()
        try:
            from telegram import Update

            pick = random.Random(2).randrange
            await app.process_update(Update.de_json({"update_id": 1, **message_update(QUESTIONS[0])}, app.bot))
            slots = asyncio.Semaphore(16)  # as the bot's update processor: 16 updates at a time

            async def one(index: int) -> None:
                chat = pick(1, max(chats, 2))
                update = {"update_id": index + 2, **message_update(QUESTIONS[index % len(QUESTIONS)], chat_id=chat,
                                                                   user_id=chat)}
                async with slots:
                    await app.process_update(Update.de_json(update, app.bot))

            started = time.perf_counter()
            await asyncio.gather(*(one(index) for index in range(answers)))
            elapsed = time.perf_counter() - started
        finally:
            await app.shutdown()
            store.close()
        assert len(api.delivered("sendMessage")) >= answers
    return answers / elapsed


OPEN_SCRIPT = """
import os, sys, time
directory = sys.argv[1]
path = os.path.join(directory, "state.sqlite3")
if sys.argv[2] == "cold":
    for name in (path, path + "-wal"):
        if os.path.exists(name):
            fd = os.open(name, os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
if sys.argv[3] == "bare":
    import sqlite3
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    took = time.perf_counter() - started
    conn.close()
else:
    from bot.telegram.store import Store
    started = time.perf_counter()
    store = Store(directory)
    took = time.perf_counter() - started
    store.close()
print(took * 1000)
"""


def fill_many(directory: Path, chats: int) -> None:
    store = Store(directory)
    now = time.time()
    settings = json.dumps({"measure": "OR", "model": None, "per": 1000})
    context = json.dumps({**snapshot(effect("OR")), "t": now})
    store._db.execute("BEGIN")
    for start in range(1, chats + 1, 100_000):
        store._db.executemany("INSERT INTO chats(chat_id, settings, context, recent, t) VALUES (?,?,?,NULL,?)",
                              ((chat, settings, context, now) for chat in range(start, min(chats + 1,
                                                                                         start + 100_000))))
    store._db.execute("COMMIT")
    store.close()


def open_times(directory: Path, chats: int, before: Path | None, rounds: int) -> None:
    import subprocess

    started = time.perf_counter()
    fill_many(directory, chats)
    size = (directory / "state.sqlite3").stat().st_size
    print(f"filled {chats:,} chats in {time.perf_counter() - started:.0f} s; database {size / 1e6:.0f} MB; "
          f"load average {os.getloadavg()[0]:.1f}")
    variants = [("this version", ROOT, "store"), ("bare sqlite3.connect + one query", ROOT, "bare")]
    if before is not None:
        variants.insert(1, (f"before ({before.name})", before, "store"))
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(rounds):
        for cache in ("cold", "warm"):
            for name, tree, kind in variants:
                env = {**os.environ, "PYTHONPATH": str(tree)}
                out = subprocess.run([sys.executable, "-c", OPEN_SCRIPT, str(directory), cache, kind], env=env,
                                     capture_output=True, text=True, check=True, cwd=tree)
                times.setdefault((name, cache), []).append(float(out.stdout.strip().splitlines()[-1]))
    print(f"\n| open ({chats:,} chats), {rounds} rounds interleaved | cache | median ms | max ms |")
    print("| --- | --- | ---: | ---: |")
    for (name, cache), values in times.items():
        print(f"| {name} | {cache} | {statistics.median(values):.1f} | {max(values):.1f} |")
    import sqlite3

    conn = sqlite3.connect(directory / "state.sqlite3")
    for pragma in ("quick_check", "integrity_check"):
        started = time.perf_counter()
        conn.execute(f"PRAGMA {pragma}").fetchall()
        print(f"PRAGMA {pragma} (warm cache): {(time.perf_counter() - started) * 1000:.0f} ms")
    conn.close()
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--open", type=int, metavar="CHATS", help="time opening a database of CHATS chats")
    parser.add_argument("--before", type=Path, help="with --open: a checkout of an earlier version to compare")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", type=Path, help="with --open: where to build the database (default: a temp dir)")
    parser.add_argument("--writes-only", action="store_true", help="only the store's own calls, no answers/s")
    args = parser.parse_args()
    if args.open:
        with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
            open_times(Path(tmp) / "store", args.open, args.before, args.rounds)
        return
    chats = 20_000 if args.quick else 100_000
    repeats = 200 if args.quick else 1000
    answers = 200 if args.quick else 1000
    os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp())
    with tempfile.TemporaryDirectory() as tmp:
        rows = store_part(Path(tmp) / "store", chats, repeats, json_too=not args.writes_only)
        print("\n| operation | median ms | p99 ms |\n| --- | ---: | ---: |")
        for name, median, p99 in rows:
            print(f"| {name} | {median:.3f} | {p99:.3f} |")
        print(f"load average: {os.getloadavg()[0]:.1f}")
        if args.writes_only:
            return
        service = EvidenceService.from_directory()
        empty = asyncio.run(answers_per_second(Path(tmp) / "empty", service, 0, answers))
        full = asyncio.run(answers_per_second(Path(tmp) / "store", service, chats, answers))
        print(f"\nanswers per second, one process, rate limiter off: empty store {empty:.0f}; "
              f"{chats:,} chats in the store {full:.0f}")


if __name__ == "__main__":
    main()
