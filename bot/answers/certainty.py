"""Certainty of the evidence in GRADE words, with its reasons, for the estimate it is printed beside.

A published estimate carries its source's rating, or says its source did not rate it (`published`). Our own
pooling is rated by the rules of bot/answers/certainty_rules.py (`rate`): it starts at high (randomised
trials) and each GRADE domain takes levels off, judged on the published risk-of-bias assessments, the outcome's
decision threshold and the trials themselves (knowledge/assessments.py). docs/certainty.md states the rules
and compares them with every published rating held.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from analysis import PooledResult, pool, subgroup_analysis
from bot.answers.certainty_rules import (
    Heterogeneity,
    Judgement,
    Precision,
    TrialRisk,
    imprecision,
    inconsistency,
    judgement,
    risk_of_bias,
    trial_risk,
)
from knowledge.assessments import DEFAULT_RATIO_THRESHOLD, Assessments, Threshold, short_citation

LEVELS = ("very low", "low", "moderate", "high")
DOMAINS = ("risk of bias", "inconsistency", "imprecision", "indirectness", "publication bias", "incoherence")
PUBLICATION_BIAS_MIN_TRIALS = 10
NOT_RATED = "not rated"


@dataclass(frozen=True)
class Certainty:
    rating: str  # high, moderate, low, very low, or "not rated"
    source: str  # "published" or "rule-based"
    reasons: tuple[str, ...]
    citation: str = ""  # the source of a published rating (or of the published estimate it did not rate)

    @property
    def rule_words(self) -> str:
        """'rule-based, downgraded for imprecision and inconsistency; risk of bias not assessed'. A network rating
        names the domains that took levels off its direct or indirect evidence too."""
        text = " ".join(self.reasons)
        found = re.findall(r"\b(" + "|".join(DOMAINS) + r"): downgraded", text)
        if "one level off for intransitivity" in text:
            found.append("intransitivity")
        missing = "risk of bias: downgraded one level, not assessed" in text or "risk of bias: not assessed" in text
        if missing:
            found = [d for d in found if d != "risk of bias"] + (
                ["risk of bias"] if re.search(r"risk of bias: downgraded \w+ levels?, (?!not assessed)", text) else [])
        domains = list(dict.fromkeys(found))
        network = any(r.startswith(("direct evidence", "indirect evidence")) for r in self.reasons)
        listed = ", ".join(domains[:-1]) + " and " + domains[-1] if len(domains) > 1 else "".join(domains)
        why = f", downgraded for {listed}" if domains else ""
        return ("rule-based" + (", network" if network else "") + why
                + ("; risk of bias not assessed" if missing else ""))

    @property
    def rated(self) -> bool:
        return self.rating in LEVELS

    def as_dict(self) -> dict:
        return {"rating": self.rating, "source": self.source, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Evidence:
    """What the rules look at. The interval reported, the trials behind it and their events; the pairwise
    rules use `trials` (risk of bias with weights), `heterogeneity` and `precision` when the caller has them
    (see `pooled_evidence`), and rate a bare interval more crudely otherwise (risk of bias not assessed)."""

    measure: str  # RR, OR, PETO_OR, RD, MD
    ci_low: float
    ci_high: float
    k: int | None
    pooled: PooledResult | None  # our pooling, for heterogeneity (None when we pool nothing)
    events: int | None  # total events in the trials behind the estimate, if known
    indirect: bool = False
    published_rating: str = ""
    published_source: str = ""
    trials: tuple[TrialRisk, ...] | None = None
    heterogeneity: Heterogeneity | None = None
    precision: Precision | None = None
    threshold: Threshold | None = None
    extra: tuple[Judgement, ...] = ()  # further domains a caller judged (incoherence, intransitivity)
    judge_imprecision: bool = True  # False for a piece of a network estimate: imprecision is judged on the whole


def published(synthesis) -> Certainty:
    """A published estimate's own rating, or that its source did not rate it: never a rating of ours."""
    source = short_citation(synthesis.citation)
    if synthesis.certainty:
        return Certainty(synthesis.certainty, "published", (f"as rated by {source}",), source)
    return Certainty(NOT_RATED, "published", (f"{source} did not rate the certainty of this estimate",), source)


def rate(evidence: Evidence) -> Certainty:
    if evidence.published_rating:
        return Certainty(evidence.published_rating, "published",
                         (f"as rated by {evidence.published_source}",), evidence.published_source)
    bounds, scale, words = thresholds(evidence.threshold, evidence.measure)
    null = 0.0 if evidence.measure in ("RD", "MD") else 1.0
    if evidence.trials is None:
        rob = judgement("risk of bias", 1, "not assessed: no published risk-of-bias judgements are linked to this "
                                           "estimate, so the rating is at most moderate")
    else:
        rob = risk_of_bias(evidence.trials)
    heterogeneity = evidence.heterogeneity or _from_pooled(evidence.pooled)
    found = [rob, inconsistency(heterogeneity, bounds, null, scale)]
    if evidence.judge_imprecision:
        found.append(imprecision(evidence.precision or Precision(evidence.measure, evidence.ci_low, evidence.ci_high,
                                                                 evidence.events), bounds, words))
    found.append(judgement("indirectness", 1, "an indirect comparison through placebo (not randomised)")
                 if evidence.indirect else judgement("indirectness", 0, "trials of the question's comparison"))
    found.extend(evidence.extra)
    k = evidence.k or 0
    found.append(judgement("publication bias", 0, f"not assessable with fewer than {PUBLICATION_BIAS_MIN_TRIALS} "
                                                  "trials" if k < PUBLICATION_BIAS_MIN_TRIALS else "not assessed"))
    down = sum(j.levels for j in found)
    return Certainty(LEVELS[max(0, len(LEVELS) - 1 - down)], "rule-based", tuple(j.reason for j in found))


