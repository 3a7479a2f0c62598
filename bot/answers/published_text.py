"""Published estimates shown beside an answer rather than as its bottom line: one-dose estimates of a network
meta-analysis, listed by dose, and incidence rates on the drug from pooled safety analyses, which are not
comparisons. One sentence per source, each estimate labelled with its regimen and cohort."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from bot.answers.compose import Estimate, OutcomeAnswer
from bot.answers.evidence import regimen_words
from bot.answers.wording import fmt_published, kind_words, synthesis_short
from knowledge.records import Synthesis

T = TypeVar("T")


def by_source(items: Iterable[T], synthesis: Callable[[T], Synthesis] = lambda s: s) -> list[list[T]]:
    """Items grouped by the publication they come from, in first-seen order: one sentence per source."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(synthesis(item).citation, []).append(item)
    return list(groups.values())


def regimen_label(s: Synthesis) -> str:
    """'200 mg', '300 mg every 2 weeks (monotherapy trials)': the regimen, and the cohort when one is named."""
    return regimen_words(s.dose_mg, s.interval_weeks) + (f" ({s.cohort})" if s.cohort else "")


def dose_prefix(s: Synthesis) -> str:
    """'200 mg: ' before a one-dose estimate in a source list; nothing for an all-doses one."""
    return f"{regimen_words(s.dose_mg, s.interval_weeks)}: " if s.dose_mg is not None else ""


def rated_value(s: Synthesis, est: Estimate) -> str:
    """The estimate with the interval its source reports, and the source's GRADE rating when it gives one."""
    return fmt_published(est, s) + (f", {s.certainty} certainty" if s.certainty else "")


def source_words(first: Synthesis) -> str:
    return f"{synthesis_short(first)}, {kind_words(first)}"


def orientation(first: Synthesis, drug_label: str) -> str:
    """How to read a mean difference: every one is shown with above 0 meaning improvement (Estimate.of)."""
    return f" (above 0 = more improvement on {drug_label})" if first.measure == "MD" else ""


def rate_sentences(oa: OutcomeAnswer) -> list[str]:
    """Incidence rates on the drug from pooled safety analyses, one sentence per source, each rate with its
    dose and cohort. A rate is not a comparison: the sentence says so."""
    sentences = []
    for group in by_source(oa.evidence.rates):
        parts = []
        for s in group:
            what = ", ".join(p for p in (regimen_words(s.dose_mg, s.interval_weeks) if s.dose_mg else "all doses",
                                         s.cohort) if p)
            interval = (f" (95% CI {s.ci_low:g} to {s.ci_high:g})" if s.ci_low is not None
                        else " (no interval printed)")
            parts.append(f"{what}: {s.estimate:g} per 100 patient-years{interval}")
        sentences.append(f"Rates on {oa.evidence.intervention_label} ({source_words(group[0])}; not a comparison "
                         "with placebo): " + "; ".join(parts) + ".")
    return sentences


def by_dose_sentences(oa: OutcomeAnswer) -> list[str]:
    """Published one-dose estimates beside an answer that pools the doses (network meta-analyses report each
    regimen separately). One sentence per source, each dose labelled; they never set the bottom line."""
    ev = oa.evidence
    return [f"Published by dose ({source_words(group[0])}, {ev.intervention_label} vs {ev.comparator_label}): "
            + "; ".join(f"{regimen_label(s)} {rated_value(s, Estimate.of(s))}" for s in group)
            + orientation(group[0], ev.intervention_label) + "."
            for group in by_source(ev.by_dose)]
