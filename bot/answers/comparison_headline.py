"""The first message of a comparison (docs/answer_layout.md): one regimen pair leads with one bottom line.

For a network comparison: the title names the pair that leads; what happens to 100 (or 1,000) people on each
regimen, with the interval and time frame; the relative effect and its source (the network, with the trials
that randomised both, or that none did) in one line; the certainty. When the question named no dose and a
side has several licensed regimens, the other pairs follow in one line of point estimates (their intervals,
the direct and indirect evidence, the two kinds of trial and published estimates are under Other estimates).
A short flag says when what is behind the button would change the reading: direct and indirect evidence
that disagree, trials with and without topical steroids that differ, a published estimate that disagrees.

Which pair leads: one with direct (randomised) evidence before one with indirect only, then the higher
certainty, then the order of the pairs (the question's sides, each drug's regimens from the lowest dose).
"""

from __future__ import annotations

from bot.answers.bottom_line import MAX_LEAD_ESTIMATES, event_words, short_statement, weeks_words
from bot.answers.certainty import LEVELS
from bot.answers.compare import Comparison
from bot.answers.network_data import background_words, population_words
from bot.answers.network_evidence import NetworkComparison, RegimenPair
from bot.answers.network_fit import MEASURE_WORDS, NetworkFit
from bot.answers.network_text import as_estimate, baseline_words, fmt_p, no_dose_named
from bot.answers.published_text import rated_value, regimen_label
from bot.answers.reply import Line, bold, line
from bot.answers.sparse import node_counts, sparse_counts
from bot.answers.sparse_text import network_counts_sentence
from bot.answers.wording import capital, choose_per, fmt_estimate, fmt_published, per_value, synthesis_short

_SHORT_INTERVALS = ((" every week", " qw"), (" every 2 weeks", " q2w"), (" every 4 weeks", " q4w"),
                    (" every 8 weeks", " q8w"))


def compact(label: str) -> str:
    """'dupilumab 300 mg every 2 weeks' -> 'dupilumab 300 mg q2w', as prescribers write it."""
    for long, short in _SHORT_INTERVALS:
        label = label.replace(long, short)
    return label


def lead_pair(c: NetworkComparison) -> RegimenPair | None:
    """Direct evidence first, then the higher certainty, then the order the pairs were asked in."""
    if not c.pairs:
        return None

    def key(item: tuple[int, RegimenPair]) -> tuple:
        index, p = item
        level = LEVELS.index(p.certainty.rating) if p.certainty is not None and p.certainty.rating in LEVELS else -1
        return (p.direct is None, -level, index)

    return min(enumerate(c.pairs), key=key)[1]


def network_time_frame(fit: NetworkFit, benefit: bool) -> str:
    """'at week 16', 'at weeks 12 to 16' (assessment weeks of the counts used); 'over 16 to 52 weeks' (the
    lengths of the trials used) for a harm."""
    used = set(fit.result.studies) if fit.result is not None else set()
    if benefit:
        weeks = [c.timepoint_weeks for a in fit.data.arms if a.trial_id in used for c in a.counts]
        weeks += [t.followup_weeks for t in fit.data.trials if t.trial_id in used and not any(
            c.timepoint_weeks for a in fit.data.arms if a.trial_id == t.trial_id for c in a.counts)]
        return weeks_words(weeks, True)
    return weeks_words([t.followup_weeks for t in fit.data.trials if t.trial_id in used], False)


