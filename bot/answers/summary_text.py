"""The cells of a summary line (an overview row, a summary-of-findings picture row): the effect, said as counts
when the evidence is sparse, a wide ratio never without its counts, and the certainty of the estimate shown."""

from __future__ import annotations

from bot.answers.compose import OutcomeAnswer
from bot.answers.sparse import wide
from bot.answers.sparse_text import sparse_summary, with_counts
from bot.answers.wording import choose_per, fmt_estimate, per_value


def leads_with_counts(oa: OutcomeAnswer) -> bool:
    return oa.sparse and oa.lead is not oa.published


def absolute_cells(oa: OutcomeAnswer) -> tuple[str, str] | None:
    """('4 per 100', '10 per 100'), or None when there is no baseline or the evidence is too sparse for a rate."""
    if oa.absolute is None or leads_with_counts(oa):
        return None
    per = choose_per(oa.absolute, oa.per)
    return (f"{per_value(oa.absolute.control_per_1000, per)} per {per:,}",
            f"{per_value(oa.absolute.treatment_per_1000, per)} per {per:,}")


def relative_cell(oa: OutcomeAnswer, text: str | None = None) -> str:
    """The relative effect as the line shows it; the counts and risk difference instead when sparse."""
    if leads_with_counts(oa):
        return sparse_summary(oa)
    lead = oa.lead
    shown = text if text is not None else fmt_estimate(lead)
    if lead is not oa.published and lead.measure not in ("RD", "MD") and wide(lead.ci_low, lead.ci_high):
        return with_counts(oa, shown)
    return shown


def certainty_cell(oa: OutcomeAnswer, short: bool = False) -> str:
    """'certainty high'; for a published lead its own rating, or that it has none (with ours for our pooling)."""
    c, ours = oa.certainty, oa.pooled_certainty
    if c is None:
        return "not rated" if short else "certainty not rated"
    if c.source == "published" and not c.rated:
        if short:
            return f"not rated{f' (ours: {ours.rating})' if ours else ''}"
        return "certainty not rated by its source" + (f" (our pooling: {ours.rating})" if ours else "")
    return c.rating if short else f"certainty {c.rating}"
