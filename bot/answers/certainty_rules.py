"""GRADE's domains as explicit rules, one function per domain, each returning the levels it takes off and why.

Pure functions over numbers and the published judgements held in knowledge/data (risk of bias, thresholds);
docs/certainty.md states each rule with its source (the GRADE handbook and guidance papers, the Cochrane
Handbook) and the calibration against published ratings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answers.numbers import fmt_ratio

# The OIS rule of thumb used with GRADE: this many events or more usually meet the optimal information size.
OIS_EVENTS = 300
VERY_SPARSE_EVENTS = 10  # fewer events than this in all, or fewer than
VERY_SPARSE_SIDE = 3  # this on one side: very serious imprecision (the definition of bot/answers/sparse.py)
INCONSISTENCY_I2 = (50.0, 75.0)  # I² from which heterogeneity is looked at; from which opposite results weigh double
SUBGROUP_P = 0.10  # a test for subgroup differences below this explains heterogeneity (with low I² within)
Z_ALPHA, Z_BETA = 1.959964, 0.841621  # two-sided 5% and 80% power, as GRADE's OIS calculation


@dataclass(frozen=True)
class Judgement:
    domain: str  # risk of bias, inconsistency, imprecision, indirectness, publication bias, incoherence
    levels: int  # levels taken off: 0, 1 or 2
    reason: str  # "imprecision: downgraded one level, ..." as shown in Method

    @property
    def downgraded(self) -> bool:
        return self.levels > 0


_LEVEL_WORDS = {1: "one level", 2: "two levels"}


def judgement(domain: str, levels: int, why: str) -> Judgement:
    """'imprecision: downgraded one level, <why>', 'inconsistency: not downgraded (<why>)', or for a domain that
    could not be judged 'publication bias: not assessable with fewer than 10 trials'."""
    if levels:
        return Judgement(domain, levels, f"{domain}: downgraded {_LEVEL_WORDS[levels]}, {why}")
    if why.startswith(("not assessable", "not assessed")):
        return Judgement(domain, 0, f"{domain}: {why}")
    return Judgement(domain, 0, f"{domain}: not downgraded ({why})")


# --- risk of bias ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrialRisk:
    """One trial's risk of bias for the outcome rated, as its source judged it, and its share of the estimate."""

    label: str
    weight: float  # the trial's share of the estimate (its participants; any unit, shares are taken)
    overall: str  # low, some concerns, high, not assessed
    concerns: tuple[str, ...] = ()  # domains judged unclear / some concerns / high
    sources: tuple[str, ...] = ()


_WORST = ("low", "some concerns", "high")
_DOMAIN_WORDS = {
    "random_sequence": "random sequence generation", "allocation_concealment": "allocation concealment",
    "blinding_participants": "blinding of participants and personnel", "blinding_outcome": "blinding of outcome "
    "assessment", "incomplete_outcome": "incomplete outcome data", "selective_reporting": "selective reporting",
    "other_bias": "other bias", "randomisation": "the randomisation process", "deviations": "deviations from the "
    "intended interventions", "missing_outcome": "missing outcome data", "measurement": "measurement of the outcome",
}


def trial_risk(label: str, weight: float, rows: Sequence) -> TrialRisk:
    """A trial's overall judgement: the source's own overall judgement where it gives one, else the worst domain
    (any domain at high risk makes the trial high; any unclear or 'some concerns' makes it some concerns), as the
    Cochrane tools define the overall judgement."""
    if not rows:
        return TrialRisk(label, weight, "not assessed")
    def level(judgement: str) -> str:
        return "low" if judgement == "low" else "high" if judgement == "high" else "some concerns"
    overall_rows = [r for r in rows if r.domain == "overall"]
    domain_rows = [r for r in rows if r.domain != "overall"]
    judged = [level(r.judgement) for r in (overall_rows or domain_rows)]
    overall = max(judged, key=_WORST.index)
    concerns = tuple(dict.fromkeys(_DOMAIN_WORDS.get(r.domain, r.domain) for r in domain_rows
                                   if r.judgement != "low"))
    return TrialRisk(label, weight, overall, concerns, tuple(dict.fromkeys(r.source_short for r in rows)))


def _names(trials: Sequence[TrialRisk]) -> str:
    return ", ".join(t.label for t in trials)


