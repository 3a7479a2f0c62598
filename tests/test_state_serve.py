"""Chat state with the real `evidence-bot serve` process: the state.json of an earlier version imported on first
start, SIGHUP stopping cleanly with everything saved, and a corrupt database set aside at start."""

from __future__ import annotations

import json
import os
import signal
import stat
import time

from bot.telegram.state_db import DB_FILE
from tests.fake_bot_api import FakeBotAPI, message_update
from tests.test_restart import QUESTION, Serve, to, wait_count


def old_state(directory) -> None:
    directory.mkdir(parents=True)
    (directory / "state.json").write_text(json.dumps({"version": 1, "chats": {
        "42": {"settings": {"measure": "OR", "model": None, "per": None}, "t": time.time()}}, "inline": {}}))


def test_state_json_imported_and_sighup_saves_and_exits_cleanly(tmp_path):
    data_dir, log_path = tmp_path / "data", tmp_path / "serve.log"
    old_state(data_dir)
    with FakeBotAPI() as api:
        serve = Serve(api, data_dir, log_path).start()
        try:
            api.queue(message_update("/settings"))
            assert "Measure: odds ratio" in wait_count(api, 42, 1)[-1].text  # imported from state.json
            api.queue(message_update("/settings per=1000"))
            assert "Saved" in wait_count(api, 42, 2)[-1].text
            api.queue(message_update(QUESTION, chat_id=43, user_id=43))
            wait_count(api, 43, 1)
            serve.process.send_signal(signal.SIGHUP)
            assert serve.process.wait(timeout=15) == 0, log_path.read_text()[-2000:]
            assert not (data_dir / "state.json").exists()
            assert stat.S_IMODE(os.stat(data_dir / DB_FILE).st_mode) == 0o600
            serve.start()
            api.queue(message_update("/settings"))
            shown = wait_count(api, 42, 3)[-1].text
            assert "Measure: odds ratio" in shown and "per 1,000" in shown
            api.queue(message_update("as odds ratio", chat_id=43, user_id=43))  # context survived SIGHUP
            assert "skin infections" in wait_count(api, 43, 2)[-1].text
            assert serve.term() == 0
        finally:
            serve.cleanup()
    log = log_path.read_text()
    assert "state.json imported: 1 chats" in log and log.count("stopped") == 2
    assert "Traceback" not in log


def test_a_corrupt_database_is_set_aside_and_the_bot_serves(tmp_path):
    data_dir, log_path = tmp_path / "data", tmp_path / "serve.log"
    data_dir.mkdir()
    (data_dir / DB_FILE).write_bytes(b"\x00garbage" * 1000)
    with FakeBotAPI() as api:
        serve = Serve(api, data_dir, log_path).start()
        try:
            api.queue(message_update(QUESTION))
            assert "risk ratio" in wait_count(api, 42, 1)[-1].text.lower()
            assert serve.term() == 0
        finally:
            serve.cleanup()
    kept = [p for p in data_dir.iterdir() if p.name.startswith(DB_FILE + ".corrupt-")]
    assert len(kept) == 1 and kept[0].read_bytes() == b"\x00garbage" * 1000
    log = log_path.read_text()
    assert log.count("state database unusable") == 1 and "Traceback" not in log
    assert to(api, 42)
