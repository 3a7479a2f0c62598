"""Merge staged published-synthesis rows (one CSV per reader, see CURATION.md) into knowledge/data/syntheses.csv.
Kept for the record of how the 2026.11.2 network meta-analysis curation landed. Rows are copied, never
computed; the only fields set here are the two a reader's note states in words and the schema wants as a
column: the dosing interval of a one-dose estimate, and which sign of a mean difference means improvement.

Usage: python knowledge/curation/merge_syntheses.py STAGED.csv [STAGED.csv ...]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from knowledge import schema

DATA = Path(__file__).resolve().parent.parent / "data" / "syntheses.csv"

# Left out, with the reason (the readers' notes say more).
SKIP = {
    # outcomes the bot does not define (EASI-50; change in itch NRS would take "itch" from itch_response)
    "drucker2024_nma_easi50_dupilumab_lebrikizumab": "EASI-50 is not an outcome held",
    "drucker2024_nma_ppnrs_md_lebrikizumab_dupilumab": "itch score change is not an outcome held",
    # the abstract calls these risk differences though they read as ratios, against placebo or dupilumab
    "sun2023_ma_acne_abrocitinib_placebo_200mg": "measure unclear; comparator placebo or dupilumab combined",
    "sun2023_ma_acne_upadacitinib_placebo_15mg": "measure unclear; comparator placebo or dupilumab combined",
    "sun2023_ma_acne_upadacitinib_placebo_30mg": "measure unclear; comparator placebo or dupilumab combined",
}

# Dosing interval of one-dose estimates given every 2 weeks, as each row's note states the regimen
# ("300 mg every 2 weeks", "250 mg every 2 weeks", "600 mg then 300 mg every 2 weeks").
EVERY_2_WEEKS = ("dupilumab", "tralokinumab", "lebrikizumab")

# Which sign means improvement, from each row's note: Drucker 2020 prints EASI as "x-point reduction"
# (positive = improvement) and POEM/DLQI as negative differences (negative = improvement); Drucker 2022 and
# 2024 against dupilumab: "Positive values represent improvement in the disease state vs dupilumab".
NEGATIVE_IS_BETTER = ("drucker2020_nma_poem_", "drucker2020_nma_dlqi_")

OUTCOME_RENAMES = {"easi_change_md": "easi_change", "poem_md": "poem_change", "dlqi_md": "dlqi_change"}


def main(paths: list[Path]) -> None:
    with DATA.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    known = {r["synthesis_id"] for r in rows}
    for path in paths:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                sid = row["synthesis_id"]
                if sid in known or sid in SKIP:
                    continue
                row["outcome_id"] = OUTCOME_RENAMES.get(row["outcome_id"], row["outcome_id"])
                row["trials"] = ""
                if "-" in row.get("timepoint_weeks", ""):  # a range ("8-16"): the column holds one week
                    row["note"] = f"Time point as reported: {row['timepoint_weeks']} weeks. {row['note']}"
                    row["timepoint_weeks"] = ""
                if row.get("dose_mg") and row["drug"] in EVERY_2_WEEKS:
                    row["interval_weeks"] = "2"
                if row["measure"] == "MD":
                    row["md_improvement"] = "negative" if sid.startswith(NEGATIVE_IS_BETTER) else "positive"
                rows.append(row)
                known.add(sid)
    with DATA.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=schema.SYNTHESIS_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") or "" for c in schema.SYNTHESIS_COLUMNS})


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]])
