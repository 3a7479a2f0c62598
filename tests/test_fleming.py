"""Our curated trials against the published Fleming 2018 meta-analysis.

Fleming P, Drucker AM. Risk of infection in patients with atopic dermatitis treated with dupilumab: a
meta-analysis of randomized controlled trials. J Am Acad Dermatol 2018;78(1):62-69.e1 (PMID 28987493);
estimates from its abstract, as held in knowledge/data/syntheses.csv.

Public arm-level counts cover only some of its eight trials (knowledge/CURATION.md), so the test states the
coverage exactly (it fails when a trial is added, prompting this file to be revisited) and compares what it
can: with all eight trials held, our estimate must equal the published one within rounding; with fewer, our
pooling of the Fleming trials we hold must at least overlap the published interval.
"""

from __future__ import annotations

import pytest

from analysis import pool
from bot.answers.evidence import Query, select
from bot.understand.options import Options
from knowledge.loader import load

# Fleming trials with counts in our knowledge base, per outcome (what the test was written against).
COVERAGE = {
    "skin_infection": {"beck2014_m12", "chronos"},
    "eczema_herpeticum": {"chronos"},
    "herpes_infection": {"chronos"},
    "any_infection": set(),
}
METHOD = {"RR": ("RR", "MH"), "PETO_OR": ("OR", "PETO")}


@pytest.fixture(scope="module")
def kb():
    return load()


@pytest.mark.parametrize("outcome", sorted(COVERAGE))
def test_fleming_coverage_and_agreement(kb, outcome):
    fleming = next(s for s in kb.syntheses_for(outcome, "dupilumab") if s.pmid == "28987493")
    evidence = select(kb, Query("dupilumab", "placebo", outcome), Options(only_trials=fleming.trials))
    held = {t.trial_id for t in evidence.tables}
    assert held == COVERAGE[outcome], f"coverage changed for {outcome}: now {sorted(held)}"
    if not held:
        pytest.skip(f"no Fleming trial has counts for {outcome}: nothing to compare (see CURATION.md)")
    measure, method = METHOD[fleming.measure]
    t = evidence.tables
    ours = pool([s.ai for s in t], [s.n1i for s in t], [s.ci for s in t], [s.n2i for s in t],
                measure=measure, method=method)
    assert ours.defined
    if held == set(fleming.trials):
        assert round(ours.estimate, 2) == fleming.estimate
        assert (round(ours.ci_low, 2), round(ours.ci_high, 2)) == (fleming.ci_low, fleming.ci_high)
    else:
        assert ours.ci_low <= fleming.ci_high and fleming.ci_low <= ours.ci_high
        # Same side of no effect when both intervals exclude it.
        both_exclude_null = (ours.ci_high < 1 or ours.ci_low > 1) and (fleming.ci_high < 1 or fleming.ci_low > 1)
        if both_exclude_null:
            assert (ours.estimate < 1) == (fleming.estimate < 1)
