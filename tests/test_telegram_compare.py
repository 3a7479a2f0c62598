"""Comparisons, rankings and overviews through the real handlers and the Bot API stand-in."""

from __future__ import annotations

from tests.test_telegram_handlers import PNG_MAGIC, bot, check_html, sent_messages  # noqa: F401 (fixture)


async def test_overview_card_with_outcome_buttons_and_a_summary_picture(bot):  # noqa: F811
    calls = await bot.say("is tralokinumab safe")
    check_html(calls)
    (card,) = sent_messages(calls)
    assert "summary of findings" in card.text and "Benefits" in card.text and "Harms" in card.text
    labels = [b["text"] for b in card.buttons()]
    assert "Summary picture" in labels and "EASI-75" in labels and "Conjunctivitis" in labels
    calls = await bot.press(card, "Summary picture")
    photos = [c for c in calls if c.method == "sendPhoto"]
    assert len(photos) == 1 and photos[0].files["photo"].startswith(PNG_MAGIC)
    calls = await bot.press(card, "Conjunctivitis")  # an outcome button opens that outcome's answer
    assert "Tralokinumab vs placebo: conjunctivitis" in sent_messages(calls)[-1].text


async def test_comparison_shows_its_headline_and_details_behind_buttons(bot):  # noqa: F811
    calls = await bot.say("abrocitinib 200 mg vs dupilumab EASI-75")
    check_html(calls)
    (reply,) = sent_messages(calls)
    assert "JADE COMPARE randomising both" in reply.text  # one bottom line, its source named
    assert "indirect: " not in reply.text and "JADE MONO-1" not in reply.text  # the detail is behind buttons
    calls = await bot.press(reply, "Other estimates")
    assert "Direct, head-to-head (JADE COMPARE)" in "\n".join(m.text for m in sent_messages(calls))
    calls = await bot.press(reply, "Trials")
    assert "JADE MONO-1" in "\n".join(m.text for m in sent_messages(calls))


async def test_ranking_in_a_chat(bot):  # noqa: F811
    (reply,) = sent_messages(await bot.say("which biologic has the least conjunctivitis"))
    assert "biologics, fewest first" in reply.text and "a network of 12 trials" in reply.text
    assert "The order is not certain" in reply.text and "P-score" in reply.text
    assert "ECZTRA" not in reply.text  # the trials are behind the Trials button
