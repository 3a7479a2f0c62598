"""Certainty of a network estimate, as GRADE for network meta-analysis does it (Brignardello-Petersen et al.,
J Clin Epidemiol 2018; Puhan et al., BMJ 2014) and CINeMA's domains name it (Nikolakopoulou et al., PLoS Med
2020):

1. the direct estimate is rated on risk of bias, inconsistency, indirectness and publication bias, not yet on
   imprecision;
2. the indirect estimate takes the lower rating of the two direct comparisons of its dominant first-order loop
   (A and B each against their common comparator, placebo here), one level lower for intransitivity when the
   trials of the two legs differ in an effect modifier (background therapy, population);
3. the network estimate starts from the higher of the two, and loses one level for incoherence when direct
   and indirect evidence disagree (two when they point in opposite directions);
4. imprecision is judged last, once, on the network estimate's own interval.

Pure: it takes the pairwise rule inputs (bot/answers/certainty.py `Evidence`) for each piece of evidence and the
network's split of the pair (analysis/network_results.py `SplitEstimate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.answers.certainty import LEVELS, Certainty, Evidence, rate, thresholds
from bot.answers.certainty_rules import Judgement, Precision, imprecision, judgement

INCOHERENCE_P = 0.05
INTRANSITIVE_SHARE = 0.5  # legs whose share of trials with an effect modifier differs by more than this


@dataclass(frozen=True)
class NetworkInputs:
    measure: str  # OR, RR, RD: the network's measure
    estimate: float  # the network estimate of A vs B and its 95% interval
    ci_low: float
    ci_high: float
    direct: Evidence | None = None  # trials of A vs B, as rule inputs (None: no direct evidence)
    legs: tuple[Evidence, Evidence] | None = None  # A vs common comparator, B vs common comparator
    indirect: tuple[float, float, float] | None = None  # the indirect estimate and its interval, if any
    p_difference: float | None = None  # direct vs indirect (netsplit)
    intransitivity: str = ""  # why the legs' trials differ in an effect modifier ("" = they do not)
    events: int | None = None  # in all trials of the network behind the pair, for the information size
    participants: int | None = None
    events_by_side: tuple[int, int] | None = None
    control_risk: float | None = None
    threshold: object | None = None  # knowledge.assessments.Threshold of the outcome


def _before_imprecision(evidence: Evidence) -> tuple[int, list[str]]:
    """The pairwise rating of a piece of evidence with imprecision left out (judged on the network estimate)."""
    c = rate(replace(evidence, judge_imprecision=False))
    return LEVELS.index(c.rating), [r for r in c.reasons if ": downgraded" in r] or ["nothing taken off"]


def rate_network(n: NetworkInputs) -> Certainty:
    reasons: list[str] = []
    levels: list[tuple[str, int]] = []
    if n.direct is not None:
        direct, why = _before_imprecision(n.direct)
        levels.append(("direct", direct))
        reasons.append(f"direct evidence ({n.direct.k or 0} trial{'s' if (n.direct.k or 0) != 1 else ''}): "
                       f"{LEVELS[max(direct, 0)]} before imprecision ({'; '.join(why)})")
    if n.legs is not None:
        a, why_a = _before_imprecision(n.legs[0])
        b, why_b = _before_imprecision(n.legs[1])
        indirect = min(a, b)
        step = "the lower of its two legs' ratings"
        if n.intransitivity:
            indirect -= 1
            step += f", one level off for intransitivity: {n.intransitivity}"
        levels.append(("indirect", indirect))
        reasons.append(f"indirect evidence through the common comparator: {LEVELS[max(indirect, 0)]} ({step}; "
                       f"first leg {LEVELS[max(a, 0)]}: {'; '.join(why_a)}; second leg {LEVELS[max(b, 0)]}: "
                       f"{'; '.join(why_b)})")
    if not levels:
        return Certainty("not rated", "rule-based", ("no direct or indirect evidence to rate",))
    start = max(level for _, level in levels)
    if len(levels) == 2:
        reasons.append(f"network estimate: starts from the higher of direct and indirect, {LEVELS[max(start, 0)]}")
    found: list[Judgement] = [incoherence(n)] if n.p_difference is not None else []
    bounds, _, words = thresholds(n.threshold, n.measure)
    found.append(imprecision(Precision(n.measure, n.ci_low, n.ci_high, n.events, n.participants, n.events_by_side,
                                       n.control_risk), bounds, words))
    final = start - sum(j.levels for j in found)
    return Certainty(LEVELS[max(0, final)], "rule-based", tuple(reasons + [j.reason for j in found]))


def incoherence(n: NetworkInputs) -> Judgement:
    p = n.p_difference
    if p is None or p >= INCOHERENCE_P:
        return judgement("incoherence", 0, f"direct and indirect estimates agree (p = {p:.2f})" if p is not None
                         else "not assessable without both direct and indirect evidence")
    null = 0.0 if n.measure == "RD" else 1.0
    direct = (n.direct.ci_low + n.direct.ci_high) / 2 if n.direct is not None else None
    opposite = (direct is not None and n.indirect is not None
                and (direct - null) * (n.indirect[0] - null) < 0 and (n.indirect[2] < null or n.indirect[1] > null))
    if opposite:
        return judgement("incoherence", 2, f"direct and indirect estimates point in opposite directions "
                                           f"(p = {p:.3f})")
    return judgement("incoherence", 1, f"direct and indirect estimates disagree (p = {p:.3f})")


def intransitivity(leg_a: Sequence, leg_b: Sequence, names: tuple[str, str]) -> str:
    """Why the trials of the two legs are not alike in an effect modifier, or "" when they are: the share of
    trials with topical steroids, and the age groups, of the StudyTables of each leg."""
    if not leg_a or not leg_b:
        return ""
    def share(tables: Sequence) -> float:
        return sum(t.background == "tcs" for t in tables) / len(tables)
    a, b = share(leg_a), share(leg_b)
    if abs(a - b) > INTRANSITIVE_SHARE:
        return (f"{a:.0%} of the {names[0]} trials and {b:.0%} of the {names[1]} trials allowed topical steroids, "
                "which changes the placebo response")
    ages_a, ages_b = {t.age_group for t in leg_a}, {t.age_group for t in leg_b}
    if not ages_a & ages_b:
        return f"the {names[0]} and {names[1]} trials enrolled different age groups"
    return ""
