"""Updates python-telegram-bot cannot decode: skipped, confirmed, counted, logged in one line without content.

Before: one such update (a poll in an older Bot API shape) failed every getUpdates batch for good; polling
stalled while the process stayed alive, and each retry logged the whole batch (people's words and names) at
CRITICAL. Here the real `evidence-bot serve` runs at LOG_LEVEL=DEBUG against the Bot API stand-in; afterwards
stdout, stderr and every file the process could write are searched for the text and names.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time

from telegram import Update

from tests.fake_bot_api import FakeBotAPI, message, message_update
from tests.test_faults import wait_until
from tests.test_privacy import FIRST, PHRASE, leaks, named, sandbox, sandbox_env, written_files
from tests.test_telegram_e2e import stop
from tests.test_telegram_handlers import QUESTION, Harness


def undecodable() -> list[dict]:
    """Three shapes the library rejects, each carrying the marker text and names."""
    old_poll = {"poll": {"id": "p1", "question": f"{PHRASE}?", "options": [{"text": PHRASE}, {"text": FIRST}],
                         "is_closed": False}}  # PollOption without voter_count
    bad_date = named({"message": message(f"{PHRASE} dupilumab")})
    bad_date["message"]["date"] = PHRASE
    bad_chat = named({"message": message(f"{PHRASE} dupilumab")})
    bad_chat["message"]["from"] = PHRASE
    return [old_poll, bad_date, bad_chat]


def test_an_undecodable_update_is_skipped_and_leaks_nothing_at_debug(tmp_path):
    dirs = sandbox(tmp_path)
    out_path, err_path = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with FakeBotAPI() as api, open(out_path, "wb") as out, open(err_path, "wb") as err:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=dirs["cwd"],
                                   env=sandbox_env(api, dirs), stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        try:
            api.wait_for("setMyCommands", timeout=40)
            api.wait_for("getUpdates", timeout=10)
            # a batch with bad updates before and after a good one, then a batch that ends with a bad one
            bad = [api.queue(u) for u in undecodable()[:2]]
            api.queue(named(message_update(f"{QUESTION} {PHRASE}")))
            bad.append(api.queue(undecodable()[2]))
            deadline = time.monotonic() + 20
            while not api.delivered("sendMessage"):
                assert time.monotonic() < deadline, "the good update was never answered"
                time.sleep(0.05)
            while max(api.offsets) <= bad[-1]["update_id"]:
                assert time.monotonic() < deadline, "the last bad update was never confirmed"
                time.sleep(0.05)
            # still polling: the next question is answered too
            api.queue(named(message_update(f"as odds ratio {PHRASE}")))
            while len(api.delivered("sendMessage")) < 2:
                assert time.monotonic() < deadline, "polling stopped after the bad updates"
                time.sleep(0.05)
            assert api.pending_updates() <= 1
        finally:
            code = stop(process)
    assert code == 0
    stdout, stderr = out_path.read_text(), err_path.read_text()
    assert "DEBUG" in stderr and "odds ratio" in api.delivered("sendMessage")[1].text.lower()
    skipped = [line for line in stderr.splitlines() if "update skipped: cannot be decoded" in line]
    assert len(skipped) == 3, stderr[-3000:]
    assert "CRITICAL" not in stderr and "Traceback" not in stderr
    problems = leaks({"stdout": stdout, "stderr": stderr, **written_files(dirs)})
    assert not problems, problems


async def test_polling_skips_undecodable_updates_in_process(api, service, tmp_path, caplog):
    caplog.set_level(logging.INFO)  # `serve` holds the library's loggers at INFO (they log whole updates at DEBUG)
    harness = await Harness(api, service, tmp_path / "d").start()
    app = harness.app
    await app.start()
    try:
        await app.updater.start_polling(timeout=1, allowed_updates=[Update.MESSAGE])
        last = None
        for update in undecodable():
            last = api.queue(update)
        await wait_until(lambda: api.offsets and max(api.offsets) > last["update_id"], timeout=10)
        api.queue(message_update(QUESTION, chat_id=901, user_id=901))
        await wait_until(lambda: api.delivered("sendMessage"), timeout=10)
        assert app.updater.running
    finally:
        if app.updater.running:
            await app.updater.stop()
        await app.stop()
        await harness.stop()
    assert "risk ratio" in api.delivered("sendMessage")[0].text.lower()
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "zebracorn" not in text and FIRST not in text
    assert text.count("update skipped: cannot be decoded") == 3
