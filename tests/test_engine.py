"""Drugs and outcome kinds are data: a fictional drug added to a copy of the knowledge base is answered by
name, brand and code with no code change; benefits and harms read the right way round; the validator refuses
the new kinds of bad row; `kb coverage` shows drug x trial x outcome."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.answers.plots import BENEFIT_COLOUR, EVENT_COLOUR, icon_array_png
from bot.answers.render import text
from bot.cli import main
from bot.service import EvidenceService
from knowledge.loader import default_directory
from tests.test_knowledge import assert_issue, corrupt, issues_of, rows, write

FIXTURE = "fictional test fixture, not a real trial"
DRUG = """
  zorbimab:
    label: zorbimab
    class: biologic
    target: IL-99 antibody (fictional)
    route: subcutaneous
    brands: [Zorbix]
    codes: [ZRB-101]
    terms: [zorbimab, zorbi]
    lookalikes: [zerbimab]
  zerbimab:
    label: zerbimab
    terms: [zerbimab]
"""
# (trial, arm, drug, outcome, events, n): two placebo-controlled trials of the fictional drug
COUNTS = [
    ("zorb1", "placebo", "placebo", "easi75", 20, 100), ("zorb1", "z100", "zorbimab", "easi75", 50, 100),
    ("zorb2", "placebo", "placebo", "easi75", 15, 100), ("zorb2", "z100", "zorbimab", "easi75", 45, 100),
    ("zorb1", "placebo", "placebo", "conjunctivitis", 3, 100), ("zorb1", "z100", "zorbimab", "conjunctivitis", 12, 100),
    ("zorb2", "placebo", "placebo", "conjunctivitis", 2, 100), ("zorb2", "z100", "zorbimab", "conjunctivitis", 10, 100),
]


def fictional_kb(target: Path) -> Path:
    shutil.copytree(default_directory(), target)
    with (target / "drugs.yaml").open("a", encoding="utf-8") as handle:
        handle.write(DRUG)
    trials = rows(target / "trials.csv")
    template = dict.fromkeys(trials[0], "")
    for trial_id, acronym in (("zorb1", "ZORB-1"), ("zorb2", "ZORB-2")):
        trials.append({**template, "trial_id": trial_id, "acronym": acronym, "citation": f"{acronym} ({FIXTURE})",
                       "design": "parallel", "condition": "atopic_dermatitis", "age_group": "adults",
                       "background": "monotherapy", "followup_weeks": "16", "in_fleming_2018": "no",
                       "source": FIXTURE, "url": "https://example.org/fixture"})
    write(target / "trials.csv", trials)
    arms = rows(target / "arms.csv")
    blank = dict.fromkeys(arms[0], "")
    for trial_id in ("zorb1", "zorb2"):
        arms.append({**blank, "trial_id": trial_id, "arm_id": "placebo", "role": "placebo", "drug": "placebo",
                     "regimen": "placebo"})
        arms.append({**blank, "trial_id": trial_id, "arm_id": "z100", "role": "drug", "drug": "zorbimab",
                     "regimen": "100 mg q2w", "dose_mg": "100", "interval_weeks": "2", "route": "sc",
                     "licensed": "yes"})
    write(target / "arms.csv", arms)
    counts = rows(target / "counts.csv")
    blank = dict.fromkeys(counts[0], "")
    for trial_id, arm_id, drug, outcome, events, n in COUNTS:
        counts.append({**blank, "trial_id": trial_id, "arm_id": arm_id, "drug": drug, "outcome_id": outcome,
                       "events": str(events), "n": str(n), "obtained": "read",
                       "timepoint_weeks": "16" if outcome == "easi75" else "",
                       "definition_family": "nri" if outcome == "easi75" else "preferred_term",
                       "population": "fas", "source": FIXTURE, "location": "fixture",
                       "url": "https://example.org/fixture", "quote": FIXTURE})
    write(target / "counts.csv", counts)
    return target


@pytest.fixture(scope="module")
def fictional(tmp_path_factory) -> EvidenceService:
    return EvidenceService.from_directory(fictional_kb(tmp_path_factory.mktemp("kb") / "data"))


@pytest.mark.parametrize("question", ["does zorbimab improve EASI-75", "Zorbix EASI 75", "ZRB-101 easi75"])
def test_a_drug_added_by_data_is_answered_by_its_names(fictional, question):
    result = fictional.ask(question)
    parsed = result.answer.parse
    assert (parsed.status, parsed.intervention, parsed.comparator) == ("answer", "zorbimab", "placebo")
    oa = result.answer.outcomes[0]
    assert [t.label for t in oa.evidence.tables] == ["ZORB-1", "ZORB-2"]
    assert (oa.evidence.tables[0].ai, oa.evidence.tables[0].ci) == (50, 20)
    reply = text(result.reply)
    assert reply.startswith("Zorbimab vs placebo: EASI-75")
    assert "More on zorbimab: risk ratio" in reply and "would reach EASI-75" in reply
    assert "dupilumab" not in reply.split("SOURCES")[0].lower()


def test_a_lookalike_of_the_new_drug_is_never_answered_as_it(fictional):
    parsed = fictional.ask("zerbimab EASI-75").answer.parse
    assert parsed.status == "no_data" and parsed.intervention is None
    assert {m.id for m in parsed.uncovered} == {"zerbimab"}


def test_existing_drugs_still_answer_beside_the_new_one(fictional):
    assert text(fictional.ask("does dupilumab reduce skin infections").reply).count("risk ratio 0.54 (95% CI") == 1


def test_benefit_and_harm_read_the_right_way_round(fictional):
    benefit = fictional.ask("zorbimab EASI-75").answer.outcomes[0]
    harm = fictional.ask("zorbimab conjunctivitis").answer.outcomes[0]
    assert benefit.outcome.kind == "benefit" and harm.outcome.kind == "harm"
    # both raise the event rate: NNT for benefit, NNT for harm
    assert benefit.absolute.nnt.kind == "NNTB" and harm.absolute.nnt.kind == "NNTH"
    harm_text = text(fictional.ask("zorbimab conjunctivitis").reply)
    assert "More on zorbimab: risk ratio" in harm_text
    assert "would have conjunctivitis" in harm_text
    assert "would reach EASI-75" in text(fictional.ask("zorbimab EASI-75").reply)


def _colours(png: bytes) -> set[tuple[int, int, int]]:
    from matplotlib.image import imread

    pixels = (imread(io.BytesIO(png), format="png")[..., :3] * 255).round().astype(np.uint8)
    return {tuple(int(v) for v in p) for p in np.unique(pixels.reshape(-1, 3), axis=0)}


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def test_icon_array_colours_follow_the_outcome_kind(fictional):
    benefit = _colours(icon_array_png(fictional.ask("zorbimab EASI-75").answer.outcomes[0]))
    harm = _colours(icon_array_png(fictional.ask("zorbimab conjunctivitis").answer.outcomes[0]))
    assert _rgb(BENEFIT_COLOUR) in benefit and _rgb(EVENT_COLOUR) not in benefit
    assert _rgb(EVENT_COLOUR) in harm and _rgb(BENEFIT_COLOUR) not in harm


def test_head_to_head_trial_answers_drug_against_drug(service):
    """The direct evidence of a regimen pair is the head-to-head trial's two arms alone (issue 18: by regimen,
    from the network; no placebo arm, no other dose pooled in)."""
    pairs = service.ask("abrocitinib vs dupilumab EASI-75").answer.comparisons[0].pairs
    assert pairs and all(p.b.drug == "dupilumab" for p in pairs)
    for pair in pairs:
        assert pair.direct_trials and set(pair.direct_trials) <= {"JADE COMPARE", "JADE DARE"}
        counts = {c.arm_id: c for c in service.kb.counts_for("easi75") if c.trial_id == "jade_compare"}
        a, b = counts[f"{pair.a.dose_mg:g}mg"], counts["dupilumab_300q2w"]
        alone = (a.events / (a.n - a.events)) / (b.events / (b.n - b.events))
        assert pair.direct.estimate == pytest.approx(alone, rel=1e-9)


def test_coverage_prints_drug_by_trial_by_outcome(capsys, tmp_path):
    assert main(["kb", "coverage", str(fictional_kb(tmp_path / "data"))]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("drug"))
    assert header.split()[:3] == ["drug", "trial", "Fleming"] and "easi75" in header
    zorb = [line.split() for line in out.splitlines() if line.startswith("zorbimab")]
    assert [r[1] for r in zorb] == ["ZORB-1", "ZORB-2"]
    assert "- zorbimab: 2 trials; conjunctivitis in 2, EASI-75 in 2" in out


# --- the rules added with the engine, each on a corrupted copy of the real data ------------------------------

@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(default_directory(), target)
    return target


def _index(directory: Path, name: str, **match: str) -> int:
    return next(i for i, r in enumerate(rows(directory / name)) if all(r[k] == v for k, v in match.items()))


def test_efficacy_count_without_time_point_is_refused(copy):
    line = corrupt(copy, "counts.csv", _index(copy, "counts.csv", outcome_id="easi75"), timepoint_weeks="")
    assert_issue(issues_of(copy), "counts.csv", line, "timepoint_weeks", "needs the week")


def test_count_whose_drug_does_not_match_its_arm_is_refused(copy):
    line = corrupt(copy, "counts.csv", _index(copy, "counts.csv", trial_id="jade_compare", drug="dupilumab"),
                   drug="abrocitinib")
    assert_issue(issues_of(copy), "counts.csv", line, "drug", "which is dupilumab in arms.csv")


@pytest.mark.parametrize("changes, column, words", [
    ({"population": "subgroup"}, "population", "subgroup tables are not whole-trial data"),
    ({"n": "100"}, "n", "less than half"),
])
def test_subgroup_entered_as_whole_trial_is_refused(copy, changes, column, words):
    index = _index(copy, "counts.csv", trial_id="solo1", arm_id="placebo", outcome_id="serious_adverse_event")
    line = corrupt(copy, "counts.csv", index, note="a subgroup", **changes)
    assert_issue(issues_of(copy), "counts.csv", line, column, words)


@pytest.mark.parametrize("column, value, words", [
    ("drug", "imaginumab", "unknown drug"),
    ("comparator", "imaginumab", "unknown comparator"),
    ("comparator", "dupilumab", "with itself"),
])
def test_synthesis_comparing_drugs_that_do_not_exist_is_refused(copy, column, value, words):
    line = corrupt(copy, "syntheses.csv", _index(copy, "syntheses.csv", synthesis_id="fleming2018_skin_infection"),
                   **{column: value})
    assert_issue(issues_of(copy), "syntheses.csv", line, column, words)


def test_head_to_head_trial_needs_two_drugs(copy):
    data = rows(copy / "arms.csv")
    write(copy / "arms.csv", [a for a in data if not (a["trial_id"] == "jade_dare" and a["drug"] == "dupilumab")])
    line = _index(copy, "trials.csv", trial_id="jade_dare") + 2
    assert_issue(issues_of(copy), "trials.csv", line, "trial_id", "compares nothing")


def test_arm_of_an_unknown_drug_is_refused(copy):
    line = corrupt(copy, "arms.csv", _index(copy, "arms.csv", trial_id="solo1", arm_id="300q2w"), drug="dupilumob")
    assert_issue(issues_of(copy), "arms.csv", line, "drug", "not in drugs.yaml")


@pytest.mark.parametrize("drug", ["dupilumab", "tralokinumab", "lebrikizumab", "nemolizumab", "abrocitinib",
                                  "upadacitinib", "baricitinib"])
def test_every_drug_answers_easi75_and_iga01_from_two_trials_or_more(service, drug):
    for outcome in ("EASI-75", "IGA 0/1"):
        oa = service.ask(f"{drug} {outcome}").answer.outcomes[0]
        assert len(oa.evidence.tables) >= 2, (drug, outcome)
        assert oa.outcome.is_benefit and oa.lead is not None
