"""Registry rules as data (issue 20): a stored record (tests/data/registry, a fictional fixture with two age
strata per arm) gives count rows with provenance; `kb check` compares every rule's rows with counts.csv and
fails on any difference, and on a registry-sourced row that is neither re-derived nor listed as not stored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from knowledge import registry
from knowledge.loader import default_directory, load
from tests.test_engine import fictional_kb
from tests.test_knowledge import rows, write

FIXTURE_RECORDS = Path(__file__).parent / "data" / "registry"


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> Path:
    """The stored records with the fixture's beside them, so the real rules still find theirs."""
    return with_fixtures(tmp_path_factory.mktemp("records") / "registry")


def with_fixtures(target: Path) -> Path:
    """The stored records copied to `target` with the fictional fixtures' files and manifest rows added."""
    shutil.copytree(registry.RECORDS, target)
    shutil.copy(FIXTURE_RECORDS / "NCT00000001.json", target)
    shutil.copytree(FIXTURE_RECORDS / "NCT00000002", target / "NCT00000002")
    fixture_rows = (FIXTURE_RECORDS / "MANIFEST.csv").read_text(encoding="utf-8").splitlines()[1:]
    with (target / "MANIFEST.csv").open("a", encoding="utf-8") as handle:
        handle.write("\n".join(fixture_rows) + "\n")
    return target
RULE = {
    "trial_id": "zorb1",
    "adverse_event_groups": {"placebo": ["Adults: Placebo", "Adolescents: Placebo"],
                             "z100": ["Adults: Zorbimab 100 mg", "Adolescents: Zorbimab 100 mg"]},
    "outcome_groups": {"placebo": ["OG000"], "z100": ["OG001"]},
    "adverse_event_time_frame": "double-blind period (fixture)",
    "adverse_event_weeks": 16,
    "rows": [
        {"module": "other_events", "outcome": "conjunctivitis", "family": "preferred_term"},
        {"module": "outcome", "outcome": "easi75", "family": "nri", "endpoint": {"rank": "primary", "position": 1},
         "week": 16, "verbatim_contains": "EASI-75"},
    ],
}


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """The fictional trial zorb1, its conjunctivitis counts filed as the exact sums the fixture record gives."""
    directory = fictional_kb(tmp_path / "kb")
    data = rows(directory / "counts.csv")
    for r in data:
        if r["trial_id"] == "zorb1" and r["outcome_id"] == "conjunctivitis":
            r.update(obtained="exact_sum", timepoint_weeks="16",
                     note="adult + adolescent groups summed (fixture)")
        if r["trial_id"] == "zorb1" and r["outcome_id"] == "easi75":
            r.update(obtained="from_percentage", percent="20.0" if r["arm_id"] == "placebo" else "50.0",
                     note="percentage x n (fixture)")
    write(directory / "counts.csv", data)
    trials = rows(directory / "trials.csv")
    for t in trials:
        if t["trial_id"].startswith("zorb"):
            t["citation"] = f"Fixture Consortium (group). {t['acronym']}, a fictional trial, 2026"
    write(directory / "trials.csv", trials)
    rules = registry.load_rules(directory)  # the real rules (and their not_stored list), plus the fixture's
    rules["records"] = {**(rules.get("records") or {}), "NCT00000001": RULE}
    (directory / registry.RULES_FILE).write_text(yaml.safe_dump(rules), encoding="utf-8")
    return directory


def derive(kb_dir: Path, rule: dict = RULE) -> list[registry.Derived]:
    return registry.derive(load(kb_dir), "NCT00000001", rule, FIXTURE_RECORDS)


def test_two_strata_of_one_arm_are_an_exact_sum_with_provenance(kb_dir):
    got = {(d.arm_id, d.outcome_id): d for d in derive(kb_dir)}
    placebo, drug = got[("placebo", "conjunctivitis")], got[("z100", "conjunctivitis")]
    assert (placebo.events, placebo.n, placebo.obtained) == (3, 100, "exact_sum")
    assert (drug.events, drug.n, drug.obtained) == (12, 100, "exact_sum")
    assert drug.groups == ("Adults: Zorbimab 100 mg", "Adolescents: Zorbimab 100 mg")
    assert "terms Conjunctivitis" in drug.provenance and "other_events" in drug.provenance
    assert "double-blind period" in drug.provenance


def test_a_percentage_of_the_number_analysed_becomes_a_count_from_a_percentage(kb_dir):
    got = {(d.arm_id, d.outcome_id): d for d in derive(kb_dir)}
    easi = got[("z100", "easi75")]
    assert (easi.events, easi.n, easi.obtained, easi.percent) == (50, 100, "from_percentage", "50.0")


def test_serious_total_sums_the_strata(kb_dir):
    rule = {**RULE, "rows": [{"module": "serious_total", "outcome": "serious_adverse_event", "family": "total"}]}
    got = {d.arm_id: (d.events, d.n, d.obtained) for d in derive(kb_dir, rule)}
    assert got == {"placebo": (1, 100, "exact_sum"), "z100": (3, 100, "exact_sum")}


def test_a_term_missing_from_the_thresholded_list_is_not_listed_never_zero(kb_dir):
    rule = {**RULE, "rows": [{"module": "other_events", "outcome": "acne", "family": "preferred_term"}]}
    with pytest.raises(registry.RuleError, match="not listed"):
        derive(kb_dir, rule)