def thresholds(threshold: Threshold | None, measure: str) -> tuple[tuple[float, float], str, str]:
    """Decision thresholds on the estimate's scale, the scale's name and the words that cite them."""
    if measure == "MD":
        mid = threshold.value if threshold is not None and threshold.scale == "md" else None
        if mid is None:
            return (0.0, 0.0), "md", "no minimal important difference held: no difference"
        return (-mid, mid), "md", f"{mid:g} points, the score's minimal important difference"
    if measure == "RD":
        return (0.0, 0.0), "RD", "no difference"
    value = threshold.value if threshold is not None and threshold.scale == "ratio" else DEFAULT_RATIO_THRESHOLD
    default = threshold is None or threshold.basis == "grade_default"
    low = 2 - value
    return (low, value), "ratio", (f"below {low:.2f} or above {value:.2f}"
                                   + (", GRADE's default" if default else ", the published threshold"))


def _from_pooled(p: PooledResult | None) -> Heterogeneity:
    if p is None or not p.defined:
        return Heterogeneity((), None)
    trials = tuple((s.label, s.estimate, s.ci_low, s.ci_high) for s in p.studies if s.included)
    pi = (p.pi_low, p.pi_high) if p.pi_low is not None and p.pi_high is not None else None
    return Heterogeneity(trials, p.I2, p.tau2 if p.random_effects else None, pi)


# --- rating our pooling of the trials we hold --------------------------------------------------------------------

GROUPINGS = {  # the obvious explanations of heterogeneity, each analysed separately (GRADE handbook 5.2.2)
    "background therapy": lambda t: "with topical steroids" if t.background == "tcs" else "no topical steroids",
    "age group": lambda t: t.age_group,
    "dose": lambda t: " + ".join(sorted(arm.split(" + ")[0] for arm in t.arms)),
}


def pooled_evidence(tables: Sequence, pooled: PooledResult, measure: str, outcome, assessments: Assessments | None,
                    control_risk: float | None) -> Evidence:
    """The rule inputs for our pooling of `tables` (bot.answers.evidence.StudyTable) under the outcome's default
    analysis: each trial's published risk of bias and weight, its own estimate, a random-effects fit for tau²
    and the prediction interval, subgroup analyses by the obvious explanations, and the events held."""
    method = "PETO" if measure == "PETO_OR" else pooled.method
    scale_measure = "OR" if measure == "PETO_OR" else pooled.measure
    # each trial's share of the information is its share of the participants: a Mantel-Haenszel weight is 0
    # for a trial with no events in one arm, which would hide that trial's risk of bias
    trials = tuple(
        trial_risk(t.label, t.participants, assessments.risk_of_bias_for(t.trial_id, outcome.id, outcome.kind)
                   if assessments else ()) for t in tables)
    own = []
    for t in tables:
        one = pool([t.ai], [t.n1i], [t.ci], [t.n2i], measure=scale_measure, method=_alone(method), labels=[t.label])
        own.append((t.label, *((one.estimate, one.ci_low, one.ci_high) if one.defined else (None, None, None))))
    heterogeneity = Heterogeneity(tuple(own), pooled.I2)
    if len(tables) >= 2:
        arrays = ([t.ai for t in tables], [t.n1i for t in tables], [t.ci for t in tables], [t.n2i for t in tables])
        random = pool(*arrays, measure=scale_measure, method="DL", labels=[t.label for t in tables])
        pi = (random.pi_low, random.pi_high) if random.defined and random.pi_low is not None else None
        heterogeneity = Heterogeneity(tuple(own), pooled.I2, random.tau2 if random.defined else None, pi,
                                      _explained(tables, scale_measure, method))
    events = (sum(t.ai for t in tables), sum(t.ci for t in tables))
    precision = Precision(measure, pooled.ci_low, pooled.ci_high, sum(events), sum(t.participants for t in tables),
                          events, control_risk)
    threshold = assessments.threshold(outcome.id) if assessments else None
    return Evidence(measure, pooled.ci_low, pooled.ci_high, len(tables), pooled, sum(events), trials=trials,
                    heterogeneity=heterogeneity, precision=precision, threshold=threshold)


def _alone(method: str) -> str:
    return "IV" if method in ("DL", "REML", "PM") else method


def _explained(tables: Sequence, measure: str, method: str) -> tuple[tuple[str, float, float], ...]:
    out = []
    for attribute, key in GROUPINGS.items():
        groups: dict[str, list] = {}
        for t in tables:
            groups.setdefault(key(t), []).append(t)
        if len(groups) < 2:
            continue
        data = {name: ([t.ai for t in g], [t.n1i for t in g], [t.ci for t in g], [t.n2i for t in g])
                for name, g in groups.items()}
        result = subgroup_analysis(data, measure=measure, method=_alone(method))
        if not result.defined or result.pval is None:
            continue
        within = [r.I2 or 0.0 for _, r in result.groups if r.defined and r.k >= 2]
        out.append((attribute, result.pval, max(within, default=0.0)))
    return tuple(out)
