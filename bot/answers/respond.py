"""From a parsed question to an Answer: runs the analysis the intent asks for, and nothing else.

- ``effect``: each outcome of intervention vs comparator (compose.answer_outcome);
- ``compare``: each outcome, regimen against regimen from the network (network_evidence.compare_regimens); a
  score from its published mean differences (compare.compare_outcome);
- ``overview``: the drug's summary of findings (overview.overview);
- ``rank``: each regimen against placebo from the network, ordered as asked (ranking.rank_regimens);
- "A vs B" with no outcome named: the card of benefits and harms of the pair (card.comparison_card).
Other intents (help, sources, trials...) carry only the parse.
"""

from __future__ import annotations

from bot.answers.card import card_for, is_card_question
from bot.answers.compare import compare_outcome, rank_outcome
from bot.answers.compose import Answer, answer_outcome
from bot.answers.evidence import Query
from bot.answers.network_evidence import compare_regimens
from bot.answers.overview import overview
from bot.answers.ranking import rank_regimens
from bot.understand.reading import Parse, Regimen
from knowledge.records import KnowledgeBase


def compose(kb: KnowledgeBase, parsed: Parse, *, sensitivity: bool = True) -> Answer:
    """``sensitivity=False`` skips leave-one-out and subgroups, which a chat shows only on request and which
    are most of the work of an answer."""
    answer = Answer(parsed, kb.version, kb.short_hash, ())
    if is_card_question(parsed):  # "A vs B" with no outcome: a card of benefits and harms (bot/answers/card.py)
        return Answer(parsed, kb.version, kb.short_hash, (), card=card_for(kb, parsed))
    if parsed.status != "answer":
        return answer
    if parsed.intent == "effect":
        return Answer(parsed, kb.version, kb.short_hash, tuple(
            answer_outcome(kb, Query(parsed.intervention, parsed.comparator, o, parsed.population), parsed.options,
                           sensitivity=sensitivity)
            for o in parsed.outcomes))
    if parsed.intent == "compare":
        return Answer(parsed, kb.version, kb.short_hash, (), comparisons=tuple(
            _comparison(kb, parsed, o) for o in parsed.outcomes))
    if parsed.intent == "overview":
        return Answer(parsed, kb.version, kb.short_hash, (),
                      overview=overview(kb, parsed.intervention, parsed.options, parsed.population))
    if parsed.intent == "rank":
        return Answer(parsed, kb.version, kb.short_hash, (), rankings=tuple(
            _ranking(kb, parsed, o) for o in parsed.outcomes))
    return answer


def _comparison(kb: KnowledgeBase, parsed: Parse, outcome_id: str):
    """Regimen against regimen from the network for outcomes counted in people; a score is compared from the
    published mean differences only (there is nothing of ours to put in a network)."""
    if kb.outcomes[outcome_id].is_continuous:
        return compare_outcome(kb, parsed.intervention, parsed.comparator, outcome_id, parsed.options,
                               parsed.population)
    a = parsed.intervention_regimen or Regimen(parsed.intervention)
    b = parsed.comparator_regimen or Regimen(parsed.comparator)
    return compare_regimens(kb, outcome_id, a, b, parsed.options, parsed.population)


def _ranking(kb: KnowledgeBase, parsed: Parse, outcome_id: str):
    if kb.outcomes[outcome_id].is_continuous:
        return rank_outcome(kb, outcome_id, parsed.options, parsed.population, parsed.drug_class, parsed.drugs)
    return rank_regimens(kb, outcome_id, parsed.options, parsed.population, parsed.drugs, parsed.order,
                         ranking_who(kb, parsed), parsed.regimens)


def ranking_who(kb: KnowledgeBase, parsed: Parse) -> str:
    """'JAK inhibitors', 'JAK inhibitors and biologics', 'dupilumab, tralokinumab and lebrikizumab', 'drugs'."""
    plural = {c.label: c.plural for c in kb.classes.values()}
    if parsed.drug_classes:
        named = [kb.drug_label(d) for d in parsed.drugs
                 if not any(d in c.members for c in kb.classes.values() if c.label in parsed.drug_classes)]
        return _and([plural.get(c, c) for c in parsed.drug_classes] + named)
    if parsed.drugs:
        return _and([kb.drug_label(d) for d in parsed.drugs])
    return "drugs"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
