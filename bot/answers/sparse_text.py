"""Wording for sparse evidence (bot/answers/sparse.py): the counts first, then the risk difference, never
'undefined', never a rate per 1,000 with a decimal drawn from two events."""

from __future__ import annotations

from bot.answers.compose import OutcomeAnswer
from bot.answers.sparse import counts
from bot.answers.wording import fmt_count, fmt_ratio

# the engine's reasons, in words a clinician reads (the JSON keeps the engine's own)
_REASONS = (
    ("never occurred", "no one had it in these trials, so no ratio can be estimated"),
    ("no events in any treatment arm", "no one on the drug had it, so no ratio can be estimated"),
    ("no events in any control arm", "no one on the comparator had it, so no ratio can be estimated"),
    ("Mantel-Haenszel odds ratio", "there are too few events to estimate an odds ratio"),
    ("did not converge", "the random-effects model could not be fitted to these trials"),
    ("no study has an estimable effect", "no trial has events enough for its own estimate"),
)


def reason_words(reason: str | None) -> str:
    """An engine's 'Peto odds ratio is undefined' as 'no one had it in these trials, so no ratio can be
    estimated'."""
    text = reason or "no estimate"
    for key, words in _REASONS:
        if key in text:
            return words
    return text.replace("is undefined", "cannot be estimated")


def counts_sentence(oa: OutcomeAnswer) -> str:
    """'7 of 375 people on baricitinib and 0 of 249 on placebo had eczema herpeticum (BREEZE-AD1, 16 weeks).'"""
    ev = oa.evidence
    c = counts(ev.tables)
    where = ev.tables[0].label if c.trials == 1 else f"{c.trials} trials together"
    weeks = sorted({t.followup_weeks for t in ev.tables if t.followup_weeks})
    when = "" if not weeks else f", {weeks[0]} weeks" if len(weeks) == 1 else f", {weeks[0]} to {weeks[-1]} weeks"
    if c.all_events == 0:
        return (f"No one had {oa.outcome.plural}: 0 of {fmt_count(c.total)} people on {ev.intervention_label} and "
                f"0 of {fmt_count(c.control_total)} on {ev.comparator_label} ({where}{when}). Trials this size "
                "cannot show a difference in an event this rare.")
    return (f"{c.events} of {fmt_count(c.total)} people on {ev.intervention_label} and {c.control_events} of "
            f"{fmt_count(c.control_total)} on {ev.comparator_label} {oa.outcome.had} ({where}{when}).")


def risk_difference_sentence(oa: OutcomeAnswer) -> str:
    """The Mantel-Haenszel risk difference, which needs no correction for zero cells, and what it shows."""
    rd = oa.risk_difference
    if rd is None or not rd.defined or counts(oa.evidence.tables).all_events == 0:
        return ""
    ev = oa.evidence
    if rd.ci_low > 0:
        reads = f"more people {oa.outcome.had} on {ev.intervention_label}"
    elif rd.ci_high < 0:
        reads = f"fewer people {oa.outcome.had} on {ev.intervention_label}"
    else:
        reads = "compatible with no difference either way"
    ratio = ("Too few events for a ratio to lead; it is under Method." if oa.pooled is not None and oa.pooled.defined
             else "No ratio can be estimated when one side had no events.")
    return (f"Risk difference {_per100(rd.estimate)} per 100 (95% CI {_per100(rd.ci_low)} to {_per100(rd.ci_high)}): "
            f"{reads}. {ratio}")


def sparse_summary(oa: OutcomeAnswer) -> str:
    """One summary-line cell: '7/375 vs 0/249; RD +1.9/100 (+0.4 to +3.3)'."""
    c = counts(oa.evidence.tables)
    text = f"{c.events}/{fmt_count(c.total)} vs {c.control_events}/{fmt_count(c.control_total)}"
    rd = oa.risk_difference
    if rd is not None and rd.defined and c.all_events:
        text += f"; risk difference {_per100(rd.estimate)}/100 ({_per100(rd.ci_low)} to {_per100(rd.ci_high)})"
    return text


def with_counts(oa: OutcomeAnswer, ratio_text: str) -> str:
    """A ratio whose interval spans two orders of magnitude, with the counts it rests on beside it."""
    c = counts(oa.evidence.tables)
    if not c.trials:
        return ratio_text
    return f"{ratio_text} [{c.events}/{fmt_count(c.total)} vs {c.control_events}/{fmt_count(c.control_total)}]"


def _per100(value: float) -> str:
    return f"{value * 100:+.1f}"


def ratio_detail(oa: OutcomeAnswer) -> str:
    """The ratio of a sparse comparison, for Method: its value where estimable, or why not."""
    p = oa.pooled
    if p is None:
        return ""
    if not p.defined:
        return f"Ratio: not estimable ({reason_words(p.reason)})."
    return (f"Ratio, for reference: {fmt_ratio(p.estimate)} (95% CI {fmt_ratio(p.ci_low)} to {fmt_ratio(p.ci_high)}), "
            "resting on very few events.")


def network_counts_sentence(outcome, a_label: str, b_label: str, a: tuple[int, int], b: tuple[int, int]) -> str:
    """Few events in a network comparison: each regimen's counts, from the network's trials (not all the same
    trials), before any ratio."""
    return (f"Few events: {a[0]} of {fmt_count(a[1])} on {a_label}, {b[0]} of {fmt_count(b[1])} on {b_label} "
            f"{outcome.had} (the network's trials, not all the same ones).")


def counts_tag(c) -> str:
    """'[12/649 vs 0/302]': a regimen's events against placebo's in the trials that randomised both."""
    return f"[{c.events}/{fmt_count(c.total)} vs {c.control_events}/{fmt_count(c.control_total)}]"
