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
    median_control_risk,
    pool,
    subgroup_analysis,
)
from bot.answers.certainty import Certainty, pooled_evidence, rate
from bot.answers.certainty import published as published_certainty
from bot.answers.evidence import AGE_GROUP_WORDS, Evidence, Query, StudyTable, select
from bot.answers.sparse import is_sparse
from bot.understand.options import Options
from bot.understand.reading import Parse
from knowledge.records import KnowledgeBase, Outcome, Synthesis

SYNTHESIS_TO_POOLING_MEASURE = {"RR": "RR", "OR": "OR", "PETO_OR": "OR", "RD": "RD"}


@dataclass(frozen=True)
class Estimate:
    """A relative effect with its 95% CI, ours or published, on the scale the user reads it."""

    measure: str  # RR, OR, PETO_OR, RD; MD for a published score difference (above 0 = more improvement)
    estimate: float
    ci_low: float
    ci_high: float
    k: int | None
    participants: int | None
    source: str  # "pooled" or a synthesis id

    @classmethod
    def of(cls, synthesis: Synthesis) -> Estimate:
        """A published estimate as reported; a mean difference is turned so that above 0 always means more
        improvement on the first-named drug (sources print "an 11.3-point reduction" or "-7.5")."""
        s = synthesis
        if s.measure == "MD" and s.md_improvement == "negative":
            return cls("MD", -s.estimate, -s.ci_high, -s.ci_low, s.k, s.participants, s.synthesis_id)
        return cls(s.measure, s.estimate, s.ci_low, s.ci_high, s.k, s.participants, s.synthesis_id)

    @property
    def crosses_no_effect(self) -> bool:
        null = 0.0 if self.measure in ("RD", "MD") else 1.0
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
    # Each trial's own estimate with the same measure and method as the pooling (a Peto OR stays a Peto OR):
    # (estimate, ci_low, ci_high) or None where not estimable, in the order of evidence.tables.
    trial_estimates: tuple[tuple[float, float, float] | None, ...] = ()
    notes: tuple[str, ...] = ()  # what was changed from the request and why ("random effects need two trials")
    certainty: Certainty | None = None
    # The bottom line: the estimate the direction statement and absolute risks come from (the lead synthesis,
    # or our pooling under the outcome's default analysis), whatever measure or model is displayed.
    basis: Estimate | None = None
    # Every trial pooled whatever its definition, for the labelled sensitivity line (None when all agree).
    all_definitions: PooledResult | None = None
    # The rule-based rating of our pooling under the default analysis; `certainty` above rates the bottom line
    # (the published lead's own rating, or this one when our pooling leads), so each rating sits by its estimate.
    pooled_certainty: Certainty | None = None
    # Few events (bot/answers/sparse.py): the bottom line is the counts and the risk difference, not a ratio.
    sparse: bool = False
    risk_difference: PooledResult | None = None  # Mantel-Haenszel risk difference of the tables, when sparse
    # The trials the comparator risk was taken from, for a harm those of the usual length (or the length asked).
    baseline_tables: tuple[StudyTable, ...] = ()


@dataclass(frozen=True)
class Answer:
    """Everything a reply is worded from. Which parts are filled depends on the intent: ``outcomes`` for an
    effect question, ``comparisons`` for A vs B, ``overview`` for a drug's summary of findings, ``ranking``
    for "which is best"."""

    parse: Parse
    kb_version: str
    kb_hash: str
    outcomes: tuple[OutcomeAnswer, ...]
    comparisons: tuple = ()  # of compare.Comparison
    overview: object | None = None  # overview.Overview
    rankings: tuple = ()  # of compare.Ranking
    card: object | None = None  # card.Card: "A vs B" with no outcome named (benefits and harms of the pair)


def analysis_choice(outcome: Outcome, options: Options, k: int = 2) -> tuple[str, str, bool, tuple[str, ...]]:
    """Measure, method and HKSJ flag: the user's request where it is valid, else the outcome's default; and a
    note for every request that could not be honoured. A random-effects model asked of one trial keeps the
    fixed-effect result: one trial has no between-trial variance to estimate, and switching would only
    change the numbers (a Peto OR 0.13 became an OR 0.08 with a far wider interval)."""
    measure = options.measure or outcome.default_measure
    method = options.method or (outcome.default_method if measure == outcome.default_measure else "MH")
    if method == "PETO" and measure != "OR":
        method = "MH"
    notes: tuple[str, ...] = ()
    hksj = options.hksj
    if k < 2 and method in RANDOM_METHODS:
        method = outcome.default_method if measure == outcome.default_measure else "MH"
        hksj = False
        notes = ("a random-effects model needs two trials or more, so the one trial's own result is shown",)
    return measure, method, hksj, notes


