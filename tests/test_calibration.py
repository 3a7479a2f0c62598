"""The calibration table in docs/certainty.md is regenerated from the knowledge base and the certainty rules;
a change of either that is not written up fails here (run `python -m bot.answers.calibration` to rewrite it)."""

from __future__ import annotations

from bot.answers.calibration import committed_table, rows, table


def test_the_committed_calibration_table_is_the_one_the_rules_give(service):
    assert table(service.kb) == committed_table(), "run: python -m bot.answers.calibration"


def test_every_published_rating_is_listed_and_no_rating_is_two_levels_off_without_a_reason(service):
    found = rows(service.kb)
    held = sum(bool(s.certainty) for s in service.kb.syntheses) + len(service.kb.assessments.ratings)
    assert len(found) == held
    for r in found:
        if r.gap is not None and abs(r.gap) >= 2:
            assert "NO STATED REASON" not in r.why, r


def test_well_established_efficacy_against_placebo_is_rated_as_the_published_ratings_rate_it(service):
    """Upadacitinib EASI against placebo: high in the guideline network meta-analysis and high by our rules."""
    upa = [r for r in rows(service.kb) if r.drug == "upadacitinib" and r.our_outcome == "EASI-75"
           and r.comparator == "placebo"]
    assert upa and all(r.ours == r.published == "high" for r in upa)
