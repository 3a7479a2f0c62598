"""Load the knowledge base from a directory of CSV/YAML files and validate it row by row.

Validation collects every problem before failing, so a curator fixes a file in one pass. Row numbers are
editor line numbers (the header is line 1), which is what a reviewer sees in a diff or a spreadsheet.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from . import schema
from .errors import DataIssue, KnowledgeBaseError
from .records import Arm, Concept, Count, Drug, KnowledgeBase, Outcome, Synthesis, Trial
from .text import normalise

DATA_FILES = ("kb.yaml", "drugs.yaml", "trials.csv", "arms.csv", "counts.csv", "outcomes.yaml", "syntheses.csv",
              "vocabulary.yaml")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_NCT = re.compile(r"^NCT\d{8}$")


def default_directory() -> Path:
    """The knowledge base bundled with the package (works from a wheel as well as a checkout)."""
    return Path(str(resources.files("knowledge") / "data"))


def content_hash(directory: Path) -> str:
    digest = hashlib.sha256()
    for name in DATA_FILES:
        path = directory / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def load(directory: str | Path | None = None) -> KnowledgeBase:
    """Read and validate; raise KnowledgeBaseError listing every problem with file, line and column."""
    directory = Path(directory) if directory is not None else default_directory()
    issues: list[DataIssue] = []
    if not directory.is_dir():
        raise KnowledgeBaseError([DataIssue(str(directory), None, None, "not a directory")])
    for name in DATA_FILES:
        if not (directory / name).is_file():
            issues.append(DataIssue(name, None, None, f"file missing from {directory}"))
    if issues:
        raise KnowledgeBaseError(issues)

    meta = _read_yaml(directory, "kb.yaml", issues)
    outcomes = _outcomes(_read_yaml(directory, "outcomes.yaml", issues), issues)
    drugs, drug_concepts = _drugs(_read_yaml(directory, "drugs.yaml", issues), issues)
    trials = _rows(directory, "trials.csv", schema.TRIAL_COLUMNS, _trial, issues, context={})
    trial_ids = {t.trial_id for _, t in trials}
    arms = _rows(directory, "arms.csv", schema.ARM_COLUMNS, _arm, issues,
                 context={"trials": trial_ids, "drugs": drugs})
    arm_index = {(a.trial_id, a.arm_id): a for _, a in arms}
    counts = _rows(directory, "counts.csv", schema.COUNT_COLUMNS, _count, issues,
                   context={"arms": arm_index, "outcomes": outcomes})
    syntheses = _rows(directory, "syntheses.csv", schema.SYNTHESIS_COLUMNS, _synthesis, issues,
                      context={"trials": trial_ids, "outcomes": outcomes, "drugs": drugs})
    held = {a.drug for _, a in arms}
    concepts = tuple(
        Concept(kind="drug", id=c.id, label=c.label, covered=c.id in held, terms=c.terms, lookalikes=c.lookalikes)
        for c in drug_concepts
    ) + _concepts(_read_yaml(directory, "vocabulary.yaml", issues), outcomes, issues,
                  owner={t: f"drugs.{c.id}" for c in drug_concepts for t in c.terms})

    _check_unique(issues, "trials.csv", trials, lambda t: t.trial_id, "trial_id")
    _check_unique(issues, "arms.csv", arms, lambda a: (a.trial_id, a.arm_id), "arm_id")
    _check_unique(issues, "counts.csv", counts, lambda c: (c.trial_id, c.arm_id, c.outcome_id), "outcome_id")
    _check_unique(issues, "syntheses.csv", syntheses, lambda s: s.synthesis_id, "synthesis_id")
    _check_arms_per_trial(issues, trials, arms)

    version = str((meta or {}).get("version", "")).strip()
    if not version:
        issues.append(DataIssue("kb.yaml", None, "version", "a version is required"))
    if issues:
        raise KnowledgeBaseError(issues)
    return KnowledgeBase(
        version=version,
        content_hash=content_hash(directory),
        title=str(meta.get("title", "")),
        trials=tuple(r for _, r in trials),
        arms=tuple(r for _, r in arms),
        counts=tuple(r for _, r in counts),
        syntheses=tuple(r for _, r in syntheses),
        outcomes=outcomes,
        concepts=concepts,
        drugs=drugs,
    )


# --- reading -----------------------------------------------------------------------------------------------

def _read_yaml(directory: Path, name: str, issues: list[DataIssue]) -> dict:
    try:
        data = yaml.safe_load((directory / name).read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        issues.append(DataIssue(name, None if line is None else line + 1, None, f"not valid YAML: {exc}"))
        return {}
    if not isinstance(data, dict):
        issues.append(DataIssue(name, None, None, "expected a mapping at the top level"))
        return {}
    return data


class _RowError(Exception):
    def __init__(self, column: str, message: str):
        self.column, self.message = column, message


RowParser = Callable[[dict[str, str], dict], object]


def _rows(directory: Path, name: str, columns: tuple[str, ...], parse: RowParser,
          issues: list[DataIssue], context: dict) -> list[tuple[int, object]]:
    """Parse every row; returns (line, record) for the rows that parsed, issues for the rest."""
    try:
        frame = pd.read_csv(directory / name, dtype=str, keep_default_na=False, na_filter=False,
                            skip_blank_lines=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        issues.append(DataIssue(name, None, None, f"cannot be read as CSV: {exc}"))
        return []
    missing = [c for c in columns if c not in frame.columns]
    unknown = [c for c in frame.columns if c not in columns]
    for column in missing:
        issues.append(DataIssue(name, 1, column, "required column is missing from the header"))
    for column in unknown:
        issues.append(DataIssue(name, 1, str(column), "unknown column (see knowledge/SCHEMA.md)"))
    if missing:
        return []
    records = []
    for position, raw in enumerate(frame.to_dict(orient="records")):
        line = position + 2
        row = {k: str(v).strip() for k, v in raw.items()}
        try:
            records.append((line, parse(row, context)))
        except _RowError as exc:
            issues.append(DataIssue(name, line, exc.column, exc.message))
    return records


def _check_unique(issues: list[DataIssue], name: str, rows: list, key: Callable, column: str) -> None:
    seen: dict = {}
    for line, record in rows:
        k = key(record)
        if k in seen:
            issues.append(DataIssue(name, line, column, f"duplicate of line {seen[k]}: {k}"))
        else:
            seen[k] = line


def _check_arms_per_trial(issues: list[DataIssue], trials: list, arms: list) -> None:
    """A trial compares something: at most one placebo arm, and either a placebo arm and a drug arm, or arms of
    two different drugs (a head-to-head trial)."""
    by_trial: dict[str, list[Arm]] = {}
    for _, arm in arms:
        by_trial.setdefault(arm.trial_id, []).append(arm)
    for line, trial in trials:
        own = by_trial.get(trial.trial_id, [])
        placebo = sum(a.role == "placebo" for a in own)
        drugs = {a.drug for a in own if a.role == "drug"}
        if placebo > 1:
            issues.append(DataIssue("trials.csv", line, "trial_id",
                                    f"trial '{trial.trial_id}' has {placebo} placebo arms in arms.csv"))
        elif not drugs or (placebo == 0 and len(drugs) < 2):
            what = "no placebo arm" if placebo == 0 else "no drug arm"
            issues.append(DataIssue("trials.csv", line, "trial_id",
                                    f"trial '{trial.trial_id}' has {what} in arms.csv: it compares nothing"))


# --- field checks ------------------------------------------------------------------------------------------

def _required(row: dict, column: str) -> str:
    value = row[column]
    if not value:
        raise _RowError(column, "a value is required")
    return value


def _slug(row: dict, column: str) -> str:
    value = _required(row, column)
    if not _SLUG.match(value):
        raise _RowError(column, f"'{value}' is not a lower-case identifier (letters, digits, _)")
    return value


def _choice(row: dict, column: str, allowed: Iterable[str]) -> str:
    value = row[column]
    if value not in allowed:
        raise _RowError(column, f"'{value}' is not one of: {', '.join(sorted(allowed))}")
    return value


def _yes_no(row: dict, column: str) -> bool:
    return schema.YES_NO[_choice(row, column, schema.YES_NO)]


def _integer(row: dict, column: str, *, minimum: int, optional: bool = False) -> int | None:
    value = row[column]
    if not value and optional:
        return None
    if not re.fullmatch(r"-?\d+", value):
        raise _RowError(column, f"'{value}' is not a whole number")
    number = int(value)
    if number < minimum:
        raise _RowError(column, f"{number} is below the minimum of {minimum}")
    return number


def _number(row: dict, column: str) -> float:
    value = row[column]
    try:
        number = float(value)
    except ValueError:
        raise _RowError(column, f"'{value}' is not a number") from None
    if not math.isfinite(number):
        raise _RowError(column, f"'{value}' is not a finite number")
    return number


def _provenance(row: dict, columns: tuple[str, ...], what: str) -> None:
    for column in columns:
        if not row[column]:
            raise _RowError(column, f"{what} has no provenance: '{column}' is empty")


def _trial(row: dict, context: dict) -> Trial:
    nct = row["nct"]
    if nct and not _NCT.match(nct):
        raise _RowError("nct", f"'{nct}' is not a registry id of the form NCT01234567")
    if row["pmid"] and not row["pmid"].isdigit():
        raise _RowError("pmid", f"'{row['pmid']}' is not a PubMed id (digits only)")
    return Trial(
        trial_id=_slug(row, "trial_id"),
        acronym=_required(row, "acronym"),
        nct=nct,
        pmid=row["pmid"],
        doi=row["doi"],
        citation=_required(row, "citation"),
        design=_choice(row, "design", schema.DESIGNS),
        condition=_choice(row, "condition", schema.CONDITIONS),
        age_group=_choice(row, "age_group", schema.AGE_GROUPS),
        severity=row["severity"],
        background=_choice(row, "background", schema.BACKGROUNDS),
        followup_weeks=_integer(row, "followup_weeks", minimum=1, optional=True),
        in_fleming_2018=_yes_no(row, "in_fleming_2018"),
        source=_required(row, "source"),
        url=_required(row, "url"),
        note=row["note"],
    )


def _arm(row: dict, context: dict) -> Arm:
    trial_id = _required(row, "trial_id")
    if trial_id not in context["trials"]:
        raise _RowError("trial_id", f"unknown trial '{trial_id}' (not in trials.csv)")
    n_safety = _integer(row, "n_safety", minimum=1, optional=True)
    if n_safety is not None:
        _provenance(row, schema.ARM_PROVENANCE, "n_safety")
    role = _choice(row, "role", schema.ROLES)
    drug = _required(row, "drug")
    if role == "placebo" and drug != "placebo":
        raise _RowError("drug", f"a placebo arm must have drug 'placebo', not '{drug}'")
    if role == "drug" and drug not in context["drugs"]:
        raise _RowError("drug", f"unknown drug '{drug}' (not in drugs.yaml)")
    dose = row["dose_mg"]
    try:
        dose_mg = float(dose) if dose else None
    except ValueError:
        raise _RowError("dose_mg", f"'{dose}' is not a number of milligrams") from None
    return Arm(
        trial_id=trial_id,
        arm_id=_slug(row, "arm_id"),
        role=role,
        drug=drug,
        regimen=_required(row, "regimen"),
        dose_mg=dose_mg,
        interval_weeks=_integer(row, "interval_weeks", minimum=1, optional=True),
        route=_choice(row, "route", schema.ROUTES),
        licensed=_choice(row, "licensed", schema.LICENSED),
        n_safety=n_safety,
        source=row["source"],
        location=row["location"],
        url=row["url"],
        quote=row["quote"],
    )


def _count(row: dict, context: dict) -> Count:
    trial_id, arm_id = _required(row, "trial_id"), _required(row, "arm_id")
    arm = context["arms"].get((trial_id, arm_id))
    if arm is None:
        known_trial = any(t == trial_id for t, _ in context["arms"])
        if not known_trial:
            raise _RowError("trial_id", f"unknown trial '{trial_id}' (not in trials.csv/arms.csv)")
        raise _RowError("arm_id", f"unknown arm '{arm_id}' of trial '{trial_id}' (not in arms.csv)")
    if row["drug"] != arm.drug:
        raise _RowError("drug", f"'{row['drug']}' does not match arm '{arm_id}' of trial '{trial_id}', "
                                f"which is {arm.drug} in arms.csv")
    outcome_id = _required(row, "outcome_id")
    if outcome_id not in context["outcomes"]:
        raise _RowError("outcome_id", f"unknown outcome '{outcome_id}' (not in outcomes.yaml)")
    timepoint = _integer(row, "timepoint_weeks", minimum=0, optional=True)
    if timepoint is None and context["outcomes"][outcome_id].is_benefit:
        raise _RowError("timepoint_weeks", f"an efficacy count ({outcome_id}) needs the week it was assessed")
    population = row["population"]
    if population not in schema.ANALYSIS_POPULATIONS:
        raise _RowError("population", f"'{population}' is not a whole-trial analysis set "
                                      f"({', '.join(sorted(p for p in schema.ANALYSIS_POPULATIONS if p))}); "
                                      "subgroup tables are not whole-trial data")
    events = _integer(row, "events", minimum=0)
    n = _integer(row, "n", minimum=1)
    if events > n:
        raise _RowError("events", f"{events} events is more than the {n} people in the arm")
    derived = _yes_no(row, "derived")
    _provenance(row, schema.COUNT_PROVENANCE, "this count")
    if derived and not row["note"]:
        raise _RowError("note", "a derived count must say in 'note' how it was derived")
    if arm.n_safety is not None and n != arm.n_safety and not row["note"]:
        raise _RowError("n", f"n={n} differs from the arm's safety population ({arm.n_safety}) in arms.csv; "
                             "explain the denominator in 'note'")
    if arm.n_safety is not None and n < arm.n_safety / 2:
        raise _RowError("n", f"n={n} is less than half of the arm's {arm.n_safety} people: a subgroup table is "
                             "not whole-trial data")
    if arm.n_safety is not None and n > arm.n_safety * 1.1:
        raise _RowError("n", f"n={n} is more than the arm's {arm.n_safety} people")
    return Count(trial_id=trial_id, arm_id=arm_id, drug=arm.drug, outcome_id=outcome_id, events=events, n=n,
                 derived=derived, timepoint_weeks=timepoint, definition_family=row["definition_family"],
                 population=population, definition=row["definition"], source=row["source"],
                 location=row["location"], url=row["url"], quote=row["quote"], note=row["note"])


def _synthesis(row: dict, context: dict) -> Synthesis:
    outcome_id = _required(row, "outcome_id")
    if outcome_id not in context["outcomes"]:
        raise _RowError("outcome_id", f"unknown outcome '{outcome_id}' (not in outcomes.yaml)")
    measure = _choice(row, "measure", schema.SYNTHESIS_MEASURES)
    kind = _choice(row, "kind", schema.SYNTHESIS_KINDS)
    drug = _required(row, "drug")
    if drug not in context["drugs"]:
        raise _RowError("drug", f"unknown drug '{drug}' (not in drugs.yaml)")
    comparator = _required(row, "comparator")
    if comparator not in context["drugs"] and comparator not in ("placebo", "none"):
        raise _RowError("comparator", f"unknown comparator '{comparator}' (a drug in drugs.yaml, placebo or none)")
    if comparator == drug:
        raise _RowError("comparator", f"compares {drug} with itself")
    if (comparator == "none") != (measure == "IR"):
        raise _RowError("comparator", "an incidence rate (IR) has comparator 'none', and only an IR has")
    estimate, low, high = (_number(row, c) for c in ("estimate", "ci_low", "ci_high"))
    if not low <= estimate <= high:
        raise _RowError("estimate", f"estimate {estimate} is not inside its interval {low} to {high}")
    if measure in schema.RATIO_MEASURES and low <= 0:
        raise _RowError("ci_low", f"a {measure} must be positive, got {low}")
    if measure == "IR" and low < 0:
        raise _RowError("ci_low", f"an incidence rate cannot be negative, got {low}")
    trials = tuple(t.strip() for t in row["trials"].split(";") if t.strip())
    for trial_id in trials:
        if trial_id not in context["trials"]:
            raise _RowError("trials", f"names trial '{trial_id}', which is not in trials.csv")
    k = _integer(row, "k", minimum=1, optional=True)
    if trials and k is not None and len(trials) != k:
        raise _RowError("k", f"k={k} but {len(trials)} trials are listed in 'trials'")
    _provenance(row, schema.SYNTHESIS_PROVENANCE, "this synthesis")
    if not (row["pmid"] or row["doi"]):
        raise _RowError("pmid", "a synthesis needs a PMID or a DOI")
    return Synthesis(
        synthesis_id=_slug(row, "synthesis_id"), kind=kind, outcome_id=outcome_id, drug=drug,
        comparator=comparator, measure=measure, model=_required(row, "model"),
        estimate=estimate, ci_low=low, ci_high=high, k=k,
        participants=_integer(row, "participants", minimum=1, optional=True), trials=trials,
        dose_mg=_number(row, "dose_mg") if row["dose_mg"] else None,
        timepoint_weeks=_integer(row, "timepoint_weeks", minimum=0, optional=True),
        population=row["population"],
        citation=row["citation"], pmid=row["pmid"], doi=row["doi"], location=row["location"], url=row["url"],
        quote=row["quote"], certainty=_choice(row, "certainty", schema.CERTAINTY), note=row["note"],
    )


def _outcomes(data: dict, issues: list[DataIssue]) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    entries = data.get("outcomes") if data else None
    if not isinstance(entries, list):
        if data:
            issues.append(DataIssue("outcomes.yaml", None, "outcomes", "expected a list under 'outcomes'"))
        return outcomes
    for position, entry in enumerate(entries, start=1):
        where = f"outcome #{position}"
        if not isinstance(entry, dict):
            issues.append(DataIssue("outcomes.yaml", None, where, "expected a mapping"))
            continue
        missing = [f for f in schema.OUTCOME_FIELDS if f not in entry]
        if missing:
            issues.append(DataIssue("outcomes.yaml", None, f"{where}.{missing[0]}", "required field missing"))
            continue
        optional = {f: entry.get(f, default) for f, default in schema.OUTCOME_OPTIONAL.items()}
        outcome = Outcome(**{f: entry[f] for f in schema.OUTCOME_FIELDS}, **optional)
        problems = [
            ("id", not _SLUG.match(str(outcome.id)), "not a lower-case identifier"),
            ("id", outcome.id in outcomes, "duplicate outcome id"),
            ("kind", outcome.kind not in schema.KINDS, "must be harm or benefit"),
            ("timepoint_weeks", outcome.timepoint_weeks is not None and not isinstance(outcome.timepoint_weeks, int),
             "must be a whole number of weeks"),
            ("pool_derived", not isinstance(outcome.pool_derived, bool), "must be true or false"),
            ("default_measure", outcome.default_measure not in schema.MEASURES, "must be RR, OR or RD"),
            ("default_method", outcome.default_method not in schema.METHODS, "unknown method"),
            ("default_method", outcome.default_method == "PETO" and outcome.default_measure != "OR",
             "the Peto method estimates an odds ratio only"),
            ("per", outcome.per not in (100, 1000), "must be 100 or 1000"),
        ]
        bad = [(f, m) for f, failed, m in problems if failed]
        for field_name, message in bad:
            issues.append(DataIssue("outcomes.yaml", None, f"{outcome.id}.{field_name}", message))
        if not bad:
            outcomes[outcome.id] = outcome
    return outcomes


def _concepts(data: dict, outcomes: dict[str, Outcome], issues: list[DataIssue],
              owner: dict[str, str]) -> tuple[Concept, ...]:
    """Vocabulary entries; a term may belong to one concept only, or matching would be a coin toss."""
    concepts: list[Concept] = []
    owner = dict(owner)
    for kind in schema.CONCEPT_KINDS:
        section = (data or {}).get(kind + "s", {})
        if not isinstance(section, dict):
            issues.append(DataIssue("vocabulary.yaml", None, kind + "s", "expected a mapping of concepts"))
            continue
        for concept_id, entry in section.items():
            where = f"{kind}s.{concept_id}"
            if not isinstance(entry, dict) or not isinstance(entry.get("terms"), list) or not entry["terms"]:
                issues.append(DataIssue("vocabulary.yaml", None, where, "needs a non-empty 'terms' list"))
                continue
            covered = bool(entry.get("covered", False))
            group = tuple(str(g) for g in entry.get("group", []) or [])
            unknown = [g for g in group if g not in outcomes]
            if (kind != "outcome" and group) or unknown:
                issues.append(DataIssue("vocabulary.yaml", None, f"{where}.group",
                                        f"group members must be outcomes in outcomes.yaml: {unknown or group}"))
            if kind == "outcome" and covered and not group and concept_id not in outcomes:
                issues.append(DataIssue("vocabulary.yaml", None, where,
                                        "covered outcome is not defined in outcomes.yaml"))
            nearest = str(entry.get("nearest", ""))
            if nearest and kind == "outcome" and nearest not in outcomes:
                issues.append(DataIssue("vocabulary.yaml", None, f"{where}.nearest",
                                        f"'{nearest}' is not an outcome in outcomes.yaml"))
            terms = tuple(dict.fromkeys(normalise(str(t)) for t in entry["terms"]))
            for term in terms:
                key = f"{kind}:{term}" if kind == "population" else term
                if key in owner and owner[key] != where:
                    issues.append(DataIssue("vocabulary.yaml", None, f"{where}.terms",
                                            f"term '{term}' also belongs to {owner[key]}"))
                owner[key] = where
            concepts.append(Concept(
                kind=kind, id=str(concept_id), label=str(entry.get("label", concept_id)), covered=covered,
                terms=terms, lookalikes=tuple(normalise(str(t)) for t in entry.get("lookalikes", [])),
                nearest=nearest, group=group,
            ))
    for outcome_id in outcomes:
        if not any(c.kind == "outcome" and c.id == outcome_id for c in concepts):
            issues.append(DataIssue("vocabulary.yaml", None, f"outcomes.{outcome_id}",
                                    "outcome in outcomes.yaml has no vocabulary entry"))
    return tuple(concepts)


def _drugs(data: dict, issues: list[DataIssue]) -> tuple[dict[str, Drug], list[Concept]]:
    """drugs.yaml: each drug's names (generic, brands, codes, other terms) and look-alikes."""
    drugs: dict[str, Drug] = {}
    concepts: list[Concept] = []
    owner: dict[str, str] = {}
    section = (data or {}).get("drugs")
    if not isinstance(section, dict):
        if data:
            issues.append(DataIssue("drugs.yaml", None, "drugs", "expected a mapping of drugs"))
        return drugs, concepts
    for drug_id, entry in section.items():
        where = f"drugs.{drug_id}"
        if not isinstance(entry, dict) or not _SLUG.match(str(drug_id)) or drug_id in ("placebo", "none"):
            issues.append(DataIssue("drugs.yaml", None, where, "needs a lower-case id and a mapping of fields"))
            continue
        missing = [f for f in schema.DRUG_FIELDS if not entry.get(f)]
        if missing:
            issues.append(DataIssue("drugs.yaml", None, f"{where}.{missing[0]}", "required field missing"))
            continue
        fields = {f: entry.get(f, default) for f, default in schema.DRUG_OPTIONAL.items()}
        lists = ("terms", "brands", "codes", "lookalikes")
        if any(not isinstance(entry.get(f, []), list) for f in lists):
            issues.append(DataIssue("drugs.yaml", None, where, f"{', '.join(lists)} must be lists"))
            continue
        drug = Drug(id=str(drug_id), label=str(entry["label"]), drug_class=str(fields["class"]),
                    target=str(fields["target"]), route=str(fields["route"]),
                    brands=tuple(map(str, fields["brands"])), codes=tuple(map(str, fields["codes"])),
                    lookalikes=tuple(map(str, fields["lookalikes"])))
        names = [drug_id, drug.label, *drug.brands, *drug.codes, *map(str, entry["terms"])]
        terms = tuple(dict.fromkeys(t for t in (normalise(n) for n in names) if t))
        for term in terms:
            if term in owner and owner[term] != where:
                issues.append(DataIssue("drugs.yaml", None, f"{where}.terms", f"term '{term}' also belongs to "
                                                                              f"{owner[term]}"))
            owner[term] = where
        drugs[drug.id] = drug
        concepts.append(Concept(kind="drug", id=drug.id, label=drug.label, covered=False, terms=terms,
                                lookalikes=tuple(normalise(t) for t in drug.lookalikes)))
    return drugs, concepts