def answer_outcome(kb: KnowledgeBase, query: Query, options: Options, *, sensitivity: bool = True) -> OutcomeAnswer:
    """One outcome of one comparison (kept in the knowledge base's memo: an overview and an effect question
    share it)."""
    return kb.cached(("outcome", query, options, sensitivity),
                     lambda: _answer_outcome(kb, query, options, sensitivity=sensitivity))


def _answer_outcome(kb: KnowledgeBase, query: Query, options: Options, *, sensitivity: bool = True
                    ) -> OutcomeAnswer:
    """One outcome of one comparison.

    The bottom line is set by the evidence, not by the display: the lead (a published synthesis when ours
    covers less, else our pooling) and the absolute risks come from the outcome's default analysis. A measure
    or model the question asks for changes how our relative effect is expressed, shown beside the lead.
    """
    outcome = kb.outcomes[query.outcome_id]
    evidence = select(kb, query, options)
    measure, method, hksj, notes = analysis_choice(outcome, options, len(evidence.tables))
    if not evidence.tables:  # nothing of ours to express another way: say so, never pretend it was done
        notes = _not_applicable(outcome, options)
    pooled = _pool(evidence, measure, method, hksj)
    ours = _estimate(pooled, method, evidence)
    default = (outcome.default_measure, outcome.default_method, False)
    base = pooled if (measure, method, hksj) == default else _pool(evidence, *default)
    base_ours = _estimate(base, outcome.default_method, evidence)
    published = _published(evidence.lead_synthesis, evidence)
    comparable = published is not None and SYNTHESIS_TO_POOLING_MEASURE.get(published.measure) == measure
    published_leads = published is not None and _synthesis_leads(published, base_ours, evidence)
    # Without a published lead, the answer exists only if the default analysis has an estimate; a display
    # measure that cannot be estimated falls back to the default one, with a note.
    lead = published if published_leads else (ours or base_ours) if base_ours is not None else None
    if lead is base_ours and ours is None and base_ours is not None:
        notes += (f"the {measure} cannot be estimated from these trials, so the default measure is shown",)
    bottom = published if published_leads else base_ours  # the estimate the absolute risks come from
    control_risk, source, baseline_tables = _control_risk(options, evidence, outcome)
    absolute = None
    if bottom is not None and control_risk is not None and bottom.measure in SYNTHESIS_TO_POOLING_MEASURE:
        absolute = absolute_effect(SYNTHESIS_TO_POOLING_MEASURE[bottom.measure], bottom.estimate, bottom.ci_low,
                                   bottom.ci_high, control_risk, events_are_harmful=not outcome.is_benefit)
    per = options.per or outcome.per
    ours_certainty = _pooled_certainty(kb, outcome, evidence, base, base_ours, control_risk)
    sparse = is_sparse(evidence.tables) and not published_leads
    risk_difference = _pool(evidence, "RD", "MH", False) if sparse else None
    if sparse and ours_certainty is None and risk_difference is not None and risk_difference.defined:
        # no ratio can be estimated (no one on one side had it): the risk difference is the estimate rated
        ours_certainty = rate(pooled_evidence(evidence.tables, risk_difference, "RD", outcome, kb.assessments,
                                              control_risk))
    certainty = (published_certainty(evidence.lead_synthesis) if published_leads
                 else ours_certainty if bottom is not None or sparse else None)
    return OutcomeAnswer(outcome, evidence, measure, method, hksj, pooled, ours, published, lead, absolute,
                         source if absolute else "", _agreement(ours, published) if comparable else None, per,
                         *(_sensitivity(evidence, measure, method, hksj) if sensitivity else ((), ())),
                         trial_estimates=_trial_estimates(evidence, measure, method, hksj, pooled),
                         notes=notes, certainty=certainty, basis=bottom,
                         all_definitions=(_all_definitions(evidence, measure, method, hksj)
                                          if sensitivity else None),
                         pooled_certainty=ours_certainty, sparse=sparse,
                         risk_difference=risk_difference,
                         baseline_tables=baseline_tables if absolute else ())


RANDOM_METHODS = frozenset({"DL", "REML", "PM"})


def _all_definitions(evidence: Evidence, measure: str, method: str, hksj: bool) -> PooledResult | None:
    if not evidence.other_definitions:
        return None
    every = replace(evidence, tables=evidence.tables + evidence.other_definitions)
    return _pool(every, measure, method, hksj)


_MEASURE_WORDS = {"RR": "risk ratio", "OR": "odds ratio", "RD": "risk difference"}


def _not_applicable(outcome: Outcome, options: Options) -> tuple[str, ...]:
    """The display options a question asked for that cannot apply when no trial counts are pooled: a score is
    shown as its source published it, a rate is not a comparison."""
    measure = _MEASURE_WORDS.get(options.measure or "", options.measure)
    asked = [words for wanted, words in (
        (options.measure, f"the {measure} asked for"), (options.method or options.hksj, "the model asked for"),
        (options.nnt, "a number needed to treat"), (options.baseline_risk is not None, "the baseline risk given"))
        if wanted]
    if not asked:
        return ()
    what = ("a score difference is shown as its source published it" if outcome.is_continuous
            else "no trial counts are pooled here")
    return (f"{what}, so {', '.join(asked)} does not apply",)


