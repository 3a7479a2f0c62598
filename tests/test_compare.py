"""Comparisons between regimens (network, direct, indirect, published), rankings, summary-of-findings overviews
and rule-based certainty: checked by hand, against R metafor, and on the real knowledge base. (The Bucher
computation is still the engine of `pool`'s indirect comparisons and is checked here.)"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from analysis import bucher, bucher_from_results, pool
from bot.answers.as_json import answer_json
from bot.answers.certainty import Evidence, rate
from bot.answers.render import text

REFERENCE = json.loads((Path(__file__).parent / "reference" / "bucher_fixtures.json").read_text())


# --- the Bucher computation -----------------------------------------------------------------------------------

def test_bucher_by_hand():
    # RR 1.5 (se of log 0.1) against placebo, and RR 1.2 (se 0.2): A vs B = 1.5 / 1.2 = 1.25
    r = bucher(math.log(1.5), 0.1, math.log(1.2), 0.2, "RR")
    se = math.sqrt(0.1 ** 2 + 0.2 ** 2)
    assert r.estimate == pytest.approx(1.25)
    assert r.se == pytest.approx(se)
    z = 1.959963985
    assert (r.ci_low, r.ci_high) == pytest.approx((1.25 * math.exp(-z * se), 1.25 * math.exp(z * se)))
    d = bucher(0.10, 0.03, 0.04, 0.04, "RD")  # risk differences subtract, variances add
    assert (d.estimate, d.se) == pytest.approx((0.06, 0.05))
    assert (d.ci_low, d.ci_high) == pytest.approx((0.06 - 1.959963985 * 0.05, 0.06 + 1.959963985 * 0.05))


@pytest.mark.parametrize("measure", ["RR", "OR", "RD"])
def test_bucher_matches_metafor_meta_regression(measure):
    """metafor: rma(yi, vi, mods = ~ drugB, method = "FE") on both sets equals A - B under a common fixed effect."""
    data, expected = REFERENCE["input"], REFERENCE["measures"][measure]
    sets = [pool(data[s]["ai"], data[s]["n1i"], data[s]["ci"], data[s]["n2i"], measure=measure, method="IV")
            for s in ("A", "B")]
    for result, side in zip(sets, ("a", "b"), strict=True):
        assert result.theta == pytest.approx(expected[side]["estimate_log"], rel=1e-8)
        assert result.se == pytest.approx(expected[side]["se"], rel=1e-8)
    r = bucher_from_results(*sets)
    for ours, theirs in ((r.theta, "estimate_log"), (r.se, "se")):
        assert ours == pytest.approx(expected["indirect"][theirs], rel=1e-8)
        assert ours == pytest.approx(abs(expected["metaregression"][theirs]) if theirs == "se"
                                     else expected["metaregression"][theirs], rel=1e-8)
    low, high = (r.ci_low, r.ci_high) if measure == "RD" else (math.log(r.ci_low), math.log(r.ci_high))
    assert (low, high) == pytest.approx((expected["indirect"]["ci_low_log"], expected["indirect"]["ci_high_log"]),
                                        rel=1e-8)


def test_bucher_refuses_unlike_poolings():
    a = pool([10], [100], [5], [100], measure="RR", method="MH")
    b = pool([10], [100], [5], [100], measure="OR", method="MH")
    assert bucher_from_results(a, b) is None


# --- comparisons on the knowledge base ------------------------------------------------------------------------

def _odds_ratio(a: int, n1: int, c: int, n2: int) -> float:
    return (a / (n1 - a)) / (c / (n2 - c))


def test_direct_evidence_is_the_regimen_asked_alone(service):
    """Abrocitinib 200 mg vs dupilumab: JADE COMPARE's 200 mg arm alone is the direct evidence (never pooled
    with its 100 mg arm), and the network, direct and indirect estimates are shown side by side."""
    c = service.ask("abrocitinib 200 mg vs dupilumab IGA 0/1").answer.comparisons[0]
    (pair,) = c.pairs
    assert (pair.a_label, pair.b_label) == ("abrocitinib 200 mg", "dupilumab 300 mg every 2 weeks")
    assert pair.direct_trials == ("JADE COMPARE",)
    counts = {x.arm_id: x for x in service.kb.counts_for("iga01") if x.trial_id == "jade_compare"}
    alone = _odds_ratio(counts["200mg"].events, counts["200mg"].n, counts["dupilumab_300q2w"].events,
                        counts["dupilumab_300q2w"].n)
    pooled = _odds_ratio(counts["200mg"].events + counts["100mg"].events, counts["200mg"].n + counts["100mg"].n,
                         counts["dupilumab_300q2w"].events, counts["dupilumab_300q2w"].n)
    assert pair.direct.estimate == pytest.approx(alone, rel=1e-9) and abs(alone - pooled) > 0.2
    assert pair.indirect is not None and pair.p_difference is not None
    reply = text(service.ask("abrocitinib 200 mg vs dupilumab IGA 0/1").reply)
    assert "Direct, head-to-head (JADE COMPARE)" in reply and "direct and indirect evidence agree (p = " in reply


def test_indirect_only_says_so_and_is_downgraded(service):
    result = service.ask("tralokinumab vs lebrikizumab EASI-75")
    (pair,) = result.answer.comparisons[0].pairs
    assert pair.direct is None and pair.network is not None and pair.p_difference is None
    assert pair.certainty.source == "rule-based"
    # GRADE for network meta-analysis: an indirect-only estimate is rated from its two legs (the lower of them,
    # less for intransitivity), then imprecision on the network interval
    assert any(r.startswith("indirect evidence through the common comparator") for r in pair.certainty.reasons)
    assert not any(r.startswith("direct evidence") for r in pair.certainty.reasons)
    reply = text(result.reply)
    assert "Direct: no trial randomised the two; this is indirect evidence" in reply
    assert "direct and indirect evidence" not in reply  # no coherence line without both


def test_comparison_json_shape(service):
    result = service.ask("abrocitinib 200 mg vs dupilumab EASI-75")
    data = answer_json(result.answer, result.reply, service.kb, "")
    assert (data["intent"], data["intervention"], data["comparator"]) == ("compare", "abrocitinib", "dupilumab")
    assert data["intervention_regimen"] == {"drug": "abrocitinib", "dose_mg": 200, "interval_weeks": None}
    assert data["comparator_regimen"] == {"drug": "dupilumab", "dose_mg": None, "interval_weeks": None}
    (r,) = data["results"]
    assert set(r["network"]) >= {"measure", "model", "estimate", "ci_low", "ci_high", "k", "tau2"}
    assert r["direct"]["trials"] == ["JADE COMPARE"] and r["coherence"]["flag"] in (True, False)
    assert r["comparator_regimen"]["dose_mg"] == 300 and r["comparator_regimen"]["interval_weeks"] == 2
    assert r["certainty"]["source"] == "rule-based" and r["certainty"]["reasons"]


def test_a_published_estimate_with_doses_pooled_is_turned_round_and_kept_apart(tmp_path):
    """A network meta-analysis reporting dupilumab vs upadacitinib for herpes zoster with doses pooled (OR 0.23),
    asked the other way round, is shown as 1/0.23, beside the regimen pairs, never set against one. Data
    2026.12.0 left out the real row (its authors are not readable in any stored copy), so a copy of the knowledge
    base holds it as a labelled fixture."""
    import csv
    import shutil

    from bot.service import EvidenceService
    from knowledge.loader import default_directory

    directory = tmp_path / "kb"
    shutil.copytree(default_directory(), directory)
    with (directory / "syntheses.csv").open(newline="", encoding="utf-8") as handle:
        data = list(csv.DictReader(handle))
    data.append({**dict.fromkeys(data[0], ""), "synthesis_id": "fixture_nma_zoster", "kind": "network_ma",
                 "outcome_id": "herpes_zoster", "drug": "dupilumab", "comparator": "upadacitinib", "measure": "OR",
                 "model": "Bayesian network meta-analysis", "estimate": "0.23", "ci_low": "0.08", "ci_high": "0.81",
                 "k": "18", "citation": "Fixture Consortium (group). A test fixture, not a publication. 2026",
                 "doi": "10.0000/fixture", "location": "fixture", "url": "https://example.org/fixture",
                 "quote": "fixture"})
    with (directory / "syntheses.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)
    service = EvidenceService.from_directory(directory)
    c = service.ask("upadacitinib vs dupilumab herpes zoster").answer.comparisons[0]
    (pub,) = c.published_pooled
    assert pub.estimate == pytest.approx(1 / 0.23)
    assert (pub.ci_low, pub.ci_high) == pytest.approx((1 / 0.81, 1 / 0.08))
    assert pub.agrees is None
    assert not c.published_pooled or "upadacitinib 30 mg" in {p.a_label for p in c.pairs}
    named = service.ask("upadacitinib 30 mg vs dupilumab herpes zoster").answer.comparisons[0]
    assert named.published_pooled == ()  # a dose was named: a doses-pooled estimate does not answer it


def test_ranking_is_ordered_as_asked_and_says_how_sure(service):
    result = service.ask("which biologic has the least conjunctivitis")
    r = result.answer.rankings[0]
    assert not r.high_first and len(r.rows) >= 2
    assert all(service.kb.drugs[x.node.drug].drug_class == "biologic" for x in r.rows)
    scores = [x.p_score for x in r.rows]
    assert scores == sorted(scores, reverse=True)  # P-scores of "fewest first": the first line answers
    assert "The order carries uncertainty" in text(result.reply)
    benefit = service.ask("which JAK inhibitor is best for EASI-75").answer.rankings[0]
    assert benefit.high_first and {x.node.drug for x in benefit.rows} <= {"abrocitinib", "baricitinib",
                                                                           "upadacitinib"}
    most = service.ask("which JAK has the most acne").answer.rankings[0]
    assert most.high_first and most.rows[0].vs_placebo.estimate == max(x.vs_placebo.estimate for x in most.rows)


def test_overview_lists_benefits_then_harms_with_risks_and_certainty(service):
    result = service.ask("is tralokinumab safe")
    o = result.answer.overview
    kinds = [oa.outcome.kind for oa in o.rows]
    assert kinds == sorted(kinds, key=lambda k: k != "benefit") and "benefit" in kinds and "harm" in kinds
    assert all(oa.certainty is not None for oa in o.rows)
    data = answer_json(result.answer, result.reply, service.kb, "")
    assert data["intent"] == "overview"
    for oa, r in zip(o.rows, data["results"], strict=True):
        # risks per 1,000 are given unless no one on placebo had the event (no risk to apply the effect to)
        no_placebo_events = oa.evidence.median_control_risk in (None, 0.0)
        assert (r["control_per_1000"] is None) == no_placebo_events, r["outcome"]
        assert (r["treatment_per_1000"] is None) == no_placebo_events
    assert result.reply.buttons[0].action == "sof"


def test_overview_population_filters_it(service):
    adults = service.ask("tell me about upadacitinib").answer.overview
    teens = service.ask("tell me about upadacitinib in adolescents").answer.overview
    assert teens.rows != adults.rows
    for oa in teens.rows:
        assert {t.age_group for t in oa.evidence.tables} <= {"adolescents"}


# --- certainty rules: tests/test_certainty_rules.py holds one golden case per domain rule -----------------

def test_a_published_rating_is_shown_as_published():
    c = rate(Evidence("RR", 1.5, 2.5, 8, None, None, published_rating="moderate", published_source="Example 2024"))
    assert (c.rating, c.source, c.citation) == ("moderate", "published", "Example 2024")
