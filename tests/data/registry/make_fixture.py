"""Build the FICTIONAL fixture record NCT00000002 (trial zorb2, zorbimab: a drug that does not exist) the way
knowledge/curation/registry_store.py stores a real one: exact character ranges of a source file, here
(1) a ClinicalTrials.gov API v2 record held as an escaped JSON string inside another JSON file, as
research-content.json holds real ones (record_format `ctgov_v2_escaped`), and (2) an atlas-layout copy of one
adverse-event term. Every number is invented for tests. Neither source file is kept, only the ranges cut from
it and MANIFEST.csv rows with their offsets, lengths and hashes.

Run from the repository root: `python tests/data/registry/make_fixture.py` (rewrites NCT00000002/ and the
NCT00000002 rows of MANIFEST.csv; the NCT00000001 fixture is left as it is).
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))
from knowledge.intervals import interval  # noqa: E402

NCT, TRIAL = "NCT00000002", "zorb2"
PLACEBO, DRUG, LATER = "Period 1: Placebo", "Period 1: Zorbimab 100 mg", "Period 2: Zorbimab 100 mg"
GROUPS = [("EG000", PLACEBO, 2, 100), ("EG001", DRUG, 3, 100), ("EG002", LATER, 1, 80)]


def stats(*affected: int) -> list[dict]:
    return [{"groupId": gid, "numEvents": a, "numAffected": a, "numAtRisk": n}
            for (gid, _, _, n), a in zip(GROUPS, affected, strict=True)]


def term(name: str, system: str, *affected: int) -> dict:
    return {"term": name, "organSystem": system, "sourceVocabulary": "MedDRA (fictional)", "stats": stats(*affected)}


def wald(events: int, n: int) -> tuple[str, str]:
    low, high = interval(events, n, "wald")
    return f"{low:.1f}", f"{high:.1f}"


def measure(title: str, groups: dict[str, int], classes: list[tuple[str | None, dict[str, tuple]]]) -> dict:
    """A percentage measure: classes of (title, {group id: (value, n, (lower, upper))})."""
    return {
        "type": "SECONDARY", "title": title, "populationDescription": "FICTIONAL fixture, not a real trial",
        "paramType": "NUMBER", "dispersionType": "95% Confidence Interval",
        "unitOfMeasure": "percentage of participants",
        "timeFrame": "Week 16", "groups": [{"id": gid, "title": t} for t, gid in groups.items()],
        "denoms": [{"units": "Participants", "counts": [{"groupId": gid, "value": str(n)}
                                                       for gid, (_, n, _) in classes[-1][1].items()]}],
        "classes": [{**({"title": c} if c else {}),
                     **({"denoms": [{"units": "Participants", "counts": [{"groupId": gid, "value": str(n)}
                                                                          for gid, (_, n, _) in cells.items()]}]}
                        if c else {}),
                     "categories": [{"measurements": [{"groupId": gid, "value": v, "lowerLimit": ci[0],
                                                       "upperLimit": ci[1]} for gid, (v, _, ci) in cells.items()]}]}
                    for c, cells in classes],
    }


OUTCOME_GROUPS = {"Placebo": "OG000", "Zorbimab 100 mg": "OG001"}
SERIOUS = [term("Cholecystitis", "Hepatobiliary disorders", 1, 0, 0),
           term("Cellulitis", "Infections and infestations", 1, 1, 0),
           term("Pneumonia", "Infections and infestations", 0, 1, 0),
           term("Fall", "Injury, poisoning and procedural complications", 0, 1, 1),
           term("Syncope", "Nervous system disorders", 0, 0, 0)]
OTHER = [term("Anaemia", "Blood and lymphatic system disorders", 6, 5, 4),
         term("Conjunctivitis", "Infections and infestations", 2, 10, 6),
         term("Nasopharyngitis", "Infections and infestations", 9, 8, 7)]
RECORD = {"protocolSection": {"identificationModule": {"nctId": NCT, "briefTitle": "ZORB-2 (FICTIONAL fixture)"}},
          "resultsSection": {
              "outcomeMeasuresModule": {"outcomeMeasures": [
                  measure("EASI-75 by week (fictional)", OUTCOME_GROUPS, [
                      ("Week 8", {"OG000": ("10.2", 98, wald(10, 98)), "OG001": ("30.3", 99, wald(30, 99))}),
                      ("Week 16", {"OG000": ("15.0", 100, wald(15, 100)), "OG001": ("45.0", 100, wald(45, 100))})]),
                  measure("IGA 0/1 at Week 16 (fictional)", OUTCOME_GROUPS, [
                      (None, {"OG000": ("12.0", 100, wald(12, 100)), "OG001": ("37.5", 96, wald(36, 96))})]),
                  measure("EASI-90 at Week 16 (fictional)", OUTCOME_GROUPS, [
                      (None, {"OG000": ("10.0", 100, wald(10, 100)), "OG001": ("41.7", 100, wald(40, 96))})]),
                  measure("Itch response at Week 16 (fictional)", OUTCOME_GROUPS, [
                      (None, {"OG000": ("20.0", 100, wald(20, 100)), "OG001": ("50.0", 100, wald(45, 90))})]),
              ]},
              "adverseEventsModule": {
                  "frequencyThreshold": "5", "timeFrame": "Period 1: baseline to week 16; Period 2: week 16 to 32",
                  "eventGroups": [{"id": gid, "title": t, "seriousNumAffected": a, "seriousNumAtRisk": n,
                                   "otherNumAffected": 20, "otherNumAtRisk": n} for gid, t, a, n in GROUPS],
                  "seriousEvents": SERIOUS, "otherEvents": OTHER}}}
ATLAS = {"nct_id": {"value": NCT, "source_excerpt": "FICTIONAL fixture, not a real trial"},
         "adverse_events": {"most_common_adverse_events": {"value": [
             {"meddra_pt": "Conjunctivitis", "meddra_soc": "Infections and infestations",
              "per_arm": [{"arm": t, "n_affected": a, "n_at_risk": n}
                          for (_, t, _, n), a in zip(GROUPS, (2, 10, 6), strict=True)]}]}}}

AE, OM = RECORD["resultsSection"]["adverseEventsModule"], RECORD["resultsSection"]["outcomeMeasuresModule"]
# block name -> (the value, the text just before it in the compact record, to find it)
BLOCKS = {
    "adverseEventsModule.frequencyThreshold": (AE["frequencyThreshold"], '"frequencyThreshold":'),
    "adverseEventsModule.timeFrame": (AE["timeFrame"], '"timeFrame":'),
    "adverseEventsModule.eventGroups": (AE["eventGroups"], '"eventGroups":'),
    # the serious list is kept in part: four consecutive elements, Syncope (the last) is not stored
    **{f"adverseEventsModule.seriousEvents.{e['term']}": (e, "") for e in SERIOUS[:4]},
    "adverseEventsModule.otherEvents.first_element": (OTHER[0], ""),
    "adverseEventsModule.otherEvents.Conjunctivitis": (OTHER[1], ""),
    "outcomeMeasures.easi75_by_week": (OM["outcomeMeasures"][0], ""),
    "outcomeMeasures.iga_wk16": (OM["outcomeMeasures"][1], ""),
    "outcomeMeasures.easi90_wk16": (OM["outcomeMeasures"][2], ""),
    "outcomeMeasures.itch_wk16": (OM["outcomeMeasures"][3], ""),
}


def cut(source: str, value: object, before: str, escaped: bool) -> tuple[int, int, str]:
    """(start, end, text) of a value's exact characters in the source file."""
    compact = json.dumps(value, separators=(",", ":")) if escaped else json.dumps(value)
    anchor = json.dumps(before + compact)[1:-1] if escaped else before + compact
    start = source.find(anchor)
    if start < 0 or source.find(anchor, start + 1) >= 0:
        raise SystemExit(f"not found once: {anchor[:60]}")
    text = json.dumps(compact)[1:-1] if escaped else compact
    start += len(anchor) - len(text)
    return start, start + len(text), text


