"""Published estimates shown beside an answer rather than as its bottom line: one-dose estimates of a network
meta-analysis, listed by dose, and incidence rates on the drug from pooled safety analyses, which are not
comparisons. One sentence per source, each estimate labelled with its regimen and cohort."""

from __future__ import annotations

from bot.answers.compose import Estimate, OutcomeAnswer
from bot.answers.evidence import regimen_words
from bot.answers.wording import fmt_published, kind_words, synthesis_short


def rate_sentences(oa: OutcomeAnswer) -> list[str]:
    """Incidence rates on the drug from pooled safety analyses, one sentence per source, each rate with its
    dose and cohort. A rate is not a comparison: the sentence says so."""
    by_source: dict[str, list] = {}
    for s in oa.evidence.rates:
        by_source.setdefault(s.citation, []).append(s)
    sentences = []
    for group in by_source.values():
        parts = []
        for s in group:
            what = ", ".join(p for p in (regimen_words(s.dose_mg, s.interval_weeks) if s.dose_mg else "all doses",
                                         s.cohort) if p)
            interval = (f" (95% CI {s.ci_low:g} to {s.ci_high:g})" if s.ci_low is not None
                        else " (no interval printed)")
            parts.append(f"{what}: {s.estimate:g} per 100 patient-years{interval}")
        sentences.append(f"Rates on {oa.evidence.intervention_label} ({synthesis_short(group[0])}, "
                         f"{kind_words(group[0])}; not a comparison with placebo): " + "; ".join(parts) + ".")
    return sentences


def by_dose_sentences(oa: OutcomeAnswer) -> list[str]:
    """Published one-dose estimates beside an answer that pools the doses (network meta-analyses report each
    regimen separately). One sentence per source, each dose labelled; they never set the bottom line."""
    by_source: dict[str, list] = {}
    for s in oa.evidence.by_dose:
        by_source.setdefault(s.citation, []).append(s)
    sentences = []
    for group in by_source.values():
        first = group[0]
        parts = []
        for s in group:
            rating = f", {s.certainty} certainty" if s.certainty else ""
            regimen = regimen_words(s.dose_mg, s.interval_weeks) + (f" ({s.cohort})" if s.cohort else "")
            parts.append(f"{regimen} {fmt_published(Estimate.of(s), s)}{rating}")
        orientation = (f" (above 0 = more improvement on {oa.evidence.intervention_label})"
                       if first.measure == "MD" else "")
        sentences.append(f"Published by dose ({synthesis_short(first)}, {kind_words(first)}, "
                         f"{oa.evidence.intervention_label} vs {oa.evidence.comparator_label}): "
                         + "; ".join(parts) + orientation + ".")
    return sentences
