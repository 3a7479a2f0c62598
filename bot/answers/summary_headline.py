"""The first message of a ranking and of a drug's summary of findings (docs/answer_layout.md): one short line per
regimen or outcome, so that the whole list fits one phone screen (within 1,000 characters).

A ranking row: the risk on each regimen at one common placebo risk with its interval, the P-score and the
certainty; the odds ratios against placebo with their intervals are under Other estimates (unless a measure
was asked for: then that one is shown). An overview row: the risk on placebo and on the drug, the relative
effect in short form, where it comes from, the certainty.
"""

from __future__ import annotations

from bot.answers.comparison_headline import compact, network_time_frame, network_trials
from bot.answers.compose import Estimate, OutcomeAnswer
from bot.answers.network_data import population_words
from bot.answers.network_fit import MEASURE_WORDS
from bot.answers.network_text import short_estimate
from bot.answers.overview import Overview
from bot.answers.ranking import NetworkRanking
from bot.answers.regimens import PLACEBO_NODE
from bot.answers.render import line_text
from bot.answers.reply import Line, bold, line
from bot.answers.sparse import sparse_counts, with_common
from bot.answers.sparse_text import counts_tag
from bot.answers.summary_text import absolute_cells, certainty_cell, leads_with_counts, relative_cell
from bot.answers.wording import capital, choose_per, fmt_ratio, per_value, synthesis_short

P_SCORE = "P-score (1 = surely ahead)"
SHORT_MEASURE = {"RR": "RR", "OR": "OR", "PETO_OR": "Peto OR"}


def short_relative(lead: Estimate) -> str:
    """'RR 2.96 (2.64-3.32)', 'RD +1.2 (-0.2 to +2.6)', 'MD +11.3 (+9.7 to +13.1)': a table cell's relative
    effect (95% interval as its source reports it)."""
    if lead.measure == "RD":
        return f"RD {lead.estimate * 100:+.1f} ({lead.ci_low * 100:+.1f} to {lead.ci_high * 100:+.1f})"
    if lead.measure == "MD":
        return f"MD {lead.estimate:+.1f} ({lead.ci_low:+.1f} to {lead.ci_high:+.1f})"
    return (f"{SHORT_MEASURE[lead.measure]} {fmt_ratio(lead.estimate)} "
            f"({fmt_ratio(lead.ci_low)}-{fmt_ratio(lead.ci_high)})")


def evidence_cell(oa: OutcomeAnswer) -> str:
    """'9 trials', 'one trial', or the published source that leads ('Fleming 2018')."""
    if oa.published is not None and oa.lead is oa.published:
        return synthesis_short(oa.evidence.lead_synthesis).replace(" et al.", "")
    k = len(oa.evidence.tables)
    return "one trial" if k == 1 else f"{k} trials"


def short_name(name: str) -> str:
    """'major adverse cardiovascular events (MACE)' -> 'major adverse cardiovascular events'."""
    return name.split(" (")[0]


# --- a drug's summary of findings ---------------------------------------------------------------------------------

def overview_headline(o: Overview, population: str | None) -> list[Line]:
    where = f" ({population.replace('_', ' ')})" if population else ""
    lines = [line(bold(f"{capital(o.label)} vs placebo{where}: summary of findings"))]
    if not o.rows:
        lines.append(line(f"I hold no estimates for {o.label}{where}."))
        return lines
    lines.append(line("Per 100: placebo → drug; relative effect (95% CI), ours or from the source named; "
                      "certainty."))
    for kind, title in (("benefit", "Benefits"), ("harm", "Harms")):
        rows = [oa for oa in o.rows if oa.outcome.kind == kind]
        if rows:
            lines.append(line(bold(title)))
            lines.extend(line(overview_row(oa)) for oa in rows)
    tail = []
    if o.by_dose_only:
        tail.append(line("By dose or as rates only: " + ", ".join(short_name(x) for x in o.by_dose_only) + "."))
    if o.missing:
        tail.append(line("Not held: " + ", ".join(short_name(x) for x in o.missing) + "."))
    n = len(o.by_dose_only) + len(o.missing)
    return within_budget(lines, tail, [line(f"{n} more outcome{'s' if n != 1 else ''} held only by dose, or not "
                                            "held: tap an outcome button or ask.")] if n else [])


# What a list's first message may hold before the footer and a notice or two: a list longer than this says how
# many it leaves out instead of naming them (they are one tap away).
BUDGET = 880


def within_budget(lines: list[Line], tail: list[Line], short: list[Line]) -> list[Line]:
    size = sum(len(line_text(x)) + 1 for x in lines + tail)
    return lines + (tail if size <= BUDGET else short)


