"""Privacy: no message text, user name, inline query, token or webhook secret in logs or on disk.

The real `evidence-bot serve` process runs with LOG_LEVEL=DEBUG against the Bot API stand-in, with its working
directory, TMPDIR, HOME and matplotlib's cache directory inside the test's temporary directory. A recognisable
phrase goes through every handler (private question, /ask in a group, a mention, a reply, an inline query,
/settings and /trials with bad arguments, an unknown command, a deep link, callbacks, an edited message, and the
fault paths that log errors), from users whose names are other recognisable markers. Then stdout, stderr and
every file the process could have written are searched for all of them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.fake_bot_api import (
    BOT_USERNAME,
    TOKEN,
    FakeBotAPI,
    bot_message,
    callback_update,
    inline_update,
    mention_update,
    message_update,
)
from tests.test_telegram_e2e import free_port, post_update, serve_env, stop

PHRASE = "zebracorn patient 47 years"
FIRST, LAST, HANDLE, TITLE = "Quokkafirst", "Wombatlast", "platypus_handle", "Narwhalward"
SECRET = "webhook-Secret_for_privacy-test"
MARKERS = ("zebracorn", PHRASE, FIRST, LAST, HANDLE, TITLE, TOKEN, TOKEN.split(":", 1)[1], SECRET)
GROUP = {"chat_id": -100555, "kind": "supergroup", "user_id": 77}


def named(update: dict, user_id: int = 42) -> dict:
    """Give the sender (and the chat) recognisable names."""
    person = {"id": user_id, "is_bot": False, "first_name": FIRST, "last_name": LAST, "username": HANDLE,
              "language_code": "en"}
    for key in ("message", "edited_message", "callback_query", "inline_query"):
        body = update.get(key)
        if not body:
            continue
        body["from"] = {**person, "id": body["from"]["id"]}
        chat = body.get("chat")
        if chat is not None:
            if chat["type"] == "private":
                chat.update(first_name=FIRST, last_name=LAST, username=HANDLE)
            else:
                chat["title"] = TITLE
    return update


def sandbox(tmp_path: Path) -> dict[str, Path]:
    dirs = {name: tmp_path / name for name in ("data", "cwd", "tmp", "home", "mpl")}
    for path in dirs.values():
        path.mkdir()
    return dirs


def sandbox_env(api: FakeBotAPI | None, dirs: dict[str, Path], **extra: str) -> dict[str, str]:
    return serve_env(api, dirs["data"], TMPDIR=str(dirs["tmp"]), HOME=str(dirs["home"]),
                     MPLCONFIGDIR=str(dirs["mpl"]), XDG_CACHE_HOME=str(dirs["home"] / ".cache"), **extra)


def leaks(texts: dict[str, str]) -> list[str]:
    return [f"{marker!r} in {where}" for where, text in texts.items() for marker in MARKERS
            if marker.lower() in text.lower()]


def written_files(dirs: dict[str, Path]) -> dict[str, str]:
    files = {}
    for root in dirs.values():
        for path in root.rglob("*"):
            if path.is_file():
                files[str(path)] = path.read_bytes().decode("utf-8", "replace")
    return files


def test_no_text_names_or_secrets_in_logs_or_files_at_debug(tmp_path):
    dirs = sandbox(tmp_path)
    out_path, err_path = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with FakeBotAPI() as api, open(out_path, "wb") as out, open(err_path, "wb") as err:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=dirs["cwd"],
                                   env=sandbox_env(api, dirs), stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        try:
            api.wait_for("setMyCommands", timeout=40)
            api.wait_for("getUpdates", timeout=10)
            sent = 0

            def expect(update: dict, replies: int = 1) -> list:
                nonlocal sent
                api.queue(named(update, (update.get("message") or {}).get("from", {}).get("id", 42)))
                sent += replies
                return api.wait_for("sendMessage", count=sent, timeout=15)

            answer = expect(message_update(f"does dupilumab reduce skin infections {PHRASE}"))[-1]
            assert "risk ratio" in answer.text.lower()
            expect(message_update(f"/ask {PHRASE} conjunctivitis", **GROUP))
            group_answer = api.calls_of("sendMessage")[-1]
            expect(mention_update(f"@{BOT_USERNAME} {PHRASE} eczema herpeticum", **GROUP))
            expect(message_update(f"{PHRASE} as odds ratio", reply_to=bot_message(group_answer), **GROUP))
            expect(message_update(f"/settings {PHRASE}"))
            expect(message_update(f"/settings measure={PHRASE}"))
            expect(message_update(f"/trials {PHRASE}"))
            expect(message_update(f"/{PHRASE.replace(' ', '_')}"))
            expect(message_update(f"{PHRASE}"))
            expect(message_update(f"/start {PHRASE.replace(' ', '')}"))
            expect(message_update(f"/start a{PHRASE.replace(' ', '')}"))
            # callbacks: a real button, and forged data carrying the phrase
            api.queue(named(callback_update(answer.button("Trials")["callback_data"], answer)))
            sent += 1
            api.wait_for("sendMessage", count=sent, timeout=15)
            api.queue(named(callback_update(PHRASE, answer)))
            api.wait_for("answerCallbackQuery", count=2, timeout=10)
            # inline queries, answerable and not
            api.queue(named(inline_update(f"{PHRASE} dupilumab skin infection")))
            api.queue(named(inline_update(PHRASE)))
            api.wait_for("answerInlineQuery", count=2, timeout=10)
            # an edited message and a message in a group that is not for the bot: ignored, and not logged
            api.queue(named({"edited_message": {**message_update(PHRASE)["message"], "edit_date": 1}}))
            api.queue(named(message_update(PHRASE, **GROUP)))
            # fault paths that log: a retried 5xx, a send that fails for good, a user who blocked the bot
            api.inject("sendMessage", "5xx")
            expect(message_update(f"dupilumab conjunctivitis {PHRASE}"), replies=2)
            api.inject("sendMessage", "blocked")
            api.queue(named(message_update(f"dupilumab eczema herpeticum {PHRASE}", chat_id=43, user_id=43)))
            deadline = time.monotonic() + 10
            while not any(c.fault == "blocked" for c in api.calls_of("sendMessage")):
                assert time.monotonic() < deadline
                time.sleep(0.05)
            sent += 1  # the refused attempt
            api.inject("sendMessage", "5xx", count=3, status=500)
            expect(message_update(f"dupilumab skin infections {PHRASE}", chat_id=44, user_id=44), replies=4)
            time.sleep(0.3)
        finally:
            code = stop(process)
    assert code == 0, err_path.read_text()[-2000:]
    stdout, stderr = out_path.read_text(), err_path.read_text()
    # the log is there, at DEBUG, and it says what happened
    assert "DEBUG" in stderr and "status=answer intent=effect outcomes=skin_infection" in stderr
    assert "error type=Forbidden" in stderr and "error type=NetworkError" in stderr
    assert "callback refused" in stderr and "inline status=" in stderr
    files = written_files(dirs)
    assert any(name.endswith("state.sqlite3") for name in files)
    problems = leaks({"stdout": stdout, "stderr": stderr, **files})
    assert not problems, problems


def run(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", "serve", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)


def test_token_and_secret_never_in_error_messages(tmp_path):
    dirs = sandbox(tmp_path)
    outputs: dict[str, str] = {}
    # a malformed token and a malformed secret: the one-line explanation does not echo them
    env = sandbox_env(None, dirs, TELEGRAM_BOT_TOKEN=f"{TOKEN} {PHRASE}")
    result = run(env, cwd=dirs["cwd"])
    assert result.returncode == 2
    outputs["malformed token"] = result.stdout + result.stderr
    env = sandbox_env(None, dirs, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=f"{SECRET} {PHRASE}!")
    result = run(env, "--webhook-url", "https://bot.example.org/hook", cwd=dirs["cwd"])
    assert result.returncode == 2 and "TELEGRAM_WEBHOOK_SECRET" in result.stderr
    outputs["malformed secret"] = result.stdout + result.stderr
    # Telegram unreachable (nothing listens on the port), in webhook mode with a secret, at DEBUG
    port = free_port()
    env = sandbox_env(None, dirs, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET,
                      TELEGRAM_BASE_URL=f"http://127.0.0.1:{port}/bot",
                      TELEGRAM_BASE_FILE_URL=f"http://127.0.0.1:{port}/file/bot")
    result = run(env, "--webhook-url", "https://bot.example.org/hook", "--listen", "127.0.0.1",
                 "--port", str(free_port()), cwd=dirs["cwd"])
    assert result.returncode == 1 and "could not reach Telegram" in result.stderr
    outputs["unreachable"] = result.stdout + result.stderr
    # a token Telegram rejects
    with FakeBotAPI(token="999:another-token-entirely") as api:
        env = sandbox_env(api, dirs)
        result = run(env, cwd=dirs["cwd"])
    assert result.returncode == 2 and "rejected" in result.stderr
    outputs["rejected"] = result.stdout + result.stderr
    problems = leaks({**outputs, **written_files(dirs)})
    assert not problems, problems
    # configuration problems and an unreachable Telegram are explained in a line, never with a traceback
    assert not any("Traceback" in text for text in outputs.values()), outputs


def test_webhook_mode_logs_no_secret_token_or_text(tmp_path):
    dirs = sandbox(tmp_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    out_path, err_path = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with FakeBotAPI() as api, open(out_path, "wb") as out, open(err_path, "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--webhook-url", url, "--listen", "127.0.0.1",
             "--port", str(port)], cwd=dirs["cwd"], env=sandbox_env(api, dirs, TELEGRAM_WEBHOOK_SECRET=SECRET),
            stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        try:
            api.wait_for("setWebhook", timeout=40)
            update = {"update_id": 1, **named(message_update(f"dupilumab skin infections {PHRASE}"))}
            deadline = time.monotonic() + 10
            while True:
                try:
                    assert post_update(url, update, f"{SECRET}-wrong") == 403
                    break
                except (urllib.error.URLError, ConnectionError):
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            assert post_update(url, {**update, "update_id": 2}, SECRET) == 200
            api.wait_for("sendMessage", timeout=15)
            # a request that is not an update at all
            request = urllib.request.Request(url, data=f"{{not json {PHRASE}".encode(), method="POST",
                                             headers={"Content-Type": "application/json",
                                                      "X-Telegram-Bot-Api-Secret-Token": SECRET})
            try:
                urllib.request.urlopen(request, timeout=10).close()
            except urllib.error.HTTPError as error:
                assert error.code in (400, 500)
        finally:
            code = stop(process)
    assert code == 0
    problems = leaks({"stdout": out_path.read_text(), "stderr": err_path.read_text(), **written_files(dirs)})
    assert not problems, problems
    assert os.environ.get("TELEGRAM_WEBHOOK_SECRET") != SECRET
