"""End to end: the real `evidence-bot serve` process, long polling the Bot API stand-in on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.telegram.delivery import TYPING_DELAY
from tests.fake_bot_api import (
    PNG_MAGIC,
    TOKEN,
    FakeBotAPI,
    assert_telegram_html,
    callback_update,
    inline_update,
    message_update,
)

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Does dupilumab reduce skin infections, asks Tangerine?"
MARKER = "Tangerine"


def serve_env(api: FakeBotAPI | None, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "EVIDENCE_BOT_"))}
    env.update({"EVIDENCE_BOT_DATA_DIR": str(data_dir), "LOG_LEVEL": "DEBUG", "PYTHONUNBUFFERED": "1",
                "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")})
    if api is not None:
        env.update({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": api.base_url,
                    "TELEGRAM_BASE_FILE_URL": api.base_file_url})
    env.update(extra)
    return env


def run_serve(env: dict[str, str], *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", "serve", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
            pytest.fail("serve did not stop within 15 s of SIGTERM")
    return process.returncode


def test_serve_end_to_end(tmp_path):
    started = time.monotonic()
    log_path = tmp_path / "serve.log"
    with FakeBotAPI() as api, open(log_path, "wb") as log_file:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT,
                                   env=serve_env(api, tmp_path / "data"), stdout=log_file,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            api.wait_for("setMyCommands", timeout=40)
            api.wait_for("getUpdates", timeout=10)

            # a question, as a user in a private chat
            api.queue(message_update(QUESTION))
            answer = api.wait_for("sendMessage", timeout=15)[-1]
            assert_telegram_html(answer.text)
            assert "risk ratio" in answer.text.lower() and "not medical advice" in answer.text
            assert MARKER not in answer.text
            # a quick answer: no 'typing…' before it (delivery.TYPING_DELAY), and none armed and left behind
            time.sleep(TYPING_DELAY + 0.3)
            assert not api.calls_of("sendChatAction")

            # the forest plot button
            api.queue(callback_update(answer.button("Forest plot")["callback_data"], answer))
            photo = api.wait_for("sendPhoto", timeout=20)[-1]
            assert photo.files["photo"].startswith(PNG_MAGIC) and len(photo.files["photo"]) > 5_000
            assert_telegram_html(photo.params["caption"], limit=1024)
            assert len(api.calls_of("answerCallbackQuery")) == 1

            # a tampered button: a polite note, and the bot carries on
            api.queue(callback_update(answer.button("Forest plot")["callback_data"][:-2] + "zz", answer))
            api.wait_for("answerCallbackQuery", count=2, timeout=10)
            assert "can't use" in api.calls_of("answerCallbackQuery")[-1].params["text"]

            # an inline query from another chat
            api.queue(inline_update(f"dupilumab skin infection {MARKER}"))
            inline = api.wait_for("answerInlineQuery", timeout=10)[-1]
            (card,) = inline.params["results"]
            assert "skin infections" in card["title"]
            assert_telegram_html(card["input_message_content"]["message_text"])

            # a follow-up leans on the last question
            api.queue(message_update("as odds ratio"))
            follow = api.wait_for("sendMessage", count=2, timeout=10)[-1]
            assert "odds ratio" in follow.text.lower() and "skin infections" in follow.text
        finally:
            code = stop(process)
    assert code == 0, log_path.read_text()[-2000:]
    log = log_path.read_text()
    assert "status=answer intent=effect outcomes=skin_infection" in log
    assert MARKER not in log and QUESTION not in log and "as odds ratio" not in log
    assert TOKEN not in log and TOKEN.split(":", 1)[1] not in log
    assert "Traceback" not in log
    state = b"".join(p.read_bytes() for p in (tmp_path / "data").iterdir() if p.is_file())
    assert MARKER.encode() not in state and b"odds ratio" not in state
    assert time.monotonic() - started < 60


def test_serve_refuses_a_missing_or_malformed_token(tmp_path):
    for token in (None, "", "not-a-token", "123:short", "abc:defghijklmnopqrstuvwxyz"):
        env = serve_env(None, tmp_path / "data")
        if token is not None:
            env["TELEGRAM_BOT_TOKEN"] = token
        result = run_serve(env)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("evidence-bot: TELEGRAM_BOT_TOKEN"), result.stderr
        assert "Traceback" not in result.stderr


def test_serve_explains_a_token_telegram_rejects(tmp_path):
    with FakeBotAPI(token="999:another-token-entirely") as api:
        result = run_serve(serve_env(api, tmp_path / "data"))
    assert result.returncode == 2, result.stderr
    assert "rejected" in result.stderr and "Traceback" not in result.stderr
    assert TOKEN.split(":", 1)[1] not in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post_update(url: str, update: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(update).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_serve_webhook_mode_checks_the_secret_token(tmp_path):
    port = free_port()
    secret = "webhook_SECRET-for-tests"
    url = f"http://127.0.0.1:{port}/hook"
    log_path = tmp_path / "serve.log"
    with FakeBotAPI() as api, open(log_path, "wb") as log_file:
        env = serve_env(api, tmp_path / "data", TELEGRAM_WEBHOOK_SECRET=secret)
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--webhook-url", url, "--listen", "127.0.0.1",
             "--port", str(port)], cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        try:
            (registered,) = api.wait_for("setWebhook", timeout=40)
            assert registered.params["url"] == url and registered.params["secret_token"] == secret
            update = {"update_id": 1, **message_update(QUESTION)}
            deadline = time.monotonic() + 10
            while True:  # the listener comes up just after setWebhook
                try:
                    assert post_update(url, update, "wrong-secret") == 403
                    break
                except (urllib.error.URLError, ConnectionError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            assert post_update(url, {**update, "update_id": 2}, None) == 403
            assert api.calls_of("sendMessage") == []
            assert post_update(url, {**update, "update_id": 3}, secret) == 200
            answer = api.wait_for("sendMessage", timeout=15)[-1]
            assert "risk ratio" in answer.text.lower()
            # Telegram sends an update again when it did not get the 200: recognised by its update_id (issue 24)
            assert post_update(url, {**update, "update_id": 3}, secret) == 200
            assert post_update(url, {**update, "update_id": 4}, secret) == 200
            api.wait_for("sendMessage", count=2, timeout=15)
            time.sleep(0.3)
            assert len(api.calls_of("sendMessage")) == 2  # update 3 once, update 4 once
        finally:
            code = stop(process)
    assert code == 0, log_path.read_text()[-2000:]
    log = log_path.read_text()
    assert secret not in log and MARKER not in log and TOKEN.split(":", 1)[1] not in log
