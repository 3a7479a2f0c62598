"""Certainty in words, each rating with the estimate it rates: the headline line and the Method lines."""

from __future__ import annotations

from bot.answers.compose import OutcomeAnswer
from bot.answers.reply import Line, line


def certainty_sentence(oa: OutcomeAnswer) -> str:
    c = oa.certainty
    if c is None:
        return "Certainty of the evidence: not rated."
    if c.source == "published":
        if not c.rated:
            return f"Certainty of the evidence: not rated by its source ({c.citation})."
        return f"Certainty of the evidence (GRADE, as rated by {c.citation}): {c.rating}."
    return f"Certainty of the evidence: {c.rating} ({c.rule_words}; see Method)."


def certainty_lines(oa: OutcomeAnswer) -> list[Line]:
    """Each rating with the estimate it rates: the published lead's own, then our pooling's with its reasons."""
    lines: list[Line] = []
    c, ours = oa.certainty, oa.pooled_certainty
    if c is not None and c.source == "published":
        lines.append(line(f"Certainty of the published estimate: {c.rating}" + (
            f" (GRADE, as rated by {c.citation})." if c.rated else f" by its source ({c.citation}).")))
    if ours is not None:
        what = "our pooling" if c is not None and c.source == "published" else "the evidence"
        lines.append(line(f"Certainty of {what}: {ours.rating} (rule-based, see docs/certainty.md):"))
        lines.extend(line(f"• {reason}") for reason in ours.reasons)
    return lines


def estimate_certainty_lines(what: str, c) -> list[Line]:
    """Method lines for one network estimate's rating: 'Certainty of A vs B: moderate (rule-based, …):' and
    one line per piece of evidence and domain."""
    if c is None:
        return []
    label = "as published" if c.source == "published" else "rule-based, see docs/certainty.md"
    return [line(f"Certainty of {what}: {c.rating} ({label}):"), *(line(f"• {reason}") for reason in c.reasons)]
