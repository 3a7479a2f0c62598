"""From a parsed question to an Answer: runs the analysis the intent asks for, and nothing else.

- ``effect``: each outcome of intervention vs comparator (compose.answer_outcome);
- ``compare``: each outcome of drug A vs drug B, direct, indirect and published (compare.compare_outcome);
- ``overview``: the drug's summary of findings (overview.overview);
- ``rank``: each drug against placebo for each outcome, ordered (compare.rank_outcome).
Other intents (help, sources, trials...) carry only the parse.
"""

from __future__ import annotations

from bot.answers.compare import compare_outcome, rank_outcome
from bot.answers.compose import Answer, answer_outcome
from bot.answers.evidence import Query
from bot.answers.overview import overview
from bot.understand.reading import Parse
from knowledge.records import KnowledgeBase


def compose(kb: KnowledgeBase, parsed: Parse, *, sensitivity: bool = True) -> Answer:
    """``sensitivity=False`` skips leave-one-out and subgroups, which a chat shows only on request and which
    are most of the work of an answer."""
    answer = Answer(parsed, kb.version, kb.short_hash, ())
    if parsed.status != "answer":
        return answer
    if parsed.intent == "effect":
        return Answer(parsed, kb.version, kb.short_hash, tuple(
            answer_outcome(kb, Query(parsed.intervention, parsed.comparator, o, parsed.population), parsed.options,
                           sensitivity=sensitivity)
            for o in parsed.outcomes))
    if parsed.intent == "compare":
        return Answer(parsed, kb.version, kb.short_hash, (), comparisons=tuple(
            compare_outcome(kb, parsed.intervention, parsed.comparator, o, parsed.options, parsed.population)
            for o in parsed.outcomes))
    if parsed.intent == "overview":
        return Answer(parsed, kb.version, kb.short_hash, (),
                      overview=overview(kb, parsed.intervention, parsed.options, parsed.population))
    if parsed.intent == "rank":
        return Answer(parsed, kb.version, kb.short_hash, (), rankings=tuple(
            rank_outcome(kb, o, parsed.options, parsed.population, parsed.drug_class, parsed.drugs)
            for o in parsed.outcomes))
    return answer
