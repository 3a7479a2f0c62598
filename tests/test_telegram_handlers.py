"""Handler tests: the real Application, with its real HTTP layer, against the Bot API stand-in.

Each test feeds updates straight into ``Application.process_update`` (no polling, so no waiting) and asserts on
the calls the bot made: the texts and HTML it sent, its buttons, photos, callback and inline answers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time

import pytest
from telegram import Update

from bot.service import EvidenceService
from bot.telegram import callbacks, questions
from bot.telegram.application import build_application
from bot.telegram.delivery import TYPING_DELAY
from bot.telegram.store import Store
from tests.fake_bot_api import (
    BOT_ID,
    BOT_USERNAME,
    PNG_MAGIC,
    TOKEN,
    FakeBotAPI,
    assert_telegram_html,
    bot_message,
    callback_update,
    inline_update,
    mention_update,
    message,
    message_update,
)

QUESTION = "does dupilumab reduce skin infections"


class Harness:
    """One running Application wired to the stand-in; ``restart()`` builds a new one on the same data dir."""

    def __init__(self, api: FakeBotAPI, service: EvidenceService, data_dir, **options):
        self.api, self.service, self.data_dir, self.options = api, service, data_dir, options
        self.app = None
        self._update_id = 0

    async def start(self) -> Harness:
        self.store = Store(self.data_dir)
        self.app = build_application(TOKEN, self.service, self.store, base_url=self.api.base_url,
                                     base_file_url=self.api.base_file_url, **self.options)
        await self.app.initialize()
        await self.app.post_init(self.app)
        return self

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.shutdown()
            self.app = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def send(self, update: dict) -> list:
        """Process one update; return the calls it caused."""
        before = len(self.api.calls)
        self._update_id += 1
        await self.app.process_update(Update.de_json({"update_id": self._update_id, **update}, self.app.bot))
        return self.api.calls[before:]

    async def say(self, text: str, **kwargs) -> list:
        return await self.send(message_update(text, **kwargs))

    async def press(self, sent, label: str, **kwargs) -> list:
        return await self.send(callback_update(sent.button(label)["callback_data"], sent, **kwargs))


@pytest.fixture
async def bot(api, service, tmp_path):
    harness = await Harness(api, service, tmp_path / "data").start()
    yield harness
    await harness.stop()


def sent_messages(calls) -> list:
    return [c for c in calls if c.method == "sendMessage"]


def check_html(calls) -> None:
    """Every message and caption the bot sent is strict Telegram HTML within the limits."""
    for call in calls:
        if call.method in ("sendMessage", "editMessageText"):
            assert call.params.get("parse_mode") in ("HTML", None)
            if call.params.get("parse_mode") == "HTML":
                assert_telegram_html(call.params["text"])
            else:
                assert len(call.params["text"]) <= 4096
        if call.method == "sendPhoto" and call.params.get("caption"):
            assert_telegram_html(call.params["caption"], limit=1024)
        for b in call.buttons():
            if "callback_data" in b:
                assert len(b["callback_data"].encode()) <= 64


def answers_of(calls) -> list:
    return [c for c in calls if c.method == "answerCallbackQuery"]


# --- start-up and commands -----------------------------------------------------------------------------------

async def test_post_init_registers_commands(bot, api):
    commands = api.calls_of("setMyCommands")
    assert len(commands) == 1
    names = {c["command"] for c in commands[0].params["commands"]}
    assert {"start", "help", "topics", "ask", "trials", "sources", "about", "settings"} <= names


async def test_start_explains_and_offers_three_examples(bot):
    calls = await bot.say("/start")
    check_html(calls)
    (reply,) = sent_messages(calls)
    assert "dupilumab" in reply.text and "not medical advice" in reply.text
    labels = [b["text"] for b in reply.buttons()]
    assert len(labels) == 3 and all("dupilumab" in label or "tralokinumab" in label for label in labels)
    # an example button answers its question
    calls = await bot.press(reply, "skin infections")
    check_html(calls)
    assert len(answers_of(calls)) == 1
    assert "risk ratio" in sent_messages(calls)[-1].text.lower()


@pytest.mark.parametrize("command, expected", [
    ("/help", ["/settings", "/ask", "not medical advice"]),
    ("/topics", ["What I cover", "conjunctivitis", "knowledge base 20"]),
    ("/sources", ["Sources", 'href="https://pubmed.ncbi.nlm.nih.gov/']),
    ("/about", ["Data version", "content hash", "Mantel-Haenszel", "not medical advice", "no language model"]),
    ("/trials", ["Trials of dupilumab", "CHRONOS"]),
    ("/trials conjunctivitis", ["Trials of dupilumab", "CHRONOS (52 wk, TCS, adults): conjunctivitis"]),
    ("/trials <b>nonsense</b>", ["did not recognise an outcome", "CHRONOS"]),
    ("/start@" + BOT_USERNAME, ["dupilumab"]),
])
async def test_commands(bot, service, command, expected):
    calls = await bot.say(command)
    check_html(calls)
    text = "\n".join(c.text for c in sent_messages(calls))
    for part in expected:
        assert part in text, (part, text[:500])
    assert "<b>nonsense</b>" not in text
    if command == "/about":
        assert service.kb.version in text and service.kb.short_hash in text


async def test_unknown_command_in_private_gets_a_hint(bot):
    calls = await bot.say("/frobnicate now")
    (reply,) = sent_messages(calls)
    assert "/help" in reply.text


# --- questions and buttons ----------------------------------------------------------------------------------------

async def test_question_answer_with_buttons_and_no_typing_for_a_quick_answer(bot):
    calls = await bot.say(QUESTION)
    check_html(calls)
    assert [c.method for c in calls] == ["sendMessage"]
    await asyncio.sleep(TYPING_DELAY + 0.3)  # called off when the answer went out, not merely late
    assert not bot.api.calls_of("sendChatAction")
    answer = sent_messages(calls)[-1]
    assert "risk ratio" in answer.text.lower()
    assert "not medical advice" in answer.text
    assert "95% CI" in answer.text
    labels = {b["text"] for b in answer.buttons()}
    assert {"Forest plot", "Icon array", "Trials", "Method", "Sources", "OR", "RD"} <= labels
    assert any(label.startswith(("Random", "Fixed")) for label in labels)


async def test_every_button_works_and_is_answered_once(bot):
    answer = sent_messages(await bot.say(QUESTION))[-1]
    for label in [b["text"] for b in answer.buttons()]:
        calls = await bot.press(answer, label)
        check_html(calls)
        assert len(answers_of(calls)) == 1, label
        assert not answers_of(calls)[0].params.get("text"), label  # no error note
        assert any(c.method in ("sendMessage", "sendPhoto") for c in calls), label


async def test_forest_plot_and_icon_array_are_photos(bot):
    answer = sent_messages(await bot.say(QUESTION))[-1]
    for label in ("Forest plot", "Icon array"):
        calls = await bot.press(answer, label)
        check_html(calls)
        photos = [c for c in calls if c.method == "sendPhoto"]
        assert len(photos) == 1
        assert photos[0].files["photo"].startswith(PNG_MAGIC)
        assert len(photos[0].params["caption"]) <= 1024
        assert "not medical advice" in photos[0].params["caption"]


async def test_an_answer_that_is_slow_shows_typing_first(bot, monkeypatch):
    """An answer that has not gone out after TYPING_DELAY: 'typing…' is sent, before the answer."""
    original = questions.answer_parsed

    async def slow(*args, **kwargs):
        await asyncio.sleep(TYPING_DELAY + 0.4)  # held up: the event loop is free meanwhile
        await original(*args, **kwargs)

    monkeypatch.setattr(questions, "answer_parsed", slow)
    calls = await bot.say(QUESTION)
    assert [c.method for c in calls] == ["sendChatAction", "sendMessage"]
    assert calls[0].params["action"] == "typing" and calls[0].params["chat_id"] == 42
    assert "risk ratio" in calls[1].text.lower()


@pytest.mark.parametrize("seconds", [0.0, TYPING_DELAY + 0.4])
async def test_a_picture_shows_sending_a_photo_only_when_drawing_is_slow(bot, monkeypatch, seconds):
    from bot.answers import plots

    drawn = plots.forest_png(*_first_outcome(bot))

    def draw(*args):
        time.sleep(seconds)  # in the drawing thread, as matplotlib would be
        return drawn

    monkeypatch.setattr(plots, "forest_png", draw)
    answer = sent_messages(await bot.say(QUESTION))[-1]
    before = len(bot.api.calls)
    await bot.press(answer, "Forest plot")
    await asyncio.sleep(TYPING_DELAY + 0.3)  # a chat action armed and not called off would be sent by now
    methods = [c.method for c in bot.api.calls[before:]]
    assert methods.count("sendPhoto") == 1
    if seconds:
        assert methods.index("sendChatAction") < methods.index("sendPhoto")
        assert [c.params["action"] for c in bot.api.calls_of("sendChatAction")] == ["upload_photo"]
    else:
        assert "sendChatAction" not in methods


def _first_outcome(bot):
    parsed = bot.service.understand(QUESTION)
    answer, _ = bot.service.answer_parse(parsed, None, sensitivity=False)
    return answer.outcomes[0], f"{answer.kb_version} ({answer.kb_hash})"


async def test_detail_buttons_show_their_sections(bot):
    answer = sent_messages(await bot.say(QUESTION))[-1]
    expectations = {"Trials": "CHRONOS", "Method": "Heterogeneity", "Sources": "PMID",
                    "Sensitivity": "Without CHRONOS"}
    for label, expected in expectations.items():
        calls = await bot.press(answer, label)
        check_html(calls)
        assert expected in "\n".join(c.text for c in sent_messages(calls)), label


async def test_measure_and_model_switches(bot):
    answer = sent_messages(await bot.say(QUESTION))[-1]
    calls = await bot.press(answer, "OR")
    check_html(calls)
    switched = sent_messages(calls)[-1]
    assert "odds ratio" in switched.text.lower()
    calls = await bot.press(answer, "Random")
    random_answer = sent_messages(calls)[-1]
    method = sent_messages(await bot.press(random_answer, "Method"))[-1]
    assert "random-effects" in method.text


async def test_tampered_and_foreign_callback_data_get_a_polite_note(bot, api):
    answer = sent_messages(await bot.say(QUESTION))[-1]
    data = answer.button("Forest plot")["callback_data"]
    flipped = data[:-1] + ("A" if data[-1] != "A" else "B")
    other_body = "M.OR" + data[1:data.index(".", 2)] + data[data.index(".", 2):]
    cases = [flipped, other_body, "", "x", "p..", "🙂" * 20, "a" * 64, "p..abc.defghijk", data + "x",
             "S.mOR.-.AAAAAAAA", json.dumps({"a": 1})]
    for bad in cases:
        calls = await bot.send(callback_update(bad, answer))
        assert [c.method for c in calls] == ["answerCallbackQuery"], bad
        assert "can't use that button" in calls[0].params["text"]
    # a button signed for chat 42 pressed in another chat
    calls = await bot.send(callback_update(data, answer, chat_id=43))
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    # a callback without a message (from an inline card) is answered, not crashed on
    calls = await bot.send(callback_update(data, None))
    assert [c.method for c in calls] == ["answerCallbackQuery"]


async def test_stale_buttons_after_restart(bot):
    answer = sent_messages(await bot.say(QUESTION))[-1]
    await bot.say("reset")  # else "dupilumab" continues the question before (it names nothing new)
    clarify = sent_messages(await bot.say("dupilumab"))[-1]
    assert clarify.buttons(), "a clarifying question offers choices"
    await bot.restart()
    # an answer's buttons keep working: its reading (ids and options) was persisted
    calls = await bot.press(answer, "Forest plot")
    assert [c.method for c in calls if c.method == "sendPhoto"]
    # a menu button keeps the frame it carries (ids and options, kept as its difference from the question)
    label = next(b["text"] for b in clarify.buttons() if "conjunctivitis" in b["text"].lower())
    calls = await bot.press(clarify, label)
    assert "Dupilumab vs placebo: conjunctivitis" in sent_messages(calls)[-1].text
    # a well-signed token that was never issued
    data = callbacks.encode(bot.store.key(), 42, "plot", "zzzzzzzz")
    calls = await bot.send(callback_update(data, answer))
    assert [c.method for c in calls] == ["answerCallbackQuery"] and "expired" in calls[0].params["text"]


async def test_several_outcomes_split_and_draw_one_picture_each(bot):
    calls = await bot.say("dupilumab skin infections, eczema herpeticum and conjunctivitis")
    check_html(calls)
    replies = sent_messages(calls)
    text = "\n".join(r.text for r in replies)
    for outcome in ("skin infections", "eczema herpeticum", "conjunctivitis"):
        assert outcome in text.lower()
    assert all(not r.buttons() for r in replies[:-1]) and replies[-1].buttons()
    calls = await bot.press(replies[-1], "Forest plot")
    check_html(calls)
    photos = [c for c in calls if c.method == "sendPhoto"]
    assert 1 <= len(photos) <= 3 and all(p.files["photo"].startswith(PNG_MAGIC) for p in photos)
    calls = await bot.press(replies[-1], "Sources")
    check_html(calls)
    assert all(len(c.text) <= 4096 for c in sent_messages(calls))


async def test_clarification_buttons_ask_the_choice(bot):
    clarify = sent_messages(await bot.say("dupilumab"))[-1]
    label = next(b["text"] for b in clarify.buttons() if "conjunctivitis" in b["text"].lower())
    calls = await bot.press(clarify, label)
    check_html(calls)
    assert "conjunctivitis" in sent_messages(calls)[-1].text


# --- follow-ups and settings --------------------------------------------------------------------------------------

async def test_follow_ups_lean_on_the_last_question(bot):
    await bot.say(QUESTION)
    herpeticum = sent_messages(await bot.say("and eczema herpeticum?"))[-1]
    assert "eczema herpeticum" in herpeticum.text.lower()
    odds = sent_messages(await bot.say("as odds ratio"))[-1]
    assert "eczema herpeticum" in odds.text.lower() and "odds ratio" in odds.text.lower()
    dose = sent_messages(await bot.say("only 300 mg q2w"))[-1]
    assert "eczema herpeticum" in dose.text.lower() and "300" in dose.text
    # the context survives a restart, and holds no text
    await bot.restart()
    per = sent_messages(await bot.say("per 1000"))[-1]
    assert "eczema herpeticum" in per.text.lower()
    state = b"".join(p.read_bytes() for p in bot.data_dir.iterdir() if p.is_file())
    for typed in ("and eczema herpeticum?", "as odds ratio", "only 300 mg", QUESTION):
        assert typed.encode() not in state
    # another chat has no context: an option alone is not understood there
    other = sent_messages(await bot.say("as odds ratio", chat_id=77, user_id=77))[-1]
    assert "did not understand" in other.text


async def test_settings_command_and_buttons(bot):
    calls = await bot.say("/settings measure=OR model=random per=1000")
    check_html(calls)
    shown = sent_messages(calls)[-1]
    assert "Saved" in shown.text and "odds ratio" in shown.text
    assert "✓ OR" in {b["text"] for b in shown.buttons()}
    answer = sent_messages(await bot.say(QUESTION))[-1]
    assert "odds ratio" in answer.text.lower()
    await bot.restart()
    shown = sent_messages(await bot.say("/settings"))[-1]
    assert "Measure: odds ratio" in shown.text and "random" in shown.text and "per 1,000" in shown.text
    # a settings button edits the message in place and answers the press once
    calls = await bot.press(shown, "RD")
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert "Saved" in calls[0].params["text"]
    check_html(calls)
    assert bot.store.settings(42).measure == "RD"
    calls = await bot.say("/settings reset")
    assert bot.store.settings(42).measure is None


@pytest.mark.parametrize("args, expected", [
    ("model=", "needs a value"),
    ("measure=xyz", "can be RR, OR or RD"),
    ("per=7", "100 or 1000"),
    ("colour=blue", "don't know the setting"),
    ("<b>x</b>=1", "don't know the setting"),
    ("measure=<i>", "can be RR, OR or RD"),
])
async def test_settings_bad_arguments(bot, args, expected):
    calls = await bot.say(f"/settings {args}")
    check_html(calls)
    (reply,) = sent_messages(calls)
    assert "Settings not changed" in reply.text and expected in reply.text
    assert "<b>x</b>=1" not in reply.text and "=<i>" not in reply.text
    assert bot.store.settings(42).measure is None


# --- groups -------------------------------------------------------------------------------------------------------

GROUP = {"chat_id": -100123, "kind": "supergroup", "user_id": 7}


async def test_group_is_silent_unless_addressed(bot):
    assert await bot.say(QUESTION, **GROUP) == []
    assert await bot.say("@someone_else what about conjunctivitis", **GROUP) == []
    other_reply = message("hi", chat_id=-100123, kind="supergroup", user_id=8)
    assert await bot.send(message_update(QUESTION, reply_to=other_reply, **GROUP)) == []


async def test_group_answers_ask_mentions_and_replies(bot):
    calls = await bot.say(f"/ask {QUESTION}", **GROUP)
    check_html(calls)
    answer = sent_messages(calls)[-1]
    assert "risk ratio" in answer.text.lower()
    assert sent_messages(calls)[0].params["reply_parameters"]["message_id"]
    calls = await bot.say(f"/ask@{BOT_USERNAME} does dupilumab cause conjunctivitis?", **GROUP)
    assert "conjunctivitis" in sent_messages(calls)[-1].text
    calls = await bot.send(mention_update(f"🙂 @{BOT_USERNAME} eczema herpeticum risk?", **GROUP))
    check_html(calls)
    assert "eczema herpeticum" in sent_messages(calls)[-1].text.lower()
    reply_to_bot = bot_message(answer)
    calls = await bot.send(message_update("as odds ratio", reply_to=reply_to_bot, **GROUP))
    assert "odds ratio" in sent_messages(calls)[-1].text.lower()
    calls = await bot.say("/ask", **GROUP)
    assert "Put the question after the command" in sent_messages(calls)[-1].text
    calls = await bot.send(mention_update(f"@{BOT_USERNAME}", **GROUP))
    assert "Ask me" in sent_messages(calls)[-1].text
    # buttons work in the group too
    calls = await bot.press(answer, "Forest plot", user_id=9, chat_id=-100123)
    assert any(c.method == "sendPhoto" and c.params["chat_id"] == -100123 for c in calls)


# --- inline mode --------------------------------------------------------------------------------------------------

async def test_inline_query_offers_a_shareable_card(bot, api):
    calls = await bot.send(inline_update("dupilumab skin infection"))
    (answer,) = [c for c in calls if c.method == "answerInlineQuery"]
    results = answer.params["results"]
    assert results
    card = results[0]
    assert card["type"] == "article"
    assert "skin infections" in card["title"]
    assert "95% CI" in card["description"]
    content = card["input_message_content"]
    assert content["parse_mode"] == "HTML"
    assert_telegram_html(content["message_text"])
    assert "not medical advice" in content["message_text"]
    assert "Fleming" in content["message_text"]  # the citation of the published meta-analysis
    url = card["reply_markup"]["inline_keyboard"][0][0]["url"]
    match = re.fullmatch(rf"https://t\.me/{BOT_USERNAME}\?start=(a[A-Za-z0-9_-]+)", url)
    assert match and len(match.group(1)) <= 64
    # the deep link opens the full answer, with buttons, in a private chat
    calls = await bot.say(f"/start {match.group(1)}", chat_id=55, user_id=55)
    check_html(calls)
    full = sent_messages(calls)[-1]
    assert "skin infections" in full.text and full.button("Forest plot")
    # a stale deep link is explained
    calls = await bot.say("/start aNOPE", chat_id=55, user_id=55)
    assert "expired" in sent_messages(calls)[-1].text


async def test_inline_edge_cases(bot):
    for text in ("", "   ", "zzzz qqqq", "<b>" * 50):
        calls = await bot.send(inline_update(text))
        (answer,) = [c for c in calls if c.method == "answerInlineQuery"]
        assert answer.params["results"] == []
        assert answer.params["button"]["start_parameter"] == "help"
    calls = await bot.send(inline_update("dupilumab"))  # needs an outcome: each choice becomes a card
    (answer,) = [c for c in calls if c.method == "answerInlineQuery"]
    assert len(answer.params["results"]) >= 2
    ids = [r["id"] for r in answer.params["results"]]
    assert len(set(ids)) == len(ids) and all(len(i.encode()) <= 64 for i in ids)


# --- bad input and updates that are not ours --------------------------------------------------------------------

async def test_empty_text_is_ignored_quietly(bot):
    assert await bot.say("") == []  # Telegram never sends it; an update like it must not crash anything


@pytest.mark.parametrize("text", ["   ", "🙂🙂🙂", "<b>bold</b> & <script>", "x" * 4096,
                                  ("dupilumab skin infection " * 200)[:4096], "/", "\u202e\u0000 weird"])
async def test_bad_input_never_crashes(bot, text):
    calls = await bot.say(text)
    check_html(calls)
    replies = sent_messages(calls)
    assert replies, "every private message gets an answer"
    joined = "\n".join(r.text for r in replies)
    assert "<script>" not in joined and "<b>bold</b>" not in joined
    assert "something went wrong" not in joined


@pytest.mark.parametrize("update", [
    {"message": message(None, sticker={"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
                                       "is_animated": False, "is_video": False, "type": "regular"})},
    {"message": message(None, photo=[{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}])},
    # a photo with a question in its caption is answered: tests/test_hardening_inputs.py
    {"edited_message": {**message(QUESTION), "edit_date": 1}},
    {"channel_post": message(QUESTION, chat_id=-1009, kind="channel")},
    {"message": message(None, chat_id=-100123, kind="supergroup",
                        new_chat_members=[{"id": BOT_ID, "is_bot": True, "first_name": "Evidence"}])},
    {"message": message(None, chat_id=-100123, kind="supergroup", left_chat_member={"id": 5, "is_bot": False,
                                                                                    "first_name": "X"})},
    {"my_chat_member": {"chat": {"id": -100123, "type": "supergroup", "title": "G"},
                        "from": {"id": 5, "is_bot": False, "first_name": "X"}, "date": 1,
                        "old_chat_member": {"status": "left", "user": {"id": BOT_ID, "is_bot": True,
                                                                       "first_name": "E"}},
                        "new_chat_member": {"status": "member", "user": {"id": BOT_ID, "is_bot": True,
                                                                         "first_name": "E"}}}},
])
async def test_other_updates_are_ignored(bot, update):
    assert await bot.send(update) == []


async def test_shared_inline_card_is_not_answered(bot):
    card = message_update("Dupilumab vs placebo: skin infections",
                          via_bot={"id": BOT_ID, "is_bot": True, "first_name": "E", "username": BOT_USERNAME})
    assert await bot.send(card) == []


# --- flood control, errors, retries, privacy -------------------------------------------------------------------

async def test_flood_control_is_per_user(api, service, tmp_path):
    harness = await Harness(api, service, tmp_path / "d", questions_per_minute=3).start()
    try:
        for _ in range(3):
            assert "risk ratio" in sent_messages(await harness.say(QUESTION))[-1].text.lower()
        note = sent_messages(await harness.say(QUESTION))
        assert len(note) == 1 and "wait a minute" in note[0].text
        assert sent_messages(await harness.say(QUESTION)) == []  # one note per window, not one per message
        other = sent_messages(await harness.say(QUESTION, chat_id=99, user_id=99))
        assert "risk ratio" in other[-1].text.lower()
        calls = await harness.send(inline_update("skin infection"))
        assert next(c for c in calls if c.method == "answerInlineQuery").params["results"] == []
    finally:
        await harness.stop()


async def test_error_handler_tells_the_user_and_keeps_serving(bot, service, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    original = service.answer_parse

    def broken(*args, **kwargs):
        raise RuntimeError("kaputt with secret words")

    monkeypatch.setattr(service, "answer_parse", broken)
    calls = await bot.say("does dupilumab reduce skin infections purple-elephant")
    assert "something went wrong" in sent_messages(calls)[-1].text
    monkeypatch.setattr(service, "answer_parse", original)
    assert "risk ratio" in sent_messages(await bot.say(QUESTION))[-1].text.lower()
    logged = caplog.text
    assert "error type=RuntimeError" in logged
    assert "purple-elephant" not in logged and "secret words" not in logged


async def test_a_failing_button_is_answered_once_and_explained(bot, monkeypatch):
    import bot.answers.plots as plots

    def broken(oa):
        raise ValueError("no picture today")

    monkeypatch.setattr(plots, "forest_png", broken)
    answer = sent_messages(await bot.say(QUESTION))[-1]
    calls = await bot.press(answer, "Forest plot")
    assert len(answers_of(calls)) == 1
    assert "something went wrong" in sent_messages(calls)[-1].text
    monkeypatch.undo()
    calls = await bot.press(answer, "Forest plot")
    assert [c for c in calls if c.method == "sendPhoto"]


async def test_forum_topics_get_answers_in_their_topic(bot):
    calls = await bot.say(f"/ask {QUESTION}", chat_id=-100777, kind="supergroup", message_thread_id=12,
                          is_topic_message=True)
    assert all(c.params.get("message_thread_id") == 12 for c in calls if c.method != "answerCallbackQuery")
    assert sent_messages(calls)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_retry_after_is_honoured(api, service, tmp_path):
    harness = await Harness(api, service, tmp_path / "d", max_retries=2).start()
    try:
        api.fail_next("sendMessage")  # 429, retry after 1 s
        calls = await harness.say(QUESTION)
        sends = [c for c in calls if c.method == "sendMessage"]
        assert len(sends) == 2 and sends[0].text == sends[1].text
        assert sends[1].at - sends[0].at >= 0.9
    finally:
        await harness.stop()


async def test_logs_hold_no_text_and_no_token(api, service, tmp_path, caplog):
    from bot.logging_setup import configure

    root = logging.getLogger()
    saved = (list(root.handlers), root.level, {name: logging.getLogger(name).level
                                               for name in ("telegram", "httpx", "httpcore")})
    configure(logging.DEBUG, secrets=(TOKEN,))
    caplog.set_level(logging.DEBUG)
    harness = await Harness(api, service, tmp_path / "d").start()
    try:
        await harness.say("does dupilumab reduce skin infections marmalade")
        await harness.say("/ask conjunctivitis marmalade", chat_id=-5, kind="group")
        await harness.send(inline_update("skin infection marmalade"))
        answer = sent_messages(await harness.say(QUESTION))[-1]
        await harness.press(answer, "Forest plot")
    finally:
        await harness.stop()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)
    logged = caplog.text
    assert "status=answer intent=effect outcomes=skin_infection" in logged
    assert "parse_ms=" in logged and "total_ms=" in logged
    assert "marmalade" not in logged and "Ada" not in logged and "user42" not in logged
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged
