"""Writes knowledge/data/risk_of_bias.csv from the readings below (run from the repository root).

Every judgement is copied from a published review's own table or sentence; nothing is judged here. The
row-to-trial mapping is stated in each row's note (arm sizes or NCT numbers matched against arms.csv and
trials.csv). Domain names: RoB 1 (Cochrane 2011) random_sequence, allocation_concealment,
blinding_participants, blinding_outcome, incomplete_outcome, selective_reporting, other_bias; RoB 2
randomisation, deviations, missing_outcome, measurement, selective_reporting; `overall` where the source
gives one.
"""

from __future__ import annotations

import csv
from pathlib import Path

COLUMNS = ("trial_id", "outcome_id", "outcome_kind", "tool", "domain", "judgement", "source", "location", "url",
           "quote", "note")

DT2022 = ("[authors not read] Comparative efficacy and safety of abrocitinib, baricitinib, and upadacitinib for "
          "moderate-to-severe atopic dermatitis: A network meta-analysis. Dermatol Ther 2022, doi:10.1111/dth.15636 "
          "(PMC9541568)")
DT2022_URL = ("https://github.com/LEO-Pharma-R-D-Data-Analytics/flakegraph/blob/f44df61bd20d18ab5ab1231f42aa805fb8c39c83/"
              "data/atopic_dermatitis/files/comparative-efficacy-and-safety-of-abrocitinib-baricitinib-and-upadaci.md"
              " @offset 14000")
DT2022_LOC = ("Table 3 (Risk of bias summary of eligible studies); Q1-Q7 are the seven items in the order of the "
              "Methods: random sequence generation, allocation concealment, blinding of participants and personnel, "
              "blinding of outcome assessors, incomplete data, selective reporting, other sources")
ROB1 = ("random_sequence", "allocation_concealment", "blinding_participants", "blinding_outcome",
        "incomplete_outcome", "selective_reporting", "other_bias")
LETTER = {"L": "low", "U": "unclear", "H": "high"}
QUALITY = {"High": "low", "Moderate": "unclear"}  # the review's 'methodological quality' read as overall risk

# trial_id, the verbatim Table 3 row, how the row was matched to the trial
DT2022_ROWS = (
    ("jade_mono1", "| Simpson 2020a | L | L | L | L | L | L | L | High |",
     "Table 2 row 'Simpson 2020a': abrocitinib, 310 (100 mg 156, 200 mg 154) vs 77 = JADE MONO-1 arms in arms.csv"),
    ("jade_mono2", "| Silverberg | L | L | L | L | L | L | L | High |",
     "Table 2 row 'Silverberg': abrocitinib, 313 (100 mg 158, 200 mg 155) vs 78 = JADE MONO-2 arms in arms.csv"),
    ("jade_compare", "| Bieber | U | U | L | L | L | L | L | Moderate |",
     "Table 2 row 'Bieber': abrocitinib, 464 (100 mg 238, 200 mg 226) vs 131 = JADE COMPARE arms in arms.csv"),
    ("breeze_ad1", "| Simpson 2020b | L | L | U | U | L | L | L | Moderate |",
     "Table 2 row 'Simpson 2020b': baricitinib 375 vs 249; IGA 4 mg 21/125, EASI-75 4 mg 31/125 = BREEZE-AD1 "
     "counts in counts.csv"),
    ("breeze_ad2", "| Simpson 2020c | L | L | U | U | L | L | L | Moderate |",
     "Table 2 row 'Simpson 2020c': baricitinib 371 vs 244, the other trial of the joint BREEZE-AD1/AD2 report "
     "(Simpson 2020b is BREEZE-AD1)"),
    ("measure_up1", "| Guttman‐Yassky et al. 2021a | L | L | L | L | L | L | L | High |",
     "Table 2 row 'Guttman-Yassky 2021a': upadacitinib 15 mg IGA 135/281, EASI-75 196/281 = Measure Up 1 counts "
     "in counts.csv"),
    ("measure_up2", "| Guttman‐Yassky et al. 2021b | L | L | L | L | L | L | L | High |",
     "Table 2 row 'Guttman-Yassky 2021b': upadacitinib 15 mg IGA 107/276, EASI-75 166/276 = Measure Up 2 counts "
     "in counts.csv"),
)

