"""Audit fixes of data 2026.12.0 (issue 20) that need no new registry record: run once after
migrate_2026_12.py, from the repository root (`python -m knowledge.curation.fixes_2026_12`); kept for the record.

Every changed number is read in a stored source named here, or is arithmetic on numbers already held (shown).
Every row left out is listed in LEFT_OUT with its reason, and CURATION.md repeats the list.
"""

from __future__ import annotations

import csv
from pathlib import Path

from knowledge import schema
from knowledge.percent import whole_counts

DATA = Path(__file__).resolve().parent.parent / "data"

ATLAS = "https://github.com/suvojit-0x55aa/derm-trial-atlas-data/blob/{commit}/data/trials/{nct}.json @offset 0"
# Sponsors read in each stored atlas copy (identity.sponsor, "protocolSection.sponsorCollaboratorsModule.
# leadSponsor.name"), the named group of a trial whose publication was not read.
SPONSORED = {
    "ecztra6": ("LEO Pharma", "c1e08915bb60e4ed37c28804cf7e43eff90f3bee", "NCT03526861",
                '"sponsor": {"value": "LEO Pharma"'),
    "adhere": ("Eli Lilly and Company", "208ead8c7da595747de290ad02d188afe7d0884b", "NCT04250337",
               '"sponsor": {"value": "Eli Lilly and Company"'),
    "jade_teen": ("Pfizer", "c1e08915bb60e4ed37c28804cf7e43eff90f3bee", "NCT03796676",
                  '"sponsor": {"value": "Pfizer"'),
    "ad_up": ("AbbVie", "0cc26f004e3143235239828c6c497e9458b1d291", "NCT03568318",
              '"sponsor": {"value": "AbbVie"'),
}
HAFT_CITATION = ("Simpson EL, Silverberg JI, Worm M, et al. J Am Acad Dermatol 2024 (LIBERTY-AD-HAFT; full paper "
                 "DOI 10.1016/j.jaad.2023.12.066, not read); conference abstract 408, Br J Dermatol (the numbers "
                 "read)")
HAFT_NOTE = (" Citation year and authors read 2026-12 at https://hsrc.himmelfarb.gwu.edu/gwhpubs/4416: 'Publication "
             "Date 2-1-2024 ... Journal of the American Academy of Dermatology ... DOI 10.1016/j.jaad.2023.12.066', "
             "authors 'Eric L. Simpson ... Jonathan I. Silverberg ... Margitta Worm ...'; the conference abstract "
             "(https://www.citedrive.com/en/discovery/408-...) lists 'Eric L Simpson, Jonathan I Silverberg, Margitta "
             "Worm, ...'.")
MEDICINE_2023 = ("Zhao DJ, Huang LM, Xiao J, Chen L, Li X, Lin HX. Efficacy and safety of tralokinumab in "
                 "moderate-to-severe atopic dermatitis: a meta-analysis. Medicine (Baltimore) 2023;102(31):e34516")
MEDICINE_2023_NOTE = (" Authors read 2026-12 at https://ouci.dntb.gov.ua/en/?backlinks_to=10.3389%2Ffimmu.2022.923362"
                      "&p=2: 'Dan-Jie Zhao, Ling-Mei Huang, Jie Xiao, Long Chen, Xia Li, Hai-Xia Lin <jats:sec> "
                      "Background: To assess the efficacy and safety of Tralokinumab in the treatment of "
                      "moderate-to-se[vere]' (the abstract's first sentence as printed by PubMed 37543792).")

# Rows left out of the data files, with the reason (CURATION.md, 2026.12.0).
LEFT_OUT = {
    ("syntheses.csv", "exprevclinimmunol2024_skin_infection"):
        "authors not readable in any stored copy (publisher page shows 'ORCID Icon & ORCID Icon'): a citation "
        "must name its authors or group",
    ("syntheses.csv", "ejcp2022_nma_any_infection_upadacitinib_placebo"):
        "authors not readable in any stored copy (the stored PubMed page 36207461 shows none)",
    ("syntheses.csv", "ejcp2022_nma_any_infection_dupilumab_placebo"):
        "authors not readable in any stored copy (the stored PubMed page 36207461 shows none)",
    ("syntheses.csv", "ejcp2022_nma_herpes_zoster_dupilumab_upadacitinib"):
        "authors not readable in any stored copy (the stored PubMed page 36207461 shows none)",
    ("syntheses.csv", "frontpharm2024_ma_iga01_lebrikizumab_placebo"):
        "authors not readable in any stored copy (the stored page names only the department)",
    ("syntheses.csv", "frontpharm2024_ma_serious_adverse_event_lebrikizumab_placebo"):
        "authors not readable in any stored copy (the stored page names only the department)",
    **{("syntheses.csv", sid): "an incidence rate printed without an interval (CURATION.md: rates need their "
                               "interval), and the citation names no authors"
       for sid in ("bari_herpes2022_pooled_herpes_zoster_allbari", "bari_herpes2022_pooled_herpes_zoster_pc_2mg",
                   "bari_herpes2022_pooled_herpes_zoster_pc_4mg", "bari_herpes2022_pooled_herpes_zoster_ext_2mg",
                   "bari_herpes2022_pooled_herpes_zoster_ext_4mg", "bari_herpes2022_pooled_eczema_herpeticum_allbari",
                   "upa6y2025_pooled_serious_infection_15mg", "upa6y2025_pooled_serious_infection_30mg",
                   "upa6y2025_pooled_mace_15mg", "upa6y2025_pooled_venous_thromboembolism_15mg",
                   "upa6y2025_pooled_venous_thromboembolism_30mg")},
    **{("counts.csv", f"jade_teen/{arm}/skin_infection"):
       "the MedDRA preferred term Folliculitis, which is not a skin-infection count of either family"
       for arm in ("placebo", "100mg", "200mg")},
}