def network_headline(c: NetworkComparison) -> list[Line]:
    p = lead_pair(c)
    # one pair: its regimens; several (no dose named): the sides as asked, the pair that leads named below
    title = (f"{compact(p.a_label)} vs {compact(p.b_label)}" if p is not None and len(c.pairs) == 1
             else c.asked or "Comparison")
    lines = [line(bold(f"{capital(title)}: {c.outcome.plural}"))]
    lines.extend(line(capital(s) + ".") for s in c.fit.notes)
    if p is None:
        lines.extend(line(capital(m) + ".") for m in c.missing)
        if not c.missing:
            lines.append(line(f"I hold no trial counts that connect these regimens for {c.outcome.plural}"
                              + (f" ({c.fit.reason})." if c.fit.reason else ".")))
        return lines
    licensed = all(x.endswith(("(licensed)", "(licensed), each separately")) for x in c.sides)
    if c.sides and licensed and len(c.pairs) > 1:
        lines.append(line("No dose named: each licensed regimen, one pair first, the others below."))
    elif c.sides and licensed:
        lines.append(line(no_dose_named(c.sides)))
    elif c.sides:  # a side not read as its licensed regimens says how it was read (the licensed ones go unsaid)
        lines.append(line("Read as: " + "; ".join(compact(x) for x in c.sides if "(licensed)" not in x) + "."))
    who = capital(population_words(c.fit.data))
    when = network_time_frame(c.fit, c.outcome.is_benefit)
    counts_a, counts_b = node_counts(c.fit.data.arms, p.a), node_counts(c.fit.data.arms, p.b)
    if sparse_counts(counts_a[0], counts_b[0]):  # issue 21: few events lead with the counts, not a rate
        lines.append(line(f"{who}, {when}."))
        lines.append(line(network_counts_sentence(c.outcome, compact(p.a_label), compact(p.b_label), counts_a,
                                                  counts_b)))
    elif p.absolute is not None:
        lines.append(line(f"{who}, {when}: " + absolute_words(c, p)))
    else:
        lines.append(line(f"{who}, {when}."))
    lines.append(line(relative_words(c, p)))
    lines.extend(line(flag) for flag in pair_flags(p))
    others = [x for x in c.pairs if x is not p]
    if others:
        lines.append(line(f"Other pairs, per {_per(c, p):,}: "
                          + "; ".join(_point(c, x, _per(c, p)) for x in others) + "."))
    lines.extend(line(capital(m) + ".") for m in c.missing)
    if p.certainty is not None:
        label = "as published" if p.certainty.source == "published" else p.certainty.rule_words
        lines.append(line(f"Certainty: {p.certainty.rating} ({label})."))
    return lines


def _per(c: NetworkComparison, p: RegimenPair) -> int:
    return choose_per(p.absolute, c.outcome.per) if p.absolute is not None else c.outcome.per


def is_sparse_pair(c: NetworkComparison, p: RegimenPair) -> bool:
    return sparse_counts(node_counts(c.fit.data.arms, p.a)[0], node_counts(c.fit.data.arms, p.b)[0])


def _point(c: NetworkComparison, p: RegimenPair, per: int) -> str:
    if is_sparse_pair(c, p):
        return f"{compact(p.a_label)} vs {compact(p.b_label)}: few events"
    if p.absolute is None:
        return f"{compact(p.a_label)} vs {compact(p.b_label)}: no absolute numbers"
    a = p.absolute
    return (f"{compact(p.a_label)} {per_value(a.treatment_per_1000, per)} vs {compact(p.b_label)} "
            f"{per_value(a.control_per_1000, per)}")


def absolute_words(c: NetworkComparison, p: RegimenPair) -> str:
    """'about 74 in 100 on upadacitinib 30 mg (95% CI 66 to 81) and 52 in 100 on dupilumab 300 mg q2w would
    reach EASI-75, at a placebo risk of 16 in 100.'"""
    a, per = p.absolute, _per(c, p)
    name_a, name_b = side_names(c, p)
    return (f"about {per_value(a.treatment_per_1000, per)} in {per:,} on {name_a} (95% CI "
            f"{per_value(a.treatment_per_1000_low, per)} to {per_value(a.treatment_per_1000_high, per)}) and "
            f"{per_value(a.control_per_1000, per)} in {per:,} on {name_b} would {event_words(c.outcome)}, "
            f"{baseline_words(c, p)}.")


def side_names(c: NetworkComparison, p: RegimenPair) -> tuple[str, str]:
    """The two sides as the bottom line names them: after a title that names the pair, the drugs ('dupilumab',
    'tralokinumab') or, for two doses of one drug, the doses ('30 mg', '15 mg'); else the full regimens."""
    if len(c.pairs) > 1:
        return compact(p.a_label), compact(p.b_label)
    if p.a.drug == p.b.drug:
        return compact(p.a.regimen), compact(p.b.regimen)
    return p.a_label.split(" ")[0], p.b_label.split(" ")[0]


