"""Faults on the way to Telegram: the real Application against a Bot API stand-in that misbehaves on purpose.

Each test injects one kind of fault on the next call(s) of a method (see ``FakeBotAPI.inject``) and checks that
the bot retries what can succeed (429 "retry after", 5xx, timeouts, dropped connections), drops what cannot
(403 "bot was blocked by the user", 400 "message is not modified"), never loses an answer it could deliver, and
answers the next question. The polling tests run the real updater against faulty getUpdates calls.

The HTTP client's read timeout is shortened to 1 s here (Telegram's default in python-telegram-bot is 5 s) so a
"timeout" costs a second, not five.
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
import pytest
from telegram import Update

from bot.telegram import questions
from bot.telegram.delivery import SEND_RETRIES, TYPING_DELAY
from tests.fake_bot_api import callback_update, message_update
from tests.test_telegram_handlers import QUESTION, Harness

READ_TIMEOUT = 1.0
STALL = 2.5  # a stalled answer outlasts the client's read timeout


def shorten_timeouts(app, read: float = READ_TIMEOUT) -> None:
    """Make the bot's HTTP clients give up after ``read`` seconds (test speed only)."""
    timeout = httpx.Timeout(connect=2.0, read=read, write=2.0, pool=2.0)
    for request in app.bot._request:  # (getUpdates request, every other request)
        request._client_kwargs["timeout"] = timeout
        request._client.timeout = timeout


