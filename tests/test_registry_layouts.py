"""Registry layouts beyond the atlas copy (issue 20), on the FICTIONAL fixture record NCT00000002 (trial zorb2;
tests/data/registry/make_fixture.py builds it): a ClinicalTrials.gov API v2 record kept as exact ranges of an
escaped JSON string, a partly stored serious-event list, outcome measures with week classes, group titles and a
printed 95% CI, and an atlas copy of one term beside it. Every number is invented."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from knowledge import intervals, registry
from knowledge.loader import load
from tests.test_knowledge import rows, write
from tests.test_registry import FIXTURE_RECORDS, with_fixtures
from tests.test_registry import kb_dir as kb_dir  # the fictional knowledge base (a fixture)

NCT = "NCT00000002"
PLACEBO, DRUG = "Period 1: Placebo", "Period 1: Zorbimab 100 mg"
RULE = {
    "trial_id": "zorb2",
    "adverse_event_groups": {"placebo": [PLACEBO], "z100": [DRUG]},
    "outcome_groups": {"placebo": ["Placebo"], "z100": ["Zorbimab 100 mg"]},
    "adverse_event_time_frame": "Period 1 (fixture)",
    "adverse_event_weeks": 16,
    "outcome_ci": "wald",
    "other_events_identified_by": "fixture: the generator cut them from otherEvents",
    "rows": [],
}


def row(module: str, outcome: str, family: str, **extra) -> dict:
    return {"module": module, "outcome": outcome, "family": family, **extra}


CONJUNCTIVITIS = row("other_events", "conjunctivitis", "preferred_term", layout="ctgov")
EASI75 = row("outcome", "easi75", "nri", measure="easi75_by_week", week=16, verbatim_contains="EASI-75",
             **{"class": "Week 16"})


@pytest.fixture(scope="module")
def kb():
    return load()


def derive(kb, *rule_rows: dict, records: Path = FIXTURE_RECORDS, **rule) -> dict[tuple[str, str], registry.Derived]:
    got = registry.derive(kb, NCT, {**RULE, **rule, "rows": list(rule_rows)}, records)
    return {(d.arm_id, d.outcome_id): d for d in got}


def without(tmp_path: Path, *names: str) -> Path:
    """The fixture records with some stored blocks' manifest rows removed (as if they had not been stored)."""
    target = tmp_path / "records"
    shutil.copytree(FIXTURE_RECORDS, target)
    with (FIXTURE_RECORDS / "MANIFEST.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        kept = [r for r in reader if not any(r["stored_file"].endswith(f"/{n}.json") for n in names)]
        columns = reader.fieldnames
    with (target / "MANIFEST.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)
    return target


def test_an_escaped_range_is_the_source_characters_and_parses_after_one_unescape():
    stored = (FIXTURE_RECORDS / NCT / "adverseEventsModule.seriousEvents.Cellulitis.json").read_text(encoding="utf-8")
    assert stored.startswith('{\\"term\\":\\"Cellulitis\\"')  # escaped as the source file holds it
    record = registry.open_record(NCT, FIXTURE_RECORDS)
    assert record.blocks["adverseEventsModule.frequencyThreshold"] == "5"
    assert [g["id"] for g in record.blocks["adverseEventsModule.eventGroups"]] == ["EG000", "EG001", "EG002"]
    assert record.layouts == {"atlas", "ctgov"}


def test_other_events_from_ctgov_blocks_with_provenance(kb):
    got = derive(kb, CONJUNCTIVITIS)
    placebo, drug = got[("placebo", "conjunctivitis")], got[("z100", "conjunctivitis")]
    assert (placebo.events, placebo.n, placebo.obtained) == (2, 100, "read")
    assert (drug.events, drug.n) == (10, 100) and 'Conjunctivitis EG001 "numAffected": 10' in drug.quote
    assert drug.copies == ("fixture/research-content-like (fictional)@",)


def test_when_both_copies_are_stored_a_row_names_the_one_it_reads(kb):
    with pytest.raises(registry.RuleError, match="name the row's `layout`"):
        derive(kb, row("other_events", "conjunctivitis", "preferred_term"))
    atlas = derive(kb, row("other_events", "conjunctivitis", "preferred_term", layout="atlas"))
    assert atlas[("z100", "conjunctivitis")].events == 10 and "n_affected" in atlas[("z100", "conjunctivitis")].quote


def test_a_partly_stored_serious_list_sums_an_organ_system_bounded_by_its_neighbours(kb):
    """Cholecystitis (hepatobiliary), Cellulitis and Pneumonia (infections), Fall (injury) are stored, consecutive:
    every serious infection is there. Two terms with events in one arm are a term sum (an upper bound)."""
    got = derive(kb, row("serious_terms", "serious_infection", "serious_list"))
    assert (got[("placebo", "serious_infection")].events, got[("placebo", "serious_infection")].obtained) == (1, "read")
    assert (got[("z100", "serious_infection")].events, got[("z100", "serious_infection")].obtained) == (2, "term_sum")


def test_a_term_absent_from_a_partly_stored_serious_list_is_zero_only_inside_a_bounded_organ_system(kb, tmp_path):
    herpeticum = row("serious_terms", "eczema_herpeticum", "serious_only", layout="ctgov",
                     term_soc="Infections and infestations")
    got = derive(kb, herpeticum)
    assert (got[("z100", "eczema_herpeticum")].events, got[("z100", "eczema_herpeticum")].n) == (0, 100)
    with pytest.raises(registry.RuleError, match="not the whole list"):
        # the first and last stored systems may go on beyond what is stored
        derive(kb, {**herpeticum, "term_soc": "Injury, poisoning and procedural complications"})
    with pytest.raises(registry.RuleError, match="not the whole list"):
        derive(kb, {**herpeticum, "term_soc": "Hepatobiliary disorders"})
    gap = without(tmp_path, "adverseEventsModule.seriousEvents.Pneumonia")
    with pytest.raises(registry.RuleError, match="not the whole list"):
        derive(kb, herpeticum, records=gap)


def test_other_events_stored_one_by_one_need_their_identification(kb):
    with pytest.raises(registry.RuleError, match="other_events_identified_by"):
        derive(kb, CONJUNCTIVITIS, other_events_identified_by="")


def test_other_events_must_follow_the_whole_serious_list_where_it_is_stored(kb, tmp_path):
    """ADvocate 2 (real, stored compact): otherEvents' first element starts right after the serious list and
    ',"otherEvents":['; a first element recorded one character later is refused."""
    records = tmp_path / "registry"
    shutil.copytree(registry.RECORDS, records)
    rule = registry.load_rules(Path(registry.__file__).parent / "data")["records"]["NCT04178967"]
    conjunctivitis = {**rule, "rows": [row("other_events", "conjunctivitis", "preferred_term")]}
    assert registry.derive(kb, "NCT04178967", conjunctivitis, records)[1].events == 21
    text = (records / "MANIFEST.csv").read_text(encoding="utf-8")
    first = "NCT04178967/adverseEventsModule.otherEvents.first_element.json"
    line = next(x for x in text.splitlines() if first in x)
    start, end = line.split(",range ")[1].split(",")[0].split("-")
    (records / "MANIFEST.csv").write_text(text.replace(line, line.replace(f"range {start}-{end}",
                                                                          f"range {int(start) + 1}-{int(end) + 1}")))
    with pytest.raises(registry.RuleError, match="do not follow the serious list"):
        registry.derive(kb, "NCT04178967", conjunctivitis, records)


def test_declared_event_group_ids_are_checked_against_the_atlas_copy(kb, tmp_path):
    """A copy without eventGroups (Measure Up 1's herpes terms): the rule names each id's group, and one term
    held in both copies must agree id by id, in the same order."""
    records = without(tmp_path, "adverseEventsModule.eventGroups")
    with pytest.raises(registry.RuleError, match="declare `event_group_ids`"):
        derive(kb, CONJUNCTIVITIS, records=records)
    ids = {"EG000": PLACEBO, "EG001": DRUG}
    got = derive(kb, CONJUNCTIVITIS, records=records, event_group_ids=ids, event_group_ids_check="Conjunctivitis")
    assert got[("z100", "conjunctivitis")].events == 10
    with pytest.raises(registry.RuleError, match="EG000 is not 'Period 1: Zorbimab 100 mg'"):
        derive(kb, CONJUNCTIVITIS, records=records, event_group_ids={"EG000": DRUG, "EG001": PLACEBO},
               event_group_ids_check="Conjunctivitis")


def test_a_measure_with_week_classes_is_read_at_the_rules_class_with_its_own_denominators(kb):
    with pytest.raises(registry.RuleError, match="2 classes"):
        derive(kb, {**EASI75, "class": None})
    got = derive(kb, EASI75)
    assert (got[("z100", "easi75")].events, got[("z100", "easi75")].n, got[("z100", "easi75")].percent) == \
        (45, 100, "45.0")
    week8 = derive(kb, {**EASI75, "class": "Week 8"})
    assert (week8[("z100", "easi75")].events, week8[("z100", "easi75")].n) == (30, 99)
    with pytest.raises(registry.RuleError, match="0 outcome groups"):
        derive(kb, EASI75, outcome_groups={"placebo": ["Placebo"], "z100": ["Zorbimab 200 mg"]})


ITCH = row("outcome", "itch_response", "nri", measure="itch_wk16", week=16, verbatim_contains="Itch")


def test_a_printed_interval_no_whole_count_of_n_gives_makes_the_count_model_based(kb):
    """50.0% of 100 prints as 50/100, but the printed 95% CI (39.7-60.3) is that of 45/90, not of 50/100."""
    got = derive(kb, ITCH)
    assert (got[("placebo", "itch_response")].obtained, got[("placebo", "itch_response")].events) == \
        ("from_percentage", 20)
    drug = got[("z100", "itch_response")]
    assert (drug.events, drug.n, drug.obtained) == (50, 100, "imputed")
    assert "no whole count of 100 reproduces the printed 95% CI (wald)" in drug.quote
    with pytest.raises(registry.RuleError, match="name its interval"):
        derive(kb, ITCH, outcome_ci=None)


def test_kb_check_fails_on_a_count_whose_n_does_not_reproduce_the_printed_interval(kb_dir, tmp_path, capsys):
    records = with_fixtures(tmp_path / "registry")
    data = rows(kb_dir / "counts.csv")
    template = next(r for r in data if r["trial_id"] == "zorb2" and r["outcome_id"] == "easi75")
    for arm, events, pct in (("placebo", 20, "20.0"), ("z100", 50, "50.0")):
        data.append({**template, "arm_id": arm, "drug": "placebo" if arm == "placebo" else "zorbimab",
                     "outcome_id": "itch_response", "events": str(events), "n": "100", "obtained": "from_percentage",
                     "percent": pct, "timepoint_weeks": "16", "url": "https://clinicaltrials.gov/study/NCT00000002",
                     "note": "percentage x n (fixture)"})
    write(kb_dir / "counts.csv", data)
    rules = yaml.safe_load((kb_dir / registry.RULES_FILE).read_text(encoding="utf-8"))
    rules["records"][NCT] = {**RULE, "rows": [ITCH]}
    (kb_dir / registry.RULES_FILE).write_text(yaml.safe_dump(rules), encoding="utf-8")
    assert main(["kb", "check", str(kb_dir), "--records", str(records)]) == 1
    err = capsys.readouterr().err
    assert "zorb2/z100/itch_response: counts.csv has 50/100 (from_percentage 50.0%" in err
    assert "the record gives 50/100 (imputed 50.0%" in err and "printed 95% CI" in err
    for r in data:
        if r["outcome_id"] == "itch_response" and r["arm_id"] == "z100":
            r.update(obtained="imputed", note="no whole count of 100 gives both 50.0% and its interval (fixture)")
    write(kb_dir / "counts.csv", data)
    assert main(["kb", "check", str(kb_dir), "--records", str(records)]) == 0


EASI90 = row("outcome", "easi90", "nri", measure="easi90_wk16", week=16, verbatim_contains="EASI-90")


def test_a_denominator_from_another_measure_only_where_it_alone_reproduces(kb):
    """41.7% and its interval fit no count of the printed 100 but 40 of 96, the arm's IGA denominator."""
    assert derive(kb, EASI90)[("z100", "easi90")].obtained == "imputed"
    other = {**EASI90, "denominator_from": {"measure": "iga_wk16"}, "arms": ["z100"]}
    got = derive(kb, other)[("z100", "easi90")]
    assert (got.events, got.n, got.obtained) == (40, 96, "from_percentage") and "the printed n 100" in got.quote
    with pytest.raises(registry.RuleError, match="not needed"):
        derive(kb, {**other, "arms": ["placebo"]})
    with pytest.raises(registry.RuleError, match="neither the printed n 100 nor 100"):
        derive(kb, {**other, "denominator_from": {"measure": "easi75_by_week", "class": "Week 16"}})


@pytest.mark.parametrize(("events", "n", "lower", "upper", "method", "expected"), [
    # intervals printed by registry records (stored under knowledge/sources/registry/)
    (23, 83, "18.45", "38.62", "clopper_pearson", True),  # PRESCHOOL Part B IGA 0/1, 27.7%
    (23, 83, "18.45", "38.62", "wald", False),
    (37, 89, "31.3", "51.8", "wald", True),  # JADE TEEN 100 mg EASI-90, 41.6% (held n 89)
    (38, 92, "31.3", "51.8", "wald", False),  # the printed n 92 does not give it
    (101, 219, "39.5", "52.7", "wald", True),  # JADE COMPARE 200 mg EASI-90, 46.1%
    (104, 226, "39.5", "52.7", "wald", False),
])
def test_binomial_intervals_against_intervals_registries_print(events, n, lower, upper, method, expected):
    assert intervals.reproduces(events, n, lower, upper, method) is expected


@pytest.mark.parametrize(("events", "n"), [(0, 10), (1, 300), (23, 83), (44, 83), (150, 301), (10, 10)])
def test_the_exact_interval_agrees_with_scipy(events, n):
    from scipy.stats import beta

    lower = 0.0 if events == 0 else 100 * beta.ppf(0.025, events, n - events + 1)
    upper = 100.0 if events == n else 100 * beta.ppf(0.975, events + 1, n - events)
    assert intervals.interval(events, n, "clopper_pearson") == pytest.approx((lower, upper), abs=1e-7)