def overview_row(oa: OutcomeAnswer) -> str:
    """'• EASI-75: 15 → 44 per 100; RR 2.96 (2.64-3.32); 9 trials; moderate'; counts and a risk difference when
    events are few (summary_text)."""
    parts = []
    absolute = absolute_cells(oa)
    if absolute is not None:
        parts.append(f"{absolute[0].split(' per ')[0]} → {absolute[1].removesuffix(' per 100')}")
    parts.append(relative_cell(oa).replace("risk difference ", "RD ") if leads_with_counts(oa)
                 else relative_cell(oa, short_relative(oa.lead)))
    if oa.published is not None and oa.lead is oa.published:  # else our pooling, its trials one tap away
        parts.append(evidence_cell(oa))
    # the rating of the estimate shown, and only that (our pooling's is with our pooling, one tap away)
    c = oa.certainty
    parts.append("not rated" if c is not None and c.source == "published" and not c.rated
                 else certainty_cell(oa, short=True))
    return f"• {capital(oa.outcome.name)}: " + "; ".join(parts)


# --- regimens ranked ----------------------------------------------------------------------------------------------

def ranking_headline(r: NetworkRanking) -> list[Line]:
    first = "most" if r.high_first else "fewest"
    if r.outcome.is_benefit:
        first += " responders"
    lines = [line(bold(f"{capital(r.outcome.plural)}: {r.who}, {first} first"))]
    if r.fit.result is not None:
        lines.append(line(f"{capital(population_words(r.fit.data))}, "
                          f"{network_time_frame(r.fit, r.outcome.is_benefit)}; a network of {network_trials(r.fit)}."))
    if not r.rows:
        lines.append(line(f"I hold no trial counts for {r.outcome.plural} that connect these regimens to placebo."))
    with_risk = [x for x in r.rows if x.absolute is not None]
    per = max((choose_per(x.absolute, r.outcome.per) for x in with_risk), default=r.outcome.per)
    asked = ""
    if r.asked_fit is not None:
        model = "random effects" if r.asked_fit.model == "random" else "fixed effect"
        asked = f"; {MEASURE_WORDS[r.asked_fit.measure]} ({model}, as asked)"
    if with_risk:
        given = " you gave" if r.baseline_source == "user" else ""
        lines.append(line(f"Per {per:,} on each at a placebo risk{given} of {per_value(r.baseline * 1000, per)} "
                          f"(95% CI){asked}; {P_SCORE}; certainty:"))
    elif r.rows:
        lines.append(line(f"{capital(MEASURE_WORDS[r.fit.measure])} against placebo (95% CI){asked}; {P_SCORE}; "
                          "certainty:"))
    counted = {row.node: with_common(r.fit.data.arms, row.node, PLACEBO_NODE) for row in r.rows}
    for rank, row in enumerate(r.rows, 1):
        cells = []
        versus = counted[row.node]
        if versus.trials and sparse_counts(versus.events, versus.control_events):
            # issue 21: few events, no rate per 100 drawn from them; the ratio with its counts
            cells.append(f"{short_estimate(row.vs_placebo, r.fit.measure)} {counts_tag(versus)}")
        elif row.absolute is not None:
            a = row.absolute
            cells.append(f"{per_value(a.treatment_per_1000, per)} ({per_value(a.treatment_per_1000_low, per)}-"
                         f"{per_value(a.treatment_per_1000_high, per)})")
        else:
            cells.append(short_estimate(row.vs_placebo, r.fit.measure))
        if r.asked_fit is not None:
            cells.append(short_estimate(row.as_asked, r.asked_fit.measure) if row.as_asked else "not estimable")
        cells += [f"{row.p_score:.2f}", row.certainty.rating if row.certainty else "not rated"]
        lines.append(line(f"{rank}. {capital(compact(row.label))}: " + "; ".join(cells)))
    if len(r.rows) > 1:
        top = r.rows[0].p_score
        sure = "fairly sure" if top >= 0.9 else "not sure" if top >= 0.75 else "uncertain"
        lines.append(line(f"The order is not certain: first place is {sure} (P-score {top:.2f})."))
    tail = [line(capital(m) + ".") for m in r.missing]
    if r.not_licensed:
        tail.append(line("Not licensed, not listed: " + ", ".join(compact(x) for x in r.not_licensed) + "."))
    short = []
    if r.missing:
        short.append(f"no estimate for {len(r.missing)} of the drugs asked about")
    if r.not_licensed:
        n = len(r.not_licensed)
        short.append(f"{n} regimen{'s' if n != 1 else ''} not licensed, not listed")
    return within_budget(lines, tail, [line(capital("; ".join(short)) + " (see Other estimates).")] if short else [])
