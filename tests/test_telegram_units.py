"""Unit tests of the Telegram layer's pure parts: callback data, the store, follow-ups, settings, flood control."""

from __future__ import annotations

import io
import json
import logging
import os
import stat

import pytest
from telegram import Message

from bot.answers.wording import EXAMPLES
from bot.logging_setup import RedactFilter
from bot.service import Settings
from bot.telegram import callbacks
from bot.telegram.application import SetupError, token_from_env, webhook_secret, webhook_target
from bot.telegram.callbacks import CallbackError, Entry, Recent
from bot.telegram.commands import parse_settings
from bot.telegram.delivery import FloodGuard
from bot.telegram.groups import addressed_text
from bot.telegram.store import Store, restore, snapshot
from bot.understand.frame import follow_up
from bot.understand.options import Options
from bot.understand.reading import Parse
from tests.fake_bot_api import BOT_ID, BOT_USERNAME, assert_telegram_html, html_problems, message

KEY = b"k" * 32
ACTIONS = ["plot", "icons", "trials", "method", "sources", "sensitivity", "topics", "help", "measure:RR",
           "measure:OR", "measure:RD", "model:fixed", "model:random", f"ask:{EXAMPLES[1]}"]


# --- callback data -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("action", ACTIONS)
def test_callback_round_trip_fits_64_bytes(action):
    token = callbacks.new_token()
    data = callbacks.encode(KEY, -1001234567890123, action, token)
    assert len(data.encode()) <= 64
    decoded = callbacks.decode(KEY, -1001234567890123, data)
    if action.startswith("ask:"):
        assert decoded.name == "example" and EXAMPLES[int(decoded.value)] == action[4:]
    elif ":" in action:
        assert (decoded.name, decoded.value) == tuple(action.split(":"))
    elif action in ("trials", "method", "sources", "sensitivity"):
        assert (decoded.name, decoded.value, decoded.token) == ("section", action, token)
    else:
        assert decoded.name == action


def test_canned_questions_are_short_ids():
    data = callbacks.encode(KEY, 1, "ask:" + "a very long canned question " * 10, "tok12345", ask_index=3)
    assert len(data) < 40 and "canned" not in data
    decoded = callbacks.decode(KEY, 1, data)
    assert (decoded.name, decoded.value, decoded.token) == ("ask", "3", "tok12345")
    with pytest.raises(ValueError):
        callbacks.encode(KEY, 1, "ask:something else", "tok12345")
    with pytest.raises(ValueError):
        callbacks.encode(KEY, 1, "explode:now", "tok12345")


def test_every_single_character_change_is_refused():
    data = callbacks.encode(KEY, 42, "measure:OR", "abcdEFGH")
    alphabet = "AaZz09-_."
    for index in range(len(data)):
        for char in alphabet:
            if data[index] == char:
                continue
            tampered = data[:index] + char + data[index + 1:]
            with pytest.raises(CallbackError):
                callbacks.decode(KEY, 42, tampered)
    with pytest.raises(CallbackError):
        callbacks.decode(KEY, 43, data)  # signed for another chat
    with pytest.raises(CallbackError):
        callbacks.decode(b"x" * 32, 42, data)  # another key
    for junk in (None, "", "é" * 40, "a.b.c.d", "p..tok.", "S.mXX.-.AAAAAAAA", "x" * 200):
        with pytest.raises(CallbackError):
            callbacks.decode(KEY, 42, junk)


def test_settings_buttons():
    for name, values in callbacks.SETTING_VALUES.items():
        for value in values:
            decoded = callbacks.decode(KEY, 5, callbacks.encode_setting(KEY, 5, name, value))
            assert decoded.name == "setting"
            assert decoded.value == f"{callbacks.SETTING_NAMES[name]}={value}"
    with pytest.raises(ValueError):
        callbacks.encode_setting(KEY, 5, "m", "XX")


def test_recent_is_bounded_and_per_chat():
    recent = Recent(capacity=3)
    parsed = Parse(status="answer", intent="effect", outcomes=("conjunctivitis",))
    tokens = [recent.add(Entry(1, parsed)) for _ in range(4)]
    assert len(recent) == 3
    assert recent.get(tokens[0], 1) is None
    assert recent.get(tokens[-1], 1).parse == parsed
    assert recent.get(tokens[-1], 2) is None


# --- store ---------------------------------------------------------------------------------------------------

def effect(outcomes=("skin_infection",), **options) -> Parse:
    return Parse(status="answer", intent="effect", intervention="dupilumab", outcomes=outcomes,
                 options=Options(**options), assumed_drug=True)


def test_snapshot_keeps_ids_and_options_only():
    parsed = effect(("eczema_herpeticum",), measure="OR", dose_mg=300, exclude_trials=("chronos",),
                    baseline_risk=0.1)
    parsed = Parse(**{**parsed.__dict__, "corrections": (("herpetcum", "eczema herpeticum"),)})
    data = snapshot(parsed)
    assert "herpetcum" not in json.dumps(data)
    back = restore(json.loads(json.dumps(data)))
    assert back.outcomes == parsed.outcomes and back.options == parsed.options
    for bad in (None, [], {"outcomes": "x"}, {"outcomes": [], "options": {"measure": 3}, "intent": "effect"},
                {"outcomes": [1], "options": {}, "intent": "effect"},
                {"outcomes": [], "options": {"hksj": None}, "intent": "effect"},
                {"outcomes": [], "options": {}, "intent": "rm -rf"}):
        assert restore(bad) is None


