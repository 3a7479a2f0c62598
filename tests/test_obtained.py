"""Issue 20: how each count was obtained is data and decides what pools; serious-only counts are their own
family; the cross-row checks of `kb check` catch each audit finding wherever it hides (each test corrupts a
copy of the real data the way the audit found it, and the check must refuse it)."""

from __future__ import annotations

import pytest

from bot.answers.evidence import Query, select
from bot.understand.options import Options
from knowledge.checks import check, line_index
from knowledge.loader import load
from tests.test_knowledge import copy, corrupt, rows  # noqa: F401  (copy is a fixture)

HARMS_ASKED = ("acne", "herpes_zoster", "herpes_infection", "eczema_herpeticum", "serious_adverse_event")


def cross_row(directory):
    return check(load(directory), line_index(directory))


def _index(directory, **match):
    return next(i for i, r in enumerate(rows(directory / "counts.csv"))
                if all(r[k] == v for k, v in match.items()))


# --- the real data ----------------------------------------------------------------------------------------

def test_the_bundled_data_passes_every_cross_row_check(service):
    assert check(service.kb, {}) == []


@pytest.mark.parametrize("outcome_id", sorted({"easi75", "iga01", "conjunctivitis", *HARMS_ASKED,
                                               "skin_infection", "serious_infection"}))
def test_every_trial_with_counts_is_pooled_or_listed_with_its_reason(service, outcome_id):
    """Over every covered drug: a trial holding counts for both sides is pooled, or named with why it is not
    (how a count was obtained never drops a trial silently)."""
    kb = service.kb
    outcome = kb.outcomes[outcome_id]
    for drug in kb.covered_drugs:
        ev = select(kb, Query(drug, "placebo", outcome_id), Options())
        named = {t.label for t in ev.tables} | {label for label, _ in ev.excluded}
        for table in ev.tables:
            assert all(outcome.pools(c.obtained) for c in table.counts), (drug, table.label)
            assert not outcome.serious_only(table.family), (drug, table.label)
        held = {c.trial_id for c in kb.counts_for(outcome_id) if c.drug == drug}
        for trial_id in held:
            if any(a.drug == "placebo" for a in kb.arms_of(trial_id)):
                from bot.answers.evidence import trial_label
                assert trial_label(kb.trial(trial_id)) in named, (drug, trial_id)


@pytest.mark.parametrize("outcome_id", HARMS_ASKED)
def test_upadacitinib_harms_are_answered_from_the_exact_sums_of_its_trials(service, outcome_id):
    """Measure Up 1/2 and AD Up harms are sums of the registry's adult and adolescent groups: exact, pooled."""
    ev = select(service.kb, Query("upadacitinib", "placebo", outcome_id), Options())
    sums = [t for t in ev.tables if "exact_sum" in t.obtained]
    assert sums, [why for _, why in ev.excluded]


def test_is_upadacitinib_safe_shows_its_harms(service):
    rows_ = service.ask("is rinvoq safe").answer.overview.rows
    harms = {oa.outcome.id for oa in rows_ if not oa.outcome.is_benefit}
    assert {"acne", "herpes_zoster", "serious_adverse_event"} <= harms


def test_serious_only_zeros_are_never_shown_as_all_cases(service):
    """BREEZE-AD1 counts zoster only from the serious-event list: named, never pooled as 0 of n had shingles."""
    result = service.ask("baricitinib shingles")
    ev = result.answer.outcomes[0].evidence
    assert not ev.tables and not ev.other_definitions
    assert any(label == "BREEZE-AD1" and "serious cases only" in why for label, why in ev.excluded)


def test_skin_infection_families_are_split(service):
    kb = service.kb
    outcome = kb.outcomes["skin_infection"]
    by_family = {c.definition_family for c in kb.counts_for("skin_infection")}
    assert by_family <= {f.id for f in outcome.families}
    pt = [c for c in kb.counts_for("skin_infection") if c.definition_family == "preferred_term"]
    assert pt and all("Skin infection" in c.definition for c in pt)
    assert not any("olliculitis" in c.definition for c in kb.counts_for("skin_infection"))


def test_a_phase_2_only_meta_analysis_is_labelled_and_never_leads_over_our_pooling(service):
    for s in service.kb.syntheses:
        if not s.scope:
            continue
        result = service.ask(f"{s.drug} {service.kb.outcomes[s.outcome_id].name}")
        oa = result.answer.outcomes[0]
        if oa.ours is not None:
            assert oa.lead is not oa.published, s.synthesis_id
        from bot.answers.render import text
        assert "phase 2 trials only" in text(result.reply), s.synthesis_id


