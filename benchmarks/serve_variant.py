"""`evidence-bot serve` with one part switched off, for the cost breakdown in benchmarks/bench_serving.py only
(never a way to run the bot): how much of the CPU per answer is the typing indicator, and how much is reading
and answering the question.

    python benchmarks/serve_variant.py no-typing      # no sendChatAction before an answer
    python benchmarks/serve_variant.py canned         # every message gets one reply made at start-up
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.cli import main
from bot.service import EvidenceService


async def _no_typing(*args, **kwargs) -> None:
    return None


def no_typing() -> None:
    import bot.telegram.commands
    import bot.telegram.delivery
    import bot.telegram.questions

    for module in (bot.telegram.delivery, bot.telegram.questions, bot.telegram.commands):
        module.typing = _no_typing


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
    {"no-typing": no_typing, "canned": canned}[sys.argv[1]]()
    sys.exit(main(["serve"]))
