"""Parsing a Telegram-sized message costs about what an ordinary long message costs, whatever it holds (issue 24).

Before: 4,096 characters of a word with four equally near vocabulary forms ("tean tean …") made the matcher try
4^6 readings per span, 0.4-1 s a message, and long runs of white space made the reset and /settings patterns
quadratic (0.1-0.3 s). A generated grid of adversarial messages is parsed here with the matcher's work counted
(vocabulary look-ups, fuzzy searches, word-list checks) and compared with the same counts for an ordinary
message of the same size, measured in the same run; no wall-clock threshold (benchmarks/bench_parse.py has
the timings).
"""

from __future__ import annotations

import random
import re
import time

import pytest

from bot.telegram.commands import parse_settings
from bot.telegram.inbox import collapse_whitespace, minimal
from bot.telegram.questions import RESET
from bot.understand import matching
from bot.understand.lexicon import Lexicon
from bot.understand.parse import parse
from knowledge.text import normalise
from tests.fake_bot_api import message

LIMIT = 4096  # Telegram's message length
ORDINARY = "does dupilumab reduce skin infections compared with placebo in adults? "


def telegram_sized(words: list[str], separator: str = " ") -> str:
    text, index = "", 0
    while len(text) < LIMIT:
        text += words[index % len(words)] + separator
        index += 1
    return text[:LIMIT]


def near_words(lexicon: Lexicon, want: int = 12) -> list[str]:
    """Made-up words that sit equally near several vocabulary words (the expensive kind), found by changing one
    letter of phrase words; plus the three the red team used."""
    found = ["tean", "sain", "infxz"]
    for word in sorted(lexicon.phrase_words):
        for position in range(len(word)):
            for letter in "xa":
                candidate = word[:position] + letter + word[position + 1:]
                if candidate not in found and len(matching.word_forms(candidate, lexicon)) >= 3:
                    found.append(candidate)
                    break
            if len(found) >= want:
                return found
    return found


def grid(lexicon: Lexicon) -> dict[str, str]:
    near = near_words(lexicon)
    rng = random.Random(24)
    gibberish = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 10)))
                 for _ in range(800)]
    real = ["skin", "infection", "dupilumab", "conjunctivitis", "herpes", "eczema", "placebo"]
    cases = {f"{w} repeated": telegram_sized([w]) for w in near}
    cases["near words mixed"] = telegram_sized(near)
    cases["near and real words"] = telegram_sized([x for pair in zip(near, real * 3, strict=False) for x in pair])
    cases["near words, runs of white space"] = telegram_sized(near, " \t\n  \u00a0 ")
    cases["gibberish"] = telegram_sized(gibberish)
    cases["options"] = telegram_sized(["300", "mg", "q2w", "2.5%", "excluding", "CHRONOS", "vs", "per", "1000"])
    cases["one word"] = "x" * LIMIT
    cases["white space"] = "dupilumab" + " " * (LIMIT - 20) + "infection"
    return cases


class Counter:
    """Counts the matcher's work: vocabulary look-ups, fuzzy searches and English word-list checks."""

    def __init__(self, monkeypatch):
        self.counts = {"lookups": 0, "fuzzy searches": 0, "word list": 0}
        senses, extract, ordinary = Lexicon.senses, matching.extract, matching.ordinary_word.__wrapped__

        def count(name, function):
            def counted(*args, **kwargs):
                self.counts[name] += 1
                return function(*args, **kwargs)
            return counted

        monkeypatch.setattr(Lexicon, "senses", count("lookups", senses))
        monkeypatch.setattr(matching, "extract", count("fuzzy searches", extract))
        monkeypatch.setattr(matching, "ordinary_word", count("word list", ordinary))  # uncached: every check

    def of(self, text: str, lexicon: Lexicon) -> dict[str, int]:
        for key in self.counts:
            self.counts[key] = 0
        parse(text, lexicon)
        return dict(self.counts)


