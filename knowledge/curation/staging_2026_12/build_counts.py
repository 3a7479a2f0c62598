"""Write staging_2026_12/counts.csv: count rows read for issue 20, in the columns of knowledge/data/counts.csv.

Why a script: the rows are data a reviewer checks against their quotes, and the ARCADIA 1 quotes are cut,
by program, out of the registry blocks stored under knowledge/sources/registry/, so they are verbatim by
construction. Every other quote was copied from the read_file answer named in its url. Nothing is computed
here except derived counts, whose arithmetic is written out in their note.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
REGISTRY = ROOT / "knowledge" / "sources" / "registry"
OUT = Path(__file__).with_name("counts.csv")
FIELDS = [
    "trial_id", "arm_id", "drug", "outcome_id", "events", "n", "derived", "timepoint_weeks", "definition_family",
    "population", "definition", "source", "location", "url", "quote", "note",
]

FLAKE = "https://github.com/LEO-Pharma-R-D-Data-Analytics/flakegraph/blob/"
NMA_URL = (FLAKE + "f44df61bd20d18ab5ab1231f42aa805fb8c39c83/data/atopic_dermatitis/files/"
           "comparative-efficacy-and-safety-of-abrocitinib-baricitinib-and-upadaci.md")
REVIEW_URL = (FLAKE + "6e223629bedcc4d9befa2da6c1fb761da7af001e/data/atopic_dermatitis/files/"
              "janus-kinase-inhibitors-for-the-treatment-of-atopic-dermatitis-focus-o.md")
BARI_URL = (FLAKE + "383fb938f24811ac5d52c87cd6bdb95d945af3f2/data/atopic_dermatitis/files/"
            "baricitinib-the-first-jak-inhibitor-approved-in-europe-for-the-treatme.md")
ARCADIA_URL = ("https://github.com/smkzw/competitive-intelligence-workflow/blob/"
               "d6cb6d51e1b5a5e2abdacea485ea84b5268dc7ca/"
               "fixtures/positive/c-atopic-dermatitis/sources/clinicaltrials/NCT03985943.json")

NMA_SOURCE = ("doi:10.1111/dth.15636 (Dermatol Ther 2022 network meta-analysis, PMC9541568) reporting "
              "Simpson 2020c = BREEZE-AD2")
NMA_LOCATION = "Table 2 (Basic characteristics of participants in eligible studies), row 'Simpson 2020c'"
NMA_DEFINITION = {
    "iga01": ("IGA response: IGA 0 (clear) or 1 (almost clear) with >=2-point reduction from baseline "
              "(the meta-analysis' definition, Methods 'Outcomes'); week 16"),
    "easi75": ("EASI-75: >=75% decrease in EASI from baseline (the meta-analysis' definition, "
               "Methods 'Outcomes'); week 16"),
}
NMA_ROW_QUOTE = {
    "1mg": ("| Simpson 2020c | 371 (277) vs 244 (154) | 34.3 vs 35.0 | AAD guideline | baricitinib | 1 mg | "
            "11/125 | 16/125 | 67/125 |"),
    "2mg": "| 2 mg | 13/123 | 22/123 | 72/123 |",
    "4mg": "| 4 mg | 17/123 | 26/123 | 67/123 |",
}
NMA_HEADER = ("| Study | Sample size (male) | Mean age, years | Definition of AD | Agent | Dosages | IGA | EASI "
              "| TEAEs |")
NMA_NOTE = (
    "Read @offset 0 and @offset 8000 (both windows hold Table 2). Trial identification is an inference: "
    "'Simpson 2020c' has sample size 371 vs 244 (= 615, the BREEZE-AD2 N in PMC8648435: 'BREEZE-AD2: N = 615'), "
    "and 13/123 = 10.6% and 17/123 = 13.8% equal the BREEZE-AD2 vIGA-AD 0/1 percentages of PMC8648435; "
    "'Simpson 2020b' reproduces the BREEZE-AD1 registry counts held (14/123, 21/125, 15/127). Week 16 from "
    "Table 1 ('Simpson 2020c | Phase III | baricitinib | 1 mg, 2 mg, 4 mg ... | 16 weeks'). Analysis set and "
    "handling of missing data not stated; n is the arm size printed with the count. The table gives no "
    "placebo events."
)


def nma_row(arm: str, outcome: str, events: int, n: int) -> dict:
    return {
        "trial_id": "breeze_ad2", "arm_id": arm, "drug": "baricitinib", "outcome_id": outcome, "events": events,
        "n": n, "derived": "no", "timepoint_weeks": 16, "definition_family": "unstated", "population": "",
        "definition": NMA_DEFINITION[outcome], "source": NMA_SOURCE, "location": NMA_LOCATION,
        "url": f"{NMA_URL} @offset 8000", "quote": f"{NMA_HEADER} ... {NMA_ROW_QUOTE[arm]}", "note": NMA_NOTE,
    }


def breeze_ad2() -> list[dict]:
    rows = []
    for arm, (iga, easi, n) in {"1mg": (11, 16, 125), "2mg": (13, 22, 123), "4mg": (17, 26, 123)}.items():
        rows += [nma_row(arm, "iga01", iga, n), nma_row(arm, "easi75", easi, n)]
    rows.append({
        "trial_id": "breeze_ad2", "arm_id": "placebo", "drug": "placebo", "outcome_id": "iga01", "events": 11,
        "n": 244, "derived": "yes", "timepoint_weeks": 16, "definition_family": "unstated", "population": "",
        "definition": "vIGA-AD 0 (clear) or 1 (almost clear) at week 16 (primary endpoint as worded in PMC8648435)",
        "source": ("doi:10.5826/dpc.1104a145 (Dermatol Pract Concept 2021 review, PMC8648435) for the percentage; "
                   "PMC9541568 Table 2 for the placebo N"),
        "location": ("PMC8648435 'Baricitinib' section and Table 1 row BREEZE-AD2; "
                     "PMC9541568 Table 2 row 'Simpson 2020c'"),
        "url": f"{REVIEW_URL} @offset 0 ; {NMA_URL} @offset 8000",
        "quote": ("BREEZE-AD2: N = 615, baricitinib 2 mg 10.6 %, baricitinib 4 mg 13.8 % vs. placebo 4.5 % "
                  "(P < 0.05 and P = 0.001, respectively) | Simpson 2020c | 371 (277) vs 244 (154) |"),
        "note": ("DERIVED: 4.5% x 244 = 10.98 -> 11 (11/244 = 4.51%, rounds back to 4.5%). 244 is the placebo "
                 "sample size of 'Simpson 2020c' (= BREEZE-AD2, see the active-arm rows). Approximate: the review "
                 "gives one decimal. Placebo EASI-75 for BREEZE-AD2 was not found in any source read (not entered)."),
    })
    return rows


BARI_SOURCE = "PMID 33001140 (BREEZE-AD7, via Healthcare 2021 review PMC8623121)"
BARI_LOCATION = "Section 3.3 Safety, BREEZE-AD7 paragraph"
INFECTION_QUOTE = ("There was a greater proportion of patients with one or more treatment-emergent infections in the "
                   "4-mg baricitinib group (37 of 111 (33%)) and 2-mg baricitinib group (41 of 109 (38%)) than in the "
                   "placebo group (26 of 108 (24%)).")
SAE_QUOTE = ("Serious adverse events were reported in four patients (4%) in the 4-mg + TCS group, two (2%) in the "
             "2-mg + TCS group, and four (4%) in the placebo + TCS group.")


def breeze_ad7() -> list[dict]:
    rows = []
    arms = {"4mg": ("baricitinib", 37, 4, 111), "2mg": ("baricitinib", 41, 2, 109), "placebo": ("placebo", 26, 4, 108)}
    for arm, (drug, infections, serious, n) in arms.items():
        common = {"trial_id": "breeze_ad7", "arm_id": arm, "drug": drug, "n": n, "derived": "no",
                  "timepoint_weeks": "", "population": "safety", "source": BARI_SOURCE, "location": BARI_LOCATION,
                  "url": f"{BARI_URL} @offset 14000"}
        rows.append({**common, "outcome_id": "any_infection", "events": infections, "definition_family": "soc",
                     "definition": "Participants with >=1 treatment-emergent infection (all infections)",
                     "quote": INFECTION_QUOTE,
                     "note": ("Events and n read together ('37 of 111'); n equals arms.csv n_safety for this arm. "
                              "Secondary source (review) quoting the trial; treatment period 16 weeks, window not "
                              "stated in the sentence.")})
        rows.append({**common, "outcome_id": "serious_adverse_event", "events": serious, "definition_family": "total",
                     "definition": "Participants with >=1 serious adverse event",
                     "quote": f"{SAE_QUOTE} | {INFECTION_QUOTE}",
                     "note": ("Events read as words in the SAE sentence; n read from the infection sentence of the "
                              "same paragraph (arm sizes 111/109/108, = arms.csv n_safety). Window not stated in "
                              "the sentence.")})
    return rows


def cut(text: str, start: str, end: str) -> str:
    """The verbatim stretch of a stored block from ``start`` to the end of ``end``."""
    begin = text.index(start)
    return text[begin:text.index(end, begin) + len(end)]


ARCADIA_MEASURES = {
    "iga01": ("iga_itt", "IGA 0/1 with >=2-grade improvement at week 16, ITT, rescue/missing = non-responder"),
    "easi75": ("easi75_itt", "EASI-75 at week 16, ITT, rescue/missing = non-responder"),
    "itch_response": ("itch_itt", "Weekly average peak pruritus NRS improvement >=4 points at week 16, ITT, "
                                  "rescue = failure"),
}
ARCADIA_ARMS = {  # arm: (drug, outcome group, event group, ITT n, safety n)
    "placebo": ("placebo", "OG000", "EG000", 321, 321),
    "30q4w": ("nemolizumab", "OG001", "EG001", 620, 616),
}
SAME = "Same numbers as the held row read from research-content.json; this per-trial copy is stored."


def arcadia1() -> list[dict]:
    block = REGISTRY / "NCT03985943"
    with (REGISTRY / "MANIFEST.csv").open(encoding="utf-8") as handle:
        manifest = {r["stored_file"]: r for r in csv.DictReader(handle)}
    rows = []
    for outcome, (name, definition) in ARCADIA_MEASURES.items():
        stored = f"NCT03985943/outcomeMeasures.{name}.json"
        text = (block / f"outcomeMeasures.{name}.json").read_text(encoding="utf-8")
        start = manifest[stored]["kept"].split()[1].split("-")[0]
        quote = cut(text, '"denoms"', '"value":"620"}]}]') + " ... " + cut(text, '"classes"', "}]}]}]")
        for arm, (drug, group, _, n, _) in ARCADIA_ARMS.items():
            value = text.split(f'"groupId":"{group}","value":"')[-1].split('"')[0]
            events = round(float(value) * n / 100)
            rows.append({
                "trial_id": "arcadia1", "arm_id": arm, "drug": drug, "outcome_id": outcome, "events": events, "n": n,
                "derived": "yes", "timepoint_weeks": 16, "definition_family": "nri", "population": "fas",
                "definition": definition, "source": "NCT03985943",
                "location": f"resultsSection.outcomeMeasuresModule, measure stored as {stored}",
                "url": f"{ARCADIA_URL} @offset {start}", "quote": quote,
                "note": f"DERIVED: {value}% x {n} = {float(value) * n / 100:.2f} -> {events}. {SAME}",
            })
    ae = (block / "adverseEventsModule.json").read_text(encoding="utf-8")
    ae_start = manifest["NCT03985943/adverseEventsModule.json"]["kept"].split()[1].split("-")[0]
    covid = cut(ae, '{"term":"COVID-19 pneumonia"', '"numAtRisk":616}')
    for arm, (drug, _, group, _, n) in ARCADIA_ARMS.items():
        sae = cut(ae, f'"id":"{group}"', f'"seriousNumAtRisk":{n}')
        common = {"trial_id": "arcadia1", "arm_id": arm, "drug": drug, "n": n, "derived": "no",
                  "timepoint_weeks": 16, "population": "safety", "source": "NCT03985943",
                  "url": f"{ARCADIA_URL} @offset {ae_start}"}
        rows.append({
            **common, "outcome_id": "serious_adverse_event", "events": 4 if group == "EG000" else 6,
            "definition_family": "total",
            "definition": ("Participants with >=1 serious adverse event (registry seriousNumAffected), "
                           "initial treatment period"),
            "location": f"resultsSection.adverseEventsModule.eventGroups {group}",
            "quote": sae[:60] + " ... " + sae[sae.index('"seriousNumAffected"'):],
            "note": f"AE timeFrame 'Initial Treatment Period: From baseline to Week 16 pre-dose'. {SAME}",
        })
        rows.append({
            **common, "outcome_id": "serious_infection", "events": 1 if group == "EG000" else 0,
            "definition_family": "serious_list",
            "definition": ("Serious adverse events in SOC 'Infections and infestations' (registry seriousEvents "
                           "list), initial treatment period"),
            "location": "resultsSection.adverseEventsModule.seriousEvents, EG000/EG001", "quote": covid,
            "note": ("The only Infections-and-infestations serious term with a count in EG000/EG001 is COVID-19 "
                     "pneumonia (placebo 1); Appendicitis, COVID-19, Cellulitis and Erysipelas count only in "
                     f"maintenance groups. Serious list has no frequency threshold. {SAME}"),
        })
    return rows


MU1_URL = ("https://github.com/suvojit-0x55aa/derm-trial-atlas-data/blob/35c2709b0d39e5ea4a25c258a525b819e29204d5/"
           "data/trials/NCT03569293.json")
MU1_ARMS = {"placebo": ("placebo", "Placebo"), "15mg": ("upadacitinib", "Upadacitinib 15 mg QD"),
            "30mg": ("upadacitinib", "Upadacitinib 30 mg QD")}


def measure_up1() -> list[dict]:
    """Serious AEs, acne and herpes zoster re-sourced to the atlas copy: each arm sums its two age strata exactly."""
    with (REGISTRY / "MANIFEST.csv").open(encoding="utf-8") as handle:
        manifest = {r["stored_file"]: r for r in csv.DictReader(handle)}
    blocks = {"serious_adverse_event": ("adverse_events.serious_adverse_event_rate", "value", "total",
                                        "Participants with >=1 serious adverse event (registry seriousNumAffected), "
                                        "double-blind period, adults + adolescents"),
              "acne": ("adverse_events.most_common_adverse_events.ACNE", "per_arm", "preferred_term",
                       "Acne (MedDRA PT 'ACNE'), non-serious otherEvents table, double-blind period, "
                       "adults + adolescents"),
              "herpes_zoster": ("adverse_events.most_common_adverse_events.HERPES_ZOSTER", "per_arm",
                                "preferred_term",
                                "Herpes zoster (MedDRA PT 'HERPES ZOSTER'), non-serious otherEvents table, "
                                "double-blind period, adults + adolescents")}
    extra = {"herpes_zoster": (" The held row's note: the registry serious-events list shows HERPES ZOSTER (and "
                               "HERPES ZOSTER CUTANEOUS DISSEMINATED) with 0 in every double-blind group, so the "
                               "non-serious count is the all-severity count.")}
    rows = []
    for outcome, (name, key, family, definition) in blocks.items():
        stored = f"NCT03569293/{name}.json"
        text = (REGISTRY / stored).read_text(encoding="utf-8")
        start = manifest[stored]["kept"].split()[1].split("-")[0]
        entries = {e["arm"]: e for e in json.loads(text)[key]}
        for arm, (drug, label) in MU1_ARMS.items():
            adult, teen = entries[f"Adults: Double-blind Period - {label}"], entries[
                f"Adolescents: Double-blind Period - {label}"]
            events = adult["n_affected"] + teen["n_affected"]
            n = adult["n_at_risk"] + teen["n_at_risk"]
            quote = " | ".join(cut(text, f'"arm": "{stratum}: Double-blind Period - {label}"', '"n_at_risk": '
                                   f'{entry["n_at_risk"]}') for stratum, entry in (("Adults", adult),
                                                                                  ("Adolescents", teen)))
            quote = " ".join(quote.split())  # the record's indentation collapsed to single spaces
            rows.append({
                "trial_id": "measure_up1", "arm_id": arm, "drug": drug, "outcome_id": outcome, "events": events,
                "n": n, "derived": "yes", "timepoint_weeks": 16, "definition_family": family,
                "population": "safety", "definition": definition, "source": "NCT03569293",
                "location": f"atlas {name.replace('.', ' ')} (stored as {stored})",
                "url": f"{MU1_URL} @offset {start}", "quote": quote,
                "note": (f"EXACT SUM of read registry counts: adults {adult['n_affected']}/{adult['n_at_risk']} + "
                         f"adolescents {teen['n_affected']}/{teen['n_at_risk']} = {events}/{n}. Same numbers as the "
                         "held row read from research-content.json; this atlas copy is stored. "
                         "Quote whitespace collapsed." + extra.get(outcome, "")),
            })
    return rows


def main() -> None:
    rows = breeze_ad2() + breeze_ad7() + arcadia1() + measure_up1()
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{OUT.name}: {len(rows)} rows")


if __name__ == "__main__":
    main()
