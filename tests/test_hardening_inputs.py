"""Inputs that used to slip past the handlers (issue 14).

- A question in a photo's or document's caption was ignored: clinicians forward a picture with the question in
  the caption. Captions are now questions under the same rules as text (any caption in a private chat; in a
  group only when the bot is mentioned, replied to, or the caption starts with /ask), and the picture itself is
  never fetched. A photo without a caption, an edited message and a sticker are still ignored.
- Inline button presses were not counted against the per-user limit (only some of them were), so one user could
  press /settings buttons, each one a state write and a message edit, as fast as they liked. Every press now
  counts, as a question or a command does; an over-limit press gets a short toast and does nothing else.
"""

from __future__ import annotations

import logging
import sqlite3

import pytest

from bot.telegram.commands import settings_message
from bot.telegram.state_db import DB_FILE
from tests.fake_bot_api import (
    BOT_USERNAME,
    FakeBotAPI,
    bot_message,
    callback_update,
    message,
    utf16_len,
)
from tests.test_restart import Serve, wait_count
from tests.test_telegram_handlers import QUESTION, Harness, check_html, sent_messages

PHOTO = [{"file_id": "photo-file", "file_unique_id": "p1", "width": 640, "height": 480}]
DOCUMENT = {"file_id": "doc-file", "file_unique_id": "d1", "file_name": "scan.pdf", "mime_type": "application/pdf"}
GROUP = {"chat_id": -100123, "kind": "supergroup", "user_id": 7}
MARKER = "Clementine"  # a word that must never reach the log


def photo_update(caption: str | None, *, entities: list[dict] | None = None, **kwargs) -> dict:
    extra = {"photo": PHOTO}
    if caption is not None:
        extra["caption"] = caption
    if entities:
        extra["caption_entities"] = entities
    return {"message": message(None, **extra, **kwargs)}


def mention(caption: str, handle: str = f"@{BOT_USERNAME}") -> list[dict]:
    start = caption.index(handle)
    return [{"type": "mention", "offset": utf16_len(caption[:start]), "length": utf16_len(handle)}]


def command(caption: str) -> list[dict]:
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(caption.split()[0])}]


def is_answer(text: str) -> bool:
    return "skin infections" in text and "risk ratio" in text.lower()


@pytest.fixture
async def bot(api, service, tmp_path):
    harness = await Harness(api, service, tmp_path / "data").start()
    yield harness
    await harness.stop()


# --- captions --------------------------------------------------------------------------------------------------

async def test_a_photo_caption_is_answered_as_a_question_in_private(bot):
    calls = await bot.send(photo_update(QUESTION))
    check_html(calls)
    replies = sent_messages(calls)
    assert replies and is_answer(replies[-1].text)
    assert replies[-1].button("Forest plot")  # the full answer, with its buttons
    # the picture itself is never fetched or looked at
    assert {c.method for c in calls} <= {"sendChatAction", "sendMessage"}


async def test_a_document_caption_is_answered_and_a_follow_up_leans_on_it(bot):
    calls = await bot.send({"message": message(None, caption=QUESTION, document=DOCUMENT)})
    assert is_answer(sent_messages(calls)[-1].text)
    assert {c.method for c in calls} <= {"sendChatAction", "sendMessage"}
    # the caption question is the chat's last question, as a text question would be
    calls = await bot.say("as odds ratio")
    assert "odds ratio" in sent_messages(calls)[-1].text.lower() and "skin infections" in \
        sent_messages(calls)[-1].text


async def test_a_caption_that_is_not_understood_gets_the_usual_reply(bot):
    calls = await bot.send(photo_update("look at this rash"))
    check_html(calls)
    replies = sent_messages(calls)
    assert replies and "something went wrong" not in replies[-1].text


