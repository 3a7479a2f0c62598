"""Registry records as stored sources, and the rules that turn one into count rows (issue 20).

A registry record (ClinicalTrials.gov results, as copied by a third party) is stored under
`knowledge/sources/registry/`, byte for byte as read, with `MANIFEST.csv` naming its origin: either the whole
file (`kept=full`) or, for a very large file, the blocks of it that hold the numbers, one JSON value per file
in a folder named after the trial (`NCT…/<dotted path>.json`). The rules that read a record are data
(`knowledge/data/registry_rules.yaml`): which registry group is which arm, which module, term set (from the
outcome's family in outcomes.yaml) and time frame give each count. `derive` applies them; `kb check` compares
every registry-sourced row of counts.csv with what `derive` gives and fails on any difference.

Only `kb check` and curation import this module: the bot never reads a registry record at run time.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import yaml

from .records import KnowledgeBase
from .registry_ae import atlas_cell, ctgov_cell, ctgov_events, layout
from .registry_outcomes import outcome
from .registry_record import RECORDS, Derived, Record, RuleError, manifest, open_record

__all__ = ["RECORDS", "RULES_FILE", "Derived", "Record", "RuleError", "compare", "derive", "load_rules", "manifest",
           "open_record", "registry_sourced", "waived_rows"]

RULES_FILE = "registry_rules.yaml"
MODULES = ("serious_total", "other_events", "serious_terms", "outcome")


# --- rules -------------------------------------------------------------------------------------------------

def load_rules(directory: Path) -> dict:
    path = directory / RULES_FILE
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise RuleError(f"{RULES_FILE}: expected a mapping")
    return data


def derive(kb: KnowledgeBase, nct: str, rule: dict, records: Path = RECORDS) -> list[Derived]:
    """Every count one record's rules give."""
    record = open_record(nct, records)
    out = []
    for index, row in enumerate(rule.get("rows", []), start=1):
        where = f"{RULES_FILE}: {nct} row {index} ({row.get('outcome')})"
        module = row.get("module")
        if module not in MODULES:
            raise RuleError(f"{where}: module must be one of {', '.join(MODULES)}")
        outcome = kb.outcomes.get(row.get("outcome", ""))
        if outcome is None:
            raise RuleError(f"{where}: unknown outcome")
        arms = row.get("arms") or list((rule.get("outcome_groups") if module == "outcome"
                                        else rule.get("adverse_event_groups")) or {})
        for arm_id in arms:
            out.append(_one(kb, record, rule, row, module, arm_id, where))
    return out


def _one(kb: KnowledgeBase, record: Record, rule: dict, row: dict, module: str, arm_id: str,
         where: str) -> Derived:
    outcome_def = kb.outcomes[row["outcome"]]
    family = row.get("family", "")
    groups = tuple((rule.get("outcome_groups") if module == "outcome" else rule.get("adverse_event_groups") or {})
                   .get(arm_id) or ())
    if not groups:
        raise RuleError(f"{where}: no registry group for arm '{arm_id}'")
    common = {"trial_id": rule["trial_id"], "arm_id": arm_id, "outcome_id": outcome_def.id, "family": family,
              "groups": groups}
    if module == "outcome":
        return outcome(record, rule, row, common, where)
    terms = _terms(kb, row, where)
    time_frame = str(row.get("time_frame") or rule.get("adverse_event_time_frame", ""))
    copy = layout(record, rule, row, where)
    if copy == "ctgov":
        events = ctgov_events(record, rule, where)
        cells = [ctgov_cell(events, module, terms, group, str(row.get("term_soc", "")), where) for group in groups]
        names = [n for n in record.origin if n.startswith("adverseEventsModule")]
    else:
        cells = [atlas_cell(record, module, terms, group, where) for group in groups]
        names = [n for n in record.origin if n.startswith("adverse_events") or n == ""]
    if any(c is None for c in cells):
        missing = [g for g, c in zip(groups, cells, strict=True) if c is None]
        raise RuleError(f"{where}: not listed for group(s) {missing} (a term missing from a thresholded list is "
                        "'not listed', never zero: drop the rule for this arm)")
    obtained = "exact_sum" if len(groups) > 1 or any(c.terms_with_events == -1 for c in cells) else "read"
    if module == "serious_terms" and any(c.terms_with_events > 1 for c in cells):
        obtained = "term_sum"  # two terms with events in one group: a person may be counted twice
    return Derived(**common, events=sum(c.events for c in cells), n=sum(c.at_risk for c in cells),
                   obtained=obtained, percent="", population="safety",
                   timepoint_weeks=row.get("timepoint_weeks", rule.get("adverse_event_weeks")), module=module,
                   terms=terms[0], time_frame=time_frame, quote="; ".join(c.quote for c in cells),
                   copies=tuple(sorted({record.copy_of(n) for n in names})))


