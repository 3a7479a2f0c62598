"""Merge the per-drug staging files written while curating (one folder per drug, see CURATION.md) into
knowledge/data. Kept for the record of how the 2026.11 curation landed; rows are copied, never computed.

Usage: python knowledge/curation/merge_staging.py STAGING_DIR
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from knowledge import schema

DATA = Path(__file__).resolve().parent.parent / "data"
DRUG_FOLDERS = ("dupilumab", "tralokinumab", "lebrikizumab", "nemolizumab", "abrocitinib", "upadacitinib",
                "baricitinib")


def read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write(path: Path, columns: tuple[str, ...], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


def main(staging: Path) -> None:
    trials, arms, counts = read(DATA / "trials.csv"), read(DATA / "arms.csv"), read(DATA / "counts.csv")
    known_trials = {t["trial_id"] for t in trials}
    known_counts = {(c["trial_id"], c["arm_id"], c["outcome_id"]) for c in counts}
    for folder in DRUG_FOLDERS:
        for t in read(staging / folder / "trials.csv"):
            if t["trial_id"] not in known_trials:
                t.setdefault("in_fleming_2018", "no")
                t["in_fleming_2018"] = t["in_fleming_2018"] or "no"
                if not t["citation"]:  # name the document that was read, never a placeholder
                    t["citation"] = f"{t['acronym']}, {t['nct']} (ClinicalTrials.gov record; publication not read)"
                trials.append(t)
                known_trials.add(t["trial_id"])
        for a in read(staging / folder / "arms.csv"):
            if a["role"] == "placebo":
                a.update(dose_mg="", interval_weeks="", licensed="")
            arms.append(a)
    arm_drug = {(a["trial_id"], a["arm_id"]): a["drug"] for a in arms}
    for folder in DRUG_FOLDERS:
        for c in read(staging / folder / "counts.csv"):
            key = (c["trial_id"], c["arm_id"], c["outcome_id"])
            if key in known_counts:
                continue  # the count already held (read earlier) is kept
            c["drug"] = arm_drug.get((c["trial_id"], c["arm_id"]), "")
            counts.append(c)
            known_counts.add(key)
    write(DATA / "trials.csv", schema.TRIAL_COLUMNS, trials)
    write(DATA / "arms.csv", schema.ARM_COLUMNS, arms)
    write(DATA / "counts.csv", schema.COUNT_COLUMNS, counts)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
