"""The first message of an effect answer: one bottom line a phone shows before any button (docs/answer_layout.md).

For each outcome, in this order and nothing else:
1. the title ("Dupilumab vs placebo: skin infections");
2. what happens to 100 (or 1,000) people like the ones asked about, on each side, with its interval and time
   frame ("Adults, over 52 weeks: about 18 in 100 on placebo and 10 in 100 on dupilumab (95% CI 8 to 13) would
   have a skin infection."), or, when events are few, the counts and the risk difference (issue 21);
3. the relative effect, what it shows and its source, in one line;
4. the certainty of that estimate.
Short flags say where something behind a button matters (a published estimate that disagrees); every other
estimate (our pooling beside a published lead, other syntheses, by-dose lines, rates) is under "Other
estimates" (`other_estimate_lines`), trials, filters in detail, method and sources under their own buttons.
"""

from __future__ import annotations

from bot.answers.bottom_line import (
    baseline_weeks,
    by_dose_lead,
    certainty_sentence,
    event_words,
    people_words,
    regimens_pooled,
    short_statement,
)
from bot.answers.compose import OutcomeAnswer
from bot.answers.reply import Line, bold, line
from bot.answers.sparse import counts
from bot.answers.sparse_text import counts_sentence, reason_words, risk_difference_sentence
from bot.answers.wording import (
    MEASURE_NAMES,
    capital,
    choose_per,
    fmt_count,
    fmt_estimate,
    fmt_published,
    fmt_ratio,
    kind_words,
    nnt_text,
    per_value,
    synthesis_short,
)
from bot.understand.reading import Parse


def outcome_headline(oa: OutcomeAnswer, parsed: Parse) -> list[Line]:
    ev = oa.evidence
    lines: list[Line] = [line(bold(f"{capital(ev.intervention_label)} vs {ev.comparator_label}: "
                                   f"{oa.outcome.plural}"))]
    if ev.filters:
        lines.append(line(f"Filtered: {', '.join(ev.filters)}."))
    if oa.lead is None and not ev.tables and (ev.by_dose or ev.rates):
        return lines + by_dose_lead(oa) + [line(f"Note: {n}.") for n in oa.notes] + [line(certainty_sentence(oa))]
    if oa.sparse and counts(ev.tables).all_events and (oa.lead is None or oa.lead is not oa.published):
        return lines + sparse_lines(oa)
    if oa.lead is None:
        return lines + no_estimate_lines(oa)
    if oa.absolute is not None:
        lines.append(line(absolute_sentence(oa, parsed)))
        if parsed.options.nnt:
            lines.append(line("Number needed to treat: " + nnt_text(oa.absolute.nnt) + "."))
    asked = bool(parsed.options.measure or parsed.options.method or parsed.options.hksj)
    lines.append(line(relative_sentence(oa, "" if oa.absolute is not None else people_words(oa, parsed), asked)))
    lines.extend(line(flag) for flag in flags(oa))
    lines.extend(line(f"Note: {note}.") for note in oa.notes)
    lines.append(line(certainty_sentence(oa)))
    return lines


def absolute_sentence(oa: OutcomeAnswer, parsed: Parse) -> str:
    """'Adults and adolescents, at week 16: about 16 in 100 on placebo and 61 in 100 on upadacitinib (95% CI
    53 to 71) would reach EASI-75.' Which trials the placebo risk comes from is under Method."""
    a, ev = oa.absolute, oa.evidence
    per = choose_per(a, oa.per)
    when = baseline_weeks(oa)
    who = people_words(oa, parsed)
    head = ", ".join(p for p in (who, when) if p)
    given = f", with the risk on {ev.comparator_label} as you gave" if oa.control_risk_source == "user" else ""
    text = (f"about {per_value(a.control_per_1000, per)} in {per:,} on {ev.comparator_label} and "
            f"{per_value(a.treatment_per_1000, per)} in {per:,} on {ev.intervention_label} (95% CI "
            f"{per_value(a.treatment_per_1000_low, per)} to {per_value(a.treatment_per_1000_high, per)}) would "
            f"{event_words(oa.outcome)}{given}.")
    return f"{head}: {text}" if head else capital(text)


