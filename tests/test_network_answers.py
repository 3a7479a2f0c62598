"""Regimens as network nodes, the network of one outcome, and the answers built on it (issue 18): node grouping,
population and background therapy, sides read as licensed regimens, direct evidence by dose, coherence (on a
synthetic head-to-head trial: no pair of the real data disagrees), rankings and their P-scores, the JSON."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from analysis.network import network_meta_analysis
from bot.answers.as_json import answer_json
from bot.answers.network_data import build_network
from bot.answers.network_fit import fit_network
from bot.answers.ranking import p_scores_among
from bot.answers.regimens import PLACEBO_NODE, Node, place
from bot.answers.render import text
from bot.service import EvidenceService
from bot.understand.options import Options

DATA = Path(__file__).resolve().parents[1] / "knowledge" / "data"
GOLDEN = Path(__file__).parent / "golden"


def _arm(kb, trial_id, arm_id):
    return next(a for a in kb.arms_of(trial_id) if a.arm_id == arm_id)


# --- nodes ------------------------------------------------------------------------------------------------------

def test_weight_tiered_arms_join_the_licensed_fixed_dose_at_their_interval(service):
    kb = service.kb
    adolescents = place(kb, _arm(kb, "adol", "wt_q2w"))
    assert adolescents.node == Node("dupilumab", 300, 2) and adolescents.grouped
    assert place(kb, _arm(kb, "preschool", "wt_q4w")).node == Node("dupilumab", 300, 4)
    assert place(kb, _arm(kb, "adol", "300q4w")).node == Node("dupilumab", 300, 4)
    # 100/200 mg in children has no tier of 300 mg: a node of its own, never labelled as a dose nobody had
    children = place(kb, _arm(kb, "peds", "wt_q2w"))
    assert children.node == Node("dupilumab", None, 2) and children.node.label(kb) == \
        "dupilumab weight-tiered every 2 weeks"


def test_a_loading_dose_makes_no_other_node_and_placebo_is_one_node(service):
    kb = service.kb
    assert place(kb, _arm(kb, "thaci2016", "300q2w")).node == place(kb, _arm(kb, "solo1", "300q2w")).node
    assert {place(kb, _arm(kb, t, "placebo")).node for t in ("solo1", "chronos", "jade_mono1")} == {PLACEBO_NODE}


@pytest.mark.parametrize(("trial", "arm", "why"), [
    ("level_up", "15mg_escalation", "escalated"), ("solo_continue", "300qw_or_q2w", "two intervals"),
    ("beck2014_m4a", "dupilumab", "not recorded"), ("level_up", "dupilumab", "not recorded")])
def test_an_arm_that_is_no_fixed_regimen_has_no_node(service, trial, arm, why):
    placement = place(service.kb, _arm(service.kb, trial, arm))
    assert placement.node is None and why in placement.reason


# --- the network of one outcome -----------------------------------------------------------------------------------

def test_every_trial_with_counts_is_in_the_network_or_named_with_its_reason(service):
    kb = service.kb
    for outcome in kb.outcomes.values():
        if outcome.is_continuous:
            continue
        data = build_network(kb, outcome.id, Options(), None)
        counted = {c.trial_id for c in kb.counts_for(outcome.id)}
        used = {t.trial_id for t in data.trials}
        named = {label for label, _ in data.excluded}
        for trial_id in counted - used:
            trial = kb.trial(trial_id)
            assert any(trial.acronym.endswith(label) or label in trial.acronym for label in named), \
                (outcome.id, trial_id)


def test_adults_and_adolescents_by_default_children_when_asked(service):
    kb = service.kb
    default = {t.trial_id for t in build_network(kb, "easi75", Options(), None).trials}
    assert "peds" not in default and "preschool" not in default and {"adol", "solo1", "jade_teen"} <= default
    children = {t.trial_id for t in build_network(kb, "easi75", Options(), "children").trials}
    assert children == {"peds"} or children <= {"peds"}


@pytest.mark.parametrize("background", ["tcs", "monotherapy"])
def test_asking_for_one_background_therapy_keeps_only_those_trials(service, background):
    data = build_network(service.kb, "easi75", Options(background=background), None)
    assert data.trials and {t.background for t in data.trials} == {background}


def test_every_answer_says_how_background_therapy_was_handled(service):
    for question in ("upadacitinib 30 mg vs 15 mg EASI-75", "which biologic has the least conjunctivitis",
                     "abrocitinib vs dupilumab itch", "JAK vs biologic efficacy"):
        reply = text(service.ask(question).reply, sections=())  # the first message: "a network of 25 trials
        assert "trials with and without topical steroids" in reply, question  # with and without topical steroids"
    reply = text(service.ask("upadacitinib 30 mg vs 15 mg EASI-75 with topical steroids").reply, sections=())
    assert "trials with topical steroids only" in reply


def test_left_out_populations_and_one_kind_of_trial_are_said(service):
    reply = text(service.ask("abro 200 vs dupi EASI-75 excluding adolescents").reply, sections=())
    assert "trials of adolescents left out as asked" in reply
    # "children" is 6 months to 11 years (issue 19: PEDS and PRESCHOOL); "school-age children" is PEDS alone
    reply = text(service.ask("which biologic is best for EASI-75 in school-age children").reply, sections=())
    assert reply.splitlines()[1].startswith("Children") and "1 trial, with topical steroids" in reply
    reply = text(service.ask("which biologic is best for EASI-75 in children").reply, sections=())
    assert reply.splitlines()[1].startswith("Children (6 months to 11 years)")
    assert "2 trials, all with topical steroids" in reply


# --- comparisons --------------------------------------------------------------------------------------------------

def test_a_drug_named_without_a_dose_means_each_licensed_regimen_separately(service):
    c = service.ask("upadacitinib vs dupilumab EASI-75").answer.comparisons[0]
    assert [(p.a, p.b) for p in c.pairs] == [(Node("upadacitinib", 15), Node("dupilumab", 300, 2)),
                                             (Node("upadacitinib", 30), Node("dupilumab", 300, 2))]
    assert any("upadacitinib 15 mg and 30 mg (licensed), each separately" in s for s in c.sides)
    first = text(service.ask("upadacitinib vs dupilumab EASI-75").reply, sections=())
    assert "No dose named: each licensed regimen" in first  # one pair leads, the other follows in one line
    assert "upadacitinib 15 mg" in first and "upadacitinib 30 mg" in first


def test_a_regimen_not_in_the_network_is_said_to_be_missing_never_replaced(service):
    c = service.ask("baricitinib 1 mg vs dupilumab acne").answer.comparisons[0]
    assert c.pairs == () and any("baricitinib 1 mg is not in the network" in m for m in c.missing)
    c = service.ask("upadacitinib 45 mg vs dupilumab EASI-75").answer.comparisons[0]
    assert c.pairs == () and any("no trial of upadacitinib 45 mg" in m for m in c.missing)


def test_the_network_estimate_matches_a_direct_fit_of_the_engine(service):
    """The answer's network estimate is the engine's on the same arms (no other processing on the way)."""
    kb = service.kb
    c = service.ask("baricitinib 4 mg vs 2 mg EASI-75").answer.comparisons[0]
    (pair,) = c.pairs
    data = build_network(kb, "easi75", Options(), None)
    labels = {n: n.label(kb) for n in data.nodes}
    result = network_meta_analysis(*data.arrays(labels), measure="OR", model="random", reference="placebo")
    by_hand = result.pair("baricitinib 4 mg", "baricitinib 2 mg")
    assert (pair.network.estimate, pair.network.ci_low, pair.network.ci_high) == pytest.approx(
        (by_hand.estimate, by_hand.ci_low, by_hand.ci_high), rel=1e-12)
    assert pair.direct_trials == ("BREEZE-AD1", "BREEZE-AD2") or set(pair.direct_trials) <= {
        "BREEZE-AD1", "BREEZE-AD2", "BREEZE-AD7"}


def test_indirect_evidence_only_from_other_trials(service):
    """Abrocitinib 100 and 200 mg are held only in trials that have both: netsplit's 'indirect' estimate would
    rest on those trials' own placebo arms, so none is shown and there is no coherence line. Upadacitinib 30 mg
    is also in Heads Up (against dupilumab), so 30 vs 15 mg has a genuine indirect route and it is shown."""
    (pair,) = service.ask("abrocitinib 200 mg vs 100 mg EASI-75").answer.comparisons[0].pairs
    assert pair.direct is not None and pair.indirect is None and pair.p_difference is None
    reply = service.ask("abrocitinib 200 mg vs 100 mg EASI-75").reply
    assert "JADE MONO-1, JADE MONO-2, JADE COMPARE and 1 more randomising both" in text(reply, sections=())
    assert "no indirect evidence" in text(reply, sections=("estimates",))
    (upa,) = service.ask("upadacitinib 30 mg vs 15 mg EASI-75").answer.comparisons[0].pairs
    assert upa.direct_trials == ("Measure Up 1", "Measure Up 2", "AD Up")
    assert upa.indirect is not None and upa.p_difference is not None


def test_absolute_numbers_are_at_a_stated_baseline(service):
    reply = text(service.ask("upadacitinib 30 mg vs 15 mg EASI-75").reply, sections=())
    assert "at a placebo risk of 16 in 100" in reply
    given = text(service.ask("upadacitinib 30 mg vs 15 mg EASI-75 if baseline risk is 50%").reply, sections=())
    assert "at the risk on upadacitinib 15 mg you gave" in given and "50 in 100 on 15 mg" in given


def _synthetic_head_to_head(tmp_path: Path) -> Path:
    """The knowledge base plus one clearly synthetic head-to-head trial of tralokinumab 300 mg every 2 weeks
    against lebrikizumab 250 mg every 2 weeks whose EASI-75 result runs against the rest of the network."""
    target = tmp_path / "kb"
    shutil.copytree(DATA, target)

    def append(name: str, row: dict[str, str]) -> None:
        with (target / name).open(newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        with (target / name).open("a", newline="", encoding="utf-8") as fh:
            csv.DictWriter(fh, header).writerow({k: row.get(k, "") for k in header})

    where = {"source": "synthetic test fixture", "location": "none", "url": "https://example.org/synthetic",
             "quote": "synthetic counts for a test; not data"}
    append("trials.csv", {"trial_id": "synthetic_h2h", "acronym": "SYNTHETIC-H2H", "citation": "Synthetic test trial",
                          "design": "parallel", "condition": "atopic_dermatitis", "age_group": "adults",
                          "severity": "moderate-to-severe", "background": "monotherapy", "followup_weeks": "16",
                          "in_fleming_2018": "no", "source": "synthetic", "url": "https://example.org/synthetic"})
    for arm, drug, dose in (("tralo", "tralokinumab", "300"), ("lebri", "lebrikizumab", "250")):
        append("arms.csv", {"trial_id": "synthetic_h2h", "arm_id": arm, "role": "drug", "drug": drug,
                            "regimen": f"{dose} mg q2w", "dose_mg": dose, "interval_weeks": "2", "route": "sc",
                            "licensed": "yes"})
    for arm, drug, events in (("tralo", "tralokinumab", 300), ("lebri", "lebrikizumab", 150)):
        append("counts.csv", {"trial_id": "synthetic_h2h", "arm_id": arm, "drug": drug, "outcome_id": "easi75",
                              "events": str(events), "n": "400", "derived": "no", "obtained": "read",
                              "timepoint_weeks": "16", "definition_family": "nri", "population": "fas",
                              "definition": "EASI-75", **where})
    return target


def test_direct_and_indirect_evidence_that_disagree_are_said_to(tmp_path):
    """Golden text of a disagreement, on a synthetic trial: in the real data every pair agrees (p >= 0.1)."""
    service = EvidenceService.from_directory(_synthetic_head_to_head(tmp_path))
    result = service.ask("tralokinumab vs lebrikizumab EASI-75")
    (pair,) = result.answer.comparisons[0].pairs
    assert pair.direct_trials == ("SYNTHETIC-H2H",) and pair.coherence_flag is True and pair.p_difference < 0.001
    assert pair.direct.estimate > 1 > pair.indirect.estimate
    rendered = text(result.reply, sections=()).replace(f"({service.kb.short_hash})", "(<content hash>)")
    assert "Direct and indirect evidence disagree (p < 0.001): see Other estimates." in rendered
    assert "direct and indirect evidence disagree (p < 0.001): trust neither blindly" in text(
        result.reply, sections=("estimates",))
    path = GOLDEN / "compare_direct_indirect_disagree.txt"
    if not path.exists():
        path.write_text(rendered + "\n", encoding="utf-8")
    assert rendered + "\n" == path.read_text(encoding="utf-8")
    data = answer_json(result.answer, result.reply, service.kb, "")
    assert data["results"][0]["coherence"]["flag"] is True


# --- rankings -----------------------------------------------------------------------------------------------------

def test_p_scores_among_every_treatment_are_the_engine_s(service):
    kb = service.kb
    fit = fit_network(kb, build_network(kb, "easi75", Options(), None))
    ours = p_scores_among(fit, list(fit.nodes), larger_is_better=True)
    engine = fit.result.p_scores(larger_is_better=True)
    for node, score in ours.items():
        assert score == pytest.approx(engine[fit.labels[node]], abs=1e-12)


@pytest.mark.parametrize(("question", "high_first"), [
    ("which JAK has the most acne", True), ("which biologic has the least conjunctivitis", False),
    ("which is best for EASI-75", True), ("which drug is best for conjunctivitis", False),
    ("which drug has the lowest EASI-75 response", False), ("which drug has the most conjunctivitis", True)])
def test_the_first_line_answers_the_question(service, question, high_first):
    r = service.ask(question).answer.rankings[0]
    assert r.high_first is high_first
    scores = [x.p_score for x in r.rows]
    assert scores == sorted(scores, reverse=True)
    first, last = r.rows[0].vs_placebo.log_estimate, r.rows[-1].vs_placebo.log_estimate
    assert (first > last) is high_first


def test_a_ranking_among_named_drugs_shows_only_their_regimens(service):
    r = service.ask("dupixent vs adbry vs ebglyss conjunctivitis").answer.rankings[0]
    assert {x.node.drug for x in r.rows} <= {"dupilumab", "tralokinumab", "lebrikizumab"} and len(r.rows) == 3
    data = answer_json(*_json_args(service, "dupixent vs adbry vs ebglyss conjunctivitis"))
    ranked = data["results"][0]["ranked"]
    assert [e["label"] for e in ranked] == [x.label for x in r.rows]
    assert all({"dose_mg", "interval_weeks", "label", "p_score"} <= set(e) for e in ranked)


def test_class_versus_class_ranks_both_classes(service):
    answer = service.ask("JAK vs biologic efficacy").answer
    assert [r.outcome.id for r in answer.rankings] == ["easi75", "iga01"]
    drugs = {x.node.drug for x in answer.rankings[0].rows}
    assert {"upadacitinib", "dupilumab"} <= drugs and answer.rankings[0].who == "JAK inhibitors and biologics"


def _json_args(service, question):
    result = service.ask(question)
    return result.answer, result.reply, service.kb, ""


# --- display toggles ----------------------------------------------------------------------------------------------

TOGGLES = ("as odds ratio", "as risk difference", "random effects", "fixed effect", "risk ratio", "peto")


@pytest.mark.parametrize("question", ["abrocitinib 200 mg vs dupilumab EASI-75", "upa 30 vs 15 EASI-90",
                                      "tralokinumab vs lebrikizumab conjunctivitis"])
def test_a_display_toggle_never_changes_a_comparison_s_bottom_line(service, question):
    def bottom(answer):
        return [(p.a, p.b, p.network.estimate, p.network.ci_low, p.network.ci_high,
                 None if p.absolute is None else (p.absolute.control_per_1000, p.absolute.treatment_per_1000))
                for p in answer.comparisons[0].pairs]

    base = bottom(service.ask(question).answer)
    assert base
    for toggle in TOGGLES:
        answer = service.ask(f"{question} {toggle}").answer
        assert bottom(answer) == base, toggle


@pytest.mark.parametrize("question", ["which is best for EASI-75", "which biologic has the least conjunctivitis"])
def test_a_display_toggle_never_changes_a_ranking_s_order_or_numbers(service, question):
    def bottom(answer):
        r = answer.rankings[0]
        return [(x.node, x.p_score, x.vs_placebo.estimate,
                 None if x.absolute is None else x.absolute.treatment_per_1000) for x in r.rows]

    base = bottom(service.ask(question).answer)
    for toggle in TOGGLES:
        answer = service.ask(f"{question} {toggle}").answer
        assert bottom(answer) == base, toggle
        r = answer.rankings[0]
        if toggle in ("as risk difference", "fixed effect", "risk ratio"):
            assert r.asked_fit is not None and all(x.as_asked is not None for x in r.rows), toggle


def test_a_pair_without_independent_indirect_evidence_is_rated_without_one(service):
    """Upadacitinib 30 vs 15 mg: every trial of either dose holds both, so netsplit's 'indirect' would rest on the
    same trials' placebo arms. The answer says there is no indirect evidence, and its certainty judges no
    incoherence either (before: 'incoherence: not downgraded (p = 0.59)' beside 'no indirect evidence')."""
    (pair,) = service.ask("upa 30 vs 15 easi90").answer.comparisons[0].pairs
    assert pair.indirect is None and pair.p_difference is None
    assert not any("incoherence" in r for r in pair.certainty.reasons)
