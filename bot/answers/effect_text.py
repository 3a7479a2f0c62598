"""The reply to an effect question: the headline (bot/answers/effect_headline.py: one bottom line), and the Other
estimates, Trials, Method, Sensitivity and Sources sections behind the buttons (docs/answer_layout.md)."""

from __future__ import annotations

from itertools import groupby

from bot.answers.certainty_text import certainty_lines
from bot.answers.compose import Answer, OutcomeAnswer
from bot.answers.effect_headline import outcome_headline
from bot.answers.evidence import family_words, obtained_label
from bot.answers.published_text import by_dose_sentences, dose_prefix, rate_sentences
from bot.answers.reply import Button, Line, Reply, Section, line
from bot.answers.sparse_text import ratio_detail, reason_words
from bot.answers.wording import (
    AGE_WORDS,
    MEASURE_NAMES,
    METHOD_NAMES,
    capital,
    citation_line,
    concept_label,
    fmt_count,
    fmt_estimate,
    fmt_published,
    fmt_ratio,
    fmt_study,
    kind_words,
    nnt_text,
    synthesis_short,
)
from bot.understand.reading import Parse
from knowledge.records import KnowledgeBase


def effect_reply(answer: Answer, kb: KnowledgeBase) -> Reply:
    headline: list[Line] = []
    sections: list[Section] = []
    parsed = answer.parse
    skipped = list(dict.fromkeys(concept_label(kb, m.kind, m.id) for m in parsed.uncovered))
    if skipped:
        shown = ", ".join(oa.outcome.plural for oa in answer.outcomes)
        headline += [line(f"I have no curated evidence on {' or '.join(skipped)}; this answer covers {shown} only."),
                     line("")]
    for index, oa in enumerate(answer.outcomes):
        if index:
            headline.append(line(""))
        headline.extend(outcome_headline(oa, parsed))
        suffix = "" if len(answer.outcomes) == 1 else f" ({oa.outcome.plural})"
        others = other_estimate_lines(oa)
        if others:
            sections.append(Section("estimates", "Other estimates" + suffix, others))
        who = population_words(oa, parsed)  # who and which regimens, in detail (the headline says it short)
        sections.append(Section("trials", "Trials" + suffix, ((line(who),) if who != "Atopic dermatitis." else ())
                                + trials_lines(oa, kb)))
        sections.append(Section("method", "Method" + suffix, method_lines(oa)))
        sensitivity = sensitivity_lines(oa)
        if sensitivity:
            sections.append(Section("sensitivity", "Sensitivity and subgroups" + suffix, sensitivity))
        sections.append(Section("sources", "Sources" + suffix, source_lines(oa, kb)))
    buttons = effect_buttons(answer)
    return Reply(tuple(headline), tuple(sections), buttons)


def effect_buttons(answer: Answer) -> tuple[Button, ...]:
    others = (Button("Other estimates", "estimates"),) if any(other_estimate_lines(oa) for oa in answer.outcomes) \
        else ()
    if not any(oa.pooled is not None or oa.lead is not None for oa in answer.outcomes) or any(
            oa.outcome.is_continuous for oa in answer.outcomes):  # a published score difference: nothing to redo
        return (*others, Button("Trials", "trials"), Button("Sources", "sources"))
    first = answer.outcomes[0]
    other_measures = [m for m in ("RR", "OR", "RD") if m != first.measure]
    model = ("Random effects", "model:random") if first.method in ("MH", "PETO", "IV") else (
        "Fixed effect", "model:fixed")
    return (
        Button("Forest plot", "plot"), Button("Icon array", "icons"), *others, Button("Trials", "trials"),
        Button("Method", "method"),
        *((Button("Sensitivity", "sensitivity"),)
          if any(len(oa.evidence.tables) > 1 or oa.evidence.other_definitions for oa in answer.outcomes)
          else ()),
        *(Button(m, f"measure:{m}") for m in other_measures),
        Button(*model), Button("Sources", "sources"),
    )


def population_words(oa: OutcomeAnswer, parsed: Parse) -> str:
    tables = oa.evidence.tables
    words = ["Atopic dermatitis"]
    if tables and not (oa.lead is oa.published and oa.published is not None):
        ages = sorted({t.age_group for t in tables}, key=list(AGE_WORDS).index)
        words.append(", ".join(AGE_WORDS[a] for a in ages))
        weeks = sorted(t.followup_weeks for t in tables if t.followup_weeks)
        if weeks:
            words.append(f"{weeks[0]} weeks" if weeks[0] == weeks[-1] else f"{weeks[0]} to {weeks[-1]} weeks")
    if oa.evidence.filters:
        words.append("filters: " + ", ".join(oa.evidence.filters))
    regimens = list(dict.fromkeys(arm.split(" + ")[0] for t in tables for arm in t.arms))
    if regimens and not (oa.lead is oa.published and oa.published is not None):
        words.append(f"{oa.evidence.intervention_label} regimens pooled: " + ", ".join(regimens[:6])
                     + (", …" if len(regimens) > 6 else ""))
    text = "; ".join(words) + "."
    if parsed.assumed_drug:
        text += f" ({capital(oa.evidence.intervention_label)} assumed: it is the only drug covered.)"
    return text


