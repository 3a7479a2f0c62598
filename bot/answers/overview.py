"""A summary of findings for one drug against placebo, in the style of Cochrane and GRADEpro: one row per
outcome, benefits first, then harms, each with the risk on placebo and on the drug, the relative effect, the
trials and people behind it, and the certainty. Pure: every row is an ordinary outcome answer."""

from __future__ import annotations

from dataclasses import dataclass

from bot.answers.compose import OutcomeAnswer, answer_outcome
from bot.answers.evidence import Query
from bot.understand.options import Options
from knowledge.records import KnowledgeBase


@dataclass(frozen=True)
class Overview:
    drug: str
    label: str
    rows: tuple[OutcomeAnswer, ...]  # outcomes with an estimate: benefits first, then harms
    missing: tuple[str, ...]  # outcome names with no estimate for this drug (and population)
    by_dose_only: tuple[str, ...] = ()  # outcome names held only by dose, as a score difference or as rates


def overview(kb: KnowledgeBase, drug: str, options: Options, population: str | None) -> Overview:
    """Every outcome of one drug against placebo (kept in the knowledge base's memo)."""
    return kb.cached(("overview", drug, options, population), lambda: _overview(kb, drug, options, population))


def _overview(kb: KnowledgeBase, drug: str, options: Options, population: str | None) -> Overview:
    ordered = sorted(kb.outcomes.values(), key=lambda o: not o.is_benefit)  # stable: file order within a kind
    rows, missing, by_dose = [], [], []
    for outcome in ordered:
        oa = answer_outcome(kb, Query(drug, "placebo", outcome.id, population), options, sensitivity=False)
        if oa.lead is not None and not outcome.is_continuous:
            rows.append(oa)
        elif oa.lead is not None or oa.evidence.by_dose or oa.evidence.rates:
            by_dose.append(outcome.name)  # a score, or one dose at a time: asked about on its own
        else:
            missing.append(outcome.name)
    return Overview(drug, kb.drug_label(drug), tuple(rows), tuple(missing), tuple(by_dose))
