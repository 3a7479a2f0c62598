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
    legs_named: tuple[str, str] = ("first leg", "second leg")  # how the reasons name the two legs


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
                       f"{n.legs_named[0]} {LEVELS[max(a, 0)]}: {'; '.join(why_a)}; {n.legs_named[1]} "
                       f"{LEVELS[max(b, 0)]}: {'; '.join(why_b)})")
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


# --- from a network's arms to the pieces rated above ------------------------------------------------------------

@dataclass(frozen=True)
class PairTable:
    """One trial's two arms of a pair, in the shape the pairwise rules read (bot/answers/evidence.StudyTable)."""

    trial_id: str
    label: str
    ai: int
    n1i: int
    ci: int
    n2i: int
    background: str
    age_group: str
    arms: tuple[str, ...] = ()

    @property
    def participants(self) -> int:
        return self.n1i + self.n2i


def pair_tables(arms: Sequence, trials: Sequence, a, b) -> tuple[PairTable, ...]:
    """The trials that randomised both `a` and `b` (network nodes), as 2x2 tables. `arms` have trial_id, trial,
    node, events, n (analysis network arms); `trials` have trial_id, background, age_group."""
    by_trial: dict[str, dict] = {}
    for arm in arms:
        by_trial.setdefault(arm.trial_id, {})[arm.node] = arm
    meta = {t.trial_id: t for t in trials}
    out = []
    for trial_id, nodes in by_trial.items():
        if a in nodes and b in nodes and trial_id in meta:
            x, y = nodes[a], nodes[b]
            out.append(PairTable(trial_id, x.trial, x.events, x.n, y.events, y.n, meta[trial_id].background,
                                 meta[trial_id].age_group, (str(a),)))
    return tuple(out)


def piece(tables: Sequence[PairTable], measure: str, outcome, assessments, control_risk: float | None
          ) -> Evidence | None:
    """The pairwise rule inputs of one piece of a network (its direct trials, or one leg of its loop)."""
    from analysis import pool
    from bot.answers.certainty import pooled_evidence

    if not tables:
        return None
    method = "MH" if measure in ("OR", "RR", "RD") else "IV"
    pooled = pool([t.ai for t in tables], [t.n1i for t in tables], [t.ci for t in tables], [t.n2i for t in tables],
                  measure=measure, method=method, labels=[t.label for t in tables])
    if not pooled.defined:
        pooled = pool([t.ai for t in tables], [t.n1i for t in tables], [t.ci for t in tables],
                      [t.n2i for t in tables], measure="RD", method="MH", labels=[t.label for t in tables])
    return pooled_evidence(tables, pooled, pooled.measure, outcome, assessments, control_risk)


def network_rating(arms: Sequence, trials: Sequence, a, b, common, *, measure: str, estimate: tuple[float, float,
                   float], indirect: tuple[float, float, float] | None, p_difference: float | None, outcome,
                   assessments, control_risk: float | None, names: tuple[str, str]) -> Certainty:
    """A network estimate of `a` vs `b` rated from the network's arms: the trials of a vs b (direct) and of each
    against `common` (placebo: the dominant first-order loop of these star-shaped networks).

    Two drugs have no natural order, but GRADE's default ratio thresholds (0.75 and 1.25) are not reciprocal: a
    pair is rated the way round in which its estimate is 1 or more, so "A vs B" and "B vs A" get one rating."""
    if common not in (a, b) and measure != "RD" and estimate[0] < 1:
        return network_rating(arms, trials, b, a, common, measure=measure, estimate=_turned(estimate),
                              indirect=_turned(indirect) if indirect is not None else None,
                              p_difference=p_difference, outcome=outcome, assessments=assessments,
                              control_risk=control_risk, names=(names[1], names[0]))
    direct = pair_tables(arms, trials, a, b)
    # a regimen against the common comparator itself has no loop through it: its evidence is its direct trials
    leg_a, leg_b = ((), ()) if common in (a, b) else (pair_tables(arms, trials, a, common),
                                                        pair_tables(arms, trials, b, common))
    legs = None
    if leg_a and leg_b:
        legs = (piece(leg_a, measure, outcome, assessments, control_risk),
                piece(leg_b, measure, outcome, assessments, control_risk))
    involved = {t.trial_id: t for t in direct + leg_a + leg_b}.values()
    events_a = sum(x.events for x in arms if x.node == a)
    events_b = sum(x.events for x in arms if x.node == b)
    people = sum(x.n for x in arms if x.node in (a, b))
    threshold = assessments.threshold(outcome.id) if assessments else None
    return rate_network(NetworkInputs(
        measure, *estimate, direct=piece(direct, measure, outcome, assessments, control_risk), legs=legs,
        indirect=indirect, p_difference=p_difference if direct and legs else None,
        intransitivity=intransitivity(leg_a, leg_b, names) if legs else "",
        events=events_a + events_b, participants=people, events_by_side=(events_a, events_b),
        control_risk=control_risk, threshold=threshold,
        legs_named=(f"leg {names[0]} vs placebo", f"leg {names[1]} vs placebo"))) if involved else Certainty(
            "not rated", "rule-based", ("no trials of either regimen in this network",))


def _turned(e: tuple[float, float, float]) -> tuple[float, float, float]:
    """A ratio estimate and its interval the other way round."""
    return 1 / e[0], 1 / e[2], 1 / e[1]
