"""Load the knowledge base from a directory of CSV/YAML files and validate it row by row.

Validation collects every problem before failing, so a curator fixes a file in one pass. Row numbers are
editor line numbers (the header is line 1), which is what a reviewer sees in a diff or a spreadsheet."""

from __future__ import annotations

import csv
import hashlib
import unicodedata
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from knowledge.assessments import FILES as ASSESSMENT_FILES
from knowledge.assessments import load_assessments
from knowledge.rows import RowError, parse_arm, parse_count, parse_disagreement, parse_synthesis, parse_trial
from knowledge.vocabulary import parse_classes, parse_concepts, parse_drugs, parse_outcomes

from . import schema
from .errors import DataIssue, KnowledgeBaseError
from .records import Arm, Concept, KnowledgeBase

DATA_FILES = ("kb.yaml", "drugs.yaml", "trials.csv", "arms.csv", "counts.csv", "outcomes.yaml", "syntheses.csv",
              "vocabulary.yaml")


# Files a knowledge base may hold; absent means none (older directories stay readable).
OPTIONAL_FILES = ("disagreements.csv",)


def default_directory() -> Path:
    """The knowledge base bundled with the package (works from a wheel as well as a checkout)."""
    return Path(str(resources.files("knowledge") / "data"))


def content_hash(directory: Path) -> str:
    digest = hashlib.sha256()
    for name in DATA_FILES + OPTIONAL_FILES + ASSESSMENT_FILES:  # assessment files are optional (assessments.py)
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
    outcomes = parse_outcomes(_read_yaml(directory, "outcomes.yaml", issues), issues)
    drugs_yaml = _read_yaml(directory, "drugs.yaml", issues)
    drugs, drug_concepts = parse_drugs(drugs_yaml, issues)
    classes = parse_classes(drugs_yaml, drugs, issues)
    trials = _rows(directory, "trials.csv", schema.TRIAL_COLUMNS, parse_trial, issues, context={})
    trial_ids = {t.trial_id for _, t in trials}
    arms = _rows(directory, "arms.csv", schema.ARM_COLUMNS, parse_arm, issues,
                 context={"trials": trial_ids, "drugs": drugs})
    arm_index = {(a.trial_id, a.arm_id): a for _, a in arms}
    counts = _rows(directory, "counts.csv", schema.COUNT_COLUMNS, parse_count, issues,
                   context={"arms": arm_index, "outcomes": outcomes})
    syntheses = _rows(directory, "syntheses.csv", schema.SYNTHESIS_COLUMNS, parse_synthesis, issues,
                      context={"trials": trial_ids, "outcomes": outcomes, "drugs": drugs})
    disagreements = []
    if (directory / "disagreements.csv").is_file():
        count_index = {(c.trial_id, c.arm_id, c.outcome_id): c for _, c in counts}
        disagreements = _rows(directory, "disagreements.csv", schema.DISAGREEMENT_COLUMNS, parse_disagreement,
                              issues, context={"counts": count_index})
    assessments = load_assessments(directory, _rows, {"trials": trial_ids, "outcomes": outcomes, "drugs": drugs},
                                   issues)
    held = {a.drug for _, a in arms}
    concepts = tuple(
        Concept(kind="drug", id=c.id, label=c.label, covered=c.id in held, terms=c.terms, lookalikes=c.lookalikes)
        for c in drug_concepts
    ) + parse_concepts(_read_yaml(directory, "vocabulary.yaml", issues), outcomes, issues,
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
        classes=classes,
        disagreements=tuple(r for _, r in disagreements),
        assessments=assessments,
    )


