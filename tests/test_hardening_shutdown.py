"""Stopping under load (issues 14 and 24): no update is lost, and the process exits in bounded time.

An update counts as done for Telegram ("confirmed") once a getUpdates call asks for an offset past it; Telegram
never delivers a confirmed update again. The bot confirms an update only once it is committed to the durable
inbox (bot/telegram/inbox.py): on a second SIGINT/SIGTERM, or when the shutdown drain runs out of time
(EVIDENCE_BOT_SHUTDOWN_TIMEOUT), what is still unanswered stays in the inbox, and the next process answers it.

The slow answer path is the stand-in's "timeout" fault on sendMessage: the call is held for some seconds and
then fails (so nothing is delivered), and the bot's retry delivers the answer.
"""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.telegram import confirming
from tests.fake_bot_api import TOKEN, FakeBotAPI, message_update
from tests.test_telegram_e2e import ROOT, run_serve, serve_env
from tests.test_telegram_handlers import QUESTION, Harness

LEFT = re.compile(r"(\d+) updates? not answered")


def start(api: FakeBotAPI, data_dir: Path, log_path: Path, **env: str) -> subprocess.Popen:
    commands, polls = len(api.calls_of("setMyCommands")), len(api.calls_of("getUpdates"))
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT,
                                   env=serve_env(api, data_dir, **env), stdout=log_file, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    api.wait_for("setMyCommands", count=commands + 1, timeout=30)
    api.wait_for("getUpdates", count=polls + 1, timeout=10)
    return process


def wait_exit(process: subprocess.Popen, since: float, bound: float, log_path: Path) -> float:
    """Seconds from ``since`` until the process exited; fails (and kills it) beyond ``bound``."""
    try:
        process.wait(timeout=max(0.1, since + bound - time.monotonic()))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
        pytest.fail(f"serve still running {bound:.0f} s after the stop signal\n{log_path.read_text()[-1500:]}")
    return time.monotonic() - since


def answered(api: FakeBotAPI, chats) -> dict[int, int]:
    counts = dict.fromkeys(chats, 0)
    for call in api.delivered("sendMessage"):
        if call.params["chat_id"] in counts:
            counts[call.params["chat_id"]] += 1
    return counts


def wait_all_answered(api: FakeBotAPI, chats, timeout: float) -> dict[int, int]:
    deadline = time.monotonic() + timeout
    while True:
        counts = answered(api, chats)
        if all(counts.values()):
            return counts
        if time.monotonic() > deadline:
            lost = sorted(c for c, n in counts.items() if not n)
            raise AssertionError(f"{len(lost)} of {len(counts)} updates never answered (chats {lost[:5]}...)")
        time.sleep(0.05)


def queue_questions(api: FakeBotAPI, first_chat: int, count: int) -> tuple[list[int], int]:
    """One question from each of ``count`` chats (the per-user limit never applies); the chats and the first
    update id."""
    chats = list(range(first_chat, first_chat + count))
    updates = [api.queue(message_update(QUESTION, chat_id=chat_id, user_id=chat_id)) for chat_id in chats]
    return chats, updates[0]["update_id"]


def check_log(log_path: Path) -> str:
    log = log_path.read_text()
    assert "Traceback" not in log
    assert QUESTION not in log and "Ada" not in log  # privacy: no message text or names, at any level
    return log


def test_a_second_signal_exits_at_once_and_leaves_unanswered_updates_for_redelivery(tmp_path):
    data_dir, log_path = tmp_path / "data", tmp_path / "serve.log"
    with FakeBotAPI() as api:
        process = start(api, data_dir, log_path, EVIDENCE_BOT_SHUTDOWN_TIMEOUT="30")
        try:
            count = 12
            api.inject("sendMessage", "timeout", count=count, seconds=4)  # every answer hangs 4 s, then fails
            chats, _ = queue_questions(api, 1001, count)
            api.wait_for("sendMessage", count=count, timeout=10)  # all fetched, all being answered
            time.sleep(0.2)
            process.send_signal(signal.SIGINT)
            stopped = time.monotonic()
            time.sleep(0.3)
            process.send_signal(signal.SIGINT)  # impatient: the second Ctrl-C
            took = wait_exit(process, stopped, 5, log_path)
            print(f"exited {took:.2f} s after the first SIGINT")
            assert process.returncode == 0, log_path.read_text()[-1500:]
            first_run = answered(api, chats)
            assert sum(first_run.values()) == 0  # every answer was still hanging

            process = start(api, data_dir, log_path)
            counts = wait_all_answered(api, chats, timeout=10)  # redelivered and answered, none lost
            assert set(counts.values()) == {1}, counts  # the hanging answers were never delivered: no doubles
            process.send_signal(signal.SIGTERM)
            wait_exit(process, time.monotonic(), 10, log_path)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=5)
    log = check_log(log_path)
    assert [int(n) for n in LEFT.findall(log)] == [count], log[-2000:]  # one line, with the count
    assert took < 3.0


