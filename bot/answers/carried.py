"""The line that announces what a follow-up kept from the question before ("Kept from your last question:
tralokinumab; conjunctivitis. Still filtered to: adolescents (12 to 17 years).") so that nothing carried over
is silent; the reply offers one button that clears the kept filters."""

from __future__ import annotations

from dataclasses import fields, replace

from bot.answers.evidence import Query, filters_in_words
from bot.answers.reply import Button, Line, line
from bot.understand.frame import BY_SLOT, FILTER_SLOTS
from bot.understand.options import Options
from bot.understand.reading import Parse
from knowledge.records import KnowledgeBase

_MEASURES = {"OR": "odds ratio", "RR": "risk ratio", "RD": "risk difference"}


def _only(options: Options, slots: list[str]) -> Options:
    """The options with only the given slots' fields kept (the rest at their defaults)."""
    keep = {f for s in slots for f in BY_SLOT[s].option_fields}
    return replace(Options(), **{f.name: getattr(options, f.name) for f in fields(Options) if f.name in keep})


def carried_lines(parsed: Parse, kb: KnowledgeBase) -> tuple[Line, ...]:
    carried = list(parsed.carried)
    if not carried:
        return ()
    core = []
    if "intervention" in carried and parsed.intervention:
        side = kb.drug_label(parsed.intervention)
        if "comparator" in carried and parsed.comparator != "placebo":
            side += f" vs {kb.drug_label(parsed.comparator)}"
        core.append(side)
    elif "comparator" in carried and parsed.comparator != "placebo":
        core.append(f"compared with {kb.drug_label(parsed.comparator)}")
    if "outcomes" in carried and parsed.outcomes:
        core.append(" and ".join(kb.outcomes[o].name for o in parsed.outcomes if o in kb.outcomes))
    if "drug_class" in carried and parsed.drug_class:
        core.append(f"{parsed.drug_class}s only")
    filters = [s for s in carried if s in FILTER_SLOTS]
    words = list(filters_in_words(kb, Query(parsed.intervention or "", parsed.comparator, "",
                                            parsed.population if "population" in filters else None),
                                  _only(parsed.options, filters))) if filters else []
    options = parsed.options
    if "baseline_risk" in filters and options.baseline_risk is not None:
        words.append(f"a baseline risk of {options.baseline_risk * 100:g}%")
    if "display" in filters:
        words += [w for w in (_MEASURES.get(options.measure or ""), "random effects" if options.method in (
            "DL", "REML", "PM") else "", f"per {options.per:,}" if options.per else "",
            "numbers needed to treat" if options.nnt else "") if w]
    text = ""
    if core:
        text = f"Kept from your last question: {'; '.join(core)}."
    if words:
        text += (" " if text else "") + f"Still filtered to: {'; '.join(words)}."
    return (line(text),) if text else ()


def clear_button(parsed: Parse) -> tuple[Button, ...]:
    """One tap clears the filters kept from earlier (the drug, comparator and outcomes stay)."""
    return (Button("Clear filters", "clear"),) if any(s in FILTER_SLOTS for s in parsed.carried) else ()