def other_estimate_lines(oa: OutcomeAnswer) -> tuple[Line, ...]:
    """Every estimate that does not lead (docs/answer_layout.md): our pooling beside a published lead, a published
    estimate beside ours, the trials a meta-analysis holds that we do not, another definition set aside, one-dose
    estimates and rates on the drug."""
    ev = oa.evidence
    lines: list[str] = []
    if oa.published is not None and oa.lead is oa.published:
        lines.append(our_pooling_sentence(oa))
        if ev.missing_from_synthesis:
            lines.append("Trials in that meta-analysis we hold no counts for: " + ", ".join(ev.missing_from_synthesis)
                         + ".")
    elif oa.published is not None:
        lines.append(published_beside_sentence(oa))
    elif ev.lead_synthesis is not None and ev.synthesis_filters and ev.tables:
        s = ev.lead_synthesis
        lines.append(f"The published {kind_words(s)} ({synthesis_short(s)}) covers all its trials, not the subset "
                     "you asked for, so it is not shown beside this.")
    lines += definition_sentence(oa)
    lines += by_dose_sentences(oa) + rate_sentences(oa)
    return tuple(line(x) for x in lines)


def baseline_words(oa: OutcomeAnswer) -> str:
    """Which comparator risk the absolute numbers use, and its time frame: a responder outcome at its assessment
    week; a harm over the length of the trials it was taken from, naming what was left out (compose picks the
    trials of one length, so a 52-week risk is not mixed into a 16-week answer)."""
    ev = oa.evidence
    tables = oa.baseline_tables or ev.tables
    n = len(tables)
    if oa.outcome.is_benefit or n == len(ev.tables):
        basis = (f"taking the middle {ev.comparator_label} risk of the {n} trial{'s' if n != 1 else ''} we hold"
                 if n > 1 else f"taking the {ev.comparator_label} risk of the one trial we hold")
    else:
        names = ", ".join(t.label for t in tables) if n <= 2 else f"the {n} trials"
        basis = f"taking the {'middle ' if n > 1 else ''}{ev.comparator_label} risk of {names}"
    if oa.outcome.is_benefit:
        weeks = sorted({t.timepoint_weeks for t in tables if t.timepoint_weeks})
        return basis + (f", at week {weeks[0]}" if len(weeks) == 1 else
                        f", at weeks {weeks[0]} to {weeks[-1]}" if weeks else "")
    weeks = sorted({t.followup_weeks for t in tables if t.followup_weeks})
    if len(weeks) == 1 and n < len(ev.tables):
        others = len(ev.tables) - n
        return basis + (f", over {weeks[0]} weeks; {others} trial{'s' if others != 1 else ''} of another length "
                        "left out of this risk")
    if len(weeks) == 1:
        return basis + f", over {weeks[0]} weeks"
    return basis + (f", over {weeks[0]} to {weeks[-1]} weeks" if weeks else "")


def our_pooling_sentence(oa: OutcomeAnswer) -> str:
    if oa.ours is None:
        if oa.pooled is not None and not oa.pooled.defined:
            return f"Our own pooling gives no estimate: {reason_words(oa.pooled.reason)}."
        return "We hold no trial-level counts for this outcome to pool ourselves."
    agreement = {"agrees": "its interval overlaps the published one",
                 "differs": "its interval does not overlap the published one"}.get(oa.agreement or "", "")
    k = len(oa.evidence.tables)
    trials = ", ".join(t.label for t in oa.evidence.tables)
    what = f"Our pooling of the {k} trials we hold" if k > 1 else "The one trial we hold"
    # a model asked for is named, so the toggle shows; the bottom line above does not change with it
    model = f", {METHOD_NAMES[oa.method]}" if k > 1 and oa.method != oa.outcome.default_method else ""
    ours = oa.pooled_certainty
    rated = f"; certainty {ours.rating} (rule-based)" if ours is not None and oa.lead is oa.published else ""
    return (f"{what} ({trials}; {fmt_count(oa.evidence.participants)} people): {fmt_estimate(oa.ours)}{model}"
            + (f"; {agreement}" if agreement else "") + rated + ".")


