"""Wording of regimen comparisons and rankings from the network.

A comparison reads, for each regimen pair: what happens to 100 (or 1,000) people on each regimen at a stated
baseline; the network estimate; the direct evidence with its trials; the indirect; whether the two agree; a
published network estimate of the same pair beside ours; certainty. Every answer says its population, that
trials with and without topical steroids form one network (or which one was asked for), and how a side named
without a dose was read. A ranking says what its order means and how sure it is (P-scores).
"""

from __future__ import annotations

from analysis.network import NetworkEstimate
from bot.answers.compose import Estimate
from bot.answers.network_data import background_words, population_words
from bot.answers.network_evidence import NetworkComparison, PublishedPair, RegimenPair
from bot.answers.network_fit import MEASURE_WORDS, NetworkFit
from bot.answers.ranking import NetworkRanking
from bot.answers.regimens import PLACEBO_NODE
from bot.answers.reply import Line, bold, line
from bot.answers.sparse import node_counts, sparse_counts, wide, with_common
from bot.answers.sparse_text import counts_tag, network_counts_sentence
from bot.answers.wording import (
    capital,
    choose_per,
    direction_statement,
    fmt_estimate,
    fmt_published,
    fmt_ratio,
    per_value,
    synthesis_short,
)
from knowledge.records import Outcome

MAX_TRIALS_NAMED = 4


def as_estimate(e: NetworkEstimate, measure: str) -> Estimate:
    return Estimate(measure, e.estimate, e.ci_low, e.ci_high, None, None, "network")


def fmt_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def short_estimate(e: NetworkEstimate, measure: str) -> str:
    """'1.78 (1.32 to 2.40)', or '+5.1 per 100 (+1.0 to +9.2)' for a risk difference."""
    if measure == "RD":
        return f"{e.estimate * 100:+.1f} per 100 ({e.ci_low * 100:+.1f} to {e.ci_high * 100:+.1f})"
    return f"{fmt_ratio(e.estimate)} ({fmt_ratio(e.ci_low)} to {fmt_ratio(e.ci_high)})"


def context_line(fit: NetworkFit) -> Line:
    """'Adults and adolescents (default); 24 trials with and without topical steroids in one network; random
    effects.' (The measure is named with each estimate.)"""
    k = fit.result.k if fit.result is not None else 0
    used = set(fit.result.studies) if fit.result is not None else set()
    held = {t.background for t in fit.data.trials if t.trial_id in used}
    trials = f"{k} trial{'s' if k != 1 else ''}" + background_words(fit.data, held).removeprefix("trials")
    if k == 1:
        trials = trials.replace(", all with", ", with").replace(", all without", ", without")
    model = "random effects" if fit.model == "random" else "fixed effect"
    return line(f"{capital(population_words(fit.data))}; {trials}; {model}.")


def _named_trials(trials: tuple[str, ...]) -> str:
    shown = ", ".join(trials[:MAX_TRIALS_NAMED])
    more = len(trials) - MAX_TRIALS_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


# --- regimen against regimen ------------------------------------------------------------------------------------

def network_comparison_lines(c: NetworkComparison) -> list[Line]:
    title = f"{c.pairs[0].a_label} vs {c.pairs[0].b_label}" if len(c.pairs) == 1 else c.asked
    lines = [line(bold(f"{capital(title or 'Comparison')}: {c.outcome.plural}"))]
    if c.fit.result is not None:
        lines.append(context_line(c.fit))
    if c.sides and all(x.endswith("(licensed)") and " and " not in x for x in c.sides):
        lines.append(line(no_dose_named(c.sides)))
    elif c.sides:
        lines.append(line("No dose named, so " + "; ".join(c.sides) + "."))
    lines.extend(line(capital(s) + ".") for s in c.fit.notes)
    short = len(c.pairs) > 1
    if short:
        with_risk = [p for p in c.pairs if p.absolute is not None]
        per = max((choose_per(p.absolute, c.outcome.per) for p in with_risk), default=c.outcome.per)
        where = f" {baseline_words(c, with_risk[0])}" if with_risk else ""
        lines.append(line(f"People per {per:,} who would {c.outcome.event}{where}; "
                          f"{MEASURE_WORDS[c.fit.measure]}s (95% CI):"))
    for pair in c.pairs:
        lines.extend(short_pair_lines(c, pair) if short else pair_lines(c, pair))
    lines.extend(line(pooled_sentence(c, pub)) for pub in c.published_pooled)
    lines.extend(line(capital(m) + ".") for m in c.missing)
    if not c.pairs and not c.missing:
        lines.append(line(f"I hold no trial counts that connect these regimens for {c.outcome.plural}"
                          + (f" ({c.fit.reason})." if c.fit.reason else ".")))
    return lines