def test_store_persists_atomically_and_privately(tmp_path):
    store = Store(tmp_path / "data")
    store.set_settings(1, Settings(measure="OR", model="random", per=1000))
    store.set_context(1, effect(measure="RD"))
    store.remember(1, "tok", effect(("conjunctivitis",)))
    store.remember_inline("inl", effect(("any_infection",)))
    key = store.key()
    again = Store(tmp_path / "data")
    assert again.settings(1) == Settings(measure="OR", model="random", per=1000)
    assert again.settings(2) == Settings()
    assert again.context(1).options.measure == "RD"
    assert again.recall(1, "tok").outcomes == ("conjunctivitis",)
    assert again.recall(2, "tok") is None
    assert again.recall_inline("inl").outcomes == ("any_infection",)
    assert again.key() == key
    state = tmp_path / "data" / "state.sqlite3"
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o600
    assert [p.name for p in (tmp_path / "data").iterdir() if p.name.endswith(".tmp")] == []


def test_store_survives_a_corrupt_or_foreign_file(tmp_path, caplog):
    directory = tmp_path / "data"
    directory.mkdir()
    (directory / "state.json").write_text("{not json")
    store = Store(directory)
    assert store.settings(1) == Settings()
    store.set_settings(1, Settings(per=100))
    assert Store(directory).settings(1).per == 100
    assert any(p.name.startswith("state.json.corrupt") for p in directory.iterdir())
    other = tmp_path / "other"
    other.mkdir()
    (other / "state.json").write_text(json.dumps({"version": 1, "chats": {"1": {
        "settings": {"measure": "<b>", "model": 5, "per": 7}, "context": {"outcomes": "x"}}}}))
    store = Store(other)
    assert store.settings(1) == Settings() and store.context(1) is None


# settings are no longer trimmed (tests/test_state_store.py::test_settings_are_never_evicted_by_other_chats)


# --- follow-ups ---------------------------------------------------------------------------------------------


def test_follow_up_merges_outcomes_and_options(service):
    last = effect(dose_mg=300, measure="OR")
    new = follow_up(service.understand("and eczema herpeticum?"), last, service.lexicon)
    assert new.outcomes == ("eczema_herpeticum",) and new.options.dose_mg == 300 and new.options.measure == "OR"
    new = follow_up(service.understand("as risk difference"), last, service.lexicon)
    assert new.outcomes == ("skin_infection",) and new.options.measure == "RD" and new.options.dose_mg == 300
    new = follow_up(service.understand("only 300 mg q2w"), effect(), service.lexicon)
    assert new.status == "answer" and (new.options.dose_mg, new.options.interval_weeks) == (300, 2)
    new = follow_up(service.understand("random effects"), effect(method="PETO", measure="OR"), service.lexicon)
    assert new.options.method == "DL" and new.options.measure == "OR"


def test_follow_up_leaves_fresh_questions_alone(service):
    last = effect(measure="OR")
    for question in ("does dupilumab cause conjunctivitis", "hello", "thanks", "what trials", "sources",
                     "does tralokinumab cause conjunctivitis"):
        parsed = service.understand(question)
        assert follow_up(parsed, last, service.lexicon) is parsed, question
    parsed = service.understand("as odds ratio")
    assert follow_up(parsed, None, service.lexicon) is parsed
    assert follow_up(parsed, Parse(status="answer", intent="trials"), service.lexicon) is parsed


# --- settings arguments ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("measure=OR model=random per=1000", Settings("OR", "random", 1000)),
    ("MEASURE=or", Settings("OR", None, None)),
    ("rd fixed per100", Settings("RD", "fixed", 100)),
    ("measure: RR, per=1,000", Settings("RR", None, 1000)),
    ("reset", Settings()),
    ("measure=default", Settings()),
])
def test_parse_settings(text, expected):
    new, problems = parse_settings(text, Settings())
    assert problems == [] and new == expected


@pytest.mark.parametrize("text", ["model=", "measure=xyz", "per=7", "colour=blue", "<script>", "=",
                                  "measure=" + "x" * 5000, " ".join(["measure=OR"] * 11)])
def test_parse_settings_problems(text):
    current = Settings("OR")
    new, problems = parse_settings(text, current)
    assert new == current and problems
    for problem in problems:
        assert html_problems(problem) == [] and len(problem) < 300


# --- groups ----------------------------------------------------------------------------------------------------

def as_message(data: dict) -> Message:
    return Message.de_json(data, None)