def _terms(kb: KnowledgeBase, row: dict, where: str) -> tuple[str, tuple[str, ...], str]:
    """(words for the provenance, preferred terms, system organ class) from the outcome's family."""
    if row["module"] == "serious_total":
        return ("all serious adverse events", (), "")
    definition = kb.outcomes[row["outcome"]].family_def(row.get("family", ""))
    if definition is None or not (definition.terms or definition.soc):
        raise RuleError(f"{where}: family '{row.get('family')}' names no term set in outcomes.yaml")
    if row["module"] == "other_events" and definition.serious_only:
        raise RuleError(f"{where}: a serious-only family is read from the serious-event list, not other events")
    if row["module"] == "serious_terms" and not definition.serious_only and "serious" not in row["outcome"]:
        raise RuleError(f"{where}: counts from the serious-event list belong to a serious-only family")
    words = f"terms {', '.join(definition.terms)}" if definition.terms else f"system organ class {definition.soc}"
    return (words, definition.terms, definition.soc)


# --- the check ----------------------------------------------------------------------------------------------

REGISTRY_HOSTS = ("github.com/suvojit-0x55aa/derm-trial-atlas-data", "github.com/smkzw/competitive-intelligence",
                  "clinicaltrials.gov")


def registry_sourced(url: str) -> bool:
    """Whether a count's address is a registry record (ClinicalTrials.gov or a copy of it)."""
    return any(host in url for host in REGISTRY_HOSTS)


def compare(kb: KnowledgeBase, directory: Path, records: Path = RECORDS) -> tuple[list[str], int]:
    """(problems, rows re-derived): every rule applied to its stored record and compared with counts.csv, and
    every registry-sourced row of counts.csv either re-derived or listed under `not_stored` with a reason."""
    rules = load_rules(directory)
    held = {(c.trial_id, c.arm_id, c.outcome_id): c for c in kb.counts}
    problems: list[str] = []
    derived_keys: set[tuple[str, str, str]] = set()
    failed: set[str] = set()  # trials whose record could not be read: reported once, not row by row
    for nct, rule in (rules.get("records") or {}).items():
        try:
            rows = derive(kb, nct, rule, records)
        except (RuleError, OSError, ValueError, KeyError) as exc:
            problems.append(f"{nct}: {exc}")
            failed.add(str(rule.get("trial_id")))
            continue
        for d in rows:
            derived_keys.add(d.key)
            c = held.get(d.key)
            if c is None:
                problems.append(f"{nct}: {'/'.join(d.key)} derives {d.events}/{d.n} but counts.csv has no such row")
                continue
            mine = (d.events, d.n, d.obtained, _pct(d.percent), d.family, d.timepoint_weeks)
            theirs = (c.events, c.n, c.obtained, _pct(c.percent), c.definition_family, c.timepoint_weeks)
            if mine != theirs:
                problems.append(f"{nct}: {'/'.join(d.key)}: counts.csv has {c.events}/{c.n} ({c.obtained}"
                                f"{' ' + c.percent + '%' if c.percent else ''}, {c.definition_family}, week "
                                f"{c.timepoint_weeks}); the record gives {d.events}/{d.n} ({d.obtained}"
                                f"{' ' + d.percent + '%' if d.percent else ''}, {d.family}, week {d.timepoint_weeks})"
                                f" [{d.provenance}; read: {d.quote}]")
    waived = {str(k): str(why) for k, why in (rules.get("not_stored") or {}).items()}
    used: set[str] = set()
    for key, c in held.items():
        if not registry_sourced(c.url) or key in derived_keys or c.trial_id in failed:
            continue
        pattern = next((p for p in waived if fnmatch.fnmatchcase("/".join(key), p if "/" in p else p + "/*")), None)
        if pattern is None:
            problems.append(f"{'/'.join(key)}: read from a registry record ({c.url[:70]}...) but no rule re-derives "
                            f"it and it is not listed under not_stored in {RULES_FILE}")
        else:
            used.add(pattern)
    for pattern in waived:
        if pattern not in used:
            problems.append(f"not_stored '{pattern}' waives no row that lacks a rule: remove it from {RULES_FILE}")
    return problems, len(derived_keys)


def waived_rows(kb: KnowledgeBase, directory: Path) -> list[tuple[str, str]]:
    """(trial/arm/outcome, reason) for every registry-sourced row that is not re-derived, for the report."""
    rules = load_rules(directory)
    waived = {str(k): str(why) for k, why in (rules.get("not_stored") or {}).items()}
    out = []
    for c in kb.counts:
        key = f"{c.trial_id}/{c.arm_id}/{c.outcome_id}"
        pattern = next((p for p in waived if fnmatch.fnmatchcase(key, p if "/" in p else p + "/*")), None)
        if registry_sourced(c.url) and pattern is not None:
            out.append((key, waived[pattern]))
    return out


def _pct(percent: str) -> float | None:
    return float(percent) if percent else None
