"""From a parsed question to a structured answer: evidence, pooled model, published synthesis, absolute risk.

This is the whole decision path and holds no wording: `wording` turns an Answer into sentences, the renderers
into HTML, text, JSON or pictures. Everything here is a pure function of the knowledge base and the parse.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from analysis import (
    AbsoluteEffect,
    LeaveOneOut,
    PooledResult,
    SubgroupResult,
    absolute_effect,
    leave_one_out,
    pool,
    subgroup_analysis,
)
from bot.answers.evidence import AGE_GROUP_WORDS, Evidence, Query, select
from bot.understand.options import Options
from bot.understand.reading import Parse
from knowledge.records import KnowledgeBase, Outcome, Synthesis

SYNTHESIS_TO_POOLING_MEASURE = {"RR": "RR", "OR": "OR", "PETO_OR": "OR", "RD": "RD"}


@dataclass(frozen=True)
class Estimate:
    """A relative effect with its 95% CI, ours or published, on the scale the user reads it."""

    measure: str  # RR, OR, PETO_OR, RD
    estimate: float
    ci_low: float
    ci_high: float
    k: int | None
    participants: int | None
    source: str  # "pooled" or a synthesis id

    @property
    def crosses_no_effect(self) -> bool:
        null = 0.0 if self.measure == "RD" else 1.0
        return self.ci_low <= null <= self.ci_high


@dataclass(frozen=True)
class OutcomeAnswer:
    outcome: Outcome
    evidence: Evidence
    measure: str
    method: str
    hksj: bool
    pooled: PooledResult | None  # None when no trial has counts
    ours: Estimate | None  # defined pooled estimate, if any
    published: Estimate | None  # the lead synthesis, when it applies to the question
    lead: Estimate | None  # what the headline reports: the published synthesis when ours covers less
    absolute: AbsoluteEffect | None
    control_risk_source: str  # "median" (of included placebo groups), "user", or ""
    agreement: str | None  # "agrees", "differs", or None when there is nothing to compare
    per: int
    leave_one_out: tuple[LeaveOneOut, ...] = ()
    subgroups: tuple[tuple[str, SubgroupResult], ...] = ()  # (attribute, result)


@dataclass(frozen=True)
class Answer:
    parse: Parse
    kb_version: str
    kb_hash: str
    outcomes: tuple[OutcomeAnswer, ...]


def compose(kb: KnowledgeBase, parsed: Parse, *, sensitivity: bool = True) -> Answer:
    """Run the analysis each outcome asks for; other intents carry only the parse.

    ``sensitivity=False`` skips leave-one-out and subgroups, which a chat shows only on request and which
    are most of the work of an answer.
    """
    outcomes: tuple[OutcomeAnswer, ...] = ()
    if parsed.status == "answer" and parsed.intent == "effect":
        outcomes = tuple(
            answer_outcome(kb, Query(parsed.intervention, parsed.comparator, o, parsed.population), parsed.options,
                           sensitivity=sensitivity)
            for o in parsed.outcomes)
    return Answer(parsed, kb.version, kb.short_hash, outcomes)


def analysis_choice(outcome: Outcome, options: Options) -> tuple[str, str, bool]:
    """Measure, method and HKSJ flag: the user's request where it is valid, else the outcome's default."""
    measure = options.measure or outcome.default_measure
    method = options.method or (outcome.default_method if measure == outcome.default_measure else "MH")
    if method == "PETO" and measure != "OR":
        method = "MH"
    return measure, method, options.hksj


def answer_outcome(kb: KnowledgeBase, query: Query, options: Options, *, sensitivity: bool = True) -> OutcomeAnswer:
    outcome = kb.outcomes[query.outcome_id]
    evidence = select(kb, query, options)
    measure, method, hksj = analysis_choice(outcome, options)
    pooled = None
    if evidence.tables:
        t = evidence.tables
        pooled = pool([s.ai for s in t], [s.n1i for s in t], [s.ci for s in t], [s.n2i for s in t],
                      measure=measure, method=method, hksj=hksj, labels=[s.label for s in t])
    ours = None
    if pooled is not None and pooled.defined:
        ours = Estimate("PETO_OR" if method == "PETO" else measure, pooled.estimate, pooled.ci_low,
                        pooled.ci_high, len(evidence.tables), evidence.participants, "pooled")
    published = _published(evidence.lead_synthesis, evidence)
    comparable = published is not None and SYNTHESIS_TO_POOLING_MEASURE.get(published.measure) == measure
    # A measure the user asked for explicitly wins over a synthesis reported on another scale.
    leads = published is not None and (comparable or ours is None or options.measure is None)
    lead = published if leads and _synthesis_leads(published, ours, evidence) else ours
    control_risk, source = _control_risk(options, evidence)
    absolute = None
    if lead is not None and control_risk is not None and lead.measure in SYNTHESIS_TO_POOLING_MEASURE:
        absolute = absolute_effect(SYNTHESIS_TO_POOLING_MEASURE[lead.measure], lead.estimate, lead.ci_low,
                                   lead.ci_high, control_risk, events_are_harmful=not outcome.is_benefit)
    per = options.per or outcome.per
    return OutcomeAnswer(outcome, evidence, measure, method, hksj, pooled, ours, published, lead, absolute,
                         source if absolute else "", _agreement(ours, published) if comparable else None, per,
                         *(_sensitivity(evidence, measure, method, hksj) if sensitivity else ((), ())))


LEAVE_ONE_OUT_MAX = 30
SUBGROUP_ATTRIBUTES = {
    "background therapy": lambda t: "with topical steroids" if t.background == "tcs" else "no topical steroids",
    "trial length": lambda t: f"{t.followup_weeks} weeks" if t.followup_weeks else "length not recorded",
    "age group": lambda t: AGE_GROUP_WORDS.get(t.age_group, t.age_group),
}


def _sensitivity(evidence: Evidence, measure: str, method: str, hksj: bool
                 ) -> tuple[tuple[LeaveOneOut, ...], tuple[tuple[str, SubgroupResult], ...]]:
    """Leave-one-out and subgroups by trial attribute, whenever there are trials enough to do them.

    Leave-one-out costs k poolings of k trials, so past LEAVE_ONE_OUT_MAX trials it is not offered in a chat.
    """
    t = evidence.tables
    if len(t) < 2:
        return (), ()
    arrays = ([s.ai for s in t], [s.n1i for s in t], [s.ci for s in t], [s.n2i for s in t])
    loo: tuple[LeaveOneOut, ...] = ()
    if len(t) <= LEAVE_ONE_OUT_MAX:
        loo = tuple(leave_one_out(*arrays, measure=measure, method=method, hksj=hksj,
                                  labels=[s.label for s in t]))
    subgroups = []
    for attribute, key in SUBGROUP_ATTRIBUTES.items():
        groups: dict[str, list] = {}
        for s in t:
            groups.setdefault(key(s), []).append(s)
        if len(groups) < 2:
            continue
        data = {name: ([s.ai for s in g], [s.n1i for s in g], [s.ci for s in g], [s.n2i for s in g],
                       [s.label for s in g]) for name, g in groups.items()}
        subgroups.append((attribute, subgroup_analysis(data, measure=measure, method=method, hksj=hksj)))
    return loo, tuple(subgroups)


def _published(synthesis: Synthesis | None, evidence: Evidence) -> Estimate | None:
    """A published synthesis answers the question only when no filter narrowed it to other trials."""
    if synthesis is None or evidence.filters:
        return None
    return Estimate(synthesis.measure, synthesis.estimate, synthesis.ci_low, synthesis.ci_high, synthesis.k,
                    synthesis.participants, synthesis.synthesis_id)


def _synthesis_leads(published: Estimate, ours: Estimate | None, evidence: Evidence) -> bool:
    if ours is None:
        return True
    return bool(evidence.missing_from_synthesis) or (published.k or 0) > (ours.k or 0)


def _control_risk(options: Options, evidence: Evidence) -> tuple[float | None, str]:
    if options.baseline_risk is not None:
        return options.baseline_risk, "user"
    risk = evidence.median_control_risk
    return (risk, "median") if risk is not None and risk > 0 else (None, "")


def _agreement(ours: Estimate | None, published: Estimate | None) -> str | None:
    """'agrees' when the two 95% CIs overlap. A description for the reader, not a statistical test: the
    two estimates share trials, so no test of their difference would be valid."""
    if ours is None or published is None:
        return None
    return "agrees" if ours.ci_low <= published.ci_high and published.ci_low <= ours.ci_high else "differs"


def with_options(parsed: Parse, **changes) -> Parse:
    """A follow-up or a button press: the same question with other analysis options."""
    return replace(parsed, options=replace(parsed.options, **changes))