async def test_group_captions_follow_the_group_rules(bot):
    # not addressed: quiet, as for text
    assert await bot.send(photo_update(QUESTION, **GROUP)) == []
    other = f"@someone_else {QUESTION}"
    assert await bot.send(photo_update(other, entities=mention(other, "@someone_else"), **GROUP)) == []
    elsewhere = f"/ask@other_bot {QUESTION}"
    assert await bot.send(photo_update(elsewhere, entities=command(elsewhere), **GROUP)) == []
    # a mention in the caption: answered, quoting the photo
    caption = f"@{BOT_USERNAME} {QUESTION}"
    calls = await bot.send(photo_update(caption, entities=mention(caption), **GROUP))
    check_html(calls)
    replies = sent_messages(calls)
    assert replies and is_answer(replies[-1].text)
    assert replies[0].params["reply_parameters"]["message_id"]
    assert {c.method for c in calls} <= {"sendChatAction", "sendMessage"}
    # /ask and /ask@bot at the start of the caption
    for caption in (f"/ask {QUESTION}", f"/ask@{BOT_USERNAME} {QUESTION}"):
        calls = await bot.send(photo_update(caption, entities=command(caption), **GROUP))
        assert is_answer(sent_messages(calls)[-1].text), caption
    # a captioned photo sent in reply to one of the bot's answers
    answer = sent_messages(calls)[-1]
    calls = await bot.send(photo_update("as odds ratio", reply_to=bot_message(answer), **GROUP))
    assert "odds ratio" in sent_messages(calls)[-1].text.lower()
    # a mention with nothing else gets the short prompt, as for text
    bare = f"@{BOT_USERNAME}"
    calls = await bot.send(photo_update(bare, entities=mention(bare), **GROUP))
    assert "Ask me" in sent_messages(calls)[-1].text


async def test_caption_commands(bot):
    caption = f"/ask {QUESTION}"
    calls = await bot.send(photo_update(caption, entities=command(caption)))
    assert is_answer(sent_messages(calls)[-1].text)
    # other commands only work as text: a hint in a private chat, silence in a group
    calls = await bot.send(photo_update("/help", entities=command("/help")))
    (note,) = sent_messages(calls)
    assert "/ask" in note.text and "/help" in note.text
    assert await bot.send(photo_update("/help", entities=command("/help"), **GROUP)) == []
    calls = await bot.send(photo_update("/ask", entities=command("/ask"), **GROUP))
    assert "Put the question after the command" in sent_messages(calls)[-1].text


async def test_a_video_caption_is_a_question_too(bot):
    video = {"file_id": "v", "file_unique_id": "v1", "width": 1, "height": 1, "duration": 1}
    calls = await bot.send({"message": message(None, caption=QUESTION, video=video)})
    assert is_answer(sent_messages(calls)[-1].text)


@pytest.mark.parametrize("update", [
    photo_update(None),  # a photo alone
    photo_update(None, **GROUP),
    {"message": message(None, document=DOCUMENT)},
    {"edited_message": {**photo_update(QUESTION)["message"], "edit_date": 1}},  # an edit
    {"edited_message": {**message(QUESTION), "edit_date": 1}},
    {"message": message(None, sticker={"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
                                       "is_animated": False, "is_video": False, "type": "regular"})},
    {"channel_post": message(None, chat_id=-1009, kind="channel", caption=QUESTION, photo=PHOTO)},
])
async def test_other_content_is_still_ignored(bot, update):
    assert await bot.send(update) == []


async def test_captions_count_against_the_per_user_limit(api, service, tmp_path):
    harness = await Harness(api, service, tmp_path / "d", questions_per_minute=2).start()
    try:
        for _ in range(2):
            assert is_answer(sent_messages(await harness.send(photo_update(QUESTION)))[-1].text)
        texts = [m.text for m in sent_messages(await harness.send(photo_update(QUESTION)))]
        assert len(texts) == 1 and "wait a minute" in texts[0]
        assert sent_messages(await harness.send(photo_update(QUESTION))) == []  # one note per window
    finally:
        await harness.stop()


async def test_captions_never_reach_the_log(bot, caplog):
    caplog.set_level(logging.DEBUG)
    caption = f"@{BOT_USERNAME} {MARKER} asks: {QUESTION}"
    await bot.send(photo_update(f"{MARKER}: {QUESTION}"))
    await bot.send(photo_update(caption, entities=mention(caption), **GROUP))
    await bot.send(photo_update(f"{MARKER} unaddressed", **GROUP))
    await bot.send(photo_update(f"{MARKER} gibberish qqq"))
    assert "answer status=answer" in caplog.text  # the log still says what was understood
    assert MARKER not in caplog.text and "Clementine".lower() not in caplog.text.lower()


