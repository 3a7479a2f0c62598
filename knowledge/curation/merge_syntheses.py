"""Merge staged published-synthesis rows (one CSV per reader, see CURATION.md) into knowledge/data/syntheses.csv.
Kept for the record of how the 2026.11.2 network meta-analysis curation landed. Rows are copied, never
computed; the only fields set here are the two a reader's note states in words and the schema wants as a
column: the dosing interval of a one-dose estimate, and which sign of a mean difference means improvement.

Usage: python knowledge/curation/merge_syntheses.py STAGED.csv [STAGED.csv ...]
(re-running is harmless: rows already held are kept as they are, except that an empty cohort is filled)
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
    # the source gives two pairs of EASI-90 odds ratios without naming whose they are (nma_c/notes.md)
    "pereyra2021_nma_easi90_upadacitinib_placebo_mono_30mg": "EASI-90 pairs not attributed in the text",
    "pereyra2021_nma_easi90_dupilumab_placebo_mono_300mg": "EASI-90 pairs not attributed in the text",
    "pereyra2021_nma_easi90_upadacitinib_placebo_tcs_30mg": "EASI-90 pairs not attributed in the text",
    "pereyra2021_nma_easi90_dupilumab_placebo_tcs_300mg": "EASI-90 pairs not attributed in the text",
    # earlier staging (2026.11.1), still out
    "lin2023_ma_conjunctivitis_dupilumab_placebo_ad": "held already as lin2023_conjunctivitis_ad",
    "ejcp2022_nma_any_infection_abrocitinib_placebo": "printed estimate 1.62 lies outside its printed interval",
    "taylor2023_bari_pooled_mace_ad_lowrisk": "low-risk subgroup only, not the whole AD population",
    "taylor2023_bari_pooled_venous_thromboembolism_ad_lowrisk": "low-risk subgroup only",
    "taylor2023_bari_pooled_serious_infection_ad_lowrisk": "low-risk subgroup only",
}

# Rows of the 2026.11.1 staging format, which had no dose column: the dose as each row's note names it.
DOSE_FROM_NOTE = {
    "bari_herpes2022_pooled_herpes_zoster_pc_2mg": "2", "bari_herpes2022_pooled_herpes_zoster_pc_4mg": "4",
    "bari_herpes2022_pooled_herpes_zoster_ext_2mg": "2", "bari_herpes2022_pooled_herpes_zoster_ext_4mg": "4",
    "upa6y2025_pooled_serious_infection_15mg": "15", "upa6y2025_pooled_serious_infection_30mg": "30",
    "upa6y2025_pooled_mace_15mg": "15", "upa6y2025_pooled_venous_thromboembolism_15mg": "15",
    "upa6y2025_pooled_venous_thromboembolism_30mg": "30",
}

# The cohort of a pooled safety rate or a network estimate, in words from each row's note (which period, which
# studies, whether the rate counts events or people), so a reply never shows a long-term rate as a
# placebo-period one, nor a network of trials with topical steroids as one of monotherapy.
COHORTS: dict[str, dict[str, str]] = {
    "simpson2021_abro_pooled_": {"_pcc_": "placebo-controlled cohort (12-16-week studies)",
                                 "_allabro_": "all-abrocitinib cohort (up to 108 weeks)"},
    "bari_herpes2022_pooled_": {"_allbari": "all baricitinib-treated patients (8 studies, with extensions)",
                                "_pc_": "placebo-controlled period",
                                "_ext_": "extended 2-4 mg dataset"},
    # a network run separately on monotherapy trials and on trials with topical steroids
    "pereyra2021_nma_": {"_mono_": "monotherapy trials", "_tcs_": "trials with topical steroids"},
    "upa6y2025_pooled_serious_infection": {"": "Measure Up 1, Measure Up 2, AD Up, up to 6 years; events, not people"},
    "upa6y2025_pooled_": {"": "Measure Up 1, Measure Up 2, AD Up, up to 6 years; adjudicated"},
}


def cohort_of(synthesis_id: str) -> str:
    for prefix, parts in COHORTS.items():
        if synthesis_id.startswith(prefix):
            return next((words for part, words in parts.items() if part in synthesis_id), "")
    return ""

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
    for row in rows:
        row["cohort"] = row.get("cohort") or cohort_of(row["synthesis_id"])
    for path in paths:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                sid = row["synthesis_id"]
                if sid in known or sid in SKIP:
                    continue
                row["outcome_id"] = OUTCOME_RENAMES.get(row["outcome_id"], row["outcome_id"])
                row["trials"] = ""
                row["dose_mg"] = row.get("dose_mg") or DOSE_FROM_NOTE.get(sid, "")
                row["cohort"] = cohort_of(sid)
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