def pair_lines(c: NetworkComparison, p: RegimenPair) -> list[Line]:
    """One pair: absolute numbers, the network estimate in words, direct and indirect evidence with their
    agreement, the two kinds of trial where they differ, published estimates, certainty."""
    measure = c.fit.measure
    out: list[Line] = []
    counts_a, counts_b = node_counts(c.fit.data.arms, p.a), node_counts(c.fit.data.arms, p.b)
    if sparse_counts(counts_a[0], counts_b[0]):  # bot/answers/sparse.py: the counts lead, not a rate per 1,000
        out.append(line(network_counts_sentence(c.outcome, p.a_label, p.b_label, counts_a, counts_b)))
    elif p.absolute is not None:
        out.append(line(absolute_line(c, p)))
    est = as_estimate(p.network, measure)
    out.append(line(f"Network {fmt_estimate(est)}: {pair_statement(est, c.outcome, p.a_label)}."))
    if c.asked_analysis is not None:
        out.append(line(as_asked_sentence(c.asked_analysis, p.as_asked)))
    out.append(line(evidence_sentence(p, measure)))
    out.extend(_background_and_published(p, measure))
    if p.certainty is not None:
        label = "as published" if p.certainty.source == "published" else p.certainty.rule_words
        out.append(line(f"Certainty: {p.certainty.rating} ({label})."))
    return out


def short_pair_lines(c: NetworkComparison, p: RegimenPair) -> list[Line]:
    """One of several pairs, in two lines: its numbers, estimate and certainty; then direct and indirect."""
    measure = c.fit.measure
    est = as_estimate(p.network, measure)
    risk = ""
    if p.absolute is not None:
        a, per = p.absolute, choose_per(p.absolute, c.outcome.per)
        risk = (f" {per_value(a.treatment_per_1000, per)} ({per_value(a.treatment_per_1000_low, per)} to "
                f"{per_value(a.treatment_per_1000_high, per)}) vs {per_value(a.control_per_1000, per)};")
    rating = f"; certainty {p.certainty.rating}" if p.certainty is not None else ""
    out = [line(bold(f"{capital(p.a_label)} vs {p.b_label}:"),
                f"{risk} {short_estimate(p.network, measure)}, {short_direction(est, p.a_label)}{rating}.")]
    if c.asked_analysis is not None:
        out.append(line(as_asked_sentence(c.asked_analysis, p.as_asked)))
    out.append(line(evidence_sentence(p, measure, short=True)))
    return out + _background_and_published(p, measure)


def _background_and_published(p: RegimenPair, measure: str) -> list[Line]:
    out: list[Line] = []
    if p.by_background:
        parts = [f"{'without' if b == 'monotherapy' else 'with'} topical steroids {short_estimate(e, measure)}"
                 for b, e in p.by_background]
        out.append(line(f"The two kinds of trial differ ({fmt_p(p.background_p)}): " + "; ".join(parts) + "."))
    out.extend(line(published_sentence(pub, measure)) for pub in p.published)
    return out


def as_asked_sentence(analysis: tuple[str, str], estimate: NetworkEstimate | None) -> str:
    """The measure or model the question asked for, beside the bottom line (which it never changes)."""
    measure, model = analysis
    what = f"{MEASURE_WORDS[measure]}, {'random effects' if model == 'random' else 'fixed effect'}"
    if estimate is None:
        return f"As asked ({what}): could not be estimated."
    return f"As asked ({what}): {short_estimate(estimate, measure)}."


