"""Published estimates reported one regimen at a time (network meta-analyses), and published score
differences (EASI, POEM, DLQI mean differences).

A one-dose estimate answers a question about that dose (it leads when it covers more trials than ours), is
listed "by dose" beside an answer that pools the doses, and never sets the bottom line of a question it does
not answer. A mean difference is printed with a sign a reader can trust whatever sign its source used.
"""

from __future__ import annotations

import pytest

from bot.answers.compose import Estimate
from bot.answers.render import text
from bot.service import EvidenceService
from tests.test_engine import _index
from tests.test_knowledge import assert_issue, corrupt, issues_of


@pytest.fixture(scope="module")
def service() -> EvidenceService:
    return EvidenceService.from_directory()


def _answer(service, question):
    return service.ask(question).answer


def _dose_specific(service, outcome_id, drug, comparator="placebo"):
    return [s for s in service.kb.syntheses_for(outcome_id, drug, comparator)
            if s.dose_mg is not None and s.measure in ("RR", "OR", "RD", "MD")]


def test_a_one_dose_estimate_answers_a_question_about_that_dose(service):
    """Before: the dose filter itself kept the estimate for that very dose from being shown."""
    expected = next(s for s in _dose_specific(service, "easi75", "upadacitinib") if s.dose_mg == 30)
    oa = _answer(service, "does upadacitinib 30 mg improve EASI-75").outcomes[0]
    assert oa.published is not None and oa.published.source == expected.synthesis_id


def test_doses_pooled_keep_our_bottom_line_and_list_the_published_doses(service):
    held = _dose_specific(service, "easi75", "upadacitinib")
    assert len(held) >= 2
    result = service.ask("does upadacitinib improve EASI-75")
    oa = result.answer.outcomes[0]
    assert all(s.dose_mg is None for s in oa.evidence.syntheses)
    assert {s.synthesis_id for s in oa.evidence.by_dose} == {s.synthesis_id for s in held}
    assert oa.basis.source in ("pooled", *(s.synthesis_id for s in oa.evidence.syntheses))
    reply = text(result.reply)
    assert "Published by dose" in reply
    for s in held:
        assert f"{s.dose_mg:g} mg" in reply


def test_another_filter_keeps_one_dose_estimates_out(service):
    """A network estimate covers all its trials: beside an answer filtered to adolescents it would mislead."""
    oa = _answer(service, "does upadacitinib improve EASI-75 in adolescents").outcomes[0]
    assert oa.evidence.by_dose == ()
    assert oa.published is None or oa.evidence.lead_synthesis.dose_mg is None


def test_an_estimate_every_2_weeks_does_not_answer_every_4_weeks(service):
    oa = _answer(service, "dupilumab 300 mg every 4 weeks DLQI").outcomes[0]
    assert oa.lead is None
    oa = _answer(service, "dupilumab 300 mg every 2 weeks DLQI").outcomes[0]
    assert oa.lead is not None and oa.lead.measure == "MD"


def test_mean_differences_read_as_improvement_whatever_sign_the_source_used(service):
    """Drucker 2020 prints EASI as 'an 11.3-point reduction' and DLQI as -4.8: both are improvements."""
    mds = [s for s in service.kb.syntheses if s.measure == "MD"]
    assert mds and {s.md_improvement for s in mds} == {"positive", "negative"}
    for s in mds:
        e = Estimate.of(s)
        sign = 1 if s.md_improvement == "positive" else -1
        assert (e.estimate, sorted((e.ci_low, e.ci_high))) == (sign * s.estimate,
                                                              sorted((sign * s.ci_low, sign * s.ci_high)))
        assert e.ci_low <= e.estimate <= e.ci_high
    for question in ("dupilumab 300 mg DLQI", "dupilumab 300 mg EASI score", "dupilumab 300 mg POEM"):
        reply = text(service.ask(question).reply)
        assert "improved more on dupilumab" in reply, question
        assert "95% CrI +" in reply and "95% CI" not in reply.split("\n")[2], question


