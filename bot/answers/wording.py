"""Plain-language wording of answers, after GRADE's informative statements and Cochrane's PLS guidance.

Rules that are easy to break by accident, so they live here and are tested:
- never "significant"; an interval that includes no effect is "compatible with both fewer and more";
- "little or no difference" only when the whole interval is trivially small;
- no certainty words ("probably", "may") unless a source rated certainty; otherwise say it was not rated;
- the absolute effect comes first, as natural frequencies with a stated denominator;
- one short line that this is not medical advice.
"""

from __future__ import annotations

import math
import re

from analysis import NNT, AbsoluteEffect
from bot.answers.compose import Answer, Estimate, OutcomeAnswer
from bot.answers.evidence import trial_label
from bot.answers.reply import Button, Line, Reply, Section, bold, italic, line, link
from bot.understand.parse import Parse
from knowledge.records import KnowledgeBase, Outcome, Synthesis

DISCLAIMER = "Evidence summary for clinicians, not medical advice."
EXAMPLES = (
    "does dupilumab reduce skin infections?",
    "tralokinumab EASI-75",
    "does dupilumab cause conjunctivitis?",
)
MEASURE_NAMES = {"RR": "risk ratio", "OR": "odds ratio", "PETO_OR": "Peto odds ratio", "RD": "risk difference"}
METHOD_NAMES = {
    "MH": "Mantel-Haenszel fixed-effect", "PETO": "Peto fixed-effect", "IV": "inverse-variance fixed-effect",
    "DL": "DerSimonian-Laird random-effects", "REML": "REML random-effects", "PM": "Paule-Mandel random-effects",
}
AGE_WORDS = {"adults": "adults", "adolescents": "adolescents", "adults_adolescents": "adults and adolescents",
             "children": "children aged 6 to 11", "infants_preschool": "children aged 6 months to 5 years"}
# An interval wholly inside these bounds is "little or no difference" (ratio scale; RD in absolute risk).
TRIVIAL_RATIO = (0.9, 1 / 0.9)
TRIVIAL_RD = 0.01


# --- numbers --------------------------------------------------------------------------------------------------