def _pool(evidence: Evidence, measure: str, method: str, hksj: bool) -> PooledResult | None:
    t = evidence.tables
    if not t:
        return None
    return pool([s.ai for s in t], [s.n1i for s in t], [s.ci for s in t], [s.n2i for s in t],
                measure=measure, method=method, hksj=hksj, labels=[s.label for s in t])


def _estimate(pooled: PooledResult | None, method: str, evidence: Evidence) -> Estimate | None:
    if pooled is None or not pooled.defined:
        return None
    return Estimate("PETO_OR" if method == "PETO" else pooled.measure, pooled.estimate, pooled.ci_low,
                    pooled.ci_high, len(evidence.tables), evidence.participants, "pooled")


def _trial_estimates(evidence: Evidence, measure: str, method: str, hksj: bool, pooled: PooledResult | None
                     ) -> tuple[tuple[float, float, float] | None, ...]:
    """Each trial pooled alone with the same method, so the figure shown for a trial is the figure the
    pooling would give for that trial (no continuity correction under Peto, which needs none)."""
    if len(evidence.tables) == 1 and pooled is not None:
        return ((pooled.estimate, pooled.ci_low, pooled.ci_high) if pooled.defined else None,)
    alone_method, alone_hksj = ("IV" if method in RANDOM_METHODS else method), False  # random effects on one trial = IV
    out = []
    for table in evidence.tables:
        one = pool([table.ai], [table.n1i], [table.ci], [table.n2i], measure=measure, method=alone_method,
                   hksj=alone_hksj, labels=[table.label])
        out.append((one.estimate, one.ci_low, one.ci_high) if one.defined else None)
    return tuple(out)


def _pooled_certainty(kb: KnowledgeBase, outcome: Outcome, evidence: Evidence, base: PooledResult | None,
                      base_ours: Estimate | None, control_risk: float | None) -> Certainty | None:
    """Our pooling rated under the outcome's default analysis, with the published risk-of-bias judgements."""
    if base is None or base_ours is None:
        return None
    return rate(pooled_evidence(evidence.tables, base, base_ours.measure, outcome, kb.assessments, control_risk))


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
    if synthesis is None or evidence.synthesis_filters:
        return None
    return Estimate.of(synthesis)


def _synthesis_leads(published: Estimate, ours: Estimate | None, evidence: Evidence) -> bool:
    if ours is None:
        return True
    lead = evidence.lead_synthesis
    if lead is not None and lead.scope:  # phase 2 only, or before the phase 3 trials: ours pools later trials
        return False
    return bool(evidence.missing_from_synthesis) or (published.k or 0) > (ours.k or 0)


def _control_risk(options: Options, evidence: Evidence, outcome: Outcome
                  ) -> tuple[float | None, str, tuple[StudyTable, ...]]:
    """The comparator risk the absolute numbers apply the relative effect to, and the trials it comes from.

    A harm accrues with time, so its risk is taken from the trials of one length: the length asked for (the
    filter has kept only those), else the trials' usual length (the most common; on a tie, the one with more
    people on the comparator), so that
    a 52-week trial's risk is not mixed into a 16-week answer. A responder outcome is assessed at its own
    primary week in every trial, so all trials count."""
    if options.baseline_risk is not None:
        return options.baseline_risk, "user", ()
    tables = evidence.tables
    if not outcome.is_benefit:
        weeks = [t.followup_weeks for t in tables if t.followup_weeks]
        if weeks:
            people = {w: sum(t.n2i for t in tables if t.followup_weeks == w) for w in set(weeks)}
            usual = min(people, key=lambda w: (-weeks.count(w), -people[w], w))
            same = tuple(t for t in tables if t.followup_weeks == usual)
            risk = median_control_risk([t.ci for t in same], [t.n2i for t in same])
            if risk > 0:
                return risk, "median", same
    risk = evidence.median_control_risk
    return (risk, "median", tables) if risk is not None and risk > 0 else (None, "", ())


def _agreement(ours: Estimate | None, published: Estimate | None) -> str | None:
    """'agrees' when the two 95% CIs overlap. A description for the reader, not a statistical test: the
    two estimates share trials, so no test of their difference would be valid."""
    if ours is None or published is None:
        return None
    return "agrees" if ours.ci_low <= published.ci_high and published.ci_low <= ours.ci_high else "differs"


def with_options(parsed: Parse, **changes) -> Parse:
    """A follow-up or a button press: the same question with other analysis options."""
    return replace(parsed, options=replace(parsed.options, **changes))