PHASE2_ONLY = {"zhang2022_ma_serious_adverse_event_lebrikizumab_placebo",
               "zhang2022_ma_conjunctivitis_lebrikizumab_placebo"}
PHASE2_NOTE = (" Scope phase2_only: its note lists the lebrikizumab trials pooled, 'Guttman-Yassky 2020 ... and "
               "Simpson 2018 ..., phase 2 only' (published 2022, before the phase 3 ADvocate and ADhere results); "
               "labelled so and never the bottom line over our pooling of the phase 3 trials.")
BASHRAHIL = "bashrahil2023_ma_easi75_lebrikizumab_placebo_regimen1"
BASHRAHIL_NOTE = ("Regimen as printed in the abstract: '500 mg loading dose then 200 mg every 2 weeks'. No "
                  "lebrikizumab trial used 200 mg: the phase 3 trials give 250 mg every 2 weeks after 500 mg "
                  "loading doses "
                  "(arms.csv, ADvocate 1 registry group 'Induction - Lebrikizumab 250mg Q2W': '500 milligram (mg) "
                  "Lebrikizumab (2 x 250 mg) SC injections as a loading dose ... followed by a single 250 mg "
                  "Lebrikizumab injection Q2W'), so the estimate is held under 250 mg every 2 weeks and the printed "
                  "200 is taken as a typing error of the abstract. k for this subgroup not in the abstract.")


def read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write(name: str, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with (DATA / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: r.get(c, "") for c in columns} for r in rows)


def trials() -> None:
    rows = read("trials.csv")
    for row in rows:
        if row["trial_id"] in SPONSORED:
            sponsor, commit, nct, quote = SPONSORED[row["trial_id"]]
            row["citation"] = f"{sponsor} (sponsor). {row['acronym']}, ClinicalTrials.gov {nct} results record " \
                              "(publication not read)"
            row["note"] += (f" Sponsor read 2026-12 in {ATLAS.format(commit=commit, nct=nct)}: '{quote}' "
                            "(protocolSection.sponsorCollaboratorsModule.leadSponsor.name).")
        if row["trial_id"] == "haft":
            row["citation"] = HAFT_CITATION
            row["note"] += HAFT_NOTE
    write("trials.csv", schema.TRIAL_COLUMNS, rows)


def syntheses() -> None:
    rows = [r for r in read("syntheses.csv") if ("syntheses.csv", r["synthesis_id"]) not in LEFT_OUT]
    for row in rows:
        row.setdefault("scope", "")
        if row["synthesis_id"] in PHASE2_ONLY:
            row["scope"] = "phase2_only"
            row["note"] += PHASE2_NOTE
        if row["synthesis_id"] == BASHRAHIL:
            row["dose_mg"] = "250"
            row["note"] = BASHRAHIL_NOTE
        if row["synthesis_id"].startswith("medicine2023_"):
            row["citation"] = MEDICINE_2023
            row["note"] += MEDICINE_2023_NOTE
    write("syntheses.csv", schema.SYNTHESIS_COLUMNS, rows)


# JADE COMPARE and JADE TEEN EASI-90: the registry prints the safety-set size as the number analysed
# (131/238/226/242; 96/92/94) but its percentages reproduce only with the same arm's full analysis set at
# week 12, the n of its IGA and EASI-75 rows (registry denominators 129/235/219/241; 94/89/93).
FAS_EASI90 = {"jade_compare", "jade_teen"}


def _fas_easi90(rows: list[dict[str, str]]) -> None:
    by_key = {(r["trial_id"], r["arm_id"], r["outcome_id"]): r for r in rows}
    for row in rows:
        if row["trial_id"] not in FAS_EASI90 or row["outcome_id"] != "easi90":
            continue
        fas = by_key[(row["trial_id"], row["arm_id"], "iga01")]
        n, old_n, old_events = int(fas["n"]), row["n"], row["events"]
        fits = whole_counts(row["percent"], n)
        if len(fits) != 1 or fas["timepoint_weeks"] != row["timepoint_weeks"]:
            raise SystemExit(f"{row['trial_id']}/{row['arm_id']}: {row['percent']}% does not fix one count of {n}")
        row.update(n=str(n), events=str(fits[0]), obtained="from_percentage")
        row["note"] = (row["note"].split(" No whole count of")[0] + f" Denominator corrected (issue 20 audit): the "
                       f"registry prints {old_n} analysed, the arm's safety-set size, but {row['percent']}% is "
                       f"reproduced by no whole count of {old_n} and by exactly one of {n}, the arm's full analysis "
                       f"set at week {row['timepoint_weeks']} (the registry's IGA and EASI-75 denominator, row "
                       f"{row['trial_id']}/{row['arm_id']}/iga01): {row['percent']}% x {n} = "
                       f"{float(row['percent']) * n / 100:.2f} -> {fits[0]} (was {old_events}/{old_n}).")


def counts() -> None:
    rows = [r for r in read("counts.csv")
            if ("counts.csv", f"{r['trial_id']}/{r['arm_id']}/{r['outcome_id']}") not in LEFT_OUT]
    _fas_easi90(rows)
    write("counts.csv", schema.COUNT_COLUMNS, rows)


if __name__ == "__main__":
    import sys

    for step in sys.argv[1:] or ("trials", "syntheses", "counts"):
        {"trials": trials, "syntheses": syntheses, "counts": counts}[step]()