def risk_of_bias(trials: Sequence[TrialRisk]) -> Judgement:
    """Cochrane Handbook's summary across studies (Table 12.2.a of version 5.1; chapter 14 of version 6): take a
    level off when the trials at high risk carry most of the information (here: more than half of the weight);
    unclear risk alone does not. Trials with no published judgement held are 'not assessed': when they carry
    most of the weight the rating cannot be high, so one level comes off and the reason says it was not assessed."""
    if not trials:
        return judgement("risk of bias", 1, "not assessed: no trials of ours behind this estimate")
    total = sum(t.weight for t in trials) or 1.0
    share = {kind: 100 * sum(t.weight for t in trials if t.overall == kind) / total
             for kind in ("low", "some concerns", "high", "not assessed")}
    missing = [t for t in trials if t.overall == "not assessed"]
    high = [t for t in trials if t.overall == "high"]
    concern = [t for t in trials if t.overall == "some concerns"]
    if share["high"] > 50:
        return judgement("risk of bias", 1, f"trials at high risk of bias hold {share['high']:.0f}% of the people "
                                            f"({_names(high)})")
    if share["not assessed"] > 50:
        return judgement("risk of bias", 1, f"not assessed for {_names(missing)} ({share['not assessed']:.0f}% of "
                                            "the people): no published judgement held, so the rating is at most "
                                            "moderate")
    parts = [f"{share['low']:.0f}% of the people in trials at low risk"]
    if concern:
        what = "; ".join(f"{t.label}: {', '.join(t.concerns) or 'overall'}" for t in concern)
        parts.append(f"unclear or some concerns for {what} ({share['some concerns']:.0f}%), none at high risk")
    if high:
        parts.append(f"high risk for {_names(high)} ({share['high']:.0f}%)")
    if missing:
        parts.append(f"not assessed for {_names(missing)} ({share['not assessed']:.0f}%)")
    sources = list(dict.fromkeys(s for t in trials for s in t.sources))
    if sources:
        parts.append("as judged by " + "; ".join(sources))
    return judgement("risk of bias", 0, "; ".join(parts))


# --- inconsistency --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Heterogeneity:
    """What inconsistency is judged on: each trial's own estimate, I², tau² and the prediction interval of a
    random-effects fit, and the subgroup analyses by the obvious explanations (attribute, p, largest I² within)."""

    trials: tuple[tuple[str, float | None, float | None, float | None], ...]  # label, estimate, low, high
    i2: float | None
    tau2: float | None = None
    pi: tuple[float, float] | None = None
    explained: tuple[tuple[str, float, float], ...] = ()  # (attribute, p for differences, max I² within)


def _beyond(value: float, bounds: tuple[float, float]) -> int:
    """+1 above the upper threshold, -1 below the lower, 0 in between (trivial effects)."""
    return 1 if value > bounds[1] else -1 if value < bounds[0] else 0


def inconsistency(h: Heterogeneity, bounds: tuple[float, float], null: float, scale: str = "ratio") -> Judgement:
    """GRADE handbook 5.2.2: judge on the direction and overlap of the trials' estimates, I² and the prediction
    interval against the decision threshold; look for explanations first. No level comes off when every trial
    shows an important effect in the same direction (the trials differ in size, not in what they imply), nor
    when a subgroup analysis by dose, background therapy or population explains the heterogeneity."""
    trials = [t for t in h.trials if t[1] is not None]
    if len(trials) < 2:
        return judgement("inconsistency", 0, "not assessable with one trial")
    i2 = h.i2 or 0.0
    sides = {_beyond(t[1], bounds) for t in trials}
    above = 1 in sides
    word = f"each trial's estimate {'above' if above else 'below'} {_fmt(bounds[1] if above else bounds[0], scale)}"
    if len(sides) == 1 and 0 not in sides:
        return judgement("inconsistency", 0, f"every trial shows an important effect in the same direction ({word}); "
                                             f"they differ only in its size, I² = {i2:.0f}%")
    if i2 < INCONSISTENCY_I2[0]:
        return judgement("inconsistency", 0, f"I² = {i2:.0f}%")
    for attribute, p, within in h.explained:
        if p < SUBGROUP_P and within < INCONSISTENCY_I2[0]:
            return judgement("inconsistency", 0, f"I² = {i2:.0f}% is explained by {attribute} (test for subgroup "
                                                 f"differences p = {p:.2f}, I² within subgroups {within:.0f}% or "
                                                 "less; the subgroups are under Sensitivity)")
    stats = f"I² = {i2:.0f}%" + (f", tau² = {h.tau2:.3f}" if h.tau2 is not None else "")
    if h.pi is not None:
        pi_sides = {_beyond(h.pi[0], bounds), _beyond(h.pi[1], bounds)}
        if len(pi_sides) == 1 and 0 not in pi_sides:
            return judgement("inconsistency", 0, f"{stats}, but the 95% prediction interval "
                                                 f"({_fmt(h.pi[0], scale)} to {_fmt(h.pi[1], scale)}) lies wholly "
                                                 "beyond the threshold of an important effect")
    opposite = any(t[2] > null for t in trials) and any(t[3] < null for t in trials)
    if opposite and i2 >= INCONSISTENCY_I2[1]:
        return judgement("inconsistency", 2, f"{stats}; trials show effects in opposite directions with intervals "
                                             "that do not overlap")
    where = (f"the 95% prediction interval ({_fmt(h.pi[0], scale)} to {_fmt(h.pi[1], scale)}) includes effects "
             "that are not important" if h.pi is not None else "the trials' estimates are not all important "
             "effects in one direction")
    return judgement("inconsistency", 1, f"{stats}; {where}")