@pytest.fixture
async def bot(api, service, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    harness = await Harness(api, service, tmp_path / "data").start()
    shorten_timeouts(harness.app)
    yield harness
    await harness.stop()


def answers(calls) -> list:
    """sendMessage calls that Telegram accepted (an injected fault means the message did not go out)."""
    return [c for c in calls if c.method == "sendMessage" and c.fault is None]


async def still_serving(bot, chat_id: int = 42) -> None:
    """After a fault, the next question gets exactly one normal answer."""
    calls = await bot.say(QUESTION, chat_id=chat_id, user_id=chat_id)
    (answer,) = answers(calls)
    assert "risk ratio" in answer.text.lower()
    assert "something went wrong" not in answer.text


def error_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


# --- sending a reply ------------------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_retry_after_is_waited_out_and_the_answer_arrives_once(bot, api, caplog):
    api.inject("sendMessage", "429", count=2, retry_after=1)
    calls = await bot.say(QUESTION)
    sends = [c for c in calls if c.method == "sendMessage"]
    assert [c.fault for c in sends] == ["429", "429", None]
    assert sends[0].text == sends[-1].text and "risk ratio" in sends[-1].text.lower()
    assert sends[1].at - sends[0].at >= 0.9 and sends[2].at - sends[1].at >= 0.9  # retry_after honoured
    assert not error_lines(caplog)
    await still_serving(bot)


@pytest.mark.parametrize("fault", ["5xx", "timeout", "reset"])
async def test_network_faults_on_send_are_retried(bot, api, caplog, fault):
    api.inject("sendMessage", fault, count=SEND_RETRIES, seconds=STALL)
    started = time.monotonic()
    calls = await bot.say(QUESTION)
    sends = [c for c in calls if c.method == "sendMessage"]
    assert [c.fault for c in sends] == [fault] * SEND_RETRIES + [None]
    (answer,) = answers(calls)
    assert "risk ratio" in answer.text.lower() and "something went wrong" not in answer.text
    assert time.monotonic() - started < 10
    assert not error_lines(caplog)
    assert any(f"sendMessage failed: {name}; retry" in caplog.text
               for name in ("NetworkError", "TimedOut"))
    await still_serving(bot)


async def test_a_photo_is_retried_after_a_5xx(bot, api):
    answer = answers(await bot.say(QUESTION))[-1]
    api.inject("sendPhoto", "5xx", count=1, status=500)
    calls = await bot.press(answer, "Forest plot")
    photos = [c for c in calls if c.method == "sendPhoto"]
    assert [c.fault for c in photos] == ["5xx", None]
    assert photos[0].files["photo"] == photos[1].files["photo"]
    await still_serving(bot)


async def test_a_send_that_keeps_failing_is_dropped_and_logged(bot, api, caplog):
    api.inject("sendMessage", "5xx", count=SEND_RETRIES + 1, status=503)
    calls = await bot.say(QUESTION)
    sends = [c for c in calls if c.method == "sendMessage"]
    assert [c.fault for c in sends[:SEND_RETRIES + 1]] == ["5xx"] * (SEND_RETRIES + 1)
    # the outage is over by the time the apology goes out: the user hears something went wrong
    assert [c.text for c in answers(calls)] == [answers(calls)[0].text]
    assert "something went wrong" in answers(calls)[0].text
    assert any("error type=NetworkError update=message" in line for line in error_lines(caplog))
    assert api.faults_left("sendMessage") == 0
    await still_serving(bot)


async def test_blocked_by_the_user_is_logged_and_dropped(bot, api, caplog):
    api.inject("sendChatAction", "blocked")
    api.inject("sendMessage", "blocked")
    calls = await bot.say(QUESTION)
    sends = [c for c in calls if c.method == "sendMessage"]
    assert [c.fault for c in sends] == ["blocked"]  # not retried, and no apology to a chat that is closed
    assert any("error type=Forbidden update=message" in line for line in error_lines(caplog))
    assert "Traceback" not in caplog.text
    await still_serving(bot)
    await still_serving(bot, chat_id=77)


async def test_message_is_not_modified_is_swallowed(bot, api, caplog):
    shown = answers(await bot.say("/settings"))[-1]
    api.inject("editMessageText", "not_modified")
    calls = await bot.press(shown, "OR")
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert calls[1].fault == "not_modified"
    assert "Saved" in calls[0].params["text"]
    assert bot.store.settings(42).measure == "OR"  # the setting itself was saved
    assert not error_lines(caplog) and not answers(calls)
    calls = await bot.say(QUESTION)
    assert "odds ratio" in answers(calls)[-1].text.lower()


async def test_a_failed_typing_indicator_does_not_stop_the_answer(bot, api, caplog, monkeypatch):
    original = questions.answer_parsed

    async def slow(*args, **kwargs):  # slow enough to be shown typing (delivery.TYPING_DELAY)
        await asyncio.sleep(TYPING_DELAY + 0.4)
        await original(*args, **kwargs)

    monkeypatch.setattr(questions, "answer_parsed", slow)
    api.inject("sendChatAction", "5xx")
    calls = await bot.say(QUESTION)
    assert [c.fault for c in calls if c.method == "sendChatAction"] == ["5xx"]
    assert "risk ratio" in answers(calls)[-1].text.lower()
    assert not error_lines(caplog)


async def test_faulty_callback_answer_still_runs_the_action(bot, api, caplog):
    answer = answers(await bot.say(QUESTION))[-1]
    api.inject("answerCallbackQuery", "5xx")
    calls = await bot.send(callback_update(answer.button("Trials")["callback_data"], answer))
    assert [c.fault for c in calls if c.method == "answerCallbackQuery"] == ["5xx"]
    (shown,) = answers(calls)  # the button's action ran all the same
    assert "CHRONOS" in shown.text and "something went wrong" not in shown.text
    assert not error_lines(caplog)
    await still_serving(bot)


# --- polling ----------------------------------------------------------------------------------------------------

async def wait_until(predicate, timeout: float, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(step)


async def test_polling_survives_getupdates_faults(bot, api, caplog):
    """5xx, a dropped connection and a stalled getUpdates: the updater keeps polling and answers."""
    app = bot.app
    await app.start()
    try:
        api.inject("getUpdates", "timeout", seconds=STALL + 1)  # polling read timeout is 1 s + timeout 1 s
        api.inject("getUpdates", "5xx", status=502)
        api.inject("getUpdates", "reset")
        api.inject("getUpdates", "5xx", status=500)
        await app.updater.start_polling(timeout=1, allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])
        api.queue(message_update(QUESTION, chat_id=501, user_id=501))
        await wait_until(lambda: len(api.delivered("sendMessage")) >= 1, timeout=20)
        faults = [c.fault for c in api.calls_of("getUpdates") if c.fault]
        assert faults == ["timeout", "5xx", "reset", "5xx"]
        assert "risk ratio" in api.delivered("sendMessage")[0].text.lower()
        # still polling: a second question after the faults is answered too
        api.queue(message_update("as odds ratio", chat_id=501, user_id=501))
        await wait_until(lambda: len(api.delivered("sendMessage")) >= 2, timeout=10)
        assert "odds ratio" in api.delivered("sendMessage")[1].text.lower()
        assert app.updater.running
    finally:
        if app.updater.running:
            await app.updater.stop()
        await app.stop()
    # each update was answered once
    assert [c.params["chat_id"] for c in api.delivered("sendMessage")] == [501, 501]


# --- one user flooding ------------------------------------------------------------------------------------------

async def test_a_flooding_user_cannot_starve_another(api, service, tmp_path):
    """100 questions from one user, queued at once, then one from another user: the second user's answer comes
    promptly, through the real update queue and the per-chat update processor (not process_update)."""
    harness = await Harness(api, service, tmp_path / "d", questions_per_minute=20).start()
    app = harness.app
    await app.start()
    try:
        flooder, other = 601, 602
        for index in range(100):
            await app.update_queue.put(Update.de_json(
                {"update_id": index + 1, **message_update(QUESTION, chat_id=flooder, user_id=flooder)}, app.bot))
        await asyncio.sleep(0)
        queued = time.monotonic()
        await app.update_queue.put(Update.de_json(
            {"update_id": 101, **message_update(QUESTION, chat_id=other, user_id=other)}, app.bot))

        def to(chat_id):
            return [c for c in api.delivered("sendMessage") if c.params["chat_id"] == chat_id]

        await wait_until(lambda: to(other), timeout=15, step=0.01)
        latency = time.monotonic() - queued
        flooded_before = len(to(flooder))
        await wait_until(lambda: app.update_queue.empty() and len(to(flooder)) >= 21, timeout=30)
        await asyncio.sleep(0.3)
    finally:
        await app.stop()
        await harness.stop()
    print(f"second user answered after {latency * 1000:.0f} ms, {flooded_before} flooder replies before it")
    assert "risk ratio" in to(other)[0].text.lower()
    assert latency < 1.0, f"second user waited {latency:.2f}s behind {flooded_before} replies to the flooder"
    # the flooder got 20 answers and one "please wait" note, not 100 answers
    flooder_texts = [c.text for c in to(flooder)]
    assert len(flooder_texts) == 21
    assert sum("wait a minute" in t for t in flooder_texts) == 1
