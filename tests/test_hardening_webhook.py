"""Webhook mode under abuse: the real `evidence-bot serve --webhook-url`, on 127.0.0.1, with the Bot API stand-in.

Before: requests were read whole (up to 100 MB) before the secret was checked, stalled connections without the
secret piled up until the open-files limit was reached and nothing was served, and the log took a traceback per
request. Now the secret is checked from the headers, the body is capped, slow clients are cut off, connections
are capped, and repeated log lines are held back.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.fake_bot_api import FakeBotAPI, message_update
from tests.test_telegram_e2e import ROOT, free_port, post_update, serve_env, stop
from tests.test_telegram_handlers import QUESTION

SECRET = "webhook_SECRET-for-hardening"
CAP, TIMEOUT = 20, 2.0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def raw_request(port: int, head: str, body: bytes = b"", timeout: float = 5.0) -> tuple[str, float]:
    """Send headers (and maybe part of a body); the status line and how long the answer took."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head.encode() + body)
        data = b""
        try:
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
    return data.split(b"\r\n", 1)[0].decode(errors="replace"), time.monotonic() - started


def headers(length: int, secret: str | None) -> str:
    lines = ["POST /hook HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", f"Content-Length: {length}"]
    if secret is not None:
        lines.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    return "\r\n".join(lines) + "\r\n\r\n"


def test_webhook_checks_secret_first_caps_bodies_and_connections(tmp_path: Path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    log_path = tmp_path / "serve.log"
    stalled: list[socket.socket] = []
    with FakeBotAPI() as api, open(log_path, "wb") as log_file:
        env = serve_env(api, tmp_path / "data", TELEGRAM_WEBHOOK_SECRET=SECRET, LOG_LEVEL="INFO",
                        EVIDENCE_BOT_WEBHOOK_MAX_CONNECTIONS=str(CAP), EVIDENCE_BOT_WEBHOOK_TIMEOUT=str(TIMEOUT))
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--webhook-url", url, "--listen",
                                    "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env, stdout=log_file,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            api.wait_for("setWebhook", timeout=40)
            deadline = time.monotonic() + 10
            while True:
                try:
                    assert post_update(url, {"update_id": 1, **message_update(QUESTION)}, SECRET) == 200
                    break
                except (OSError, ConnectionError):
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            api.wait_for("sendMessage", timeout=15)
            baseline = open_fds(process.pid)

            # a 50 MB body announced without the secret: refused from the headers, nothing of the body read
            status, took = raw_request(port, headers(50_000_000, None), b"x" * 1000)
            assert " 403" in status and took < 2, (status, took)
            # with the secret, but far larger than any update: refused from the headers too
            status, took = raw_request(port, headers(5_000_000, SECRET), b"x" * 1000)
            assert " 413" in status and took < 2, (status, took)
            # chunked, with the secret, past the cap: cut off
            chunked = "\r\n".join(["POST /hook HTTP/1.1", "Host: x", "Content-Type: application/json",
                                   f"X-Telegram-Bot-Api-Secret-Token: {SECRET}", "Transfer-Encoding: chunked",
                                   "", ""])
            body = b"".join(b"%x\r\n%s\r\n" % (65536, b"x" * 65536) for _ in range(24))
            status, took = raw_request(port, chunked, body)
            assert " 200" not in status, status

            # 300 connections that never send a request: at most CAP stay open, the rest are closed at once
            for _ in range(300):
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                stalled.append(sock)
            time.sleep(0.5)
            assert open_fds(process.pid) <= baseline + CAP + 5, (open_fds(process.pid), baseline)
            # slow clients are cut off after TIMEOUT seconds, and the webhook serves again
            time.sleep(TIMEOUT + 1.0)
            for sock in stalled:
                sock.settimeout(0.5)
                with contextlib.suppress(ConnectionResetError):
                    assert sock.recv(1) == b""
            before = len(api.delivered("sendMessage"))
            assert post_update(url, {"update_id": 2, **message_update(QUESTION, chat_id=77, user_id=77)},
                               SECRET) == 200
            api.wait_for("sendMessage", count=before + 1, timeout=15)
            # an update the library cannot decode is acknowledged (Telegram would resend it otherwise), skipped
            bad = {"update_id": 3, "poll": {"id": "p", "question": "q?", "options": [{"text": "a"}],
                                            "is_closed": False}}
            assert post_update(url, bad, SECRET) == 200
            # a request that is not JSON
            request = headers(9, SECRET)
            status, _ = raw_request(port, request, b"{not json")
            assert " 400" in status
        finally:
            for sock in stalled:
                sock.close()
            code = stop(process)
    assert code == 0
    log = log_path.read_text()
    assert "Traceback" not in log
    assert "update skipped: cannot be decoded" in log
    refused = [line for line in log.splitlines() if "webhook connection refused" in line]
    assert 1 <= len(refused) <= 12, len(refused)  # 280 refusals, a handful of lines (repeats held back)
    assert json.dumps(SECRET)[1:-1] not in log