def _read_yaml(directory: Path, name: str, issues: list[DataIssue]) -> dict:
    import yaml  # here, not at the top: a start from the snapshot (bot/snapshot.py) reads no YAML

    try:
        data = _parse_yaml((directory / name).read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        issues.append(DataIssue(name, None if line is None else line + 1, None, f"not valid YAML: {exc}"))
        return {}
    except RecursionError:  # lists or mappings nested thousands deep
        issues.append(DataIssue(name, None, None, "not valid YAML: nested too deeply"))
        return {}
    if not isinstance(data, dict):
        issues.append(DataIssue(name, None, None, "expected a mapping at the top level"))
        return {}
    return data


def _parse_yaml(text: str) -> object:
    """libyaml's parser when PyYAML was built with it (about ten times faster than the pure-Python one); on any
    error the pure-Python parser reads the text again, so that a curator sees the message and line it always
    gave."""
    import yaml

    fast = getattr(yaml, "CSafeLoader", None)  # the safe loader, in C
    if fast is not None:
        try:
            return yaml.load(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


RowParser = Callable[[dict[str, str], dict], object]
# Columns an older file may hold instead of today's (read the old way), and columns it may lack (read as empty).
LEGACY_COLUMNS = {"counts.csv": schema.COUNT_LEGACY_COLUMNS}
OPTIONAL_COLUMNS = {"syntheses.csv": schema.SYNTHESIS_OPTIONAL_COLUMNS}


def _control(ch: str) -> bool:
    """Control, format and separator characters (ESC, bidi overrides, U+2028...): a label holding one could
    clear a terminal or reorder text when shown; real data never needs them (line breaks in a quoted cell
    included)."""
    return not ch.isprintable() and ch != " " and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs")


def _odd_cell(row: dict[str, str]) -> tuple[str, str] | None:
    """The first (column, character) of a row that _control refuses; whole cells are tested first (every
    character _control refuses is unprintable, and nearly every cell is printable throughout)."""
    for key, value in row.items():
        if not value.isprintable():
            odd = next((ch for ch in value if _control(ch)), None)
            if odd is not None:
                return key, odd
    return None


class CsvError(ValueError):
    """A file the csv module cannot split into rows the way the loader reads them."""


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV file, every cell a string, as pandas.read_csv(dtype=str, keep_default_na=False,
    na_filter=False) read them before (the loader no longer imports pandas, about 280 ms and 40 MiB): blank
    lines skipped, a leading byte-order mark dropped, a short row filled with empty cells, a long one refused, a
    repeated column name numbered ("a.1"), an unnamed one called "Unnamed: i"."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next((r for r in reader if not _blank(r)), None)
            if header is None:
                raise CsvError("No columns to parse from file")
            header = _column_names(header)
            width, rows = len(header), []
            for raw in reader:
                if _blank(raw):
                    continue
                if len(raw) > width:
                    raise CsvError(f"Expected {width} fields in line {reader.line_num}, saw {len(raw)}")
                rows.append(dict(zip(header, raw + [""] * (width - len(raw)), strict=True)))
        except csv.Error as exc:
            raise CsvError(str(exc)) from None
    return header, rows


def _blank(row: list[str]) -> bool:
    return not row or (len(row) == 1 and not row[0].strip())


def _column_names(header: list[str]) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        name = name or f"Unnamed: {index}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


def _rows(directory: Path, name: str, columns: tuple[str, ...], parse: RowParser,
          issues: list[DataIssue], context: dict) -> list[tuple[int, object]]:
    """Parse every row; returns (line, record) for the rows that parsed, issues for the rest."""
    try:
        header, table = read_csv(directory / name)
    except (CsvError, UnicodeDecodeError) as exc:
        issues.append(DataIssue(name, None, None, f"cannot be read as CSV: {exc}"))
        return []
    legacy = {old: new for old, new in LEGACY_COLUMNS.get(name, {}).items()
              if old in header and not any(c in header for c in new)}
    expected = tuple(c for c in columns if not any(c in new for new in legacy.values())) + tuple(legacy)
    missing = [c for c in expected if c not in header and c not in OPTIONAL_COLUMNS.get(name, ())]
    unknown = [c for c in header if c not in expected]
    for column in missing:
        issues.append(DataIssue(name, 1, column, "required column is missing from the header"))
    for column in unknown:
        issues.append(DataIssue(name, 1, str(column), "unknown column (see knowledge/SCHEMA.md)"))
    if missing:
        return []
    records = []
    for position, raw in enumerate(table):
        line = position + 2
        row = {k: v.strip() for k, v in raw.items()}
        odd = _odd_cell(row)
        if odd is not None:
            issues.append(DataIssue(name, line, str(odd[0]), f"holds the control character U+{ord(odd[1]):04X}; "
                                    "data is shown in chats and terminals, where it could act"))
            continue
        try:
            records.append((line, parse(row, context)))
        except RowError as exc:
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
