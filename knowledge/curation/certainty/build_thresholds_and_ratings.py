"""Writes knowledge/data/thresholds.csv and knowledge/data/published_ratings.csv (run from the repository root).

thresholds.csv: the decision threshold each outcome's imprecision (and inconsistency) is judged against. Score
outcomes have published minimal important differences; no published threshold was found for the responder and
harm outcomes, so they take GRADE's documented default (a relative change of 25%: RR below 0.75 or above 1.25),
and the row says so.

published_ratings.csv: GRADE ratings published for a comparison and outcome that syntheses.csv does not hold
(syntheses.csv `certainty` holds the others). Used by the calibration table in docs/certainty.md; a row whose
source rated a related outcome rather than the one we rate (an EASI score change for EASI-75) says so in
`compare_with` and is counted apart.
"""

from __future__ import annotations

import csv
from pathlib import Path

THRESHOLD_COLUMNS = ("outcome_id", "scale", "threshold", "basis", "source", "location", "url", "quote", "note")
GRADE6 = ("Guyatt GH et al. GRADE guidelines 6. Rating the quality of evidence—imprecision. J Clin Epidemiol "
          "2011;64(12):1283-1293")
GRADE6_URL = "https://www.jclinepi.com/article/S0895-4356(11)00206-X/fulltext"
GRADE6_QUOTE = ("If the 95% CI includes appreciable benefit or harm (we suggest an RR of under 0.75 or over 1.25 as a "
                "rough guide) rating down for imprecision may be appropriate even if OIS criteria are met.")
DRUCKER2020 = ("Drucker AM et al. Systemic Immunomodulatory Treatments for Patients With Atopic Dermatitis: A "
               "Systematic "
               "Review and Network Meta-analysis. JAMA Dermatol 2020 (doi:10.1001/jamadermatol.2020.0796, PMC7177646)")
DRUCKER2020_URL = ("https://github.com/LEO-Pharma-R-D-Data-Analytics/flakegraph/blob/f44df61bd20d18ab5ab1231f42aa805fb8c39c83/"
                   "data/atopic_dermatitis/files/systemic-immunomodulatory-treatments-for-patients-with-atopic-dermatit.md"
                   " @offset 11000")
DRUCKER2020_QUOTE = ("The published estimate of the minimal clinically important difference is 6.6 for the EASI "
                     "score, 3.4 "
                     "for the POEM score, 3.3 for the DLQI score, and 2.6 for the Peak Pruritus Numeric Rating "
                     "Scale score; "
                     "we used these minimal clinically important differences as indicators of clinical "
                     "significance and "
                     "to guide Grading of Recommendations Assessment, Development and Evaluation (GRADE) imprecision "
                     "assessments.")
BINARY = ("skin_infection", "eczema_herpeticum", "herpes_infection", "any_infection", "conjunctivitis", "easi75",
          "iga01", "easi90", "itch_response", "serious_adverse_event", "herpes_zoster", "acne", "serious_infection",
          "venous_thromboembolism", "mace")
SCORES = (("easi_change", "6.6"), ("poem_change", "3.4"), ("dlqi_change", "3.3"))


def thresholds() -> list[dict]:
    out = [dict(outcome_id=o, scale="ratio", threshold="1.25", basis="grade_default", source=GRADE6,
                location="Abstract", url=GRADE6_URL, quote=GRADE6_QUOTE,
                note="No published threshold for this outcome was found; GRADE's default relative change of 25% "
                     "(RR below 0.75 or above 1.25) is used, applied to odds ratios as well.")
           for o in BINARY]
    out += [dict(outcome_id=o, scale="md", threshold=value, basis="mid", source=DRUCKER2020,
                 location="Methods, Statistical Analysis", url=DRUCKER2020_URL, quote=DRUCKER2020_QUOTE,
                 note="Minimal clinically important difference, in points of the score.")
            for o, value in SCORES]
    return out


RATING_COLUMNS = ("rating_id", "outcome_id", "compare_with", "source_outcome", "drug", "comparator", "dose_mg",
                  "estimate", "rating", "secondary", "citation", "location", "url", "quote", "note")