def evidence_sentence(p: RegimenPair, measure: str, *, short: bool = False) -> str:
    """'Direct, head-to-head (JADE COMPARE): 1.63 (1.01 to 2.63); indirect: 1.19 (0.83 to 1.71); direct and
    indirect evidence agree (p = 0.30).' Or that no trial randomised the two, so the estimate is indirect only."""
    if p.direct is None and short:
        return "Indirect only: no trial randomised the two."
    if p.direct is None:
        return "Direct: no trial randomised the two; this is indirect evidence through the rest of the network."
    kind = ("within the same trials" if p.a.drug == p.b.drug else
            "placebo-controlled" if p.b.is_placebo or p.a.is_placebo else "head-to-head")
    text = (f"Direct ({_named_trials(p.direct_trials)}): {short_estimate(p.direct, measure)}" if short else
            f"Direct, {kind} ({_named_trials(p.direct_trials)}): {short_estimate(p.direct, measure)}")
    if p.indirect is None or p.p_difference is None:
        return text + "; no indirect evidence."
    verdict = ("direct and indirect evidence disagree" if p.coherence_flag
               else "direct and indirect evidence agree")
    tail = ": trust neither blindly" if p.coherence_flag else ""
    return text + f"; indirect: {short_estimate(p.indirect, measure)}; {verdict} ({fmt_p(p.p_difference)}){tail}."


def pair_statement(est: Estimate, outcome: Outcome, a_label: str) -> str:
    """The direction statement of the effect reply without its comparator, which the line before names:
    'more people reached EASI-75 on upadacitinib 30 mg', 'compatible with both fewer and more'."""
    full = direction_statement(est, outcome, a_label, "B")
    if full.startswith(("more people", "fewer people")):
        return full.removesuffix(" than on B")
    if full.startswith("little or no difference"):
        return "little or no difference"
    return "the results are compatible with both fewer and more"


def short_direction(est: Estimate, a_label: str) -> str:
    null = 0.0 if est.measure == "RD" else 1.0
    if est.ci_high < null:
        return f"fewer on {a_label}"
    if est.ci_low > null:
        return f"more on {a_label}"
    return "compatible with both fewer and more"


def baseline_words(c: NetworkComparison, p: RegimenPair) -> str:
    per = choose_per(p.absolute, c.outcome.per) if p.absolute is not None else c.outcome.per
    return {"user": f"at the risk on {p.b_label} you gave",
            "placebo": f"at a placebo risk of {per_value((c.fit.placebo_risk or 0) * 1000, per)} in {per:,}",
            "observed": f"at the risk seen in the {p.b_label} arms", "": ""}[p.baseline_source]


def absolute_line(c: NetworkComparison, p: RegimenPair) -> str:
    a = p.absolute
    per = choose_per(a, c.outcome.per)
    return (f"About {per_value(a.treatment_per_1000, per)} in {per:,} on {p.a_label} (95% CI "
            f"{per_value(a.treatment_per_1000_low, per)} to {per_value(a.treatment_per_1000_high, per)}) and "
            f"{per_value(a.control_per_1000, per)} on {p.b_label} would {c.outcome.event}, {baseline_words(c, p)}.")


def short_absolute(c: NetworkComparison, p: RegimenPair) -> str:
    """': about 28 (95% CI 22 to 36) vs 39 in 100.' after the pair's name."""
    a = p.absolute
    if a is None:
        return "."
    per = choose_per(a, c.outcome.per)
    return (f": about {per_value(a.treatment_per_1000, per)} (95% CI {per_value(a.treatment_per_1000_low, per)} to "
            f"{per_value(a.treatment_per_1000_high, per)}) vs {per_value(a.control_per_1000, per)} in {per:,}.")


def pooled_sentence(c: NetworkComparison, pub: PublishedPair) -> str:
    s = pub.synthesis
    est = Estimate(s.measure, pub.estimate, pub.ci_low, pub.ci_high, s.k, s.participants, s.synthesis_id)
    a, b = c.asked.split(" vs ", 1)
    return (f"Published with doses pooled ({synthesis_short(s)}, network meta-analysis), {a} vs {b}: "
            f"{fmt_published(est, s)}" + (f", {s.certainty} certainty" if s.certainty else "")
            + "; not by regimen, so not set against ours.")


def published_sentence(pub: PublishedPair, measure: str) -> str:
    s = pub.synthesis
    est = Estimate(s.measure, pub.estimate, pub.ci_low, pub.ci_high, s.k, s.participants, s.synthesis_id)
    cohort = f", {s.cohort}" if s.cohort else ""
    rated = f", {s.certainty} certainty" if s.certainty else ""
    text = f"Published ({synthesis_short(s)}, network meta-analysis{cohort}): {fmt_published(est, s)}{rated}"
    if pub.agrees is None:
        return text + "; not compared with ours (another measure)." if s.measure != measure else text + "."
    ours = f"ours in the same trials, {short_estimate(pub.ours, measure)}, " if cohort else "ours "
    verdict = "agrees (the intervals overlap)" if pub.agrees else "disagrees (the intervals do not overlap)"
    return text + f"; {ours}{verdict}."


