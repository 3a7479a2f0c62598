"""The parts of a question that narrow or qualify it: who (populations, ages), when (is anything held at the
time asked?), patient details (risk factors) and subgroup words. Each word is used, or said back as unusable
(an ``Unused``), never dropped; which words exist is data (knowledge/data/vocabulary.yaml), not code.

Also the slots a message itself names (``named_slots``), which a follow-up changes while keeping the rest, and
"vs X" at the start of a message, which names the comparator only."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.understand.lexicon import Lexicon
from bot.understand.options import AGE, Options, age_years
from bot.understand.reading import Clarification, Mention, Parse, Unused
from knowledge.periods import covers, when_words
from knowledge.records import Concept


def _span(concept: Concept) -> float:
    return concept.ages[1] - concept.ages[0] if concept.ages else 1e9


def _narrowest(concepts: list[Concept]) -> list[Concept]:
    """The named populations with those that contain another named one dropped ('kids under 6' = under 6)."""
    def contains(a: Concept, b: Concept) -> bool:
        return a is not b and a.ages is not None and b.ages is not None and \
            a.ages[0] <= b.ages[0] and b.ages[1] <= a.ages[1] and _span(a) > _span(b)
    return [c for c in concepts if not any(contains(c, other) for other in concepts)]


def age_population(text: str, lexicon: Lexicon) -> tuple[Concept, str] | None:
    """The narrowest population whose ages contain an age the question states ('a 14 year old', '65yo')."""
    match = AGE.search(text)
    if not match:
        return None
    age = age_years(match)
    fitting = [c for (kind, _), c in lexicon.concepts.items()
               if kind == "population" and c.ages and c.ages[0] <= age <= c.ages[1]]
    if not fitting:
        return None
    return min(fitting, key=_span), match.group(0)


def choose_population(named: list[tuple[str, str]], text: str, lexicon: Lexicon
                      ) -> tuple[str | None, tuple[Unused, ...], tuple[Mention, ...]]:
    """One population from those named ((id, typed) pairs) and any age stated: the narrowest; an uncovered one
    answered as a covered one is said back ('over 65' -> adults); two that do not nest keep the first and say
    back the other. Returns the population, the words said back, and uncovered populations (which block)."""
    concepts: list[tuple[Concept, str]] = [(lexicon.concepts[("population", i)], typed) for i, typed in named
                                           if ("population", i) in lexicon.concepts]
    aged = age_population(text, lexicon)
    if aged is not None and all(c.id != aged[0].id for c, _ in concepts):
        concepts.append(aged)
    unused: list[Unused] = []
    blocking: list[Mention] = []
    usable: list[tuple[Concept, str]] = []
    for concept, typed in concepts:
        if concept.covered:
            usable.append((concept, typed))
        elif concept.answer_as:
            unused.append(Unused("population", typed, concept.why, concept.id))
            usable.append((lexicon.concepts[("population", concept.answer_as)], typed))
        else:
            blocking.append(Mention("population", concept.id, typed))
    narrow = _narrowest([c for c, _ in usable])
    kept = [(c, t) for c, t in usable if c in narrow]
    kept = list({c.id: (c, t) for c, t in kept}.values())
    for concept, typed in kept[1:]:
        unused.append(Unused("population", typed, f"I answer one age group at a time; shown are the results in "
                                                  f"{kept[0][0].label}", concept.id))
    return (kept[0][0].id if kept else None), tuple(unused), tuple(blocking)


def said_back_words(hits, kind: str, lexicon: Lexicon) -> tuple[Unused, ...]:
    """Qualifiers ('women', 'obese') and risk factors ('smoker'): recognised, not reported separately, said back."""
    out = []
    for hit in hits:
        sense = hit.senses[0]
        concept = lexicon.concepts.get((kind, sense.id))
        if concept is not None:
            out.append(Unused(kind, hit.typed, concept.why, concept.id))
    return tuple(out)


def risk_outcomes(unused: tuple[Unused, ...], lexicon: Lexicon) -> tuple[str, ...]:
    """The outcomes the risk factors named bear on, in the knowledge base's order."""
    wanted = {o for u in unused if u.slot == "risk_factor"
              for o in lexicon.concepts[("risk_factor", u.id)].bears_on}
    return tuple(o for o in lexicon.covered_outcomes if o in wanted)


# --- is anything held at the time asked? ---------------------------------------------------------------------

def _held_periods(parsed: Parse, lexicon: Lexicon) -> set[tuple[int, int]]:
    """The periods the evidence of the question speaks for: counts of the drug against its comparator (for a
    comparison, also each drug against placebo: the indirect route) and the drugs' pooled safety rates."""
    sides = [d for d in (parsed.intervention, parsed.comparator) if d and d != "placebo"]
    if parsed.intent == "rank" or not parsed.intervention:
        sides = [d for d in lexicon.covered_drugs
                 if not parsed.drug_class or lexicon.drug_classes.get(d) == parsed.drug_class]
    pairs = [(d, "placebo") for d in sides] + [(d, "none") for d in sides]
    if parsed.intervention and parsed.comparator != "placebo":
        pairs.append((parsed.intervention, parsed.comparator))
    outcomes = parsed.outcomes or lexicon.covered_outcomes
    return {period for d, other in pairs for o in outcomes for period in lexicon.periods.get((d, o, other), ())}


def time_held(parsed: Parse, lexicon: Lexicon) -> bool:
    """Whether any trial count or pooled rate of the drugs and outcomes asked about speaks for the time asked."""
    return any(covers(period, parsed.options.timepoint_weeks) for period in _held_periods(parsed, lexicon))