JCPT = ("[authors not read] Upadacitinib Is a Better Choice than Abrocitinib for Patients with Moderate-to-Severe "
        "Atopic Dermatitis: An Updated Meta-Analysis. J Clin Pharm Ther 2023 (Hindawi article 9067797)")
JCPT_URL = "https://preview.hindawi.com/journals/jcpt/2023/9067797/tab3"
JCPT_NOTE = ("All doses vs placebo (the table gives the 100 vs 200 mg and 15 vs 30 mg comparisons in separate "
             "rows; Table 1 "
             "lists placebo as each trial's comparator). Columns: RCTs, groups, patients, estimate, I2, p, "
             "Egger, Grade.")
AGACHE = ("Agache I, Song Y, Posso M, et al. Efficacy and safety of dupilumab for moderate-to-severe atopic "
          "dermatitis: "
          "A systematic review for the EAACI biologicals guidelines. Allergy 2021 (January)")
AGACHE_URL = "https://researchportal.vub.be/en/publications/efficacy-and-safety-of-dupilumab-for-moderate-to-severe-atopic-de"
AGACHE_QUOTE = ("For adults, there is high certainty that dupilumab decreases SCORAD (MD -30,72; 95% CI -34,65% "
                "to -26,79%) "
                "and EASI-75 (RR 3.09; 95% CI 2.45 to 3.89), pruritus (RR 2.96; 95% CI 2.37 to 3.70)")
AGACHE_NOTE = ("Seven RCTs including 1845 subjects >12 years, approved doses only; adults; comparator placebo "
               "with usual "
               "care ('standard of care').")
CHU = ("Chu AWL et al. J Allergy Clin Immunol 2023;152(6):1470-1492 (the AAAAI/ACAAI guideline network meta-analysis), "
       "as reported by: Comparison of Old and New Systemic Treatments for Moderate to Severe Atopic Dermatitis. "
       "Curr Allergy Asthma Rep 2024 (doi:10.1007/s11882-024-01145-x, PMC11076369)")
CHU_URL = ("https://github.com/LEO-Pharma-R-D-Data-Analytics/flakegraph/blob/46eb9228e2f945ee33ed36c580457c0adf1073cb/"
           "data/atopic_dermatitis/files/comparison-of-old-and-new-systemic-treatments-for-moderate-to-severe-a.md"
           " @offset 31000")
CHU_LOC = "Comparing Old and New Systemic Treatments (secondary report of Chu et al.; Table 3 and text)"
CHU_DOSE = ("High-dose upadacitinib read as 30 mg and low-dose as 15 mg, high-dose abrocitinib as 200 mg and "
            "low-dose as "
            "100 mg daily (the doses studied; the report names doses only as high and low). ")
CHU_EASI = ("High-dose upadacitinib was the most effective in improving EASI, when compared to placebo (high "
            "certainty). "
            "Dupilumab and low-dose upadacitinib had intermediate superior effectiveness (high certainty)")
CHU_EASI_NULL = ("Low-dose (1-mg) baricitinib and azathioprine, nemolizumab, were not significantly different "
                 "compared to "
                 "placebo (moderate certainty).")
CHU_POEM = ("High-dose upadacitinib was the most effective in improving POEM, a measure of patient-reported AD "
            "severity "
            "(high certainty). High-dose abrocitinib, dupilumab, and low-dose upadacitinib had intermediate superior "
            "effectiveness (high certainty).")
CHU_ITCH = ("High-dose and low-dose abrocitinib, dupilumab, lebrikizumab, nemolizumab, and low-dose upadacitinib had "
            "intermediate effectiveness (high certainty).")
CHU_DLQI = ("DLQI was used to measure QoL and high-dose and low-dose upadacitinib were among the most effective (high "
            "certainty). High-dose abrocitinib, dupilumab, and lebrikizumab were among those with intermediate "
            "superior "
            "effectiveness (high certainty).")
CHU_SAE = ("Dupilumab and tralokinumab were among the least harmful in any AE (high certainty) and in serious AE "
           "(moderate certainty).")