def test_a_flood_is_kept_in_the_inbox_and_the_drain_stops_at_the_timeout(tmp_path):
    data_dir, log_path = tmp_path / "data", tmp_path / "serve.log"
    with FakeBotAPI() as api:
        process = start(api, data_dir, log_path, EVIDENCE_BOT_SHUTDOWN_TIMEOUT="1")
        try:
            api.inject("sendMessage", "timeout", count=16, seconds=4)  # the first answers hang and hold every slot
            count = 140
            chats, _ = queue_questions(api, 2001, count)
            api.wait_for("sendMessage", count=16, timeout=10)
            time.sleep(0.5)
            process.send_signal(signal.SIGTERM)
            stopped = time.monotonic()
            took = wait_exit(process, stopped, 3.5, log_path)  # the 1 s drain, not the whole flood
            print(f"exited {took:.2f} s after SIGTERM")
            assert process.returncode == 0, log_path.read_text()[-1500:]
            assert sum(answered(api, chats).values()) == 0
            assert api.pending_updates() == 0  # all fetched, stored and confirmed: Telegram sends none again

            process = start(api, data_dir, log_path)
            counts = wait_all_answered(api, chats, timeout=12)  # from the inbox
            assert set(counts.values()) == {1}, counts
            process.send_signal(signal.SIGTERM)
            wait_exit(process, time.monotonic(), 10, log_path)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=5)
    log = check_log(log_path)
    assert [int(n) for n in LEFT.findall(log)] == [count], log[-2000:]


async def test_an_update_is_confirmed_once_stored_and_answered_once(api, service, tmp_path):
    """In-process: while one answer hangs, getUpdates moves the offset past it (it is in the inbox), and later
    updates are fetched and answered meanwhile; then the slow one is answered, each exactly once."""
    harness = await Harness(api, service, tmp_path / "d").start()
    app = harness.app
    await app.start()
    try:
        await app.updater.start_polling(timeout=1)
        api.inject("sendMessage", "timeout", count=1, seconds=3)
        slow = api.queue(message_update(QUESTION, chat_id=3001, user_id=3001))
        await asyncio.to_thread(api.wait_for, "sendMessage", 1, 5)
        # confirmed while its answer hangs (it is in the inbox): the confirming getUpdates follows the send, so on
        # a loaded machine wait for it rather than assume it has already gone out
        deadline = time.monotonic() + 10
        while not (api.offsets and max(api.offsets) > slow["update_id"]):
            assert time.monotonic() < deadline, "the slow update was not confirmed while its answer hung"
            await asyncio.sleep(0.05)
        if not answered(api, (3001,))[3001]:  # still hanging: it is held in the inbox until answered
            assert harness.store.inbox.count() == 1
        for chat in (3002, 3003, 3004):
            api.queue(message_update(QUESTION, chat_id=chat, user_id=chat))
        deadline = time.monotonic() + 30  # the slow answer alone waits 3 s; generous for a loaded machine
        while not all(answered(api, (3001, 3002, 3003, 3004)).values()):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        assert harness.store.inbox.count() == 0
    finally:
        if app.updater.running:
            await app.updater.stop()
        await app.stop()
        await harness.stop()
    assert answered(api, (3001, 3002, 3003, 3004)) == {3001: 1, 3002: 1, 3003: 1, 3004: 1}
    assert api.pending_updates() == 0


def test_the_shutdown_timeout_from_the_environment():
    assert confirming.shutdown_timeout_from_env({}) == confirming.SHUTDOWN_TIMEOUT
    assert confirming.shutdown_timeout_from_env({"EVIDENCE_BOT_SHUTDOWN_TIMEOUT": " 2.5 "}) == 2.5
    assert confirming.shutdown_timeout_from_env({"EVIDENCE_BOT_SHUTDOWN_TIMEOUT": "0"}) == 0
    for bad in ("soon", "-1", "nan", "inf", "99999"):
        with pytest.raises(ValueError):
            confirming.shutdown_timeout_from_env({"EVIDENCE_BOT_SHUTDOWN_TIMEOUT": bad})


@pytest.mark.parametrize("value", ["soon", "-1"])
def test_a_bad_shutdown_timeout_is_refused_in_one_line(tmp_path, value):
    result = run_serve(serve_env(None, tmp_path / "data", TELEGRAM_BOT_TOKEN=TOKEN,
                                 EVIDENCE_BOT_SHUTDOWN_TIMEOUT=value))
    assert result.returncode == 2
    assert result.stderr.strip() == ("evidence-bot: EVIDENCE_BOT_SHUTDOWN_TIMEOUT must be a number of seconds "
                                     "from 0 to 3600")
