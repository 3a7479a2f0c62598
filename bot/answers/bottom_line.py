"""Short words for a bottom line: who the numbers are about, when, what the interval shows, which regimens were
pooled, and the published one-dose estimates or rates that lead when nothing else is held (at most two of them
in a first message; the rest under "Other estimates"). Shared by the effect, comparison and card wording."""

from __future__ import annotations

from bot.answers.certainty_text import certainty_sentence as worded
from bot.answers.compose import Estimate, OutcomeAnswer
from bot.answers.evidence import regimen_words
from bot.answers.published_text import by_source, rated_value, regimen_label
from bot.answers.reply import Line, line
from bot.answers.wording import TRIVIAL_RATIO, TRIVIAL_RD, capital, kind_words, synthesis_short
from bot.understand.reading import Parse
from knowledge.records import Outcome

# Age groups as a phone line says them, oldest first; trials "of adults and adolescents" count for both.
_AGES = (("adults", "adults"), ("adolescents", "adolescents"), ("children", "children aged 6 to 11"),
         ("infants_preschool", "children aged 6 months to 5 years"))
_ASKED = {"adults_adolescents": "adults and adolescents", "children": "children aged 6 to 11",
          "infants_preschool": "children aged 6 months to 5 years"}
MAX_LEAD_ESTIMATES = 2  # published one-dose estimates or rates shown when they are the answer


def ages_words(age_groups) -> str:
    """'Adults and adolescents', 'Adults, adolescents and children aged 6 to 11', 'Children aged 6 months to 11
    years'."""
    groups = set()
    for g in age_groups:
        groups |= {"adults", "adolescents"} if g == "adults_adolescents" else {g}
    words = [w for key, w in _AGES if key in groups]
    if {"children", "infants_preschool"} <= groups:
        words = [w for w in words if not w.startswith("children")] + ["children aged 6 months to 11 years"]
    words += sorted(g for g in groups if g not in dict(_AGES))
    if not words:
        return ""
    text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return capital(text)


def people_words(oa: OutcomeAnswer, parsed: Parse | None = None) -> str:
    """Who the bottom line is about: the population asked for; else, under a published lead, the population
    its source names (without its parenthesis); else the age groups of the trials pooled."""
    if parsed is not None and parsed.population:
        return capital(_ASKED.get(parsed.population, parsed.population.replace("_", " ")))
    s = oa.evidence.lead_synthesis
    if oa.published is not None and oa.lead is oa.published and s is not None:
        named = s.population.split(" (")[0].split(";")[0].strip()
        if named:
            return capital(named.replace("moderate-to-severe AD", "people with moderate-to-severe atopic "
                                                                  "dermatitis"))
    return ages_words(t.age_group for t in oa.evidence.tables)


def weeks_words(weeks: list[int], benefit: bool) -> str:
    """'at week 16', 'at weeks 12 to 16' (a response is assessed at a week); 'over 52 weeks' (a harm accrues)."""
    weeks = sorted(set(w for w in weeks if w))
    if not weeks:
        return ""
    span = f"{weeks[0]}" if len(weeks) == 1 else f"{weeks[0]} to {weeks[-1]}"
    if benefit:
        return f"at week{'s' if len(weeks) > 1 else ''} {span}"
    return f"over {span} weeks"


def baseline_weeks(oa: OutcomeAnswer) -> str:
    """The time frame of the absolute numbers: that of the trials the comparator risk comes from."""
    tables = oa.baseline_tables or oa.evidence.tables
    if oa.outcome.is_benefit:
        return weeks_words([t.timepoint_weeks or t.followup_weeks for t in tables], True)
    return weeks_words([t.followup_weeks for t in tables], False)