CHU_SKIN = "Dupilumab and tralokinumab were the most protective against any skin infections (high certainty)."
CHU_VIRAL = ("High-dose upadacitinib and high-dose abrocitinib had the most frequent viral skin infections (moderate "
             "certainty), while dupilumab had a similar frequency of viral skin infections when compared to "
             "placebo (high "
             "certainty).")


def rating(rating_id, outcome_id, compare_with, source_outcome, drug, dose, estimate, value, secondary, citation,
           location, url, quote, note) -> dict:
    return dict(rating_id=rating_id, outcome_id=outcome_id, compare_with=compare_with, source_outcome=source_outcome,
                drug=drug, comparator="placebo", dose_mg=dose, estimate=estimate, rating=value,
                secondary="yes" if secondary else "no", citation=citation, location=location, url=url, quote=quote,
                note=note)


def ratings() -> list[dict]:
    out = [
        rating("jcpt2023_sae_abrocitinib", "serious_adverse_event", "", "Serious adverse events", "abrocitinib", "",
               "OR 0.77 [0.46, 1.31]", "moderate", False, JCPT, "Table 3 (Result of adverse events)", JCPT_URL,
               "Abrocitinib4101640OR 0.77 [0.46, 1.31]00.340.7475Moderate", JCPT_NOTE),
        rating("jcpt2023_sae_upadacitinib", "serious_adverse_event", "", "Serious adverse events", "upadacitinib", "",
               "OR 0.75 [0.50, 1.13]", "moderate", False, JCPT, "Table 3 (Result of adverse events)", JCPT_URL,
               "Upadacitinib492749OR 0.75 [0.50, 1.13]00.170.9884Moderate", JCPT_NOTE),
        rating("jcpt2023_acne_abrocitinib", "acne", "", "Acne", "abrocitinib", "", "OR 7.54 [2.34, 24.26]", "high",
               False,
               JCPT, "Table 3 (Result of adverse events)", JCPT_URL,
               "Abrocitinib361373OR 7.54 [2.34, 24.26]00.00070.0037High", JCPT_NOTE),
        rating("jcpt2023_acne_upadacitinib", "acne", "", "Acne", "upadacitinib", "", "OR 6.48 [4.59, 9.16]", "high",
               False,
               JCPT, "Table 3 (Result of adverse events)", JCPT_URL,
               "Upadacitinib492749OR 6.48 [4.59, 9.16]0<0.000010.2444High", JCPT_NOTE),
        rating("agache2021_easi75_dupilumab", "easi75", "", "EASI-75 (adults)", "dupilumab", "",
               "RR 3.09 (95% CI 2.45 to 3.89)", "high", False, AGACHE, "Abstract", AGACHE_URL, AGACHE_QUOTE,
                   AGACHE_NOTE),
        rating("agache2021_itch_dupilumab", "", "itch_response", "pruritus (risk ratio; responder definition "
                                                                 "not in the "
               "abstract)", "dupilumab", "", "RR 2.96 (95% CI 2.37 to 3.70)", "high", False, AGACHE, "Abstract",
               AGACHE_URL, AGACHE_QUOTE, AGACHE_NOTE + " Read as the itch responder outcome because it is a "
                                                       "risk ratio."),
    ]
    chu = [
        ("easi_upadacitinib_30", "easi_change", "easi75", "EASI (score change)", "upadacitinib", "30", "high",
         CHU_EASI),
        ("easi_upadacitinib_15", "easi_change", "easi75", "EASI (score change)", "upadacitinib", "15", "high",
         CHU_EASI),
        ("easi_dupilumab", "easi_change", "easi75", "EASI (score change)", "dupilumab", "", "high", CHU_EASI),
        ("easi_baricitinib_1", "easi_change", "easi75", "EASI (score change)", "baricitinib", "1", "moderate",
         CHU_EASI_NULL),
        ("easi_nemolizumab", "easi_change", "easi75", "EASI (score change)", "nemolizumab", "", "moderate",
         CHU_EASI_NULL),
        ("poem_upadacitinib_30", "poem_change", "", "POEM (score change)", "upadacitinib", "30", "high", CHU_POEM),
        ("poem_upadacitinib_15", "poem_change", "", "POEM (score change)", "upadacitinib", "15", "high", CHU_POEM),
        ("poem_abrocitinib_200", "poem_change", "", "POEM (score change)", "abrocitinib", "200", "high", CHU_POEM),
        ("poem_dupilumab", "poem_change", "", "POEM (score change)", "dupilumab", "", "high", CHU_POEM),
        ("itch_abrocitinib_200", "", "itch_response", "itch severity (NRS, score change)", "abrocitinib", "200", "high",
         CHU_ITCH),
        ("itch_abrocitinib_100", "", "itch_response", "itch severity (NRS, score change)", "abrocitinib", "100", "high",
         CHU_ITCH),
        ("itch_dupilumab", "", "itch_response", "itch severity (NRS, score change)", "dupilumab", "", "high", CHU_ITCH),
        ("itch_lebrikizumab", "", "itch_response", "itch severity (NRS, score change)", "lebrikizumab", "", "high",
         CHU_ITCH),
        ("itch_nemolizumab", "", "itch_response", "itch severity (NRS, score change)", "nemolizumab", "", "high",
         CHU_ITCH),
        ("itch_upadacitinib_15", "", "itch_response", "itch severity (NRS, score change)", "upadacitinib", "15", "high",
         CHU_ITCH),
        ("dlqi_upadacitinib_30", "dlqi_change", "", "DLQI (score change)", "upadacitinib", "30", "high", CHU_DLQI),
        ("dlqi_upadacitinib_15", "dlqi_change", "", "DLQI (score change)", "upadacitinib", "15", "high", CHU_DLQI),
        ("dlqi_abrocitinib_200", "dlqi_change", "", "DLQI (score change)", "abrocitinib", "200", "high", CHU_DLQI),
        ("dlqi_dupilumab", "dlqi_change", "", "DLQI (score change)", "dupilumab", "", "high", CHU_DLQI),
        ("dlqi_lebrikizumab", "dlqi_change", "", "DLQI (score change)", "lebrikizumab", "", "high", CHU_DLQI),
        ("sae_dupilumab", "serious_adverse_event", "", "serious adverse events", "dupilumab", "", "moderate", CHU_SAE),
        ("sae_tralokinumab", "serious_adverse_event", "", "serious adverse events", "tralokinumab", "", "moderate",
         CHU_SAE),
        ("skin_dupilumab", "", "skin_infection", "any skin infections", "dupilumab", "", "high", CHU_SKIN),
        ("skin_tralokinumab", "", "skin_infection", "any skin infections", "tralokinumab", "", "high", CHU_SKIN),
        ("viral_upadacitinib_30", "", "herpes_infection", "viral skin infections", "upadacitinib", "30", "moderate",
         CHU_VIRAL),
        ("viral_abrocitinib_200", "", "herpes_infection", "viral skin infections", "abrocitinib", "200", "moderate",
         CHU_VIRAL),
        ("viral_dupilumab", "", "herpes_infection", "viral skin infections", "dupilumab", "", "high", CHU_VIRAL),
    ]
    for rid, outcome, compare_with, source_outcome, drug, dose, value, quote in chu:
        out.append(rating(f"chu2023_{rid}", outcome, compare_with, source_outcome, drug, dose,
                          "not given (categories of effect)", value, True, CHU, CHU_LOC, CHU_URL, quote,
                          CHU_DOSE + "Secondary report: the review quotes Chu's categories and certainty, not "
                                     "numbers."))
    return out


def write(path: str, columns: tuple[str, ...], rows: list[dict]) -> None:
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{path}: {len(rows)} rows")


def main() -> None:
    write("knowledge/data/thresholds.csv", THRESHOLD_COLUMNS, thresholds())
    write("knowledge/data/published_ratings.csv", RATING_COLUMNS, ratings())


if __name__ == "__main__":
    main()
