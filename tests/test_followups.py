"""Follow-up conversations through the real handlers: an assumed baseline risk never carries over to another
outcome, kept filters are announced with a button that clears them, population and exclusion follow-ups work,
and "reset" starts afresh."""

from __future__ import annotations

from tests.test_telegram_handlers import bot, check_html, sent_messages  # noqa: F401 (fixture)


async def _ask(bot, text):  # noqa: F811
    calls = await bot.say(text)
    check_html(calls)
    return sent_messages(calls)[-1]


async def test_baseline_risk_is_not_carried_to_another_outcome(bot):  # noqa: F811
    first = await _ask(bot, "dupilumab eczema herpeticum if baseline risk is 5%")
    assert "as you gave" in first.text
    second = await _ask(bot, "and conjunctivitis?")
    assert "Dupilumab vs placebo: conjunctivitis" in second.text
    assert "as you gave" not in second.text and "Still filtered" not in second.text


async def test_filters_that_carry_over_are_announced_and_clearable(bot):  # noqa: F811
    await _ask(bot, "dupilumab EASI-75 without CHRONOS")
    reply = await _ask(bot, "and IGA 0/1?")
    assert "Still filtered to: without CHRONOS." in reply.text
    labels = [b["text"] for b in reply.buttons()]
    assert "Clear filters" in labels
    cleared = sent_messages(await bot.press(reply, "Clear filters"))[-1]
    assert "Still filtered" not in cleared.text and "without CHRONOS" not in cleared.text
    assert "IGA 0/1" in cleared.text.split("\n")[1]  # the drug and outcome stay; only the filter is cleared


async def test_population_and_exclusion_follow_ups(bot):  # noqa: F811
    await _ask(bot, "dupilumab EASI-75")
    teens = await _ask(bot, "in adolescents?")
    lines = teens.text.split("\n")
    assert lines[0] == "Kept from your last question: dupilumab; EASI-75."  # every carried slot is announced
    headline = next(i for i, text in enumerate(lines) if "Dupilumab vs placebo: EASI-75" in text)
    assert "adolescents" in lines[headline + 1]
    without = await _ask(bot, "exclude chronos")
    assert "without CHRONOS" in without.text


async def test_reset_starts_afresh(bot):  # noqa: F811
    await _ask(bot, "dupilumab EASI-75 without CHRONOS")
    note = await _ask(bot, "reset")
    assert "starts afresh" in note.text
    after = await _ask(bot, "and conjunctivitis?")
    assert "Dupilumab vs placebo" not in after.text  # no earlier drug to lean on: it asks which drug


async def test_reset_command_and_start_over(bot):  # noqa: F811
    await _ask(bot, "dupilumab EASI-75 without CHRONOS")
    assert "starts afresh" in (await _ask(bot, "/reset")).text
    assert "Dupilumab vs placebo" not in (await _ask(bot, "and conjunctivitis?")).text
    await _ask(bot, "dupilumab EASI-75")
    assert "starts afresh" in (await _ask(bot, "start over")).text
