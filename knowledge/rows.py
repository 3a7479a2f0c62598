"""Row parsers for the CSV files: each turns one row into a frozen record or raises RowError naming the column,
so the loader can report file, line and column for every problem at once."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from . import schema
from .records import Arm, Count, Disagreement, Synthesis, Trial

SLUG = re.compile(r"^[a-z0-9][a-z0-9_]*$")


NCT = re.compile(r"^NCT\d{8}$")


class RowError(Exception):
    def __init__(self, column: str, message: str):
        self.column, self.message = column, message


def required(row: dict, column: str) -> str:
    value = row[column]
    if not value:
        raise RowError(column, "a value is required")
    return value


def slug(row: dict, column: str) -> str:
    value = required(row, column)
    if not SLUG.match(value):
        raise RowError(column, f"'{value}' is not a lower-case identifier (letters, digits, _)")
    return value


def choice(row: dict, column: str, allowed: Iterable[str]) -> str:
    value = row[column]
    if value not in allowed:
        raise RowError(column, f"'{value}' is not one of: {', '.join(sorted(allowed))}")
    return value


def yes_no(row: dict, column: str) -> bool:
    return schema.YES_NO[choice(row, column, schema.YES_NO)]


def integer(row: dict, column: str, *, minimum: int, optional: bool = False) -> int | None:
    value = row[column]
    if not value and optional:
        return None
    if not re.fullmatch(r"-?\d+", value):
        raise RowError(column, f"'{value}' is not a whole number")
    number = int(value)
    if number < minimum:
        raise RowError(column, f"{number} is below the minimum of {minimum}")
    return number


def number(row: dict, column: str) -> float:
    value = row[column]
    try:
        number = float(value)
    except ValueError:
        raise RowError(column, f"'{value}' is not a number") from None
    if not math.isfinite(number):
        raise RowError(column, f"'{value}' is not a finite number")
    return number


def provenance(row: dict, columns: tuple[str, ...], what: str) -> None:
    for column in columns:
        if not row[column]:
            raise RowError(column, f"{what} has no provenance: '{column}' is empty")


def parse_trial(row: dict, context: dict) -> Trial:
    nct = row["nct"]
    if nct and not NCT.match(nct):
        raise RowError("nct", f"'{nct}' is not a registry id of the form NCT01234567")
    if row["pmid"] and not row["pmid"].isdigit():
        raise RowError("pmid", f"'{row['pmid']}' is not a PubMed id (digits only)")
    return Trial(
        trial_id=slug(row, "trial_id"),
        acronym=required(row, "acronym"),
        nct=nct,
        pmid=row["pmid"],
        doi=row["doi"],
        citation=required(row, "citation"),
        design=choice(row, "design", schema.DESIGNS),
        condition=choice(row, "condition", schema.CONDITIONS),
        age_group=choice(row, "age_group", schema.AGE_GROUPS),
        severity=row["severity"],
        background=choice(row, "background", schema.BACKGROUNDS),
        followup_weeks=integer(row, "followup_weeks", minimum=1, optional=True),
        in_fleming_2018=yes_no(row, "in_fleming_2018"),
        source=required(row, "source"),
        url=required(row, "url"),
        note=row["note"],
    )


def parse_arm(row: dict, context: dict) -> Arm:
    trial_id = required(row, "trial_id")
    if trial_id not in context["trials"]:
        raise RowError("trial_id", f"unknown trial '{trial_id}' (not in trials.csv)")
    n_safety = integer(row, "n_safety", minimum=1, optional=True)
    if n_safety is not None:
        provenance(row, schema.ARM_PROVENANCE, "n_safety")
    role = choice(row, "role", schema.ROLES)
    drug = required(row, "drug")
    if role == "placebo" and drug != "placebo":
        raise RowError("drug", f"a placebo arm must have drug 'placebo', not '{drug}'")
    if role == "drug" and drug not in context["drugs"]:
        raise RowError("drug", f"unknown drug '{drug}' (not in drugs.yaml)")
    dose = row["dose_mg"]
    try:
        dose_mg = float(dose) if dose else None
    except ValueError:
        raise RowError("dose_mg", f"'{dose}' is not a number of milligrams") from None
    return Arm(
        trial_id=trial_id,
        arm_id=slug(row, "arm_id"),
        role=role,
        drug=drug,
        regimen=required(row, "regimen"),
        dose_mg=dose_mg,
        interval_weeks=integer(row, "interval_weeks", minimum=1, optional=True),
        route=choice(row, "route", schema.ROUTES),
        licensed=choice(row, "licensed", schema.LICENSED),
        n_safety=n_safety,
        source=row["source"],
        location=row["location"],
        url=row["url"],
        quote=row["quote"],
    )


def parse_count(row: dict, context: dict) -> Count:
    trial_id, arm_id = required(row, "trial_id"), required(row, "arm_id")
    arm = context["arms"].get((trial_id, arm_id))
    if arm is None:
        known_trial = any(t == trial_id for t, _ in context["arms"])
        if not known_trial:
            raise RowError("trial_id", f"unknown trial '{trial_id}' (not in trials.csv/arms.csv)")
        raise RowError("arm_id", f"unknown arm '{arm_id}' of trial '{trial_id}' (not in arms.csv)")
    if row["drug"] != arm.drug:
        raise RowError("drug", f"'{row['drug']}' does not match arm '{arm_id}' of trial '{trial_id}', "
                                f"which is {arm.drug} in arms.csv")
    outcome_id = required(row, "outcome_id")
    if outcome_id not in context["outcomes"]:
        raise RowError("outcome_id", f"unknown outcome '{outcome_id}' (not in outcomes.yaml)")
    if context["outcomes"][outcome_id].is_continuous:
        raise RowError("outcome_id", f"'{outcome_id}' is a continuous score: counts of people cannot be held for it")
    timepoint = integer(row, "timepoint_weeks", minimum=0, optional=True)
    if timepoint is None and context["outcomes"][outcome_id].is_benefit:
        raise RowError("timepoint_weeks", f"an efficacy count ({outcome_id}) needs the week it was assessed")
    population = row["population"]
    if population not in schema.ANALYSIS_POPULATIONS:
        raise RowError("population", f"'{population}' is not a whole-trial analysis set "
                                      f"({', '.join(sorted(p for p in schema.ANALYSIS_POPULATIONS if p))}); "
                                      "subgroup tables are not whole-trial data")
    events = integer(row, "events", minimum=0)
    n = integer(row, "n", minimum=1)
    if events > n:
        raise RowError("events", f"{events} events is more than the {n} people in the arm")
    obtained, percent = _obtained(row)
    outcome = context["outcomes"][outcome_id]
    family = row["definition_family"]
    if outcome.families and family not in {f.id for f in outcome.families}:
        raise RowError("definition_family", f"'{family}' is not a definition family of '{outcome_id}' "
                       f"({', '.join(f.id for f in outcome.families)}; outcomes.yaml)")
    provenance(row, schema.COUNT_PROVENANCE, "this count")
    if obtained != "read" and not row["note"]:
        raise RowError("note", f"a count obtained as {obtained} must say in 'note' how it was obtained "
                       "(the arithmetic, or the percentage and n)")
    if arm.n_safety is not None and n != arm.n_safety and not row["note"]:
        raise RowError("n", f"n={n} differs from the arm's safety population ({arm.n_safety}) in arms.csv; "
                             "explain the denominator in 'note'")
    if arm.n_safety is not None and n < arm.n_safety / 2:
        raise RowError("n", f"n={n} is less than half of the arm's {arm.n_safety} people: a subgroup table is "
                             "not whole-trial data")
    if arm.n_safety is not None and n > arm.n_safety * 1.1:
        raise RowError("n", f"n={n} is more than the arm's {arm.n_safety} people")
    return Count(trial_id=trial_id, arm_id=arm_id, drug=arm.drug, outcome_id=outcome_id, events=events, n=n,
                 obtained=obtained, timepoint_weeks=timepoint, definition_family=family,
                 population=population, definition=row["definition"], source=row["source"],
                 location=row["location"], url=row["url"], quote=row["quote"], note=row["note"], percent=percent)


def _obtained(row: dict) -> tuple[str, str]:
    """`obtained` and `percent`, or the pre-2026.12 `derived` column read cautiously (schema)."""
    if "obtained" not in row:
        return ("from_percentage" if yes_no(row, "derived") else "read"), ""
    obtained = choice(row, "obtained", schema.OBTAINED)
    percent = row["percent"]
    if obtained in ("from_percentage", "imputed"):
        if not percent:
            raise RowError("percent", f"a count obtained as {obtained} needs the printed percentage it came from")
        value = number(row, "percent")
        if not 0 <= value <= 100:
            raise RowError("percent", f"{percent} is not a percentage between 0 and 100")
    elif percent:
        raise RowError("percent", f"only a count from a percentage has one; this one is {obtained}")
    return obtained, percent


def parse_disagreement(row: dict, context: dict) -> Disagreement:
    key = (required(row, "trial_id"), required(row, "arm_id"), required(row, "outcome_id"))
    held = context["counts"].get(key)
    if held is None:
        raise RowError("outcome_id", f"no count {'/'.join(key)} in counts.csv for this to disagree with")
    events, n = integer(row, "events", minimum=0), integer(row, "n", minimum=1)
    if events > n:
        raise RowError("events", f"{events} events is more than the {n} people in the arm")
    if (events, n) == (held.events, held.n):
        raise RowError("events", f"{events}/{n} is the held count: it does not disagree")
    provenance(row, schema.COUNT_PROVENANCE, "this count")
    if not row["note"]:
        raise RowError("note", "say which count is used and why")
    return Disagreement(*key, events=events, n=n, source=row["source"], location=row["location"], url=row["url"],
                        quote=row["quote"], note=row["note"])


def parse_synthesis(row: dict, context: dict) -> Synthesis:
    outcome_id = required(row, "outcome_id")
    if outcome_id not in context["outcomes"]:
        raise RowError("outcome_id", f"unknown outcome '{outcome_id}' (not in outcomes.yaml)")
    measure = choice(row, "measure", schema.SYNTHESIS_MEASURES)
    if context["outcomes"][outcome_id].is_continuous != (measure == "MD"):
        raise RowError("measure", f"{measure} does not fit '{outcome_id}': a continuous score takes a mean "
                       "difference (MD), and only a score does")
    kind = choice(row, "kind", schema.SYNTHESIS_KINDS)
    drug = required(row, "drug")
    if drug not in context["drugs"]:
        raise RowError("drug", f"unknown drug '{drug}' (not in drugs.yaml)")
    comparator = required(row, "comparator")
    if comparator not in context["drugs"] and comparator not in ("placebo", "none"):
        raise RowError("comparator", f"unknown comparator '{comparator}' (a drug in drugs.yaml, placebo or none)")
    if comparator == drug:
        raise RowError("comparator", f"compares {drug} with itself")
    if (comparator == "none") != (measure == "IR"):
        raise RowError("comparator", "an incidence rate (IR) has comparator 'none', and only an IR has")
    if measure == "IR" and not row["ci_low"] and not row["ci_high"]:
        # a rate without its interval says nothing of its precision (CURATION.md): held only with one
        raise RowError("ci_low", "an incidence rate needs its 95% interval; a rate printed without one is left "
                       "out (CURATION.md)")
    estimate, low, high = (number(row, c) for c in ("estimate", "ci_low", "ci_high"))
    if not low <= estimate <= high:
        raise RowError("estimate", f"estimate {estimate} is not inside its interval {low} to {high}")
    if measure in schema.RATIO_MEASURES and low <= 0:
        raise RowError("ci_low", f"a {measure} must be positive, got {low}")
    if measure == "IR" and low < 0:
        raise RowError("ci_low", f"an incidence rate cannot be negative, got {low}")
    trials = tuple(t.strip() for t in row["trials"].split(";") if t.strip())
    for trial_id in trials:
        if trial_id not in context["trials"]:
            raise RowError("trials", f"names trial '{trial_id}', which is not in trials.csv")
    k = integer(row, "k", minimum=1, optional=True)
    if trials and k is not None and len(trials) != k:
        raise RowError("k", f"k={k} but {len(trials)} trials are listed in 'trials'")
    provenance(row, schema.SYNTHESIS_PROVENANCE, "this synthesis")
    md_improvement = choice(row, "md_improvement", schema.MD_IMPROVEMENT)
    if (measure == "MD") != bool(md_improvement):
        raise RowError("md_improvement", "a mean difference (MD) says which sign means improvement "
                       "(positive or negative), and only an MD does")
    if not (row["pmid"] or row["doi"]):
        raise RowError("pmid", "a synthesis needs a PMID or a DOI")
    return Synthesis(
        synthesis_id=slug(row, "synthesis_id"), kind=kind, outcome_id=outcome_id, drug=drug,
        comparator=comparator, measure=measure, model=required(row, "model"),
        estimate=estimate, ci_low=low, ci_high=high, k=k,
        participants=integer(row, "participants", minimum=1, optional=True), trials=trials,
        dose_mg=number(row, "dose_mg") if row["dose_mg"] else None,
        interval_weeks=integer(row, "interval_weeks", minimum=1, optional=True),
        timepoint_weeks=integer(row, "timepoint_weeks", minimum=0, optional=True),
        population=row["population"],
        citation=row["citation"], pmid=row["pmid"], doi=row["doi"], location=row["location"], url=row["url"],
        quote=row["quote"], certainty=choice(row, "certainty", schema.CERTAINTY), note=row["note"],
        md_improvement=md_improvement, cohort=row["cohort"],
        scope=choice(row, "scope", schema.SYNTHESIS_SCOPES) if "scope" in row else "",
    )
