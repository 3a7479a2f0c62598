"""The one answer path shared by the command line and Telegram: question in, Answer and Reply out."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from bot.answers.compose import Answer
from bot.answers.messages import word
from bot.answers.reply import Reply
from bot.answers.respond import compose
from bot.understand.lexicon import Lexicon, build_lexicon
from bot.understand.options import Options
from bot.understand.parse import parse
from bot.understand.reading import Parse
from knowledge.memo import DEFAULT_SIZE, Memo
from knowledge.records import KnowledgeBase


@dataclass(frozen=True)
class Settings:
    """Per-chat defaults; a question's own options always win."""

    measure: str | None = None  # RR, OR, RD
    model: str | None = None  # fixed, random
    per: int | None = None  # 100, 1000

    def apply(self, options: Options) -> Options:
        changes: dict = {}
        if options.measure is None and self.measure:
            changes["measure"] = self.measure
        if options.method is None and self.model == "random":
            changes["method"] = "DL"
        if options.per is None and self.per:
            changes["per"] = self.per
        return replace(options, **changes) if changes else options


@dataclass(frozen=True)
class Result:
    answer: Answer
    reply: Reply
    parse_ms: float
    total_ms: float


class EvidenceService:
    """Holds the validated knowledge base and its lexicon; every method is a pure function of them. The service
    owns a bounded memo of network fits and outcome answers (knowledge/memo.py): a question that shares an
    outcome and filters with an earlier one reuses its work, with the same result."""

    def __init__(self, kb: KnowledgeBase, lexicon: Lexicon | None = None, *, memo_size: int = DEFAULT_SIZE):
        self.kb = kb.with_memo(Memo(memo_size)) if memo_size else kb
        if lexicon is not None:
            self.__dict__["lexicon"] = lexicon  # the cached_property below, already built (bot/snapshot.py)

    @classmethod
    def from_directory(cls, directory: str | Path | None = None) -> EvidenceService:
        """The knowledge base of ``directory`` (the bundled one by default), from its compiled snapshot in the
        cache folder when a valid one is there (bot/snapshot.py), else loaded and validated from the files."""
        from bot.snapshot import load_compiled

        return cls(*load_compiled(directory))

    @cached_property
    def lexicon(self) -> Lexicon:
        return build_lexicon(self.kb)

    def understand(self, question: str) -> Parse:
        return parse(question, self.lexicon)

    def answer_parse(self, parsed: Parse, settings: Settings | None = None, *, sensitivity: bool = True
                     ) -> tuple[Answer, Reply]:
        if settings is not None:
            parsed = replace(parsed, options=settings.apply(parsed.options))
        return self.kb.cached(("answer", parsed, sensitivity), lambda: self._answer(parsed, sensitivity))

    def _answer(self, parsed: Parse, sensitivity: bool) -> tuple[Answer, Reply]:
        answer = compose(self.kb, parsed, sensitivity=sensitivity)
        return answer, word(answer, self.kb)

    def ask(self, question: str, settings: Settings | None = None) -> Result:
        start = time.perf_counter()
        parsed = self.understand(question)
        parsed_at = time.perf_counter()
        answer, reply = self.answer_parse(parsed, settings)
        end = time.perf_counter()
        return Result(answer, reply, (parsed_at - start) * 1000, (end - start) * 1000)
