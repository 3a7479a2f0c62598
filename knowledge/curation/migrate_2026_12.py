"""One-off migration of counts.csv to data 2026.12.0 (issue 20): the ambiguous `derived` column becomes
`obtained` (how the count was obtained) and `percent` (the printed percentage a count came from), and two
definition families are split. Kept for the record; run once, from the repository root:

    python -m knowledge.curation.migrate_2026_12

Every decision is made from what the row itself says (its note and quote), never from a number typed here:
- `derived=no` -> `read`.
- a note that says it summed the adult and adolescent groups, or subtracted one printed count from another,
  -> `exact_sum` (the arithmetic is already in the note).
- a sum of registry term counts (a person with two terms counted twice) -> `term_sum`.
- a count computed as "p% x n" -> `from_percentage` with `percent` = p when some whole count of n reproduces
  p at its printed precision and the count is one of them; `imputed` when the note says the percentage came
  from multiple imputation, or when no whole count of n reproduces it (then the note says so).
- skin_infection: "unstated" and "adjudicated" skin-infection categories -> `any_skin_infection`; the single
  preferred term stays `preferred_term`. eczema_herpeticum and herpes_zoster counts from the serious-event list
  -> `serious_only`.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from knowledge import schema
from knowledge.percent import whole_counts

DATA = Path(__file__).resolve().parent.parent / "data"
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%\s*(?:x|×|of)\s*(?:n_safety\s*|n\s*=\s*)?(\d+)")
SUMMED = re.compile(r"groups summed \(\d+\+\d+=\d+|events \d+ \(.*\) - \d+ \(|EXACT SUM of read")
TERM_SUM = re.compile(r"sum of per-term numAffected")
ZERO_PERCENT = re.compile(r"\b0% -> 0 events")


def classify(row: dict[str, str]) -> tuple[str, str, str]:
    """(obtained, percent, sentence to add to the note)."""
    if row["derived"] == "no":
        return "read", "", ""
    note = row["note"]
    if SUMMED.search(note):
        return "exact_sum", "", ""
    if TERM_SUM.search(note):
        return "term_sum", "", ""
    if ZERO_PERCENT.search(note):
        return "from_percentage", "0", ""
    match = PERCENT.search(note) or PERCENT.search(row["quote"])
    if match is None:
        raise SystemExit(f"cannot classify {row['trial_id']}/{row['arm_id']}/{row['outcome_id']}: {note[:120]}")
    percent, events, n = match.group(1), int(row["events"]), int(row["n"])
    if re.search(r"multiple imputation|MCMC", note, re.IGNORECASE):
        return "imputed", percent, ""
    fits = whole_counts(percent, n)
    if events in fits:
        return "from_percentage", percent, ""
    return "imputed", percent, (f"No whole count of {n} reproduces {percent}% (kb check), so the printed "
                                "percentage is model-based or its denominator is another n; the count is the "
                                "nearest whole number.")


def family(row: dict[str, str]) -> str:
    outcome, current = row["outcome_id"], row["definition_family"]
    if outcome == "skin_infection" and current in ("unstated", "adjudicated"):
        return "any_skin_infection"
    if outcome in ("eczema_herpeticum", "herpes_zoster") and current == "serious_list":
        return "serious_only"
    return current


def main() -> None:
    path = DATA / "counts.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if "obtained" in rows[0]:
        raise SystemExit("counts.csv is already migrated")
    for row in rows:
        obtained, percent, sentence = classify(row)
        row["obtained"], row["percent"] = obtained, percent
        row["note"] = " ".join(p for p in (row["note"], sentence) if p)
        row["definition_family"] = family(row)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=schema.COUNT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: r.get(c, "") for c in schema.COUNT_COLUMNS} for r in rows)


if __name__ == "__main__":
    main()