def main() -> None:
    inner = json.dumps(RECORD, separators=(",", ":"))
    research = json.dumps({"items": [{"id": "fixture", "content_text": inner}]})  # the escaped-record source
    atlas = json.dumps(ATLAS)
    folder = HERE / NCT
    folder.mkdir(exist_ok=True)
    rows = []
    pieces = [(name, value, before, True, research) for name, (value, before) in BLOCKS.items()]
    pieces.append(("adverse_events.most_common_adverse_events.Conjunctivitis",
                   ATLAS["adverse_events"]["most_common_adverse_events"]["value"][0], "", False, atlas))
    for name, value, before, escaped, source in pieces:
        start, end, text = cut(source, value, before, escaped)
        assert source[start:end] == text
        (folder / f"{name}.json").write_text(text, encoding="utf-8")
        rows.append({"nct": NCT, "trial_id": TRIAL, "stored_file": f"{NCT}/{name}.json", "repo": "fixture",
                     "path": "research-content-like (fictional)" if escaped else "atlas-like (fictional)",
                     "commit": "", "total_chars": str(len(source)), "kept": f"range {start}-{end}",
                     "kept_chars": str(len(text)), "sha256_kept": hashlib.sha256(text.encode()).hexdigest(),
                     "sha256_full": "", "record_format": "ctgov_v2_escaped" if escaped else "atlas_v3",
                     "parts": "generated", "note": "FICTIONAL test fixture (tests/data/registry/make_fixture.py)"})
    path = HERE / "MANIFEST.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns, kept = reader.fieldnames, [r for r in reader if r["nct"] != NCT]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept + rows)


if __name__ == "__main__":
    main()
