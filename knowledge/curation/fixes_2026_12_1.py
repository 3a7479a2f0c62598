"""Data 2026.12.1 (issue 20): how six counts were obtained, corrected where `kb check` re-derived them from
their stored registry records and the record is unambiguous. Run once from the repository root
(`python -m knowledge.curation.fixes_2026_12_1`); kept for the record. No events or n change.

A count is `from_percentage` when a whole count of n reproduces what the record prints about it: the percentage
and, since 2026.12.1, its 95% interval (knowledge/intervals.py); otherwise `imputed` (model-based, the nearest
whole number). Every interval below is read in the stored record named, and recomputed here, not typed.
"""

from __future__ import annotations

import csv
from pathlib import Path

from knowledge import intervals, schema
from knowledge.registry_record import open_record

DATA = Path(__file__).resolve().parent.parent / "data"

# (trial, arm, outcome) -> (record, stored block, outcome group of a ClinicalTrials.gov measure)
FIXES = {
    ("measure_up1", "placebo", "itch_response"): ("NCT03569293", "outcomeMeasures.itch_4pt_wk16", "OG000"),
    ("measure_up1", "15mg", "itch_response"): ("NCT03569293", "outcomeMeasures.itch_4pt_wk16", "OG001"),
    ("measure_up1", "30mg", "itch_response"): ("NCT03569293", "outcomeMeasures.itch_4pt_wk16", "OG002"),
    ("measure_up2", "30mg", "easi90"): ("NCT03607422", "arm_results.secondary2.OG002.wk16", ""),
    ("jade_compare", "100mg", "itch_response"): ("NCT03720470", "arm_results.secondary1.OG001.wk12", ""),
    ("jade_compare", "dupilumab_300q2w", "itch_response"): ("NCT03720470", "arm_results.secondary1.OG003.wk12", ""),
}


def printed_interval(nct: str, block: str, group: str) -> tuple[str, str, str]:
    """(percentage, lower, upper) as the stored block prints them."""
    value = open_record(nct).blocks[block]
    if group:  # a ClinicalTrials.gov outcome measure
        m = next(m for c in value["classes"] for cat in c["categories"] for m in cat["measurements"]
                 if m["groupId"] == group)
        return m["value"], m["lowerLimit"], m["upperLimit"]
    return (str(value["response_rate_pct"]), intervals.printed(value["ci_lower"]),
            intervals.printed(value["ci_upper"]))


def sentence(row: dict[str, str], nct: str, block: str, group: str) -> tuple[str, str]:
    """(obtained, the sentence added to the note)."""
    events, n = int(row["events"]), int(row["n"])
    pct, low, high = printed_interval(nct, block, group)
    wald = intervals.interval(events, n, "wald")
    where = f"the stored record {nct}/{block}.json"
    if intervals.reproduces(events, n, low, high, "wald"):
        return "from_percentage", (
            f"2026.12.1: obtained corrected from imputed to from_percentage (kb check): {events}/{n} reproduces the "
            f"printed {pct}% and its 95% CI {low}-{high} (the Wald interval of {events}/{n}, {wald[0]:.2f}-"
            f"{wald[1]:.2f}) in {where}; whatever the NRI-C multiple imputation did, what the record prints is "
            "this whole count.")
    return "imputed", (
        f"2026.12.1: obtained corrected from from_percentage to imputed (kb check): {where} prints {pct}% with "
        f"95% CI {low}-{high}; {events}/{n} gives {pct}% but its Wald interval is {wald[0]:.2f}-{wald[1]:.2f}, and "
        f"no whole count of {n} gives both (the record's other intervals are Wald intervals of their counts): the "
        "printed estimate is model-based or has another n; the count stays the nearest whole number.")


def main() -> None:
    path = DATA / "counts.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        key = (row["trial_id"], row["arm_id"], row["outcome_id"])
        if key in FIXES:
            obtained, text = sentence(row, *FIXES[key])
            if row["obtained"] == obtained:
                raise SystemExit(f"{'/'.join(key)} is already {obtained}: run once")
            row["obtained"], row["note"] = obtained, f"{row['note']} {text}".strip()
            print(f"{'/'.join(key)}: {obtained}")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=schema.COUNT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
