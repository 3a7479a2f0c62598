"""Merge the rows the curation branch staged for data 2026.12.0 (knowledge/curation/staging_2026_12/counts.csv)
into knowledge/data/counts.csv. Run from the repository root: `python -m knowledge.curation.merge_staging_2026_12`.
Kept for the record; rows are copied, never computed, except how each was obtained, which is classified from
the row's own note exactly as migrate_2026_12.py classifies the held rows (the staged file still has the old
`derived` column).

- A staged row for a (trial, arm, outcome) not held is added.
- A staged row for one already held with the same events and n re-sources it: the held row's numbers stay, its
  source, location, address, quote and note become the staged row's (a stored record replaces a copy that
  cannot be stored).
- A staged row that disagrees with a held one is left out and listed (LEFT_OUT), never silently preferred.
"""

from __future__ import annotations

import csv
from pathlib import Path

from knowledge import schema
from knowledge.curation.migrate_2026_12 import classify

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data"
STAGED = HERE / "staging_2026_12" / "counts.csv"
PROVENANCE = ("source", "location", "url", "quote", "note")
# Families staged under a name outcomes.yaml does not hold, mapped to the outcome's family of the same meaning.
FAMILY = {}


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def merge(held: list[dict[str, str]], staged: list[dict[str, str]]) -> tuple[list[dict], list[str], list[str]]:
    """(rows, what was added or re-sourced, what was left out and why)."""
    index = {(r["trial_id"], r["arm_id"], r["outcome_id"]): r for r in held}
    done, left_out = [], []
    for row in staged:
        key = (row["trial_id"], row["arm_id"], row["outcome_id"])
        if "obtained" not in row:
            row["obtained"], row["percent"], sentence = classify(row)
            row["note"] = " ".join(p for p in (row["note"], sentence) if p)
        row["definition_family"] = FAMILY.get((row["outcome_id"], row["definition_family"]),
                                              row["definition_family"])
        mine = index.get(key)
        if mine is None:
            held.append({c: row.get(c, "") for c in schema.COUNT_COLUMNS})
            index[key] = held[-1]
            done.append(f"added {'/'.join(key)} {row['events']}/{row['n']} ({row['obtained']})")
        elif (mine["events"], mine["n"]) == (row["events"], row["n"]):
            mine.update({c: row[c] for c in PROVENANCE})
            done.append(f"re-sourced {'/'.join(key)} {row['events']}/{row['n']} to {row['url'][:60]}...")
        else:
            left_out.append(f"{'/'.join(key)}: staged {row['events']}/{row['n']} but {mine['events']}/{mine['n']} "
                            "is held; the disagreement goes to the curator, not to a silent choice")
    return held, done, left_out


def main() -> None:
    rows, done, left_out = merge(read(DATA / "counts.csv"), read(STAGED))
    with (DATA / "counts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=schema.COUNT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: r.get(c, "") for c in schema.COUNT_COLUMNS} for r in rows)
    print("\n".join(done + [f"LEFT OUT {x}" for x in left_out]))


if __name__ == "__main__":
    main()