def test_a_score_question_without_a_dose_shows_every_published_dose(service):
    result = service.ask("does abrocitinib improve quality of life")
    oa = result.answer.outcomes[0]
    assert oa.outcome.id == "dlqi_change" and oa.lead is None
    reply = text(result.reply)
    assert "100 mg" in reply and "200 mg" in reply and "above 0 = more improvement on abrocitinib" in reply
    assert "I have no trial counts" not in reply  # the published doses are the answer


def test_a_comparison_lists_published_regimens_turned_to_the_question(service):
    """Drucker 2024 reports dupilumab vs lebrikizumab; asked the other way round, the ratio is inverted, and it
    stays beside our network estimate of the same regimen pair."""
    source = next(s for s in service.kb.syntheses if s.outcome_id == "easi75" and s.drug == "dupilumab"
                  and s.comparator == "lebrikizumab")
    (pair,) = _answer(service, "lebrikizumab vs dupilumab EASI-75").comparisons[0].pairs
    (pub,) = pair.published
    assert pub.synthesis is source
    assert pub.estimate == pytest.approx(1 / source.estimate)
    assert pub.ci_low == pytest.approx(1 / source.ci_high) and pub.ci_high == pytest.approx(1 / source.ci_low)
    (pair2,) = _answer(service, "dupilumab vs lebrikizumab EASI-75").comparisons[0].pairs
    assert pair2.published[0].estimate == source.estimate


def test_the_overview_names_score_outcomes_instead_of_calling_them_missing(service):
    o = _answer(service, "is dupilumab safe").overview
    assert "DLQI (quality of life)" in o.by_dose_only and "DLQI (quality of life)" not in o.missing


@pytest.fixture
def copy(tmp_path):
    import shutil

    from knowledge.loader import default_directory
    target = tmp_path / "kb"
    shutil.copytree(default_directory(), target)
    return target


def test_a_mean_difference_must_say_which_sign_is_improvement(copy):
    index = _index(copy, "syntheses.csv", measure="MD")
    line = corrupt(copy, "syntheses.csv", index, md_improvement="")
    assert_issue(issues_of(copy), "syntheses.csv", line, "md_improvement", "which sign means improvement")


def test_a_ratio_cannot_be_filed_under_a_score_nor_a_difference_under_counts(copy):
    line = corrupt(copy, "syntheses.csv", _index(copy, "syntheses.csv", measure="MD"), measure="OR",
                   md_improvement="")
    assert_issue(issues_of(copy), "syntheses.csv", line, "measure", "continuous score takes a mean difference")


def test_counts_cannot_be_held_for_a_score(copy):
    line = corrupt(copy, "counts.csv", _index(copy, "counts.csv", outcome_id="easi75"), outcome_id="dlqi_change")
    assert_issue(issues_of(copy), "counts.csv", line, "outcome_id", "continuous score")


def test_rates_on_the_drug_are_shown_as_rates_never_as_a_comparison(service):
    """Pooled safety analyses give rates on the drug only (abrocitinib zoster): shown as rates, never compared.
    (Data 2026.12.0 dropped the thrombosis and MACE rates, printed without an interval; see CURATION.md.)"""
    rates = service.kb.syntheses_for("herpes_zoster", "abrocitinib", "none")
    assert rates and all(s.measure == "IR" for s in rates)
    result = service.ask("does abrocitinib cause shingles")
    oa = result.answer.outcomes[0]
    assert oa.outcome.id == "herpes_zoster"
    assert set(oa.evidence.rates) == set(rates)
    reply = text(result.reply)
    assert "not a comparison with placebo" in reply and "per 100 patient-years" in reply


def test_each_rate_names_its_dose_and_cohort(service):
    reply = text(service.ask("abrocitinib shingles").reply)
    for s in service.kb.syntheses_for("herpes_zoster", "abrocitinib", "none"):
        assert s.cohort and f"{s.cohort}: {s.estimate:g} per 100 patient-years" in reply, s.synthesis_id


