"""Second reader of data 2026.12.0 (issue 20): the reproducible draw of 30 new or changed rows.

Run from the repository root (`python -m knowledge.curation.second_reader_2026_12`); it prints the drawn
rows. The population is every row of counts.csv, syntheses.csv and trials.csv (arms.csv is unchanged) that at
commit 24cd50c (data 2026.12.0) differs from the previous release (commit e958828) in a way that matters, sorted
into kinds:

- added: a counts row whose key (trial, arm, outcome, week) is new;
- numbers: a counts row whose events or n changed (the corrected denominators);
- family/<new family>: definition_family, population or definition changed, numbers unchanged;
- resourced/<trial>: the url changed (re-sourced to a stored registry record), numbers unchanged;
- sum_label: a row labelled obtained=exact_sum or term_sum that is in no kind above (to check the label);
- synthesis: a syntheses.csv row whose estimate, interval, dose, citation or scope changed;
- citation: a trials.csv row whose citation changed.

A change only to `obtained`/`percent` or to the note is not a kind. Rows left out (the JADE TEEN folliculitis
rows, 17 syntheses) cannot be re-read as rows; the curation notes list them. Each kind gets a fixed quota, and
the rows of a kind are drawn with one seeded generator, so the draw is the same on every run.
"""

from __future__ import annotations

import csv
import io
import random
import subprocess
from pathlib import Path

SEED = 20261215
PREVIOUS = "e958828"
# The release as drawn (data 2026.12.0 at the merge of the data branch); pinned so later edits to the data
# files do not change the draw.
DRAWN_FROM = "24cd50c"
DATA = Path(__file__).resolve().parent.parent / "data"
COUNT_KEY = ("trial_id", "arm_id", "outcome_id", "timepoint_weeks")
# family and resourced are split by the new family and by trial, so that each sub-kind is drawn.
QUOTA = {"added": 7, "numbers": 4, "family/serious_only": 2, "family/any_skin_infection": 2,
         "resourced/arcadia1": 2, "resourced/measure_up1": 2, "sum_label": 5, "synthesis": 3, "citation": 3}
SYNTHESIS_FIELDS = ("estimate", "ci_low", "ci_high", "dose_mg", "interval_weeks", "citation", "scope",
                    "outcome_id", "drug", "comparator", "measure", "timepoint_weeks", "population")


def _rows(name: str, commit: str = DRAWN_FROM) -> list[dict[str, str]]:
    text = subprocess.run(["git", "show", f"{commit}:knowledge/data/{name}"], check=True, cwd=DATA,
                          capture_output=True, text=True).stdout
    return list(csv.DictReader(io.StringIO(text)))


def _count_kind(old: dict[str, str] | None, new: dict[str, str]) -> str | None:
    if old is None:
        return "added"
    if (old["events"], old["n"]) != (new["events"], new["n"]):
        return "numbers"
    if any(old[f] != new[f] for f in ("definition_family", "population", "definition")):
        return "family/" + new["definition_family"]
    if old["url"] != new["url"]:
        return "resourced/" + new["trial_id"]
    if new["obtained"] in ("exact_sum", "term_sum"):
        return "sum_label"
    return None


def population() -> dict[str, list[str]]:
    """Row labels by kind, each list sorted so that the draw depends on the seed alone."""
    kinds: dict[str, list[str]] = {kind: [] for kind in QUOTA}  # a kind without a quota raises KeyError
    old = {tuple(r[k] for k in COUNT_KEY): r for r in _rows("counts.csv", PREVIOUS)}
    for row in _rows("counts.csv"):
        key = tuple(row[k] for k in COUNT_KEY)
        kind = _count_kind(old.get(key), row)
        if kind:
            kinds[kind].append("counts:" + "|".join(key))
    old_syn = {r["synthesis_id"]: r for r in _rows("syntheses.csv", PREVIOUS)}
    for row in _rows("syntheses.csv"):
        before = old_syn.get(row["synthesis_id"])
        if before is None or any(before.get(f, "") != row[f] for f in SYNTHESIS_FIELDS):
            kinds["synthesis"].append("syntheses:" + row["synthesis_id"])
    old_trials = {r["trial_id"]: r for r in _rows("trials.csv", PREVIOUS)}
    for row in _rows("trials.csv"):
        before = old_trials.get(row["trial_id"])
        if before is None or before["citation"] != row["citation"]:
            kinds["citation"].append("trials:" + row["trial_id"])
    return {kind: sorted(labels) for kind, labels in kinds.items()}


def draw(seed: int = SEED) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    drawn = []
    for kind, labels in population().items():
        drawn += [(kind, label) for label in sorted(rng.sample(labels, min(QUOTA[kind], len(labels))))]
    return drawn


def main() -> None:
    for kind, labels in population().items():
        print(f"# {kind}: {len(labels)} in the population, {min(QUOTA[kind], len(labels))} drawn")
    for number, (kind, label) in enumerate(draw(), start=1):
        print(f"{number:2d} {kind:10s} {label}")


if __name__ == "__main__":
    main()