def short_statement(est: Estimate, outcome: Outcome, drug: str, brief: bool = False) -> str:
    """What an interval shows, as the start of a line: 'Fewer people had skin infections on dupilumab',
    'Compatible with both fewer and more', 'Little or no difference' (the rules of wording.direction_statement,
    without the comparator the line has already named). ``brief`` after a line that has said what the outcome
    is: 'Fewer on dupilumab'."""
    if est.measure == "MD":
        if est.ci_low > 0:
            return f"{capital(outcome.name)} improved more on {drug}"
        if est.ci_high < 0:
            return f"{capital(outcome.name)} improved less on {drug}"
        return "Compatible with both more and less improvement"
    if est.measure == "RD":
        trivial, null = est.ci_low >= -TRIVIAL_RD and est.ci_high <= TRIVIAL_RD, 0.0
    else:
        trivial, null = TRIVIAL_RATIO[0] <= est.ci_low and est.ci_high <= TRIVIAL_RATIO[1], 1.0
    if trivial:
        return "Little or no difference"
    if est.ci_high < null:
        return f"Fewer on {drug}" if brief else f"Fewer people {outcome.had} on {drug}"
    if est.ci_low > null:
        return f"More on {drug}" if brief else f"More people {outcome.had} on {drug}"
    return "Compatible with both fewer and more"


def event_words(outcome: Outcome) -> str:
    """What people 'would' do, without the definition the title has given ('have an itch response')."""
    return outcome.event.split(" (")[0] if "(" in outcome.plural or "(" in outcome.name else outcome.event


def _regimen(arm: str) -> str:
    return arm.split(" + ")[0].split(" (")[0].replace(" once daily", "").strip()


def regimens_pooled(tables) -> str:
    """' of 15 mg and 30 mg', ' of 6 regimens', '' for one regimen (it is the drug as asked)."""
    regimens = list(dict.fromkeys(_regimen(arm) for t in tables for arm in t.arms))
    if len(regimens) <= 1:
        return ""
    if len(regimens) == 2:
        return f" of {regimens[0]} and {regimens[1]}"
    return f" of {len(regimens)} regimens"


def by_dose_lead(oa: OutcomeAnswer) -> list[Line]:
    """When the only estimates held are one-dose published ones (or rates on the drug), they are the answer:
    one source, at most two of its estimates, the rest under Other estimates."""
    ev = oa.evidence
    if ev.by_dose:
        group = by_source(ev.by_dose)[0]
        shown = group[:MAX_LEAD_ESTIMATES]
        s = group[0]
        parts = "; ".join(f"{regimen_label(x)}: {rated_value(x, Estimate.of(x))}" for x in shown)
        orient = (f" (above 0 = more improvement on {ev.intervention_label})" if s.measure == "MD" else "")
        lines = [line(f"No estimate across all doses: published by dose ({synthesis_short(s)}, {kind_words(s)}): "
                      f"{parts}{orient}.")]
    else:
        group = by_source(ev.rates)[0]
        shown = group[:MAX_LEAD_ESTIMATES]
        s = group[0]
        lines = [line(f"I hold no randomised comparison with {ev.comparator_label}; published rates on "
                      f"{ev.intervention_label} ({synthesis_short(s)}; not a comparison): "
                      + "; ".join(_rate(x) for x in shown) + ".")]
    more = len(ev.by_dose) + len(ev.rates) - len(shown)
    if more:
        lines.append(line(f"{more} more under Other estimates."))
    return lines


def _rate(s) -> str:
    what = ", ".join(p for p in (regimen_words(s.dose_mg, s.interval_weeks) if s.dose_mg else "all doses", s.cohort)
                     if p)
    interval = f" (95% CI {s.ci_low:g} to {s.ci_high:g})" if s.ci_low is not None else ""
    return f"{what}: {s.estimate:g} per 100 patient-years{interval}"


def certainty_sentence(oa: OutcomeAnswer) -> str:
    """The certainty line of the bottom line (bot/answers/certainty_text.py words it)."""
    if oa.lead is None and not oa.evidence.tables and oa.evidence.by_dose:
        return "Certainty: as its source rated each estimate (not rated where none is shown)."
    if oa.lead is None and not oa.evidence.tables and oa.evidence.rates:
        return "Certainty: not rated (rates on the drug alone are not a comparison)."
    return worded(oa).replace("Certainty of the evidence", "Certainty", 1)  # short on a phone, as comparisons say it