# --- rankings ---------------------------------------------------------------------------------------------------

ORDER_WORDS = {True: "highest first", False: "lowest first"}


def ranking_lines(r: NetworkRanking) -> list[Line]:
    first = "most" if r.high_first else "fewest"
    if r.outcome.is_benefit:
        first = "most responders" if r.high_first else "fewest responders"
    lines = [line(bold(f"{capital(r.outcome.plural)}: {r.who} by regimen, from the network ({first} first)"))]
    if r.fit.result is not None:
        lines.append(context_line(r.fit))
    if not r.rows:
        lines.append(line(f"I hold no trial counts for {r.outcome.plural} that connect these regimens to placebo."))
    per = r.outcome.per
    measure = MEASURE_WORDS[r.fit.measure]
    if r.asked_fit is not None:
        model = "random effects" if r.asked_fit.model == "random" else "fixed effect"
        measure = (f"{MEASURE_WORDS[r.asked_fit.measure]}, {model}, as asked (the order, P-scores and numbers "
                   "from odds ratios, random effects)")
    counted = {row.node: with_common(r.fit.data.arms, row.node, PLACEBO_NODE) for row in r.rows}
    sparse_rows = {n for n, v in counted.items() if v.trials and sparse_counts(v.events, v.control_events)}
    if r.rows and len(sparse_rows) == len(r.rows):
        lines.append(line(f"Each against placebo: {measure} (95% CI) [events/people on it vs on placebo in the "
                          f"trials of both: too few for a risk per {per:,}]; P-score; certainty."))
    elif r.rows and r.rows[0].absolute is not None:
        per = max(choose_per(x.absolute, r.outcome.per) for x in r.rows if x.absolute is not None)
        given = " (as you gave)" if r.baseline_source == "user" else ""
        lines.append(line(f"Each against placebo: per {per:,} at a placebo risk of {per_value(r.baseline * 1000, per)}"
                          f"{given} (95% CI); {measure} (95% CI); P-score; certainty."))
    elif r.rows:
        lines.append(line(f"Each against placebo: {measure} (95% CI); P-score; certainty."))
    for rank, row in enumerate(r.rows, 1):
        risk = ""
        if row.absolute is not None:
            a = row.absolute
            risk = (f"{per_value(a.treatment_per_1000, per)} ({per_value(a.treatment_per_1000_low, per)} to "
                    f"{per_value(a.treatment_per_1000_high, per)}); ")
        rating = row.certainty.rating if row.certainty else "not rated"
        shown = (short_estimate(row.as_asked, r.asked_fit.measure) if r.asked_fit is not None and row.as_asked
                 else short_estimate(row.vs_placebo, r.fit.measure))
        versus, few = counted[row.node], row.node in sparse_rows
        if versus.trials and (few or wide(row.vs_placebo.ci_low, row.vs_placebo.ci_high)):
            shown += " " + counts_tag(versus)  # a wide or sparse ratio never without its counts
        if few:
            risk = ""  # no rate per 1,000 drawn from a handful of events
        lines.append(line(f"{rank}. {capital(row.label)}: {risk}{shown}; {row.p_score:.2f}; {rating}"))
    if len(r.rows) > 1:
        top = r.rows[0].p_score
        sure = "fairly sure" if top >= 0.9 else "not sure" if top >= 0.75 else "uncertain"
        lines.append(line("The order carries uncertainty: a P-score (0 to 1) is how surely a regimen is ahead of "
                          f"the others listed; first place is {sure} ({top:.2f})."))
    if r.not_licensed:
        lines.append(line("Not licensed, not listed: " + ", ".join(r.not_licensed) + "."))
    lines.extend(line(capital(m) + ".") for m in r.missing)
    return lines


def no_dose_named(sides) -> str:
    """Which side was read as its licensed regimen: with a dose named for the other ("rinvoq 15 vs dupixent"),
    a bare "no dose named" would read as if the named dose had been dropped."""
    if len(sides) > 1:
        return "No dose named: the licensed regimens."
    return f"No dose named for {sides[0].split(' ')[0]}: its licensed regimen."
