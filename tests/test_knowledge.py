"""The bundled knowledge base loads, every number has provenance, and each kind of corruption is refused
with an error naming the file, the line and the column."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from knowledge.errors import KnowledgeBaseError
from knowledge.loader import content_hash, default_directory, load
from knowledge.schema import COUNT_PROVENANCE

DATA = default_directory()


@pytest.fixture(scope="module")
def kb():
    return load()


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(DATA, target)
    return target


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write(path: Path, data: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)


def corrupt(directory: Path, name: str, index: int, **changes: str) -> int:
    """Change one data row; returns its editor line number (header is line 1)."""
    data = rows(directory / name)
    data[index].update(changes)
    write(directory / name, data)
    return index + 2


def issues_of(directory: Path):
    with pytest.raises(KnowledgeBaseError) as caught:
        load(directory)
    return caught.value.issues


def assert_issue(issues, file: str, line: int | None, column: str, words: str) -> None:
    matches = [i for i in issues if i.file == file and i.row == line and i.column == column]
    assert matches, f"no issue at {file}:{line}:{column} in {[str(i) for i in issues]}"
    assert words in matches[0].message, str(matches[0])


# --- the real data ------------------------------------------------------------------------------------------

def test_bundled_knowledge_base_loads(kb):
    assert kb.version
    assert len(kb.content_hash) == 64
    assert {t.trial_id for t in kb.trials} >= {"chronos", "solo1", "solo2", "thaci2016"}
    assert set(kb.outcomes) >= {"easi75", "iga01", "conjunctivitis", "herpes_infection", "eczema_herpeticum",
                                "skin_infection", "any_infection", "serious_adverse_event", "herpes_zoster", "acne"}
    assert set(kb.covered_drugs) == {"dupilumab", "tralokinumab", "lebrikizumab", "nemolizumab", "abrocitinib",
                                     "upadacitinib", "baricitinib"}


def test_every_count_has_provenance_and_a_real_address(kb):
    assert kb.counts, "the knowledge base holds no counts"
    for count in kb.counts:
        for column in COUNT_PROVENANCE:
            assert getattr(count, column), f"{count.trial_id}/{count.arm_id}/{count.outcome_id}: no {column}"
        assert count.url.startswith(("http://", "https://")), count.url
        assert 0 <= count.events <= count.n
        if count.obtained != "read":
            assert count.note, "a count not read as printed must explain how it was obtained"


def test_every_sample_size_and_synthesis_has_provenance(kb):
    for arm in kb.arms:
        if arm.n_safety is not None:
            assert arm.source and arm.url and arm.quote, f"{arm.trial_id}/{arm.arm_id}"
    for synthesis in kb.syntheses:
        assert synthesis.url.startswith("http") and synthesis.quote and synthesis.location
        assert synthesis.pmid or synthesis.doi


def test_fleming_2018_estimates_as_published(kb):
    """Fleming P, Drucker AM. J Am Acad Dermatol 2018;78(1):62-69.e1 (PMID 28987493), abstract."""
    fleming = {s.outcome_id: s for s in kb.syntheses if s.pmid == "28987493"}
    expected = {
        "skin_infection": ("RR", 0.54, 0.42, 0.70),
        "eczema_herpeticum": ("PETO_OR", 0.34, 0.14, 0.84),
        "herpes_infection": ("RR", 1.16, 0.78, 1.74),
        "any_infection": ("RR", 0.98, 0.83, 1.16),
    }
    for outcome, (measure, est, low, high) in expected.items():
        s = fleming[outcome]
        assert (s.measure, s.estimate, s.ci_low, s.ci_high) == (measure, est, low, high)
        assert len(s.trials) == 8 and all(kb.trial(t).in_fleming_2018 for t in s.trials)


def test_every_trial_has_a_placebo_arm_or_two_drugs(kb):
    for trial in kb.trials:
        arms = kb.arms_of(trial.trial_id)
        placebo = [a.role for a in arms].count("placebo")
        drugs = {a.drug for a in arms if a.role == "drug"}
        assert placebo == 1 or (placebo == 0 and len(drugs) == 2), trial.trial_id
    head_to_head = {t.trial_id for t in kb.trials
                    if len({a.drug for a in kb.arms_of(t.trial_id) if a.role == "drug"}) == 2}
    assert {"jade_compare", "heads_up"} <= head_to_head


def test_content_hash_changes_with_the_data(copy):
    before = content_hash(copy)
    corrupt(copy, "trials.csv", 0, note="edited")
    assert content_hash(copy) != before


# --- each validation rule, on a corrupted copy of the real data ---------------------------------------------

@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("events", "-1", "below the minimum"),
        ("events", "2.5", "not a whole number"),
        ("events", "many", "not a whole number"),
        ("n", "0", "below the minimum"),
        ("outcome_id", "shingles", "unknown outcome"),
        ("arm_id", "600qd", "unknown arm"),
        ("trial_id", "nosuchtrial", "unknown trial"),
        ("obtained", "maybe", "not one of"),
        ("obtained", "derived", "not one of"),
        ("url", "", "no provenance"),
        ("quote", "", "no provenance"),
        ("source", "", "no provenance"),
        ("location", "", "no provenance"),
    ],
)
def test_bad_count_is_refused_with_file_line_column(copy, column, value, words):
    line = corrupt(copy, "counts.csv", 0, **{column: value})
    assert_issue(issues_of(copy), "counts.csv", line, column, words)


def test_events_above_n_is_refused(copy):
    n = rows(copy / "counts.csv")[0]["n"]
    line = corrupt(copy, "counts.csv", 0, events=str(int(n) + 1))
    assert_issue(issues_of(copy), "counts.csv", line, "events", "more than")


def test_duplicate_count_row_is_refused(copy):
    data = rows(copy / "counts.csv")
    data.append(dict(data[0]))
    write(copy / "counts.csv", data)
    assert_issue(issues_of(copy), "counts.csv", len(data) + 1, "outcome_id", "duplicate of line 2")


def test_trial_without_placebo_arm_is_refused(copy):
    arms = rows(copy / "arms.csv")
    trial_id = arms[0]["trial_id"]
    write(copy / "arms.csv", [a for a in arms if not (a["trial_id"] == trial_id and a["role"] == "placebo")])
    counts = rows(copy / "counts.csv")
    write(copy / "counts.csv", [c for c in counts if c["trial_id"] != trial_id])
    line = next(i for i, t in enumerate(rows(copy / "trials.csv")) if t["trial_id"] == trial_id) + 2
    assert_issue(issues_of(copy), "trials.csv", line, "trial_id", "no placebo arm")


def test_sample_size_without_provenance_is_refused(copy):
    data = rows(copy / "arms.csv")
    index = next(i for i, a in enumerate(data) if a["n_safety"])
    line = corrupt(copy, "arms.csv", index, quote="")
    assert_issue(issues_of(copy), "arms.csv", line, "quote", "no provenance")


def test_synthesis_naming_unknown_trial_is_refused(copy):
    data = rows(copy / "syntheses.csv")
    index = next(i for i, s in enumerate(data) if s["trials"])
    line = corrupt(copy, "syntheses.csv", index, trials=data[index]["trials"].replace("chronos", "chronoz"))
    assert_issue(issues_of(copy), "syntheses.csv", line, "trials", "chronoz")


def test_synthesis_estimate_outside_its_interval_is_refused(copy):
    line = corrupt(copy, "syntheses.csv", 0, estimate="9.5")
    assert_issue(issues_of(copy), "syntheses.csv", line, "estimate", "not inside its interval")


@pytest.mark.parametrize("obtained", ["exact_sum", "term_sum"])
def test_a_count_not_read_as_printed_must_say_how_it_was_obtained(copy, obtained):
    line = corrupt(copy, "counts.csv", 0, obtained=obtained, percent="", note="")
    assert_issue(issues_of(copy), "counts.csv", line, "note", obtained)


@pytest.mark.parametrize("obtained", ["from_percentage", "imputed"])
def test_a_count_from_a_percentage_must_give_the_percentage(copy, obtained):
    line = corrupt(copy, "counts.csv", 0, obtained=obtained, percent="", note="p% x n")
    assert_issue(issues_of(copy), "counts.csv", line, "percent", "printed percentage")


def test_a_file_with_the_old_derived_column_is_still_read(copy):
    """Files written before 2026.12.0 said only `derived`: read cautiously (yes = from a percentage)."""
    data = rows(copy / "counts.csv")
    for r in data:
        r["derived"] = "no" if r.pop("obtained") == "read" else "yes"
        r.pop("percent")
    write(copy / "counts.csv", data)
    kb = load(copy)
    assert {c.obtained for c in kb.counts} == {"read", "from_percentage"}


def test_missing_column_and_unknown_column_are_refused(copy):
    data = rows(copy / "counts.csv")
    write(copy / "counts.csv", [{("event_count" if k == "events" else k): v for k, v in r.items()} for r in data])
    issues = issues_of(copy)
    assert_issue(issues, "counts.csv", 1, "events", "missing")
    assert_issue(issues, "counts.csv", 1, "event_count", "unknown column")


def test_bad_nct_and_controlled_values_are_refused(copy):
    line = corrupt(copy, "trials.csv", 0, nct="NCT123", age_group="elderly")
    issues = issues_of(copy)
    assert_issue(issues, "trials.csv", line, "nct", "NCT01234567")
    corrupt(copy, "trials.csv", 0, nct="", age_group="elderly")
    assert_issue(issues_of(copy), "trials.csv", line, "age_group", "not one of")


def test_broken_yaml_and_missing_file_are_refused(copy):
    (copy / "outcomes.yaml").write_text("outcomes: [\n  - id: x\n", encoding="utf-8")
    assert any(i.file == "outcomes.yaml" and "YAML" in i.message for i in issues_of(copy))
    (copy / "counts.csv").unlink()
    assert any(i.file == "counts.csv" and "missing" in i.message for i in issues_of(copy))


def test_vocabulary_term_with_two_meanings_is_refused(copy):
    text = (copy / "vocabulary.yaml").read_text(encoding="utf-8")
    (copy / "vocabulary.yaml").write_text(text.replace("terms: [asthma,", "terms: [dupixent, asthma,"),
                                          encoding="utf-8")
    issues = issues_of(copy)
    assert any(i.file == "vocabulary.yaml" and "dupixent" in i.message for i in issues)
    text = (copy / "drugs.yaml").read_text(encoding="utf-8")
    (copy / "drugs.yaml").write_text(text.replace("terms: [tralokinumab,", "terms: [dupixent, tralokinumab,"),
                                     encoding="utf-8")
    assert any(i.file == "drugs.yaml" and "dupixent" in i.message for i in issues_of(copy))


def test_all_problems_are_reported_at_once(copy):
    corrupt(copy, "counts.csv", 0, events="-3")
    corrupt(copy, "counts.csv", 1, url="")
    assert len(issues_of(copy)) >= 2


# --- the command line ------------------------------------------------------------------------------------------

def test_kb_check_passes_on_bundled_and_fails_on_corrupt(copy, capsys):
    assert main(["kb", "check"]) == 0
    assert "ok" in capsys.readouterr().out
    line = corrupt(copy, "counts.csv", 0, events="-1")
    assert main(["kb", "check", str(copy)]) == 1
    err = capsys.readouterr().err
    assert f"counts.csv, line {line}, column 'events'" in err
    assert "Traceback" not in err


def test_kb_coverage_lists_every_trial_and_outcome(kb, capsys):
    assert main(["kb", "coverage"]) == 0
    out = capsys.readouterr().out
    for outcome in kb.outcomes:
        assert outcome in out
    assert "CHRONOS" in out


def test_bot_does_not_start_on_bad_data(copy, tmp_path):
    """`serve` validates the knowledge base before it talks to Telegram, and stops with the precise error."""
    import os
    import subprocess
    import sys

    line = corrupt(copy, "counts.csv", 0, n="0")
    env = dict(os.environ, TELEGRAM_BOT_TOKEN="123456:" + "A" * 35, EVIDENCE_BOT_DATA_DIR=str(tmp_path / "d"),
               TELEGRAM_BASE_URL="http://127.0.0.1:9/bot", PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    result = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--kb", str(copy)], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"counts.csv, line {line}, column 'n'" in result.stderr
    assert "Traceback" not in result.stderr and "AAAAAAAA" not in result.stderr


@pytest.mark.parametrize("value", ["CHRONOS\x1b[2J\x1b[31m", "SOLO\u202e1", "ADOL\u2028x", "Beck\tM4"])
def test_control_characters_in_data_are_refused(copy, value):
    """A label is shown in chats and terminals: an escape sequence or a bidi override there could act."""
    line = corrupt(copy, "trials.csv", 0, acronym=value)
    assert_issue(issues_of(copy), "trials.csv", line, "acronym", "control character")