def published_beside_sentence(oa: OutcomeAnswer) -> str:
    p = oa.published
    s = oa.evidence.lead_synthesis
    overlap = {"agrees": " (the intervals overlap)", "differs": " (the intervals do not overlap)"}.get(
        oa.agreement or "", "")
    rating = f", {s.certainty} certainty as rated by its authors" if s.certainty else ", not rated by its authors"
    return f"Published {kind_words(s)} ({synthesis_short(s)}): {fmt_published(p, s)}{rating}{overlap}."


def definition_sentence(oa: OutcomeAnswer) -> list[str]:
    """Which definition our pooling counts, and which trials were set aside for counting another way."""
    ev = oa.evidence
    if not ev.other_definitions:
        return []
    aside = ", ".join(f"{t.label} ({family_words(oa.outcome, t.family)})" for t in ev.other_definitions)
    return [f"Pooled within one definition ({family_words(oa.outcome, ev.family)}); set aside because they "
            f"count it another way: {aside}. Sensitivity shows all pooled together."]


def trials_lines(oa: OutcomeAnswer, kb: KnowledgeBase) -> tuple[Line, ...]:
    lines: list[Line] = []
    weights = dict(zip([s.label for s in oa.pooled.studies], oa.pooled.weights, strict=True)) if oa.pooled \
        else {}
    for index, t in enumerate(oa.evidence.tables):
        arms = " + ".join(t.arms)
        ev = oa.evidence
        bits = [f"{t.label}: {ev.intervention_label} {t.ai}/{t.n1i} ({arms}) vs {ev.comparator_label} "
                f"{t.ci}/{t.n2i}"]
        own = oa.trial_estimates[index] if index < len(oa.trial_estimates) else None
        if own is not None:
            name = "Peto OR" if oa.method == "PETO" else oa.measure
            bits.append(f"{name} {fmt_study(oa.measure, own[0])} "
                        f"({fmt_study(oa.measure, own[1])} to {fmt_study(oa.measure, own[2])})")
        if weights.get(t.label) is not None:
            bits.append(f"weight {weights[t.label]:.0f}%")
        meta = ["randomised-withdrawal design (everyone had the drug first)" if t.design == "randomised_withdrawal"
                else "",
                f"assessed at week {t.timepoint_weeks}" if t.timepoint_weeks and oa.outcome.is_benefit else "",
                f"{t.followup_weeks} wk" if t.followup_weeks else "", "with TCS" if t.background == "tcs" else
                "no TCS", AGE_WORDS[t.age_group]]
        bits.append(", ".join(m for m in meta if m))
        if obtained_label(t):
            bits.append(obtained_label(t))
        lines.append(line("• " + "; ".join(bits)))
        lines.extend(line(text) for text in disagreement_lines(kb, t, oa.outcome.id))
    for label, why in oa.evidence.excluded:
        lines.append(line(f"• Not pooled: {label} ({why})"))
    return tuple(lines)


def disagreement_lines(kb: KnowledgeBase, table, outcome_id: str) -> list[str]:
    """Where another source gives other counts for this trial's arms: both shown, and which is used and why."""
    regimen = {a.arm_id: a.regimen for a in kb.arms_of(table.trial_id)}
    out = []
    for source, group in groupby(kb.disagreements_for(table.trial_id, outcome_id), key=lambda d: d.source):
        group = list(group)
        theirs = " and ".join(f"{regimen.get(d.arm_id, d.arm_id)} {d.events}/{d.n}" for d in group)
        out.append(f"  Sources disagree: {source}, {group[0].location.split(',')[0]}, gives {theirs}. "
                   f"{group[0].note.split('. ')[0].rstrip('.')}.")
    return out


