"""The comparison card (issue 22) through the real handlers and the Bot API stand-in: as text under "A vs B", as a
picture, as the inline-mode result; and the first message a chat receives is exactly the JSON headline."""

from __future__ import annotations

import html
import re

from bot.answers.as_json import answer_json
from tests.fake_bot_api import inline_update
from tests.test_telegram_handlers import PNG_MAGIC, bot, check_html, sent_messages  # noqa: F401 (fixture)


def _plain(message_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", message_html))


async def test_a_vs_b_gets_a_card_with_its_picture_and_the_outcome_menu(bot):  # noqa: F811
    calls = await bot.say("is upadacitinib or dupilumab better")
    check_html(calls)
    (card,) = sent_messages(calls)
    assert "benefits and harms" in card.text and "Benefits" in card.text and "Harms" in card.text
    assert "Upadacitinib 30 mg vs dupilumab 300 mg q2w" in card.text and "Heads Up" in card.text
    assert len(_plain(card.text)) <= 900
    labels = [b["text"] for b in card.buttons()]
    assert "Card picture" in labels and "acne" in labels  # the outcome menu stays under the card
    calls = await bot.press(card, "Card picture")
    photos = [c for c in calls if c.method == "sendPhoto"]
    assert len(photos) == 1 and photos[0].files["photo"].startswith(PNG_MAGIC)
    calls = await bot.press(card, "acne")  # a menu tap keeps both sides (issue 19) and asks one outcome
    assert "Upadacitinib vs dupilumab: acne" in sent_messages(calls)[-1].text


async def test_a_comparison_of_one_outcome_offers_the_card_picture(bot):  # noqa: F811
    (reply,) = sent_messages(await bot.say("upa 30 vs dupi acne"))
    calls = await bot.press(reply, "Card picture")
    photos = [c for c in calls if c.method == "sendPhoto"]
    assert len(photos) == 1 and photos[0].files["photo"].startswith(PNG_MAGIC)
    assert photos[0].files.get("photo") and "not medical advice" in photos[0].params["caption"]


async def test_the_inline_result_of_a_vs_b_is_the_card(bot):  # noqa: F811
    calls = await bot.send(inline_update("upadacitinib vs dupilumab"))
    (answer,) = [c for c in calls if c.method == "answerInlineQuery"]
    (result,) = answer.params["results"]
    assert "benefits and harms" in result["title"]
    assert "EASI-75" in result["description"] and "more" in result["description"]
    text = result["input_message_content"]["message_text"]
    assert "Harms" in text and "not medical advice" in text and len(_plain(text)) <= 900
    calls = await bot.send(inline_update("upa 30 vs dupi acne"))
    (answer,) = [c for c in calls if c.method == "answerInlineQuery"]
    titles = [r["title"] for r in answer.params["results"]]
    assert any(t.endswith(": acne") for t in titles) and any("benefits and harms" in t for t in titles)


async def test_the_first_message_is_the_json_headline(bot, service):  # noqa: F811
    for question in ("dupilumab skin infections", "abrocitinib 200 mg vs dupilumab EASI-75", "is tralokinumab safe",
                     "which JAK has the most acne"):
        (first, *_) = sent_messages(await bot.say(question))
        result = service.ask(question)
        data = answer_json(result.answer, result.reply, service.kb, "")
        assert _plain(first.text).split("\n") == data["headline"], question
