"""Chats through the real handlers and the Bot API stand-in, with button presses (issue 19): the conversation
keeps the question in a private chat, across a restart, and per member in a group. Few and short: the grids
(tests/test_conversation_grid.py) cover the combinations at the level the handlers use."""

from __future__ import annotations

from tests.fake_bot_api import BOT_USERNAME, mention_update, message_update
from tests.test_telegram_handlers import bot, check_html, sent_messages  # noqa: F401 (fixture)

GROUP = {"chat_id": -100777, "kind": "supergroup"}


async def _say(bot, text, **kwargs):  # noqa: F811
    calls = await bot.say(text, **kwargs)
    check_html(calls)
    return sent_messages(calls)[-1]


async def _press(bot, reply, label, **kwargs):  # noqa: F811
    calls = await bot.press(reply, label, **kwargs)
    check_html(calls)
    return sent_messages(calls)[-1]


async def test_a_private_chat_keeps_the_question(bot):  # noqa: F811
    menu = await _say(bot, "abrocitinib vs dupilumab")
    assert "benefits and harms" in menu.text  # the card (issue 22), with the outcome menu under it
    compared = await _press(bot, menu, "EASI-75")  # the menu keeps both sides
    assert "Abrocitinib vs dupilumab: EASI-75" in compared.text
    acne = await _say(bot, "and acne?")  # keeps the comparison
    assert "Abrocitinib vs dupilumab: acne" in acne.text
    assert "Kept from your last question: abrocitinib vs dupilumab." in acne.text
    teens = await _say(bot, "in teens")  # keeps everything else
    assert "Abrocitinib vs dupilumab: acne" in teens.text
    tralo = await _say(bot, "what about tralokinumab")  # a new drug keeps the comparator, outcome and filter
    assert "Tralokinumab vs dupilumab: acne" in tralo.text
    assert "Still filtered to: adolescents (12 to 17 years)." in tralo.text
    cleared = await _press(bot, tralo, "Clear filters")
    assert "Tralokinumab vs dupilumab: acne" in cleared.text and "Still filtered" not in cleared.text
    assert "Clear filters" not in [b["text"] for b in cleared.buttons()]
    assert bot.store.frame(42, 42).population is None
    # a menu's buttons keep their frame across a restart
    assert "starts afresh" in (await _say(bot, "reset")).text
    menu = await _say(bot, "tralokinumab in adolescents")
    await bot.restart()
    answer = await _press(bot, menu, "EASI-75")
    assert "Tralokinumab vs placebo: EASI-75" in answer.text and "adolescents" in answer.text
    # and so does the chat's question
    said = await _say(bot, "week 2")
    assert "I could not use “week 2”" in said.text and "Tralokinumab vs placebo: EASI-75" in said.text


async def test_two_members_of_a_group_never_continue_each_others_question(bot):  # noqa: F811
    ada = {**GROUP, "user_id": 7}
    bob = {**GROUP, "user_id": 8}
    first = await _say(bot, "/ask dupilumab conjunctivitis in teens", **ada)
    assert "Dupilumab vs placebo: conjunctivitis" in first.text
    other = await _say(bot, "/ask tralokinumab EASI-75", **bob)
    assert "Tralokinumab vs placebo: EASI-75" in other.text
    calls = await bot.send(mention_update(f"@{BOT_USERNAME} and acne?", **ada))
    check_html(calls)
    ada_next = sent_messages(calls)[-1]
    assert "Dupilumab vs placebo: acne" in ada_next.text and "adolescents" in ada_next.text
    bob_next = await _say(bot, "/ask what about lebrikizumab", **bob)
    assert "Lebrikizumab vs placebo: EASI-75" in bob_next.text and "adolescents" not in bob_next.text
    # a menu under one member's question, pressed by another, answers that question with the slot filled,
    # and the presser's next follow-up continues it
    assert "starts afresh" in (await _say(bot, "/ask reset", **ada)).text
    menu = await _say(bot, "/ask upadacitinib vs dupilumab", **ada)
    pressed = await _press(bot, menu, "itch response", user_id=8, chat_id=-100777)
    assert "Upadacitinib vs dupilumab: itch response" in pressed.text
    calls = await bot.send(message_update("/ask and EASI-90?", **bob))
    assert "Upadacitinib vs dupilumab: EASI-90" in sent_messages(calls)[-1].text