def test_serve_answers_a_captioned_photo(tmp_path):
    """The real `evidence-bot serve` process, long polling: a captioned photo comes in and is answered."""
    data_dir, log_path = tmp_path / "data", tmp_path / "serve.log"
    with FakeBotAPI() as api:
        serve = Serve(api, data_dir, log_path).start()
        try:
            api.queue(photo_update(f"{MARKER}: {QUESTION}"))
            assert is_answer(wait_count(api, 42, 1)[-1].text)
            assert not api.calls_of("getFile")
            assert serve.term() == 0
        finally:
            serve.cleanup()
    log = log_path.read_text()
    assert "answer status=answer" in log and MARKER not in log and "Traceback" not in log


# --- button presses --------------------------------------------------------------------------------------------

LIMIT = 60


def stored_settings(harness: Harness, chat_id: int) -> str | None:
    """The settings column as written to the database (read over a connection of its own)."""
    with sqlite3.connect(harness.data_dir / DB_FILE) as conn:
        row = conn.execute("SELECT settings FROM chats WHERE chat_id=?", (chat_id,)).fetchone()
    return row[0] if row else None


def settings_keyboard(harness: Harness, chat_id: int = 42) -> dict:
    """The /settings message as the bot would have sent it (sending it with /settings would use up a turn)."""
    deps = harness.app.bot_data["deps"]
    text, markup = settings_message(harness.store.settings(chat_id), deps, chat_id)
    return {"text": text, "reply_markup": markup.to_dict()}


def press_data(sent: dict, label: str) -> str:
    for row in sent["reply_markup"]["inline_keyboard"]:
        for button in row:
            if button["text"].lstrip("✓ ") == label:
                return button["callback_data"]
    raise AssertionError(label)


async def test_the_61st_settings_press_is_refused_and_writes_nothing(api, service, tmp_path):
    harness = await Harness(api, service, tmp_path / "data", questions_per_minute=LIMIT,
                            rate_limiter=False).start()
    try:
        sent = settings_keyboard(harness)
        measures = ["OR", "RR"]
        for i in range(LIMIT):
            value = measures[i % 2]
            calls = await harness.send(callback_update(press_data(sent, value), sent, chat_id=42))
            assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"], i
            assert "Saved" in calls[0].params["text"]
        written = stored_settings(harness, 42)
        assert '"RR"' in written
        # the 61st press: a toast, and nothing else (no state write, no edit, no message)
        calls = await harness.send(callback_update(press_data(sent, "RD"), sent, chat_id=42))
        assert [c.method for c in calls] == ["answerCallbackQuery"]
        assert "Too many requests" in calls[0].params["text"]
        assert stored_settings(harness, 42) == written
        assert harness.store.settings(42).measure == "RR"
        # another user, in another chat, is not held up
        other = settings_keyboard(harness, 77)
        calls = await harness.send(callback_update(press_data(other, "RD"), other, user_id=77, chat_id=77))
        assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
        assert harness.store.settings(77).measure == "RD"
    finally:
        await harness.stop()


async def test_presses_questions_and_commands_share_one_budget(api, service, tmp_path):
    harness = await Harness(api, service, tmp_path / "data", questions_per_minute=4).start()
    try:
        overview = sent_messages(await harness.say("is dupilumab safe"))[-1]  # 1
        for _ in range(2):  # 2, 3: a summary picture is drawn each time
            calls = await harness.press(overview, "Summary picture")
            assert [c.method for c in calls if c.method == "sendPhoto"] == ["sendPhoto"]
        sent = settings_keyboard(harness)
        calls = await harness.send(callback_update(press_data(sent, "OR"), sent, chat_id=42))  # 4
        assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
        for label in ("RD", "Summary picture"):  # refused: a toast and nothing else
            calls = await (harness.send(callback_update(press_data(sent, label), sent, chat_id=42))
                           if label == "RD" else harness.press(overview, label))
            assert [c.method for c in calls] == ["answerCallbackQuery"], label
            assert "Too many requests" in calls[0].params["text"]
        assert harness.store.settings(42).measure == "OR"
        texts = [m.text for m in sent_messages(await harness.say(QUESTION))]
        assert len(texts) == 1 and "wait a minute" in texts[0]
        assert sent_messages(await harness.say("/sources")) == []
    finally:
        await harness.stop()