def test_a_serious_only_family_is_never_read_from_the_other_events(kb_dir):
    rule = {**RULE, "rows": [{"module": "other_events", "outcome": "herpes_zoster", "family": "serious_only"}]}
    with pytest.raises(registry.RuleError, match="serious-only"):
        derive(kb_dir, rule)


def test_an_endpoint_whose_wording_differs_from_the_rule_is_refused(kb_dir):
    rule = {**RULE, "rows": [{**RULE["rows"][1], "verbatim_contains": "EASI-90"}]}
    with pytest.raises(registry.RuleError, match="not 'EASI-90'"):
        derive(kb_dir, rule)


def test_a_record_edited_after_storing_is_refused(kb_dir, tmp_path):
    records = tmp_path / "records"
    shutil.copytree(FIXTURE_RECORDS, records)
    path = records / "NCT00000001.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"n_affected": 10', '"n_affected": 11'),
                    encoding="utf-8")
    with pytest.raises(registry.RuleError, match="differs from MANIFEST"):
        registry.derive(load(kb_dir), "NCT00000001", RULE, records)


def test_kb_check_passes_when_counts_equal_the_record_and_fails_on_any_difference(kb_dir, records, capsys):
    assert main(["kb", "check", str(kb_dir), "--records", str(records)]) == 0
    _, real = registry.compare(load(), default_directory())  # the bundled rules alone
    assert f"{real + 4} counts re-derived" in capsys.readouterr().out  # and the fixture's four
    data = rows(kb_dir / "counts.csv")
    line = next(i for i, r in enumerate(data) if r["trial_id"] == "zorb1" and r["arm_id"] == "z100"
                and r["outcome_id"] == "conjunctivitis")
    data[line]["events"] = "11"
    write(kb_dir / "counts.csv", data)
    assert main(["kb", "check", str(kb_dir), "--records", str(records)]) == 1
    err = capsys.readouterr().err
    assert "zorb1/z100/conjunctivitis: counts.csv has 11/100" in err and "the record gives 12/100" in err


def test_a_registry_sourced_row_must_be_re_derived_or_listed(kb_dir, records, capsys):
    data = rows(kb_dir / "counts.csv")
    for r in data:
        if r["trial_id"] == "zorb2":
            r["url"] = "https://clinicaltrials.gov/study/NCT00000002"
    write(kb_dir / "counts.csv", data)
    assert main(["kb", "check", str(kb_dir), "--records", str(records)]) == 1
    assert "zorb2/placebo/easi75: read from a registry record" in capsys.readouterr().err
    rules = yaml.safe_load((kb_dir / registry.RULES_FILE).read_text(encoding="utf-8"))
    rules["not_stored"]["zorb2"] = "fixture: record not stored"
    (kb_dir / registry.RULES_FILE).write_text(yaml.safe_dump(rules), encoding="utf-8")
    assert main(["kb", "check", str(kb_dir), "--records", str(records)]) == 0


def test_kb_derive_prints_staged_rows_with_provenance(kb_dir, capsys):
    assert main(["kb", "derive", "NCT00000001", str(kb_dir), "--records", str(FIXTURE_RECORDS)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("registry_module,registry_groups,registry_terms,registry_time_frame,registry_copy")
    assert any(line.startswith("zorb1,z100,conjunctivitis,12,100,exact_sum,") for line in out)


def test_every_registry_sourced_count_of_the_bundled_data_is_re_derived():
    """Data 2026.12.1: every count read from a registry record is re-derived from its stored copy, none waived;
    a count whose `source` names an NCT but whose numbers come from a paper (CAFÉ EASI-75, the China trial,
    CHRONOS 300 mg q2w skin infection, JADE MONO-2 IGA and EASI-75) is not registry-sourced at all."""
    kb, directory = load(), default_directory()
    problems, rederived = registry.compare(kb, directory)
    sourced = [c for c in kb.counts if registry.registry_sourced(c.url)]
    assert problems == [] and rederived == len(sourced) and registry.waived_rows(kb, directory) == []
    by_paper = {(c.trial_id, c.arm_id, c.outcome_id) for c in kb.counts if "NCT" in c.source and c not in sourced}
    assert {("cafe", "300q2w", "easi75"), ("china", "placebo", "iga01"), ("chronos", "300q2w", "skin_infection"),
            ("jade_mono2", "200mg", "easi75")} <= by_paper


def test_a_count_is_registry_sourced_by_its_address_not_by_an_nct_in_its_source(kb_dir, records, capsys):
    data = rows(kb_dir / "counts.csv")
    for r in data:
        if r["trial_id"] == "zorb2":
            r.update(source="NCT00000002; PMID 1 (fixture paper)", url="https://example.org/fixture-paper")
    write(kb_dir / "counts.csv", data)
    assert main(["kb", "check", str(kb_dir), "--records", str(records)]) == 0
    for r in data:
        if r["trial_id"] == "zorb2":
            r["url"] = "https://clinicaltrials.gov/study/NCT00000002?tab=results"
    write(kb_dir / "counts.csv", data)
    assert main(["kb", "check", str(kb_dir), "--records", str(records)]) == 1
    assert "zorb2/placebo/easi75: read from a registry record" in capsys.readouterr().err


def test_answering_and_serving_never_import_the_registry_engine():
    """Registry records are read by kb check and curation only: not by `ask`, nor by loading the serve path."""
    import subprocess
    import sys

    code = ("import sys; from bot.service import EvidenceService; import bot.telegram.application; "
            "EvidenceService.from_directory().ask('is upadacitinib safe'); "
            "print(sorted(m for m in sys.modules if m.startswith('knowledge.registry') or m == 'knowledge.intervals'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"