def method_lines(oa: OutcomeAnswer) -> tuple[Line, ...]:
    lines: list[Line] = []
    measure = MEASURE_NAMES["PETO_OR" if oa.method == "PETO" else oa.measure]
    lines.append(line(f"Our pooling: {measure}, {METHOD_NAMES[oa.method]}"
                      + (" with the Hartung-Knapp-Sidik-Jonkman adjustment" if oa.hksj else "") + "."))
    p = oa.pooled
    if p is None:
        lines.append(line("No trial has counts for this question, so nothing was pooled."))
    elif not p.defined:
        lines.append(line(f"No estimate: {reason_words(p.reason)}."))
    else:
        het = []
        if p.Q is not None:
            het.append(f"Q = {p.Q:.2f} on {p.Q_df} df (p = {p.Q_pval:.2f})" if p.Q_pval is not None
                       else f"Q = {p.Q:.2f}")
        if p.I2 is not None:
            het.append(f"I² = {p.I2:.0f}%")
        if p.tau2 is not None:
            het.append(f"tau² = {p.tau2:.3f}")
        if het:
            lines.append(line("Heterogeneity: " + ", ".join(het) + "."))
        if p.pi_low is not None and p.pi_high is not None:
            lines.append(line(f"95% prediction interval {fmt_study(oa.measure, p.pi_low)} to "
                              f"{fmt_study(oa.measure, p.pi_high)}."))
        if len(oa.evidence.tables) == 1:
            lines.append(line("Only one trial: this is that trial's own result, not a pooled one."))
        for note in p.notes:
            lines.append(line(f"Note: {note}."))
    if oa.absolute is not None:
        a = oa.absolute
        ev = oa.evidence
        lines.append(line(f"Absolute effect per 1,000: {ev.comparator_label} {a.control_per_1000:.0f}, "
                          f"{ev.intervention_label} "
                          f"{a.treatment_per_1000:.0f} ({a.treatment_per_1000_low:.0f} to "
                          f"{a.treatment_per_1000_high:.0f}); difference {a.difference_per_1000:+.0f} "
                          f"({a.difference_per_1000_low:+.0f} to {a.difference_per_1000_high:+.0f})."))
        lines.append(line("Number needed to treat: " + nnt_text(a.nnt) + "."))
        basis = ("the risk you gave" if oa.control_risk_source == "user"
                 else f"the median {oa.evidence.comparator_label}-group risk of the trials we pooled")
        source = ("published" if oa.lead is oa.published
                  else f"pooled ({MEASURE_NAMES[oa.basis.measure]}, the outcome's default analysis)"
                  if oa.basis is not None and oa.basis is not oa.ours else "pooled")
        lines.append(line(f"The absolute numbers apply {basis} to the {source} relative effect."))
        lines.append(line(f"Baseline: {baseline_words(oa)}."))
    if oa.sparse and oa.pooled is not None and oa.pooled.defined:
        lines.append(line(ratio_detail(oa)))
    lines.extend(certainty_lines(oa))
    return tuple(lines)


def _pooled_text(measure: str, result) -> str:
    if not result.defined:
        return f"no estimate ({reason_words(result.reason)})"
    return (f"{fmt_study(measure, result.estimate)} ({fmt_study(measure, result.ci_low)} to "
            f"{fmt_study(measure, result.ci_high)})")


def sensitivity_lines(oa: OutcomeAnswer) -> tuple[Line, ...]:
    """Leave-one-out and subgroup results: shown on request, never in the headline."""
    lines: list[Line] = []
    if oa.all_definitions is not None:
        k = len(oa.evidence.tables) + len(oa.evidence.other_definitions)
        lines.append(line(f"• All definitions pooled together ({k} trials; not the main analysis): {oa.measure} "
                          f"{_pooled_text(oa.measure, oa.all_definitions)}"))
    for item in oa.leave_one_out:
        lines.append(line(f"• Without {item.omitted_label}: {oa.measure} {_pooled_text(oa.measure, item.result)}"))
    for attribute, result in oa.subgroups:
        groups = "; ".join(f"{name} {_pooled_text(oa.measure, r)} ({r.k} trial{'s' if r.k != 1 else ''})"
                           for name, r in result.groups)
        test = (f"test for subgroup differences: chi² = {result.Q_between:.2f}, df = {result.df}, "
                f"p = {result.pval:.2f}" if result.defined and result.Q_between is not None
                else "no test for subgroup differences (too few subgroups with an estimate)")
        lines.append(line(f"• By {attribute}: {groups}; {test}."))
    if lines:
        lines.append(line("Subgroups of a few trials are easily confounded by other differences between "
                          "the trials; read them as hypotheses."))
    return tuple(lines)


def source_lines(oa: OutcomeAnswer, kb: KnowledgeBase, by_dose: bool = True) -> tuple[Line, ...]:
    """by_dose=False where the one-dose estimates are not shown (a comparison shows A vs B ones only)."""
    lines: list[Line] = []
    for s in oa.evidence.syntheses + (oa.evidence.by_dose + oa.evidence.rates if by_dose else ()):
        dose = dose_prefix(s)
        if s.measure == "IR":
            value = f"{s.estimate:g} per 100 patient-years" + (f", {s.cohort}" if s.cohort else "")
        else:
            value = (f"{MEASURE_NAMES.get(s.measure, s.measure)} {fmt_ratio(s.estimate)} "
                     f"({fmt_ratio(s.ci_low)} to {fmt_ratio(s.ci_high)})")
        lines.append(citation_line(s.citation, s.pmid, s.doi, extra=f"{dose}{value}, {s.location}"))
    for t in oa.evidence.tables:
        trial = kb.trial(t.trial_id)
        # name the document each count was read from (a later paper or a registry record may hold the table),
        # beside the trial's primary publication
        where = "; ".join(dict.fromkeys(f"{c.source}, {c.location} ({c.url})" for c in t.counts))
        lines.append(citation_line(trial.citation, trial.pmid, trial.doi, nct=trial.nct,
                                   extra=f"counts read from {where}"))
    return tuple(lines)