def relative_sentence(oa: OutcomeAnswer, who: str = "", asked: bool = False) -> str:
    """'Fewer people had skin infections on dupilumab: risk ratio 0.54 (95% CI 0.42 to 0.70), Fleming et al.
    2018, meta-analysis of 8 trials (2,706 people).' The direction is the bottom line's (a display measure or
    model never turns 'fewer' into 'compatible'). ``asked``: the question asked for a measure or model; beside a
    published lead, that is our pooling's, and the published estimate the numbers come from is named."""
    lead, ev = oa.lead, oa.evidence
    statement = short_statement(oa.basis or lead, oa.outcome, ev.intervention_label, brief=oa.absolute is not None)
    if oa.published is not None and lead is oa.published:
        s = ev.lead_synthesis
        if asked and oa.ours is not None:
            return (f"{statement}: {fmt_estimate(oa.ours)}, {our_source(oa)}, as asked; the numbers above apply "
                    f"{synthesis_short(s)} ({MEASURE_NAMES[lead.measure]} {fmt_ratio(lead.estimate)}).")
        size = _size(lead.k, lead.participants)
        people = f" ({who[:1].lower() + who[1:]})" if who else ""
        return f"{statement}: {fmt_published(lead, s)}, {synthesis_short(s)}, {kind_words(s)}{size}{people}."
    people = f"; {who[:1].lower() + who[1:]}" if who else ""
    return f"{statement}: {fmt_estimate(lead)}, {our_source(oa)}{people}."


def our_source(oa: OutcomeAnswer) -> str:
    """'our pooling of 3 trials of 15 mg and 30 mg once daily (2,584 people)', 'one trial, Heads Up (692
    people)'; the model when it is not the outcome's default."""
    ev = oa.evidence
    people = fmt_count(ev.participants)
    if len(ev.tables) == 1:
        return f"one trial, {ev.tables[0].label} ({people} people)"
    regimens = regimens_pooled(ev.tables)
    model = ", random effects" if oa.method in ("DL", "REML", "PM") else ""
    return f"our pooling of {len(ev.tables)} trials{regimens} ({people} people{model})"


def _size(k: int | None, participants: int | None) -> str:
    if k and participants:
        return f" of {k} trials ({fmt_count(participants)} people)"
    if k:
        return f" of {k} trials"
    return f" ({fmt_count(participants)} people)" if participants else ""


def flags(oa: OutcomeAnswer) -> list[str]:
    """One short line where what sits behind a button would change how the bottom line is read."""
    out = []
    if oa.agreement == "differs":
        out.append("Our pooling of the trials we hold does not overlap it: see Other estimates."
                   if oa.lead is oa.published else
                   f"A published {kind_words(oa.evidence.lead_synthesis)} does not overlap it: see Other estimates.")
    return out


def sparse_lines(oa: OutcomeAnswer) -> list[Line]:
    """Few events: the counts and the risk difference are the bottom line (issue 21); the ratio is under
    Method, other estimates behind their button."""
    lines = [line(counts_sentence(oa))]
    rd = risk_difference_sentence(oa)
    if rd:
        lines.append(line(rd))
    lines.extend(line(f"Note: {note}.") for note in oa.notes)
    lines.append(line(certainty_sentence(oa)))
    return lines


# reasons a trial was left out by the question's own filters, not for want of counts (evidence.select)
FILTER_REASONS = ("other age group", "other background", "other length", "not among the trials", "left out as")


def no_estimate_lines(oa: OutcomeAnswer) -> list[Line]:
    ev = oa.evidence
    if ev.tables and counts(ev.tables).all_events == 0:
        first = counts_sentence(oa)
    elif oa.pooled is not None and not oa.pooled.defined:
        first = f"No estimate: {reason_words(oa.pooled.reason)}."
    else:
        first = (f"I have no trial counts for {oa.outcome.plural} that match this question, and no published "
                 "synthesis that applies to it.")
    lines = [line(first)]
    if ev.by_dose or ev.rates:
        lines += by_dose_lead(oa)
    unusable = [label for label, why in ev.excluded if not why.startswith(FILTER_REASONS)]
    if unusable:
        n = len(unusable)
        lines.append(line(f"{n} trial{'s' if n != 1 else ''} of {ev.intervention_label} that I hold "
                          f"{'have' if n != 1 else 'has'} no usable counts for it (see Trials)."))
    lines.extend(line(f"Note: {note}.") for note in oa.notes)
    if ev.tables:
        lines.append(line(certainty_sentence(oa)))
    return lines
