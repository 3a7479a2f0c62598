"""Comparisons between drugs, and drugs ranked against placebo: pure functions of the knowledge base.

"A vs B" shows side by side whatever is held:
1. direct evidence from head-to-head trials, pooled as A vs B;
2. an indirect comparison through placebo (Bucher), from our pooling of A vs placebo and B vs placebo under
   the same measure and model, leaving out any trial that has arms of both (it would be counted twice and
   the two sets would no longer be independent);
3. a published network meta-analysis estimate of A vs B, which leads when curated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from analysis import IndirectResult, bucher_from_results
from bot.answers.certainty import Certainty, rate
from bot.answers.certainty import Evidence as CertaintyInputs
from bot.answers.certainty import published as published_certainty
from bot.answers.compose import Estimate, OutcomeAnswer, answer_outcome
from bot.answers.evidence import AGE_GROUP_WORDS, Query, trial_label
from bot.understand.options import Options
from knowledge.records import KnowledgeBase, Outcome, Synthesis

RATIO = frozenset({"RR", "OR", "PETO_OR"})


@dataclass(frozen=True)
class Comparison:
    outcome: Outcome
    a: str  # drug ids
    b: str
    a_label: str
    b_label: str
    direct: OutcomeAnswer  # head-to-head trials of A against B (its tables may be empty)
    via_a: OutcomeAnswer  # A vs placebo, trials that hold B left out
    via_b: OutcomeAnswer  # B vs placebo, trials that hold A left out
    indirect: IndirectResult | None
    indirect_reason: str  # why there is no indirect estimate ("" when there is one)
    published: Estimate | None  # a network meta-analysis estimate of A vs B, oriented A vs B
    published_synthesis: Synthesis | None
    fragility: tuple[str, ...]  # what makes the indirect comparison fragile
    disagreement: bool  # direct and indirect intervals do not overlap
    lead: str  # "published", "direct", "indirect" or ""
    certainty: Certainty | None
    # One-regimen published estimates of A vs B (network meta-analyses report each dose), oriented A vs B.
    published_by_dose: tuple[tuple[Synthesis, Estimate], ...] = ()


@dataclass(frozen=True)
class Ranking:
    """Each drug against placebo for one outcome, ordered by its point estimate (best first)."""

    outcome: Outcome
    rows: tuple[OutcomeAnswer, ...]
    missing: tuple[str, ...]  # drug labels without an estimate
    drug_class: str  # "" for all drugs, else e.g. "JAK inhibitor"


def compare_outcome(kb: KnowledgeBase, a: str, b: str, outcome_id: str, options: Options,
                    population: str | None) -> Comparison:
    outcome = kb.outcomes[outcome_id]
    direct = answer_outcome(kb, Query(a, b, outcome_id, population), options, sensitivity=False)
    shared = tuple(t.trial_id for t in kb.trials
                   if {a, b} <= {arm.drug for arm in kb.arms_of(t.trial_id)})
    placebo_options = replace(options, exclude_trials=tuple(dict.fromkeys(options.exclude_trials + shared)))
    labels = {trial_label(kb.trial(t)) for t in shared if t not in options.exclude_trials}
    via_a = _set_aside(answer_outcome(kb, Query(a, "placebo", outcome_id, population), placebo_options,
                                      sensitivity=False), labels)
    via_b = _set_aside(answer_outcome(kb, Query(b, "placebo", outcome_id, population), placebo_options,
                                      sensitivity=False), labels)
    indirect, reason = _indirect(via_a, via_b)
    synthesis, published, by_dose = _published(kb, a, b, outcome_id)
    if options.dose_mg is not None:  # "upadacitinib 30 mg vs dupilumab": the regimens of A that were asked for
        by_dose = tuple((s, e) for s, e in by_dose if s.drug != a or s.dose_mg == options.dose_mg)
    disagreement = bool(direct.ours and indirect and (direct.ours.ci_high < indirect.ci_low
                                                      or indirect.ci_high < direct.ours.ci_low))
    lead = "published" if published else "direct" if direct.ours else "indirect" if indirect else ""
    return Comparison(outcome, a, b, kb.drug_label(a), kb.drug_label(b), direct, via_a, via_b, indirect, reason,
                      published, synthesis, _fragility(via_a, via_b), disagreement, lead,
                      _certainty(lead, direct, indirect, via_a, via_b, synthesis, published), by_dose)


def _set_aside(oa: OutcomeAnswer, labels: set[str]) -> OutcomeAnswer:
    """Say why a trial with arms of both drugs is not in a placebo side: it is head-to-head evidence."""
    excluded = tuple((label, "has arms of both drugs, so it counts as head-to-head evidence instead"
                      if label in labels else why) for label, why in oa.evidence.excluded)
    return replace(oa, evidence=replace(oa.evidence, excluded=excluded))


def _indirect(via_a: OutcomeAnswer, via_b: OutcomeAnswer) -> tuple[IndirectResult | None, str]:
    if via_a.outcome.is_continuous:
        return None, "a score is answered from published estimates only; it is not pooled from counts here"
    for side in (via_a, via_b):
        if side.pooled is None or not side.pooled.defined:
            return None, f"no pooled estimate of {side.evidence.intervention_label} against placebo"
    result = bucher_from_results(via_a.pooled, via_b.pooled)
    return (result, "") if result else (None, "the two sides were not pooled the same way")


def _published(kb: KnowledgeBase, a: str, b: str, outcome_id: str
               ) -> tuple[Synthesis | None, Estimate | None, tuple[tuple[Synthesis, Estimate], ...]]:
    """Published A vs B estimates, turned round when the source reports B vs A: the all-doses one (it may lead)
    and the one-dose ones of a network meta-analysis (listed by dose, never the bottom line)."""
    lead: tuple[Synthesis | None, Estimate | None] = (None, None)
    by_dose: list[tuple[Synthesis, Estimate]] = []
    for s in kb.syntheses:
        if s.outcome_id != outcome_id or s.measure not in RATIO | {"RD", "MD"} or {s.drug, s.comparator} != {a, b}:
            continue
        est = Estimate.of(s) if s.drug == a else _turned_round(s)
        if s.dose_mg is not None:
            by_dose.append((s, est))
        elif lead[0] is None:
            lead = (s, est)
    return (*lead, tuple(by_dose))


def _turned_round(s: Synthesis) -> Estimate:
    e = Estimate.of(s)
    if e.measure in RATIO:
        flipped = (1 / e.estimate, 1 / e.ci_high, 1 / e.ci_low)
    else:
        flipped = (-e.estimate, -e.ci_high, -e.ci_low)
    return Estimate(e.measure, *flipped, e.k, e.participants, e.source)


def _fragility(via_a: OutcomeAnswer, via_b: OutcomeAnswer) -> tuple[str, ...]:
    """How the two sets of trials differ, beyond not being randomised against each other."""
    notes = ["not randomised: it compares two sets of trials, each against placebo"]
    ta, tb = via_a.evidence.tables, via_b.evidence.tables
    if not ta or not tb:
        return tuple(notes)

    def differ(key, what: str, words=lambda v: str(v)) -> None:
        sa, sb = {key(t) for t in ta}, {key(t) for t in tb}
        if sa != sb:
            notes.append(f"different {what} ({_join(sa, words)} vs {_join(sb, words)})")

    differ(lambda t: t.age_group, "populations", lambda v: AGE_GROUP_WORDS.get(v, v))
    differ(lambda t: t.background, "background therapy", lambda v: "topical steroids" if v == "tcs" else "none")
    differ(lambda t: t.timepoint_weeks, "time points", lambda v: f"week {v}" if v else "not stated")
    families = ({c.definition_family for t in ta for c in t.counts},
                {c.definition_family for t in tb for c in t.counts})
    if families[0] != families[1]:
        notes.append(f"different outcome definitions ({_join(families[0])} vs {_join(families[1])})")
    return tuple(notes)


def _join(values, words=lambda v: str(v)) -> str:
    return ", ".join(sorted(words(v) for v in values))


def _certainty(lead: str, direct: OutcomeAnswer, indirect: IndirectResult | None, via_a: OutcomeAnswer,
               via_b: OutcomeAnswer, synthesis: Synthesis | None, published: Estimate | None) -> Certainty | None:
    if lead == "published":  # the source's own rating, or that it gave none: never ours beside its estimate
        return published_certainty(synthesis)
    if lead == "direct":
        return direct.certainty
    if lead == "indirect":
        k = len(via_a.evidence.tables) + len(via_b.evidence.tables)
        events = sum(t.ai + t.ci for t in via_a.evidence.tables + via_b.evidence.tables)
        return rate(CertaintyInputs(indirect.measure, indirect.ci_low, indirect.ci_high, k, None, events,
                                    indirect=True))
    return None


def rank_outcome(kb: KnowledgeBase, outcome_id: str, options: Options, population: str | None,
                 drug_class: str = "", drugs: tuple[str, ...] = ()) -> Ranking:
    """Every covered drug (of a class, if given) against placebo with the same measure and model, ordered by
    our pooled point estimate: highest first for a benefit, lowest first for a harm."""
    outcome = kb.outcomes[outcome_id]
    rows, missing = [], []
    for drug in kb.covered_drugs:
        if (drugs and drug not in drugs) or (drug_class and not drugs and kb.drugs[drug].drug_class != drug_class):
            continue
        oa = answer_outcome(kb, Query(drug, "placebo", outcome_id, population), options, sensitivity=False)
        (rows if oa.ours is not None else missing).append(oa if oa.ours is not None else kb.drug_label(drug))
    sign = -1 if outcome.is_benefit else 1
    rows.sort(key=lambda oa: sign * (math.log(oa.ours.estimate) if oa.ours.measure in RATIO
                                     else oa.ours.estimate))
    return Ranking(outcome, tuple(rows), tuple(missing), drug_class)
