"""`evidence-bot serve` with one part switched off, for the cost breakdown in benchmarks/bench_serving.py only
(never a way to run the bot): what the typing indicator before every answer cost (the bot now sends it only for
an answer that has not gone out after delivery.TYPING_DELAY), and how much is reading and answering the question.

    python benchmarks/serve_variant.py typing-first   # sendChatAction before every answer, awaited (as before)
    python benchmarks/serve_variant.py canned         # every message gets one reply made at start-up
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.cli import main
from bot.service import EvidenceService


def typing_first() -> None:
    """The indicator as it was before issue 23's change: sent, and its answer awaited, before every answer."""
    import bot.telegram.buttons
    import bot.telegram.commands
    import bot.telegram.delivery
    import bot.telegram.questions
    from bot.telegram.delivery import ChatAction, _send_action

    async def typing(context, target, action=ChatAction.TYPING) -> None:
        await _send_action(context.bot, target, action)

    for module in (bot.telegram.delivery, bot.telegram.questions, bot.telegram.commands, bot.telegram.buttons):
        module.typing = typing


def canned() -> None:
    made: dict = {}

    def understand(self, question: str):
        if "parse" not in made:
            made["parse"] = original_understand(self, "does dupilumab reduce skin infections")
        return made["parse"]

    def answer_parse(self, parsed, settings=None, *, sensitivity=True):
        if "answer" not in made:
            made["answer"] = original_answer(self, parsed, settings, sensitivity=sensitivity)
        return made["answer"]

    original_understand, original_answer = EvidenceService.understand, EvidenceService.answer_parse
    EvidenceService.understand = understand
    EvidenceService.understand_button = understand
    EvidenceService.answer_parse = answer_parse


if __name__ == "__main__":
    {"typing-first": typing_first, "canned": canned}[sys.argv[1]]()
    sys.exit(main(["serve"]))