def fmt_ratio(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def fmt_estimate(est: Estimate, capital: bool = False) -> str:
    text = _fmt_estimate(est)
    return text[0].upper() + text[1:] if capital else text


def _fmt_estimate(est: Estimate) -> str:
    if est.measure == "RD":
        return (f"{MEASURE_NAMES['RD']} {est.estimate * 100:+.1f} per 100 "
                f"(95% CI {est.ci_low * 100:+.1f} to {est.ci_high * 100:+.1f})")
    return (f"{MEASURE_NAMES[est.measure]} {fmt_ratio(est.estimate)} "
            f"(95% CI {fmt_ratio(est.ci_low)} to {fmt_ratio(est.ci_high)})")


def fmt_count(n: int) -> str:
    return f"{n:,}"


def per_value(per_1000: float, per: int) -> str:
    """Natural frequencies are whole people; below one person, one decimal says 'fewer than one'."""
    value = per_1000 * per / 1000
    if value >= 0.95:
        return f"{value:.0f}"
    return f"{value:.1f}" if value >= 0.05 else "0"


def choose_per(absolute: AbsoluteEffect, requested: int) -> int:
    """Natural frequencies read best as whole numbers: rare outcomes move to per 1000."""
    if requested == 100 and min(absolute.control_per_1000, absolute.treatment_per_1000) < 10:
        return 1000
    return requested


# --- statements ---------------------------------------------------------------------------------------------

def direction_statement(est: Estimate, outcome: Outcome, drug: str = "the drug", comparator: str = "placebo") -> str:
    """GRADE-style statement of what the interval shows, without a certainty word.

    The outcome's verb phrase ("had skin infections", "reached EASI-75") makes benefits and harms read
    naturally with the same more/fewer logic; whether more is good is said by the outcome's kind elsewhere."""
    if est.measure == "RD":
        low, high, trivial = est.ci_low, est.ci_high, est.ci_low >= -TRIVIAL_RD and est.ci_high <= TRIVIAL_RD
        null = 0.0
    else:
        low, high = est.ci_low, est.ci_high
        trivial = TRIVIAL_RATIO[0] <= low and high <= TRIVIAL_RATIO[1]
        null = 1.0
    if trivial:
        return f"little or no difference in {outcome.plural} between {drug} and {comparator}"
    if high < null:
        return f"fewer people {outcome.had} on {drug} than on {comparator}"
    if low > null:
        return f"more people {outcome.had} on {drug} than on {comparator}"
    people = f"people who {outcome.had}" if outcome.is_benefit else f"people having {outcome.plural}"
    versus = "" if comparator == "placebo" else f" than on {comparator}"
    return f"the results are compatible with both fewer and more {people} on {drug}{versus}"


def nnt_text(nnt: NNT) -> str:
    def end(e) -> str:
        return "infinity" if e.value is None else f"{e.kind} {math.ceil(e.value)}"

    if nnt.value is None:
        return "no number needed to treat: the estimate shows no difference"
    head = f"{nnt.kind} {math.ceil(nnt.value)}"
    if nnt.through_infinity:
        return f"{head} (95% CI {end(nnt.low)} to infinity to {end(nnt.high)})"
    return f"{head} (95% CI {math.ceil(nnt.low.value) if nnt.low.value else 'infinity'} to " \
           f"{math.ceil(nnt.high.value) if nnt.high.value else 'infinity'})"


def synthesis_short(s: Synthesis) -> str:
    """'Fleming et al. 2018': first author's surname and the year, as people cite in conversation; where the
    authors were not read, the journal and year ('Eur J Clin Pharmacol 2022'), never a placeholder."""
    year = re.search(r"\b(19|20)\d\d\b", s.citation)
    when = year.group(0) if year else ""
    if s.citation.startswith("[authors not read]"):
        journal = re.search(r"\.\s+([A-Z][A-Za-z .&-]+?)\s+(?:19|20)\d\d\b", s.citation)
        return f"{journal.group(1).strip()} {when}".strip() if journal else f"a meta-analysis published {when}"
    author = re.match(r"\s*([^\W\d_][\w'-]*)\s+[A-Z]{1,3}\b", s.citation)
    if author:
        first = s.citation.split(".")[0]
        et_al = " et al." if "," in first or " et al" in s.citation[:40] else ""
        return f"{author.group(1)}{et_al} {when}".strip()
    return f"a meta-analysis published {when}".strip()


# --- replies ------------------------------------------------------------------------------------------------

def footer(answer_or_version: Answer | str, kb_hash: str = "") -> Line:
    if isinstance(answer_or_version, Answer):
        version, kb_hash = answer_or_version.kb_version, answer_or_version.kb_hash
    else:
        version = answer_or_version
    return line(italic(f"{DISCLAIMER} Data {version} ({kb_hash}).") if kb_hash else italic(DISCLAIMER))


def word(answer: Answer, kb: KnowledgeBase) -> Reply:
    """The reply for any parse: an effect answer, a clarifying question, a plain 'no data', help."""
    parsed = answer.parse
    handlers = {
        "clarify": _clarify, "no_data": _no_data, "not_understood": _not_understood,
    }
    if parsed.status in handlers:
        reply = handlers[parsed.status](parsed, kb)
    elif parsed.intent == "help":
        reply = help_reply(kb)
    elif parsed.intent == "topics":
        reply = topics_reply(kb)
    elif parsed.intent == "sources":
        reply = sources_reply(kb)
    elif parsed.intent == "trials":
        reply = trials_reply(kb, parsed.outcomes)
    elif parsed.intent == "define":
        reply = define_reply(kb, parsed.outcomes)
    else:
        reply = _effect(answer, kb)
    return Reply(reply.headline, reply.sections, reply.buttons, footer(answer))


def _effect(answer: Answer, kb: KnowledgeBase) -> Reply:
    headline: list[Line] = []
    sections: list[Section] = []
    parsed = answer.parse
    skipped = list(dict.fromkeys(_label(kb, m.kind, m.id) for m in parsed.uncovered))
    if skipped:
        shown = ", ".join(oa.outcome.plural for oa in answer.outcomes)
        headline += [line(f"I have no curated evidence on {' or '.join(skipped)}; this answer covers {shown} only."),
                     line("")]
    for index, oa in enumerate(answer.outcomes):
        if index:
            headline.append(line(""))
        headline.extend(outcome_headline(oa, parsed, kb))
        suffix = "" if len(answer.outcomes) == 1 else f" ({oa.outcome.plural})"
        sections.append(Section("trials", "Trials" + suffix, trials_lines(oa, kb)))
        sections.append(Section("method", "Method" + suffix, method_lines(oa)))
        sensitivity = sensitivity_lines(oa)
        if sensitivity:
            sections.append(Section("sensitivity", "Sensitivity and subgroups" + suffix, sensitivity))
        sections.append(Section("sources", "Sources" + suffix, source_lines(oa, kb)))
    buttons = effect_buttons(answer)
    return Reply(tuple(headline), tuple(sections), buttons)


def effect_buttons(answer: Answer) -> tuple[Button, ...]:
    if not any(oa.pooled is not None or oa.lead is not None for oa in answer.outcomes):
        return (Button("Trials", "trials"), Button("Sources", "sources"))
    first = answer.outcomes[0]
    other_measures = [m for m in ("RR", "OR", "RD") if m != first.measure]
    model = ("Random effects", "model:random") if first.method in ("MH", "PETO", "IV") else (
        "Fixed effect", "model:fixed")
    return (
        Button("Forest plot", "plot"), Button("Icon array", "icons"), Button("Trials", "trials"),
        Button("Method", "method"),
        *((Button("Sensitivity", "sensitivity"),) if any(len(oa.evidence.tables) > 1 for oa in answer.outcomes)
          else ()),
        *(Button(m, f"measure:{m}") for m in other_measures),
        Button(*model), Button("Sources", "sources"),
    )


def outcome_headline(oa: OutcomeAnswer, parsed: Parse, kb: KnowledgeBase) -> list[Line]:
    outcome = oa.outcome
    ev = oa.evidence
    title = f"{_capital(ev.intervention_label)} vs {ev.comparator_label}: {outcome.plural}"
    lines: list[Line] = [line(bold(title))]
    context = population_words(oa, parsed)
    if context:
        lines.append(line(context))
    if oa.lead is None:
        lines.append(line(no_estimate_sentence(oa)))
        relevant = [(label, why) for label, why in oa.evidence.excluded if not why.startswith(_FILTER_REASONS)]
        if relevant:
            lines.append(line("Trials that fit but cannot be used: " + "; ".join(
                f"{label} ({why})" for label, why in relevant[:6]) + ("; …" if len(relevant) > 6 else "") + "."))
        lines.append(line(certainty_sentence(None)))
        return lines
    if oa.absolute is not None:
        lines.append(line(absolute_sentence(oa)))
        if parsed.options.nnt:
            lines.append(line("Number needed to treat: " + nnt_text(oa.absolute.nnt) + "."))
    lead = oa.lead
    statement = direction_statement(lead, outcome, ev.intervention_label, ev.comparator_label)
    if oa.published is not None and lead is oa.published:
        synthesis = oa.evidence.lead_synthesis
        size = _size_words(lead.k, lead.participants)
        lines.append(line(f"{fmt_estimate(lead, capital=True)}: {statement}. ",
                          f"Published meta-analysis ({synthesis_short(synthesis)}{size})."))
        lines.append(line(our_pooling_sentence(oa)))
        if oa.evidence.missing_from_synthesis:
            lines.append(line("Trials in that meta-analysis we hold no counts for: "
                              + ", ".join(oa.evidence.missing_from_synthesis) + "."))
    else:
        trials = ", ".join(t.label for t in oa.evidence.tables)
        people = fmt_count(oa.evidence.participants)
        if len(oa.evidence.tables) == 1:
            basis = f"One trial ({trials}; {people} people), not pooled."
        else:
            basis = (f"Our pooling of {len(oa.evidence.tables)} trials ({trials}; {people} people; "
                     f"{METHOD_NAMES[oa.method]}{', HKSJ' if oa.hksj else ''}).")
        lines.append(line(f"{fmt_estimate(lead, capital=True)}: {statement}. ", basis))
        if oa.published is not None:
            lines.append(line(published_beside_sentence(oa)))
        elif oa.evidence.lead_synthesis is not None and oa.evidence.filters:
            s = oa.evidence.lead_synthesis
            lines.append(line(f"The published meta-analysis ({synthesis_short(s)}) covers all its trials, "
                              "not the subset you asked for, so it is not shown beside this."))
    lines.append(line(certainty_sentence(oa.evidence.lead_synthesis if lead is oa.published else None)))
    return lines


_FILTER_REASONS = ("other age group", "other background", "other length", "not among the trials", "left out as")


def _size_words(k: int | None, participants: int | None, prefix: str = ", ") -> str:
    parts = []
    if k:
        parts.append(f"{k} trial{'s' if k != 1 else ''}")
    if participants:
        parts.append(f"{fmt_count(participants)} people")
    return (prefix + ", ".join(parts)) if parts else ""


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
    text = "; ".join(words) + "."
    if parsed.assumed_drug:
        text += f" ({_capital(oa.evidence.intervention_label)} assumed: it is the only drug covered.)"
    return text


def absolute_sentence(oa: OutcomeAnswer) -> str:
    a = oa.absolute
    per = choose_per(a, oa.per)
    control = per_value(a.control_per_1000, per)
    treated = per_value(a.treatment_per_1000, per)
    low, high = per_value(a.treatment_per_1000_low, per), per_value(a.treatment_per_1000_high, per)
    ev = oa.evidence
    if oa.control_risk_source == "user":
        basis = f"if the risk on {ev.comparator_label} is as you gave"
    else:
        n = len(oa.evidence.tables)
        basis = (f"taking the middle {ev.comparator_label} risk of the {n} trial{'s' if n != 1 else ''} we hold"
                 if n > 1 else f"taking the {ev.comparator_label} risk of the one trial we hold")
        weeks = sorted(t.followup_weeks for t in oa.evidence.tables if t.followup_weeks)
        if weeks:
            basis += f", over {weeks[0]} weeks" if weeks[0] == weeks[-1] else f", over {weeks[0]} to {weeks[-1]} weeks"
    return (f"About {control} in {per:,} people on {ev.comparator_label} and {treated} in {per:,} on "
            f"{ev.intervention_label} (95% CI {low} to {high}) would {oa.outcome.event} ({basis}).")


def no_estimate_sentence(oa: OutcomeAnswer) -> str:
    if oa.pooled is not None and not oa.pooled.defined:
        return f"No estimate: {oa.pooled.reason}."
    return (f"I have no trial counts for {oa.outcome.plural} that match this question, "
            "and no published synthesis that applies to it.")


def our_pooling_sentence(oa: OutcomeAnswer) -> str:
    if oa.ours is None:
        if oa.pooled is not None and not oa.pooled.defined:
            return f"Our own pooling gives no estimate: {oa.pooled.reason}."
        return "We hold no trial-level counts for this outcome to pool ourselves."
    agreement = {"agrees": "its interval overlaps the published one",
                 "differs": "its interval does not overlap the published one"}.get(oa.agreement or "", "")
    k = len(oa.evidence.tables)
    trials = ", ".join(t.label for t in oa.evidence.tables)
    what = f"Our pooling of the {k} trials we hold" if k > 1 else "The one trial we hold"
    return (f"{what} ({trials}; {fmt_count(oa.evidence.participants)} people): {fmt_estimate(oa.ours)}"
            + (f"; {agreement}." if agreement else "."))


def published_beside_sentence(oa: OutcomeAnswer) -> str:
    p = oa.published
    s = oa.evidence.lead_synthesis
    overlap = {"agrees": " (the intervals overlap)", "differs": " (the intervals do not overlap)"}.get(
        oa.agreement or "", "")
    return f"Published meta-analysis ({synthesis_short(s)}): {fmt_estimate(p)}{overlap}."


def certainty_sentence(synthesis: Synthesis | None) -> str:
    if synthesis is not None and synthesis.certainty:
        return f"Certainty of the evidence (GRADE, as rated by the source): {synthesis.certainty}."
    return "Certainty of the evidence: not rated."


# --- details --------------------------------------------------------------------------------------------------

def trials_lines(oa: OutcomeAnswer, kb: KnowledgeBase) -> tuple[Line, ...]:
    lines: list[Line] = []
    studies = {s.label: s for s in oa.pooled.studies} if oa.pooled else {}
    weights = dict(zip([s.label for s in oa.pooled.studies], oa.pooled.weights, strict=True)) if oa.pooled \
        else {}
    for t in oa.evidence.tables:
        arms = " + ".join(t.arms)
        ev = oa.evidence
        bits = [f"{t.label}: {ev.intervention_label} {t.ai}/{t.n1i} ({arms}) vs {ev.comparator_label} "
                f"{t.ci}/{t.n2i}"]
        study = studies.get(t.label)
        if study is not None and study.estimate is not None:
            name = "Peto OR" if oa.method == "PETO" else oa.measure
            zero = 0 in (t.ai, t.ci, t.n1i - t.ai, t.n2i - t.ci)
            bits.append(f"{name} {_fmt_study(oa.measure, study.estimate)} "
                        f"({_fmt_study(oa.measure, study.ci_low)} to {_fmt_study(oa.measure, study.ci_high)})"
                        + (", with 0.5 added to each cell for this per-trial figure" if zero else ""))
        if weights.get(t.label) is not None:
            bits.append(f"weight {weights[t.label]:.0f}%")
        meta = [f"assessed at week {t.timepoint_weeks}" if t.timepoint_weeks and oa.outcome.is_benefit else "",
                f"{t.followup_weeks} wk" if t.followup_weeks else "", "with TCS" if t.background == "tcs" else
                "no TCS", AGE_WORDS[t.age_group]]
        bits.append(", ".join(m for m in meta if m))
        if t.derived:
            bits.append("includes a count derived from a reported percentage")
        lines.append(line("• " + "; ".join(bits)))
    for label, why in oa.evidence.excluded:
        lines.append(line(f"• Not pooled: {label} ({why})"))
    return tuple(lines)


def _fmt_study(measure: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value * 100:+.1f}/100" if measure == "RD" else fmt_ratio(value)


def method_lines(oa: OutcomeAnswer) -> tuple[Line, ...]:
    lines: list[Line] = []
    measure = MEASURE_NAMES["PETO_OR" if oa.method == "PETO" else oa.measure]
    lines.append(line(f"Our pooling: {measure}, {METHOD_NAMES[oa.method]}"
                      + (" with the Hartung-Knapp-Sidik-Jonkman adjustment" if oa.hksj else "") + "."))
    p = oa.pooled
    if p is None:
        lines.append(line("No trial has counts for this question, so nothing was pooled."))
    elif not p.defined:
        lines.append(line(f"No estimate: {p.reason}."))
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
            lines.append(line(f"95% prediction interval {_fmt_study(oa.measure, p.pi_low)} to "
                              f"{_fmt_study(oa.measure, p.pi_high)}."))
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
        lines.append(line(f"The absolute numbers apply {basis} to the "
                          + ("published" if oa.lead is oa.published else "pooled") + " relative effect."))
    return tuple(lines)


def _pooled_text(measure: str, result) -> str:
    if not result.defined:
        return f"no estimate ({result.reason})"
    return (f"{_fmt_study(measure, result.estimate)} ({_fmt_study(measure, result.ci_low)} to "
            f"{_fmt_study(measure, result.ci_high)})")


def sensitivity_lines(oa: OutcomeAnswer) -> tuple[Line, ...]:
    """Leave-one-out and subgroup results: shown on request, never in the headline."""
    lines: list[Line] = []
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


def source_lines(oa: OutcomeAnswer, kb: KnowledgeBase) -> tuple[Line, ...]:
    lines: list[Line] = []
    for s in oa.evidence.syntheses:
        lines.append(citation_line(s.citation, s.pmid, s.doi,
                                   extra=f"{MEASURE_NAMES.get(s.measure, s.measure)} {fmt_ratio(s.estimate)} "
                                         f"({fmt_ratio(s.ci_low)} to {fmt_ratio(s.ci_high)}), {s.location}"))
    for t in oa.evidence.tables:
        trial = kb.trial(t.trial_id)
        where = "; ".join(dict.fromkeys(f"{c.location} ({c.url})" for c in t.counts))
        lines.append(citation_line(trial.citation, trial.pmid, trial.doi, nct=trial.nct,
                                   extra=f"counts read from {where}"))
    return tuple(lines)


def citation_line(citation: str, pmid: str, doi: str, nct: str = "", extra: str = "") -> Line:
    parts: list = ["• " + citation.rstrip(".") + "."]
    if pmid:
        parts += [" ", link(f"PMID {pmid}", f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/")]
    if doi:
        parts += [" ", link(f"doi:{doi}", f"https://doi.org/{doi}")]
    if nct:
        parts += [" ", link(nct, f"https://clinicaltrials.gov/study/{nct}")]
    if extra:
        parts.append(f" — {extra}")
    return line(*parts)


# --- other intents --------------------------------------------------------------------------------------------

def covered_outcomes_text(kb: KnowledgeBase) -> str:
    return ", ".join(o.plural for o in kb.outcomes.values())


def covered_drugs_text(kb: KnowledgeBase) -> str:
    labels = [kb.drug_label(d) for d in kb.covered_drugs]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def scope_text(kb: KnowledgeBase) -> str:
    """'dupilumab versus placebo' or 'dupilumab, tralokinumab and upadacitinib, against placebo and each other'."""
    head_to_head = any(len({a.drug for a in kb.arms_of(t.trial_id) if a.role == "drug"}) > 1 for t in kb.trials)
    versus = "against placebo and each other" if head_to_head else "versus placebo"
    return f"{covered_drugs_text(kb)} {versus}" if len(kb.covered_drugs) == 1 else \
        f"{covered_drugs_text(kb)}, {versus}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def help_reply(kb: KnowledgeBase) -> Reply:
    return Reply((
        line(bold("Evidence bot")),
        line(f"I answer quick questions about {scope_text(kb)} in atopic dermatitis from curated "
             "randomised trials and published meta-analyses, with every number cited."),
        line(f"Outcomes: {covered_outcomes_text(kb)}."),
        line("Ask in your own words, for example:"),
        *(line(f"• {q}") for q in EXAMPLES),
        line("Options: odds ratio / risk difference, random effects, 300 mg q2w, with topical steroids, "
             "16-week trials, without CHRONOS, if baseline risk is 10%."),
    ), buttons=tuple(Button(q, f"ask:{q}") for q in EXAMPLES))


def topics_reply(kb: KnowledgeBase) -> Reply:
    outcomes = [line(f"• {o.plural}: {o.definition}") for o in kb.outcomes.values()]
    return Reply((
        line(bold("What I cover")),
        line(f"Drugs: {scope_text(kb)}. Condition: atopic dermatitis (adults, adolescents, children)."),
        *outcomes,
        line(f"{len(kb.trials)} trials and {len(kb.syntheses)} published pooled estimates; knowledge base "
             f"{kb.version} ({kb.short_hash})."),
    ))


def sources_reply(kb: KnowledgeBase) -> Reply:
    seen: set[str] = set()
    lines: list[Line] = [line(bold("Sources"))]
    for s in kb.syntheses:
        if s.citation not in seen:
            seen.add(s.citation)
            lines.append(citation_line(s.citation, s.pmid, s.doi))
    for t in kb.trials:
        if t.citation not in seen:
            seen.add(t.citation)
            lines.append(citation_line(t.citation, t.pmid, t.doi, nct=t.nct))
    return Reply(tuple(lines))


def trials_reply(kb: KnowledgeBase, outcome_ids: tuple[str, ...]) -> Reply:
    """One short line per trial, grouped by drug, so the whole list fits one chat message; the outcome list
    is shown when the question named outcomes, else a count (each answer lists its own trials in full)."""
    lines: list[Line] = [line(bold(f"Trials of {scope_text(kb)} in atopic dermatitis"))]
    held: dict[str, set[str]] = {}
    for c in kb.counts:
        held.setdefault(c.trial_id, set()).add(c.outcome_id)
    for drug in kb.covered_drugs:
        trials = [t for t in kb.trials_of(drug)
                  if next(a.drug for a in kb.arms_of(t.trial_id) if a.role == "drug") == drug]
        if not trials:
            continue
        lines.append(line(bold(_capital(kb.drug_label(drug)))))
        for t in trials:
            others = [kb.drug_label(d) for d in dict.fromkeys(a.drug for a in kb.arms_of(t.trial_id))
                      if d not in (drug, "placebo")]
            versus = f"vs {', '.join(others)}; " if others else ""
            weeks = f"{t.followup_weeks} wk, " if t.followup_weeks else ""
            tcs = "TCS" if t.background == "tcs" else "no TCS"
            mine = held.get(t.trial_id, set())
            if outcome_ids:
                named = [kb.outcomes[o].name for o in outcome_ids if o in mine]
                have = ", ".join(named) if named else "no counts"
            else:
                have = f"{len(mine)} outcome{'s' if len(mine) != 1 else ''}" if mine else "no counts"
            lines.append(line(f"• {trial_label(t)} ({versus}{weeks}{tcs}, {AGE_WORDS[t.age_group]}): {have}"))
    return Reply(tuple(lines))


def define_reply(kb: KnowledgeBase, outcome_ids: tuple[str, ...]) -> Reply:
    lines: list[Line] = []
    for o in outcome_ids:
        outcome = kb.outcomes[o]
        lines += [line(bold(_capital(outcome.name))), line(outcome.definition)]
    return Reply(tuple(lines), buttons=tuple(
        Button(f"{_capital(kb.drug_label(d))} and {kb.outcomes[o].plural}"[:60],
               f"ask:{kb.drug_label(d)} {kb.outcomes[o].plural}")
        for o in outcome_ids for d in kb.covered_drugs[:3]))


def _clarify(parsed: Parse, kb: KnowledgeBase) -> Reply:
    c = parsed.clarification
    typed = c.typed
    texts = {
        "ambiguous_term": f"“{typed}” could mean more than one thing. Which did you mean?",
        "lookalike": f"Did you mean {c.choices[0][0]}? “{typed}” is close to the name of another drug, "
                     "so I will not guess.",
        "negation": "I can only report each outcome as a whole, not one outcome excluding another. "
                    "Which one shall I show?",
        "nearest_outcome": f"I have no separate data on “{typed}”. It is counted within the nearest outcome "
                           "I cover, which I can show instead:",
        "need_outcome": "Which outcome would you like? I cover:",
        "need_drug": "Which drug do you mean? I hold trials of:",
    }
    return Reply((line(texts[c.reason]),), buttons=tuple(Button(label[:60], f"ask:{q}") for label, q in
                                                        c.choices))


def _no_data(parsed: Parse, kb: KnowledgeBase) -> Reply:
    named = [m for m in parsed.uncovered if not m.nearest]
    labels = [_label(kb, m.kind, m.id) for m in named]
    what = " and ".join(dict.fromkeys(labels)) or "that"
    suggestion = EXAMPLES[0]
    if parsed.outcomes:
        drug = kb.drug_label(parsed.intervention or kb.covered_drugs[0])
        suggestion = f"does {drug} affect {kb.outcomes[parsed.outcomes[0]].plural}?"
    return Reply((
        line(f"I have no curated evidence on {what}."),
        line(f"I cover {scope_text(kb)} in atopic dermatitis, for {covered_outcomes_text(kb)}."),
        line(f"Try: “{suggestion}”"),
    ), buttons=(Button(suggestion[:60], f"ask:{suggestion}"), Button("What I cover", "topics")))


def _not_understood(parsed: Parse, kb: KnowledgeBase) -> Reply:
    if parsed.intent == "greeting":
        opening = f"Hello! I answer quick questions about trials of {covered_drugs_text(kb)} in atopic dermatitis."
    elif parsed.intent == "thanks":
        opening = "You're welcome."
    else:
        opening = "Sorry, I did not understand that."
    return Reply((line(opening), line(f"Try, for example: “{EXAMPLES[0]}”")),
                 buttons=tuple(Button(q, f"ask:{q}") for q in EXAMPLES))


def _label(kb: KnowledgeBase, kind: str, concept_id: str) -> str:
    concept = kb.concept(kind, concept_id)
    return concept.label if concept else concept_id