# --- each audit finding, caught by a rule over every row --------------------------------------------------

def test_a_denominator_that_disagrees_with_the_same_arm_at_the_same_week_is_refused(copy):  # noqa: F811
    """JADE COMPARE EASI-90 held the safety-set size while its IGA and EASI-75 used the analysis set."""
    index = _index(copy, trial_id="jade_compare", arm_id="placebo", outcome_id="easi90")
    line = corrupt(copy, "counts.csv", index, n="131", events="13", obtained="imputed")
    issues = [i for i in cross_row(copy) if i.column == "n"]
    assert any(i.row == line and "differs from the same arm's n" in i.message for i in issues)
    corrupt(copy, "counts.csv", index, note=rows(copy / "counts.csv")[index]["note"]
            + " denominator differs: stated for the test")
    assert not [i for i in cross_row(copy) if i.column == "n"]


def test_a_count_its_percentage_does_not_reproduce_is_refused(copy):  # noqa: F811
    index = _index(copy, obtained="from_percentage", outcome_id="easi75")
    events = int(rows(copy / "counts.csv")[index]["events"])
    line = corrupt(copy, "counts.csv", index, events=str(events + 2))
    assert any(i.row == line and i.column == "events" for i in cross_row(copy))


def test_a_serious_list_count_outside_the_serious_only_family_is_refused(copy):  # noqa: F811
    """BREEZE-AD1 and ECZTRA 1 zeros from the serious-event list sat under all-cases families."""
    index = _index(copy, trial_id="breeze_ad1", arm_id="placebo", outcome_id="herpes_zoster")
    line = corrupt(copy, "counts.csv", index, definition_family="preferred_term")
    assert any(i.row == line and i.column == "definition_family" for i in cross_row(copy))


@pytest.mark.parametrize("citation", ["[authors not read] A meta-analysis. Medicine 2023",
                                      "Efficacy of a drug: a meta-analysis. J Eur Acad Dermatol Venereol 2022"])
def test_a_citation_without_authors_or_a_group_is_refused(copy, citation):  # noqa: F811
    line = corrupt(copy, "syntheses.csv", 0, citation=citation)
    assert any(i.file == "syntheses.csv" and i.row == line and i.column == "citation" for i in cross_row(copy))


def test_a_one_dose_estimate_at_a_dose_no_trial_used_is_refused(copy):  # noqa: F811
    """The lebrikizumab meta-analysis was labelled 200 mg; every lebrikizumab trial gave 250 mg."""
    index = next(i for i, r in enumerate(rows(copy / "syntheses.csv"))
                 if r["synthesis_id"] == "bashrahil2023_ma_easi75_lebrikizumab_placebo_regimen1")
    line = corrupt(copy, "syntheses.csv", index, dose_mg="200")
    assert any(i.file == "syntheses.csv" and i.row == line and i.column == "dose_mg" for i in cross_row(copy))


def test_where_registry_and_paper_disagree_both_are_held_and_shown(service):
    """CHRONOS serious adverse events: registry 20 and 12 of 315, Deleuran 2020 16 and 10; the Trials detail
    shows both and says which is used."""
    from bot.answers.render import text

    held = {d.arm_id: (d.events, d.n) for d in service.kb.disagreements_for("chronos", "serious_adverse_event")}
    assert held == {"placebo": (16, 315), "300qw": (10, 315)}
    reply = text(service.ask("dupilumab serious adverse events").reply)
    assert "Sources disagree: 10.1007/s40257-020-00527-x (Deleuran 2020 AJCD)" in reply
    assert "placebo + TCS 16/315 and 300 mg qw + TCS 10/315" in reply and "registry's counts are used" in reply


def test_a_disagreement_must_differ_from_the_held_count(copy):  # noqa: F811
    from tests.test_knowledge import assert_issue, issues_of

    data = rows(copy / "disagreements.csv")
    line = corrupt(copy, "disagreements.csv", 0, events="20")  # the registry's own placebo count
    assert data[0]["arm_id"] == "placebo"
    assert_issue(issues_of(copy), "disagreements.csv", line, "events", "does not disagree")


def test_advocate_1_placebo_serious_infection_is_held(service):
    """The registry lists a placebo serious infection for ADvocate 1 that was not held (audit)."""
    count = next(c for c in service.kb.counts_for("serious_infection")
                 if (c.trial_id, c.arm_id) == ("advocate1", "placebo"))
    assert (count.events, count.n, count.obtained) == (1, 141, "exact_sum")
    ev = select(service.kb, Query("lebrikizumab", "placebo", "serious_infection"), Options())
    assert "advocate1" in {t.trial_id for t in ev.tables}