# --- imprecision ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Precision:
    """The interval reported and the information behind it (None where a published estimate does not say)."""

    measure: str  # RR, OR, PETO_OR, RD, MD
    ci_low: float
    ci_high: float
    events: int | None = None
    participants: int | None = None
    events_by_side: tuple[int, int] | None = None  # (intervention, comparator)
    control_risk: float | None = None


def optimal_information_size(control_risk: float, threshold: float) -> int | None:
    """GRADE guidelines 6's optimal information size: the participants a single trial needs (two-sided 5%, 80%
    power, equal arms) to detect the threshold's relative change (25% for the default 1.25: a risk of 0.75 times
    the control risk) at the control risk held."""
    p0 = control_risk
    p1 = p0 * (2 - threshold)  # a relative reduction of (threshold - 1): 25% for the default 1.25
    if not 0 < p0 < 1 or not 0 < p1 < 1:
        return None
    per_arm = (Z_ALPHA + Z_BETA) ** 2 * (p0 * (1 - p0) + p1 * (1 - p1)) / (p0 - p1) ** 2
    return 2 * math.ceil(per_arm)


def imprecision(p: Precision, bounds: tuple[float, float], threshold_words: str) -> Judgement:
    """GRADE guidelines 6 and 34 (minimally/partially contextualised): the 95% CI against the decision threshold
    first; where it does not cross, the optimal information size; very sparse events (fewer than 10, or none on
    one side) are very serious imprecision, two levels."""
    if p.events_by_side is not None and p.events is not None and (
            p.events < VERY_SPARSE_EVENTS or min(p.events_by_side) < VERY_SPARSE_SIDE):
        a, b = p.events_by_side
        return judgement("imprecision", 2, f"very sparse: {p.events} event{'s' if p.events != 1 else ''} in all "
                                           f"({a} and {b} in the two groups)")
    null = 0.0 if p.measure in ("RD", "MD") else 1.0
    low, high = p.ci_low, p.ci_high
    if p.measure == "RD":
        if low < null < high:
            return judgement("imprecision", 1, "the 95% CI includes no difference")
    else:
        lo_side, hi_side = _beyond(low, bounds), _beyond(high, bounds)
        if lo_side == -1 and hi_side == 1:
            return judgement("imprecision", 2, "the 95% CI includes both an important decrease and an important "
                                               f"increase ({threshold_words})")
        if lo_side != hi_side:
            what = "no effect" if low < null < high else "both trivial and important effects"
            return judgement("imprecision", 1, f"the 95% CI includes {what} and crosses the threshold of an "
                                               f"important effect ({threshold_words})")
    if p.measure == "MD":
        return judgement("imprecision", 0, f"the 95% CI does not cross the threshold ({threshold_words})")
    if p.events is None:
        return judgement("imprecision", 0, "the 95% CI does not cross the threshold; the events behind a published "
                                           "estimate are not recorded, so the optimal information size was not "
                                           "checked")
    ois = optimal_information_size(p.control_risk, bounds[1]) if p.control_risk else None
    people = p.participants or 0
    if p.events >= OIS_EVENTS or (ois is not None and people >= ois):
        met = (f"{p.events} events" if p.events >= OIS_EVENTS else f"{people:,} people, at least the optimal "
               f"information size of {ois:,}")
        return judgement("imprecision", 0, f"the 95% CI does not cross the threshold ({threshold_words}); {met}")
    size = f", below the optimal information size of {ois:,}" if ois else ""
    return judgement("imprecision", 1, f"{p.events} events and {people:,} people{size} (fewer than {OIS_EVENTS} "
                                       "events): an effect this size from so few events is fragile")


def _fmt(value: float, scale: str) -> str:
    if scale == "md":
        return f"{value:+.1f}"
    if scale == "RD":
        return f"{value * 100:+.1f} per 100"
    return fmt_ratio(value)