def test_the_matchers_work_on_any_telegram_sized_message_stays_near_an_ordinary_ones(service, monkeypatch):
    lexicon = service.lexicon
    cases = grid(lexicon)
    assert len(cases) >= 15
    counter = Counter(monkeypatch)
    ordinary = counter.of(telegram_sized([ORDINARY]), lexicon)
    worst = {}
    for name, text in cases.items():
        counts = counter.of(text, lexicon)
        worst = {k: max(worst.get(k, 0), v) for k, v in counts.items()}
        # look-ups: the words are ~2x as many as in the ordinary message (short words), each tried at 6 lengths
        assert counts["lookups"] <= 3 * ordinary["lookups"], (name, counts, ordinary)
        assert counts["fuzzy searches"] <= 2 * matching.MAX_FUZZY_WORDS, (name, counts)
        assert counts["word list"] <= matching.MAX_WORD_CHECKS, (name, counts)
    print("ordinary", ordinary, "worst", worst)


def test_the_worst_message_costs_a_small_multiple_of_an_ordinary_one(service):
    """The same grid timed, relative to an ordinary message of the same size timed in the same run (CPU time,
    best of three, so other processes on the machine hardly matter)."""
    lexicon = service.lexicon

    def cost(text: str) -> float:
        best = float("inf")
        for _ in range(3):
            started = time.thread_time()
            parse(text, lexicon)
            best = min(best, time.thread_time() - started)
        return best

    ordinary = cost(telegram_sized([ORDINARY]))
    ratios = {name: cost(text) / ordinary for name, text in grid(lexicon).items()}
    worst = max(ratios, key=ratios.get)
    print(f"ordinary {ordinary * 1000:.1f} ms; worst {worst}: {ratios[worst]:.1f}x")
    assert ratios[worst] < 6, ratios  # before: 'tean' repeated was about 200x


def test_white_space_runs_are_collapsed_before_any_pattern_sees_them():
    """Runs of white space are what made the reset and /settings patterns quadratic: the inbox keeps each run as
    one character, so no handler sees one; what they read is unchanged."""
    from bot.service import Settings

    text = "/settings" + " " * 3000 + "measure=OR" + "\n" * 500 + "per  =  1000"
    data = minimal({"update_id": 1, "message": message(text)})
    kept = data["message"]["text"]
    assert not re.search(r"\s\s", kept) and kept.split() == text.split()
    assert data["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 9}]
    arguments = text.split(maxsplit=1)[1]
    assert parse_settings(kept.split(maxsplit=1)[1], Settings()) == parse_settings(arguments, Settings())
    for said in ("reset" + " " * 2000, "start" + " " * 500 + "over!", "reset" + " " * 2000 + "x"):
        kept = minimal({"update_id": 2, "message": message(said)})["message"]["text"]
        assert not re.search(r"\s\s", kept) and bool(RESET.match(kept)) == bool(RESET.match(said))


@pytest.mark.parametrize("text", ["reset      now", "a\u00a0\u00a0b", "x 's  y", "tabs\t\t\tand\n\nlines",
                                  "emoji 😀   @mention   end", "   leading and trailing   "])
def test_collapsing_white_space_changes_no_reading(service, text):
    collapsed, _ = collapse_whitespace(text, None)
    assert normalise(collapsed) == normalise(text)
    assert repr(parse(collapsed, service.lexicon)) == repr(parse(text, service.lexicon))


def test_entities_follow_the_collapsed_text():
    text = "hi   @evidence_test_bot    does  😀   dupilumab"
    start = text.index("@")
    entities = [{"type": "mention", "offset": start, "length": len("@evidence_test_bot")}]
    collapsed, moved = collapse_whitespace(text, entities)
    encoded = collapsed.encode("utf-16-le")
    (entity,) = moved
    assert encoded[entity["offset"] * 2:(entity["offset"] + entity["length"]) * 2].decode("utf-16-le") == \
        "@evidence_test_bot"