def test_a_dose_question_keeps_only_that_dose_s_rates(service):
    oa = service.ask("abrocitinib 200 mg herpes zoster").answer.outcomes[0]
    assert oa.evidence.rates and {s.dose_mg for s in oa.evidence.rates} == {200}


def test_a_rate_printed_without_an_interval_is_refused(copy):
    """CURATION.md: a rate without its interval says nothing of its precision and is left out (issue 20)."""
    index = _index(copy, "syntheses.csv", measure="IR")
    line = corrupt(copy, "syntheses.csv", index, ci_low="", ci_high="")
    assert_issue(issues_of(copy), "syntheses.csv", line, "ci_low", "needs its 95% interval")


def test_an_interval_is_still_required_of_a_comparison(copy):
    index = _index(copy, "syntheses.csv", measure="RR")
    line = corrupt(copy, "syntheses.csv", index, ci_low="", ci_high="")
    assert_issue(issues_of(copy), "syntheses.csv", line, "ci_low", "")


def _one_dose_vs_placebo(kb):
    return [s for s in kb.syntheses if s.dose_mg is not None and s.comparator == "placebo"
            and s.measure in ("RR", "OR", "PETO_OR", "RD", "MD")]


def test_every_one_dose_estimate_answers_its_dose_and_is_listed_without_one(service):
    """Generated over every one-dose estimate held: named with its dose (and interval) it is among the
    estimates that answer; asked without a dose it is listed by dose, never the bottom line."""
    held = _one_dose_vs_placebo(service.kb)
    assert len(held) >= 20
    for s in held:
        outcome = service.kb.outcomes[s.outcome_id].name
        every = {1: " every week", 2: " every 2 weeks", 4: " every 4 weeks"}.get(s.interval_weeks, "")
        oa = service.ask(f"{s.drug} {s.dose_mg:g} mg{every} {outcome}").answer.outcomes[0]
        assert oa.outcome.id == s.outcome_id, s.synthesis_id
        assert s in oa.evidence.syntheses, s.synthesis_id
        plain = service.ask(f"{s.drug} {outcome}").answer.outcomes[0]
        assert s in plain.evidence.by_dose and s not in plain.evidence.syntheses, s.synthesis_id
        assert plain.basis is None or plain.basis.source != s.synthesis_id, s.synthesis_id


def test_a_comparison_that_names_a_dose_lists_only_that_regimen(service):
    every = _answer(service, "abrocitinib vs dupilumab EASI score").comparisons[0].published_by_dose
    assert {s.dose_mg for s, _ in every} == {100, 200}
    named = _answer(service, "abrocitinib 200 mg vs dupilumab EASI score").comparisons[0].published_by_dose
    assert [s.dose_mg for s, _ in named] == [200]


@pytest.mark.parametrize("toggle", ["odds ratio", "risk difference", "random effects", "nnt",
                                    "if baseline risk is 10%"])
@pytest.mark.parametrize("question", ["dupilumab 300 mg DLQI", "dupilumab DLQI", "abrocitinib eczema herpeticum"])
def test_a_display_toggle_on_a_score_or_a_rate_is_said_not_to_apply(service, question, toggle):
    """Nothing of ours is pooled there, so a measure, model, NNT or baseline risk asked for cannot be honoured:
    the reply says so instead of ignoring it, and the bottom line stays what it was."""
    plain = service.ask(question)
    asked = service.ask(f"{question} {toggle}")
    oa = asked.answer.outcomes[0]
    assert any("does not apply" in note for note in oa.notes), oa.notes
    assert "does not apply" in text(asked.reply, sections=())
    assert oa.lead == plain.answer.outcomes[0].lead
    assert oa.evidence.by_dose == plain.answer.outcomes[0].evidence.by_dose
