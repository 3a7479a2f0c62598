"""Commands count against the per-user limit, as questions do.

Before: only questions were counted, so 60 /sources gave 120 messages in a minute and /settings could be sent
(and written to the store) as fast as one user liked.
"""

from __future__ import annotations

import pytest

from tests.test_telegram_handlers import QUESTION, Harness

LIMIT = 5


@pytest.fixture
async def bot(api, service, tmp_path):
    harness = await Harness(api, service, tmp_path / "data", questions_per_minute=LIMIT).start()
    yield harness
    await harness.stop()


def sent(calls) -> list[str]:
    return [c.text for c in calls if c.method == "sendMessage"]


@pytest.mark.parametrize("command", ["/sources", "/settings measure=OR", "/help", "/nonsense", "/start"])
async def test_a_command_flood_is_limited_per_user(bot, command):
    texts = []
    for _ in range(LIMIT * 4):
        texts += sent(await bot.say(command))
    notes = [t for t in texts if "wait a minute" in t]
    assert len(notes) == 1
    per_command = len(sent(await bot.say(command, chat_id=77, user_id=77)))  # another user is not limited
    assert per_command >= 1
    assert len(texts) == LIMIT * per_command + 1, (len(texts), per_command)


async def test_commands_and_questions_share_one_budget(bot):
    for _ in range(LIMIT):
        assert sent(await bot.say("/about"))
    texts = sent(await bot.say(QUESTION))
    assert len(texts) == 1 and "wait a minute" in texts[0]
    assert not sent(await bot.say("/settings per=1000"))
    assert bot.store.settings(42).per is None