def relative_words(c: NetworkComparison, p: RegimenPair) -> str:
    """'More on upadacitinib 30 mg: odds ratio 2.63 (95% CI 1.78 to 3.88), network meta-analysis of 25 trials
    (no trial randomised the two).' A measure or model asked for is the one shown (the direction stays the
    default analysis's, as in an effect answer)."""
    est = as_estimate(p.network, c.fit.measure)
    statement = short_statement(est, c.outcome, side_names(c, p)[0], brief=p.absolute is not None)
    shown = fmt_estimate(est)
    if c.asked_analysis is not None:
        measure, model = c.asked_analysis
        if p.as_asked is None:
            shown = f"{MEASURE_WORDS[measure]} as asked could not be estimated"
        else:
            words = "random effects" if model == "random" else "fixed effect"
            shown = fmt_estimate(as_estimate(p.as_asked, measure)) + f" ({words}, as asked)"
    return f"{statement}: {shown}, network of {network_trials(c.fit)}{_direct(p)}."


def network_trials(fit: NetworkFit) -> str:
    """'25 trials with and without topical steroids', '1 trial, with topical steroids', '12 trials with topical
    steroids only' (network_data.background_words): every answer says how background therapy was handled."""
    k = fit.result.k if fit.result is not None else 0
    used = set(fit.result.studies) if fit.result is not None else set()
    held = {t.background for t in fit.data.trials if t.trial_id in used}
    words = background_words(fit.data, held).removeprefix("trials").removesuffix(" in one network")
    text = f"{k} trial{'s' if k != 1 else ''}{words}"
    return text.replace(", all with", ", with").replace(", all without", ", without") if k == 1 else text


def _direct(p: RegimenPair) -> str:
    if p.direct is None:
        return " (indirect only)"
    trials = list(p.direct_trials)
    named = ", ".join(trials[:3]) + (f" and {len(trials) - 3} more" if len(trials) > 3 else "")
    return f", {named} randomising both"


def pair_flags(p: RegimenPair) -> list[str]:
    out = []
    if p.coherence_flag:
        out.append(f"Direct and indirect evidence disagree ({fmt_p(p.p_difference)}): see Other estimates.")
    if p.by_background:
        out.append(f"Trials with and without topical steroids differ ({fmt_p(p.background_p)}): see Other "
                   "estimates.")
    if any(pub.agrees is False for pub in p.published):
        out.append("A published network meta-analysis disagrees with this: see Other estimates.")
    return out


# --- a score, compared from published estimates ------------------------------------------------------------------

def score_headline(c: Comparison) -> list[Line]:
    """A score difference between two drugs is held only as published: the estimate of the pair (or at most two
    one-dose estimates of one source) leads; how direct and indirect evidence stand is under Other estimates."""
    lines = [line(bold(f"{capital(c.a_label)} vs {c.b_label}: {c.outcome.plural}"))]
    if c.published is not None:
        s = c.published_synthesis
        statement = short_statement(c.published, c.outcome, c.a_label)
        lines.append(line(f"{statement}: {fmt_published(c.published, s)}, {synthesis_short(s)}, network "
                          "meta-analysis."))
    elif c.published_by_dose:
        first = c.published_by_dose[0][0]
        same = [(s, e) for s, e in c.published_by_dose if s.citation == first.citation][:MAX_LEAD_ESTIMATES]
        parts = "; ".join(_dose_pair(c, s, e) for s, e in same)
        more = len(c.published_by_dose) - len(same)
        lines.append(line(f"No estimate across all doses: published by dose ({synthesis_short(first)}, network "
                          f"meta-analysis): {parts} (above 0 = more improvement on {c.a_label})."
                          + (f" {more} more under Other estimates." if more else "")))
    else:
        lines.append(line(f"I hold no evidence comparing {c.a_label} with {c.b_label} for {c.outcome.plural}."))
        return lines
    if c.certainty is not None and c.published is not None:
        label = "as published" if c.certainty.source == "published" else c.certainty.rule_words
        lines.append(line(f"Certainty: {c.certainty.rating} ({label})."))
    elif c.published_by_dose:
        lines.append(line("Certainty: as its source rated each estimate (not rated where none is shown)."))
    return lines


def _dose_pair(c: Comparison, s, est) -> str:
    pair = (f"{c.a_label} {regimen_label(s)} vs {c.b_label}" if s.drug == c.a
            else f"{c.a_label} vs {c.b_label} {regimen_label(s)}")
    return f"{compact(pair)}: {rated_value(s, est)}"