CHEN = ("Chen TL et al. [title not read; venous thromboembolism with JAK inhibitors in atopic dermatitis]. "
        "JAMA Dermatol 2022;158(11):1254-1261, doi:10.1001/jamadermatol.2022.3516 (PMC9403856)")
CHEN_URL = "https://pmc.ncbi.nlm.nih.gov/articles/PMC9403856/table/doi220045t2"
CHEN_LOC = ("Table 2 (Summary of Risk of Bias Assessment), randomized clinical trials, RoB 2: randomization process, "
            "deviations from intended interventions, missing outcome data, measurement of the outcome, selection of "
            "the reported result; assessed for venous thromboembolism, a harm")
ROB2 = ("randomisation", "deviations", "missing_outcome", "measurement", "selective_reporting")
WORD = {"Low": "low", "Some concerns": "some_concerns", "High": "high"}
CHEN_ROWS = (
    ("jade_compare", "Bieber et al,23 2021 | Low | Low | Low | Low | Low",
     "Bieber 2021 = JADE COMPARE (trials.csv citation: Bieber T et al., N Engl J Med, 2021)"),
    ("heads_up", "Blauvelt et al,24 2021 | Low | Low | Low | Low | Low",
     "Blauvelt 2021 = Heads Up (trials.csv citation: Blauvelt A et al., JAMA Dermatology, 2021; the only 2021 "
     "Blauvelt JAK trial held)"),
    ("measure_up1", "Guttman-Yassky et al,29 2021 | Low | Low | Low | Low | Low",
     "Guttman-Yassky 2021 = the joint Measure Up 1 and 2 report (trials.csv: Guttman-Yassky E et al., Lancet, 2021)"),
    ("measure_up2", "Guttman-Yassky et al,29 2021 | Low | Low | Low | Low | Low",
     "Guttman-Yassky 2021 = the joint Measure Up 1 and 2 report (trials.csv: Guttman-Yassky E et al., Lancet, 2021)"),
    ("breeze_ad7", "Reich et al,31 2020 | Low | Low | Low | Low | Low",
     "Reich 2020 = BREEZE-AD7 (trials.csv citation: Reich K et al., JAMA Dermatol, 2020)"),
    ("jade_mono2", "Silverberg et al,33 2020 | Low | Low | Low | Low | Low",
     "Silverberg 2020 = JADE MONO-2 (trials.csv citation: Silverberg JI et al., JAMA Dermatology, 2020)"),
    ("jade_mono1", "Simpson et al,34 2020 (Simpson 2020a) | Low | Low | Low | Low | Low",
     "Simpson 2020a and 2020b are the two 2020 Simpson reports of JAK trials held (JADE MONO-1, Lancet; "
     "BREEZE-AD1/AD2, Br J Dermatol); which letter is which is not read, and both rows are Low in every domain"),
    ("breeze_ad1", "Simpson et al,35 2020 (Simpson 2020b) | Low | Low | Low | Low | Low",
     "Simpson 2020a and 2020b are the two 2020 Simpson reports of JAK trials held (JADE MONO-1, Lancet; "
     "BREEZE-AD1/AD2, Br J Dermatol); which letter is which is not read, and both rows are Low in every domain"),
    ("breeze_ad2", "Simpson et al,35 2020 (Simpson 2020b) | Low | Low | Low | Low | Low",
     "Simpson 2020a and 2020b are the two 2020 Simpson reports of JAK trials held (JADE MONO-1, Lancet; "
     "BREEZE-AD1/AD2, Br J Dermatol); which letter is which is not read, and both rows are Low in every domain"),
)