def test_addressed_text_handles_mentions_replies_and_emoji():
    mention = f"@{BOT_USERNAME}"
    text = f"🙂🙂 {mention} does dupilumab cause conjunctivitis?"
    offset = len("🙂🙂 ".encode("utf-16-le")) // 2
    entity = {"type": "mention", "offset": offset, "length": len(mention)}
    msg = as_message(message(text, chat_id=-1, kind="group", entities=[entity]))
    assert addressed_text(msg, BOT_ID, BOT_USERNAME) == "🙂🙂 does dupilumab cause conjunctivitis?"
    other = {"type": "mention", "offset": 0, "length": 6}
    msg = as_message(message("@other conjunctivitis", chat_id=-1, kind="group", entities=[other]))
    assert addressed_text(msg, BOT_ID, BOT_USERNAME) is None
    bot_said = {"message_id": 1, "date": 0, "chat": {"id": -1, "type": "group", "title": "G"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "E"}, "text": "answer"}
    msg = as_message(message("and conjunctivitis?", chat_id=-1, kind="group", reply_to=bot_said))
    assert addressed_text(msg, BOT_ID, BOT_USERNAME) == "and conjunctivitis?"
    msg = as_message(message("plain chatter", chat_id=-1, kind="group"))
    assert addressed_text(msg, BOT_ID, BOT_USERNAME) is None


# --- flood control -----------------------------------------------------------------------------------------

def test_flood_guard_window():
    now = [0.0]
    guard = FloodGuard(limit=2, window=60, clock=lambda: now[0])
    assert guard.allow(1) and guard.allow(1) and not guard.allow(1)
    assert guard.should_warn(1) and not guard.should_warn(1)
    assert guard.allow(2)
    now[0] = 61
    assert guard.allow(1) and guard.should_warn(1)
    assert guard.allow(None)


# --- configuration and logging ---------------------------------------------------------------------------------

def test_token_and_webhook_configuration():
    assert token_from_env({"TELEGRAM_BOT_TOKEN": " 123:abcdefghijKLMNOP_-x \n"}) == "123:abcdefghijKLMNOP_-x"
    for bad in ({}, {"TELEGRAM_BOT_TOKEN": ""}, {"TELEGRAM_BOT_TOKEN": "'123:abcdefghijklmnop'"},
                {"TELEGRAM_BOT_TOKEN": "123 abcdefghijklmnop"}):
        with pytest.raises(SetupError):
            token_from_env(bad)
    assert webhook_target("https://bot.example.org") == ("https://bot.example.org/telegram", "telegram")
    assert webhook_target("https://bot.example.org/tg/hook") == ("https://bot.example.org/tg/hook", "tg/hook")
    with pytest.raises(SetupError):
        webhook_target("bot.example.org")
    assert len(webhook_secret({})) >= 32
    assert webhook_secret({"TELEGRAM_WEBHOOK_SECRET": "abc_DEF-1"}) == "abc_DEF-1"
    with pytest.raises(SetupError):
        webhook_secret({"TELEGRAM_WEBHOOK_SECRET": "has spaces"})


def test_redact_filter_removes_secrets_from_messages_and_tracebacks():
    stream = io.StringIO()
    logger = logging.getLogger("test.redact")
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter(["123:SECRETsecret"]))
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("url https://x/bot%s/getMe", "123:SECRETsecret")
        try:
            raise ValueError("token SECRETsecret leaked")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "SECRETsecret" not in output and "[redacted]" in output and "ValueError" in output


def test_html_checker_is_strict():
    assert_telegram_html("<b>a</b> <i>b</i> <a href=\"https://x\">c</a> &lt;d&gt; &amp;")
    for bad in ("<b>a", "<div>a</div>", "<b><i>a</b></i>", "a & b", "<br/>", "<a>x</a>", "", "x" * 4097):
        with pytest.raises(AssertionError):
            assert_telegram_html(bad)


# --- update processing ---------------------------------------------------------------------------------------

async def test_per_chat_processor_orders_one_chat_and_overlaps_others():
    import asyncio

    from telegram import Update

    from bot.telegram.turns import FairUpdateProcessor
    from tests.fake_bot_api import message_update

    events: list[str] = []
    delays = {1: 0.05, 2: 0.0, 3: 0.0}

    class App:
        bot_data: dict = {}  # noqa: RUF012 (no deps: nothing is checked on arrival)

        async def process_update(self, update):
            name = f"u{update.update_id}"
            events.append(f"start {name}")
            await asyncio.sleep(delays[update.update_id])
            events.append(f"end {name}")

    processor = FairUpdateProcessor(8)
    processor.application = App()

    def update(update_id: int, chat_id: int) -> Update:
        return Update.de_json({"update_id": update_id, **message_update("x", chat_id=chat_id)}, None)

    async def nothing():
        pass

    for update_id, chat_id in ((1, 1), (2, 1), (3, 2)):
        await processor.process_update(update(update_id, chat_id), nothing())
    assert await processor.drain(5)
    assert events.index("end u1") < events.index("start u2")  # same chat: in order
    assert events.index("end u3") < events.index("end u1")  # another chat: not held up
    assert processor.idle() and processor.backlog() == 0
    await processor.cancel()
