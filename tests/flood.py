"""The group-flood scenario of issue 24, shared by tests/test_inbox_e2e.py and benchmarks/bench_bot_throughput.py.

One member of a group sends many `/sources` at once (each answer is 4 messages; the per-user limit accepts 20
a minute); a moment later private chats ask questions, one a second between them. The stand-in emulates
Telegram's limit of about 20 messages a minute to one group (429 "retry after" beyond it). What is measured is
how long each private question waits for its answer while the group's backlog drains at Telegram's pace.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from tests.fake_bot_api import FakeBotAPI, message_update

GROUP = -100_777
MEMBER = 777
PRIVATE_QUESTIONS = ("does dupilumab reduce skin infections", "does dupilumab cause conjunctivitis",
                     "dupilumab eczema herpeticum risk", "does tralokinumab cause conjunctivitis")


@dataclass(frozen=True)
class Waits:
    """Seconds each private question waited for its answer (None: not answered by the end)."""

    waits: tuple[float | None, ...]

    @property
    def answered(self) -> list[float]:
        return [w for w in self.waits if w is not None]

    @property
    def median(self) -> float:
        values = [w if w is not None else float("inf") for w in self.waits]
        return statistics.median(values) if values else float("nan")

    def summary(self) -> str:
        done = sorted(self.answered)
        worst = f"{done[-1]:.2f}" if done else "-"
        return (f"{len(done)}/{len(self.waits)} answered; median wait {self.median:.2f} s, max {worst} s "
                "(unanswered count as infinite)")


def group_flood(api: FakeBotAPI, commands: int = 150) -> None:
    """One member sends ``commands`` /sources to the group at once."""
    for _ in range(commands):
        api.queue(message_update("/sources", chat_id=GROUP, kind="supergroup", user_id=MEMBER))


def private_traffic(api: FakeBotAPI, chats: int, questions: int, interval: float = 1.0,
                    first_chat: int = 5_000, grace: float = 10.0) -> Waits:
    """``questions`` questions, one every ``interval`` seconds, from ``chats`` private chats in turn; then wait
    up to ``grace`` seconds for the answers. Each chat's k-th answer answers its k-th question."""
    asked: dict[int, list[float]] = {}
    start = time.monotonic()
    for index in range(questions):
        delay = start + index * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        chat_id = first_chat + index % chats
        api.queue(message_update(PRIVATE_QUESTIONS[index % len(PRIVATE_QUESTIONS)], chat_id=chat_id,
                                 user_id=chat_id))
        asked.setdefault(chat_id, []).append(time.monotonic())
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if all(len(answers_to(api, chat_id)) >= len(times) for chat_id, times in asked.items()):
            break
        time.sleep(0.05)
    waits: list[float | None] = []
    for chat_id, times in asked.items():
        answers = answers_to(api, chat_id)
        for k, at in enumerate(times):
            waits.append(answers[k].at - at if k < len(answers) else None)
    return Waits(tuple(waits))


def answers_to(api: FakeBotAPI, chat_id: int) -> list:
    return [c for c in api.delivered("sendMessage") if c.params.get("chat_id") == chat_id]
