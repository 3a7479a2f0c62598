"""Certainty of the evidence in GRADE words, with its reasons.

A rating published for the comparison (a Cochrane or network meta-analysis summary-of-findings table) is shown
as the source gave it. Otherwise a rule-based rating, labelled as such, starts at high (randomised trials) and
is downgraded by the explicit rules documented in docs/certainty.md, one GRADE domain at a time. The rules are
deliberately simple and visible; they are no substitute for a panel's judgement, and the reply says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis import PooledResult

LEVELS = ("very low", "low", "moderate", "high")
# A ratio interval reaching below APPRECIABLE[0] and above APPRECIABLE[1] includes appreciable benefit and
# appreciable harm (GRADE's default thresholds of a 25% relative change).
APPRECIABLE = (0.8, 1.25)
INCONSISTENCY_I2 = (50.0, 75.0)  # I² at or above: downgrade one, two levels
OPTIMAL_EVENTS = 300  # fewer events than this: imprecise even when the interval excludes no effect
PUBLICATION_BIAS_MIN_TRIALS = 10


@dataclass(frozen=True)
class Certainty:
    rating: str  # high, moderate, low, very low, or "not rated"
    source: str  # "published" or "rule-based"
    reasons: tuple[str, ...]
    citation: str = ""  # the source of a published rating

    @property
    def rule_words(self) -> str:
        """'rule-based, downgraded for imprecision and indirectness; risk of bias not assessed'."""
        domains = [r.split(":")[0] for r in self.reasons if ": downgraded" in r]
        why = f", downgraded for {' and '.join(domains)}" if domains else ""
        return f"rule-based{why}; risk of bias not assessed"

    def as_dict(self) -> dict:
        return {"rating": self.rating, "source": self.source, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Evidence:
    """What the rules look at: the interval that is reported, and the trials behind it."""

    measure: str  # RR, OR, PETO_OR, RD
    ci_low: float
    ci_high: float
    k: int | None
    pooled: PooledResult | None  # our pooling, for heterogeneity (None when we pool nothing)
    events: int | None  # total events in the trials behind the estimate, if known
    indirect: bool = False
    published_rating: str = ""
    published_source: str = ""


def rate(evidence: Evidence) -> Certainty:
    if evidence.published_rating:
        return Certainty(evidence.published_rating, "published",
                         (f"as rated by {evidence.published_source}",), evidence.published_source)
    # Without risk-of-bias judgements a rating of high would claim more than was checked: cap at moderate.
    reasons = ["risk of bias: not assessed (no curated risk-of-bias judgements for these trials), "
               "so the rating is at most moderate"]
    down = 1
    step, why = _inconsistency(evidence)
    down, reasons = down + step, reasons + [why]
    step, why = _imprecision(evidence)
    down, reasons = down + step, reasons + [why]
    if evidence.indirect:
        down += 1
        reasons.append("indirectness: downgraded one level, an indirect comparison through placebo (not randomised)")
    else:
        reasons.append("indirectness: not downgraded (trials of the question's comparison)")
    k = evidence.k or 0
    reasons.append(f"publication bias: not assessable with fewer than {PUBLICATION_BIAS_MIN_TRIALS} trials"
                   if k < PUBLICATION_BIAS_MIN_TRIALS else "publication bias: not assessed")
    return Certainty(LEVELS[max(0, len(LEVELS) - 1 - down)], "rule-based", tuple(reasons))


def _inconsistency(evidence: Evidence) -> tuple[int, str]:
    p = evidence.pooled
    if p is None or not p.defined or p.k < 2:
        return 0, "inconsistency: not assessable with one trial"
    i2 = p.I2 or 0.0
    if i2 >= INCONSISTENCY_I2[1]:
        return 2, f"inconsistency: downgraded two levels, I² = {i2:.0f}% (75% or more)"
    if i2 >= INCONSISTENCY_I2[0]:
        return 1, f"inconsistency: downgraded one level, I² = {i2:.0f}% (50% or more)"
    null = 0.0 if p.measure == "RD" else 1.0
    if p.pi_low is not None and p.pi_high is not None and p.pi_low < null < p.pi_high \
            and not (p.ci_low < null < p.ci_high):
        return 1, "inconsistency: downgraded one level, the prediction interval includes no effect"
    return 0, f"inconsistency: not downgraded (I² = {i2:.0f}%)"


def _imprecision(evidence: Evidence) -> tuple[int, str]:
    low, high = evidence.ci_low, evidence.ci_high
    if evidence.measure in ("RD", "MD"):
        if low < 0 < high:
            return 1, "imprecision: downgraded one level, the 95% CI includes no difference"
    elif low < 1 < high:
        if low < APPRECIABLE[0] and high > APPRECIABLE[1]:
            return 2, ("imprecision: downgraded two levels, the 95% CI includes both an appreciable decrease "
                       "and an appreciable increase (below 0.80 and above 1.25)")
        return 1, "imprecision: downgraded one level, the 95% CI includes no effect"
    if evidence.events is not None and evidence.events < OPTIMAL_EVENTS:
        return 1, (f"imprecision: downgraded one level, {evidence.events} events in all "
                   f"(fewer than {OPTIMAL_EVENTS}, an optimal-information-size rule of thumb)")
    if evidence.events is None:
        return 0, ("imprecision: not downgraded (the 95% CI excludes no effect; the number of events behind a "
                   "published estimate is not recorded, so the optimal information size was not checked)")
    return 0, "imprecision: not downgraded"