def settle_time(parsed: Parse, lexicon: Lexicon, said: str = "") -> Parse:
    """A time no evidence of the question speaks for is said back and not applied (the answer then shows the
    time points held), rather than filtering everything away or being silently dropped."""
    weeks = parsed.options.timepoint_weeks
    if weeks is None or parsed.status not in ("answer", "clarify") or time_held(parsed, lexicon):
        return parsed
    what = " or ".join(lexicon.labels.get(("outcome", o), o) for o in parsed.outcomes) or "any outcome"
    drugs = [lexicon.labels.get(("drug", d), d) for d in (parsed.intervention, parsed.comparator)
             if d and d != "placebo"]
    of = f" of {' or '.join(drugs)}" if drugs else ""
    held = _held_words(parsed, lexicon)
    why = (f"no trial or pooled analysis we hold reports {what}{of} {when_words(weeks)}"
           + (f"; shown are the times held ({held})" if held else ""))
    said = said or ("long term" if weeks >= 52 else f"week {weeks}")
    unused = (*(u for u in parsed.unused if u.slot != "time"), Unused("time", said, why))
    notices = parsed.notices if "ignored" in parsed.notices else (*parsed.notices, "ignored")
    return replace(parsed, options=replace(parsed.options, timepoint_weeks=None), unused=unused, notices=notices)


def _held_words(parsed: Parse, lexicon: Lexicon) -> str:
    """The times held for the drugs and outcomes asked about, in words ('week 12, week 16, the long term')."""
    periods = _held_periods(parsed, lexicon) if parsed.outcomes else set()
    words = [f"week {a}" if a == b else f"weeks {a} to {b}" for a, b in sorted(periods) if b < 52]
    if any(b >= 52 for _, b in periods):
        words.append("the long term")
    return ", ".join(dict.fromkeys(words))


# --- what a message names --------------------------------------------------------------------------------------

_VS = re.compile(r"^(?:(?:and|but|so|ok|okay|what|how)\s+)?(?:about\s+)?(?:vs|versus|v|against|compared\s+(?:to|with)"
                 r"|relative\s+to|or)\s+(?:to\s+)?(?P<rest>.+)$")
_VS_PLACEBO = re.compile(r"\b(?:vs|versus|v|against|compared\s+(?:to|with)|than|over)\s+(?:a\s+)?(?:placebo|pbo"
                         r"|plac|sham|dummy|no\s+treatment|nothing)\b")
NO_OPTION = Options()
_SLOT_OPTIONS = {
    "population": ("exclude_populations",),
    "time": ("timepoint_weeks", "followup_weeks", "exclude_followup_weeks"),
    "background": ("background",),
    "trials": ("only_trials", "exclude_trials", "include_trials"),
    "regimen": ("dose_mg", "interval_weeks", "exclude_dose_mg", "exclude_interval_weeks", "licensed_only"),
    "baseline_risk": ("baseline_risk", "invalid_baseline"),
    "display": ("measure", "method", "hksj", "per", "nnt"),
}


def named_slots(parsed: Parse, text: str) -> tuple[str, ...]:
    """The frame slots the message itself names (docs/conversation.md)."""
    named = []
    if parsed.intent in ("rank", "overview"):
        named.append("intent")
    if parsed.intervention and not parsed.assumed_drug:
        named.append("intervention")
    if parsed.comparator != "placebo" or _VS_PLACEBO.search(text):
        named.append("comparator")
    if parsed.outcomes:
        named.append("outcomes")
    if parsed.population:
        named.append("population")
    if parsed.condition:
        named.append("condition")
    if parsed.drug_class:
        named.append("drug_class")
    for slot, names in _SLOT_OPTIONS.items():
        if any(getattr(parsed.options, n) != getattr(NO_OPTION, n) for n in names) and slot not in named:
            named.append(slot)
    return tuple(named)


def comparator_only(parsed: Parse, text: str, lexicon: Lexicon) -> Parse:
    """'vs dupixent', 'compared with tralokinumab?': the one drug named is the comparator, the drug it is
    compared with is the one asked about before (a follow-up) or asked for (a clarifying question)."""
    match = _VS.match(text)
    if not match or parsed.status not in ("answer", "clarify") or not parsed.intervention \
            or parsed.comparator != "placebo" or parsed.intent not in ("effect", "compare"):
        return parsed
    rest = match.group("rest").split()
    if not any(("drug", parsed.intervention) in {(s.kind, s.id) for s in lexicon.senses(tuple(rest[:k]))}
               for k in (1, 2, 3)):
        return parsed  # "compared with placebo, does dupilumab...": the drug is not what follows the cue
    other = parsed.intervention
    asked = " ".join(lexicon.labels[("outcome", o)] for o in parsed.outcomes)
    label = lexicon.labels[("drug", other)]
    choices = tuple((lexicon.labels[("drug", d)], f"{lexicon.labels[('drug', d)]} vs {label} {asked}".strip())
                    for d in lexicon.covered_drugs if d != other)
    # a dose named with it ("vs dupixent 300 mg q2w") is the comparator's, kept in its regimen, not a filter of
    # the drug it is compared with
    options = replace(parsed.options, dose_mg=None, interval_weeks=None)
    return replace(parsed, status="clarify", intent="compare", intervention=None, comparator=other,
                   assumed_drug=False, clarification=Clarification("need_drug", "", choices), options=options,
                   intervention_regimen=None, comparator_regimen=parsed.intervention_regimen)
