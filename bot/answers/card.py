"""A comparison card to share (issue 22): "A vs B" or "is A or B better" with no outcome named gets the
benefits, then the harms, of one regimen of A against one of B, one line each: the difference per 100 (or
1,000) people where a baseline is known, the trials that randomised both (or that none did: indirect) and the
certainty. Every line is the network estimate of that outcome (network_evidence.compare_regimens), the same
number the comparison of that outcome leads with; nothing is pooled here.

Which regimen pair the card is about when a side has several licensed regimens: the pair with direct
(randomised) evidence for the most outcomes, then the pair whose outcomes have the higher certainty, then the
order asked (each drug's regimens from the lowest dose). The other pairs are one tap away.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.answers.certainty import LEVELS
from bot.answers.network_evidence import NetworkComparison, RegimenPair, compare_regimens
from bot.answers.regimens import Node
from bot.understand.options import Options
from bot.understand.reading import Parse, Regimen
from knowledge.records import KnowledgeBase, Outcome


@dataclass(frozen=True)
class CardRow:
    outcome: Outcome
    comparison: NetworkComparison  # the network of this outcome, as the comparison answer has it
    pair: RegimenPair


@dataclass(frozen=True)
class Card:
    a: Node
    b: Node
    a_label: str
    b_label: str
    rows: tuple[CardRow, ...]  # benefits first, then harms, in the knowledge base's outcome order
    missing: tuple[str, ...]  # outcome names with no network estimate of this pair
    other_pairs: tuple[tuple[str, str], ...] = ()  # (A label, B label) of the other licensed pairs
    population: str = ""  # the population key asked, or ""

    @property
    def benefits(self) -> tuple[CardRow, ...]:
        return tuple(r for r in self.rows if r.outcome.is_benefit)

    @property
    def harms(self) -> tuple[CardRow, ...]:
        return tuple(r for r in self.rows if not r.outcome.is_benefit)


def is_card_question(parsed: Parse) -> bool:
    """'A vs B', 'is A or B better': two drugs (or two regimens) compared with no outcome named."""
    c = parsed.clarification
    return (parsed.status == "clarify" and c is not None and c.reason == "need_outcome"
            and parsed.intent == "compare" and bool(parsed.intervention) and bool(parsed.comparator)
            and parsed.comparator != "placebo" and not parsed.outcomes)


def card_outcomes(kb: KnowledgeBase) -> tuple[Outcome, ...]:
    """Outcomes counted in people (a network of counts exists for them): benefits, then harms."""
    counted = [o for o in kb.outcomes.values() if not o.is_continuous and any(
        c.outcome_id == o.id for c in kb.counts_for(o.id))]
    return tuple(sorted(counted, key=lambda o: not o.is_benefit))


def comparison_card(kb: KnowledgeBase, a: Regimen, b: Regimen, options: Options,
                    population: str | None) -> Card:
    comparisons = [compare_regimens(kb, o.id, a, b, options, population) for o in card_outcomes(kb)]
    pairs: dict[tuple[Node, Node], list[tuple[NetworkComparison, RegimenPair]]] = {}
    labels: dict[tuple[Node, Node], tuple[str, str]] = {}
    licensed: set[Node] = set()
    for c in comparisons:
        licensed |= c.fit.data.licensed
        for p in c.pairs:
            pairs.setdefault((p.a, p.b), []).append((c, p))
            labels[(p.a, p.b)] = (p.a_label, p.b_label)
    # a side named without a dose means its licensed regimens; an outcome whose network lacks them offers the
    # regimens it holds, which make no card of their own
    named = {x for side in (a, b) if side.dose_mg is not None or side.interval_weeks is not None
             for pair in pairs for x in pair if x.drug == side.drug}
    pairs = {k: v for k, v in pairs.items() if all(x in licensed or x in named or x.is_placebo for x in k)} or pairs
    if not pairs:
        a_label = kb.drug_label(a.drug) if a.drug else "A"
        return Card(Node(a.drug), Node(b.drug), a_label, kb.drug_label(b.drug), (),
                    tuple(c.outcome.name for c in comparisons), population=population or "")
    order = list(pairs)

    def key(nodes: tuple[Node, Node]) -> tuple:
        found = pairs[nodes]
        direct = sum(1 for _, p in found if p.direct is not None)
        levels = sum(LEVELS.index(p.certainty.rating) + 1 for _, p in found
                     if p.certainty is not None and p.certainty.rating in LEVELS)
        return (-direct, -len(found), -levels, order.index(nodes))

    chosen = min(order, key=key)
    rows = tuple(CardRow(c.outcome, c, p) for c, p in pairs[chosen])
    held = {r.outcome.id for r in rows}
    missing = tuple(c.outcome.name for c in comparisons if c.outcome.id not in held)
    others = tuple(labels[n] for n in order if n != chosen)
    return Card(chosen[0], chosen[1], *labels[chosen], rows, missing, others, population or "")


def card_for(kb: KnowledgeBase, parsed: Parse) -> Card:
    """The card of a parse's two sides (a card question, or a comparison of one outcome)."""
    a = parsed.intervention_regimen or Regimen(parsed.intervention)
    b = parsed.comparator_regimen or Regimen(parsed.comparator)
    return comparison_card(kb, a, b, parsed.options, parsed.population)