ZHANG = ("Zhang Y, Jing D, Cheng J, Chen X, Shen M, Liu H. The efficacy and safety of IL-13 inhibitors in atopic "
         "dermatitis: a systematic review and meta-analysis. Front Immunol 2022 (PMC9364267)")
ZHANG_URL = ("https://github.com/LEO-Pharma-R-D-Data-Analytics/flakegraph/blob/46eb9228e2f945ee33ed36c580457c0adf1073cb/"
             "data/atopic_dermatitis/files/the-efficacy-and-safety-of-il-13-inhibitors-in-atopic-dermatitis-a-sys.md"
             " @offset 8500")
ZHANG_QUOTE = ("Risk of bias for all the RCTs were assessed and summarized in eFigure 1 and eTable 2 and showed high "
               "quality in all included RCTs.")
ZHANG_NOTE = ("Cochrane tool; per-domain judgements are in eTable 2 (not stored). The review adds: 'Only 1 "
              "study did not "
              "report the detailed description of random sequence generation, allocation concealment, blinding of "
              "participants and health care personnel, and blinding of outcome assessment' without naming it. ")
ZHANG_ROWS = (
    ("ecztra1", "Table 1 row 'A. Wollenberget al. ECZTRA1(2021) | NCT03131648' = trials.csv NCT"),
    ("ecztra2", "Table 1 row 'A. Wollenberg et al. ECZTRA2 (2021) | NCT03160885' = trials.csv NCT"),
    ("ecztra3", "Table 1 row 'J. I. Silverberg et al. (2021) | NCT03363854' = trials.csv NCT (ECZTRA 3)"),
    ("ecztra7", "Table 1 row 'Gutermuth J. et al. (2021) | NCT03761537' = trials.csv NCT (ECZTRA 7)"),
)


def rows() -> list[dict]:
    out = []
    for trial, quote, how in DT2022_ROWS:
        cells = [c.strip() for c in quote.strip("|").split("|")]
        for domain, letter in zip(ROB1, cells[1:8], strict=True):
            out.append(dict(trial_id=trial, outcome_id="", outcome_kind="benefit", tool="rob1", domain=domain,
                            judgement=LETTER[letter], source=DT2022, location=DT2022_LOC, url=DT2022_URL,
                            quote=quote, note=how + "; assessed for the review's efficacy outcomes (EASI, IGA)"))
        out.append(dict(trial_id=trial, outcome_id="", outcome_kind="benefit", tool="rob1", domain="overall",
                        judgement=QUALITY[cells[8]], source=DT2022, location=DT2022_LOC + "; 'Overall level'",
                        url=DT2022_URL, quote=quote,
                        note=how + f"; the review's overall methodological quality '{cells[8]}' read as "
                        f"{QUALITY[cells[8]]} overall risk of bias"))
    for trial, quote, how in CHEN_ROWS:
        cells = [c.strip() for c in quote.split("|")]
        for domain, word in zip(ROB2, cells[1:6], strict=True):
            out.append(dict(trial_id=trial, outcome_id="", outcome_kind="harm", tool="rob2", domain=domain,
                            judgement=WORD[word], source=CHEN, location=CHEN_LOC, url=CHEN_URL, quote=quote,
                            note=how))
    for trial, how in ZHANG_ROWS:
        out.append(dict(trial_id=trial, outcome_id="", outcome_kind="", tool="rob1", domain="overall",
                        judgement="low", source=ZHANG, location="Results, Search results and characteristics of "
                        "included studies; Table 1", url=ZHANG_URL, quote=ZHANG_QUOTE, note=ZHANG_NOTE + how))
    return out


def main() -> None:
    target = Path("knowledge/data/risk_of_bias.csv")
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows())
    print(f"{target}: {len(rows())} rows")


if __name__ == "__main__":
    main()
