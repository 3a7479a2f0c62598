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

import csv
import fnmatch
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from .percent import whole_counts
from .records import KnowledgeBase

RECORDS = Path(__file__).resolve().parent / "sources" / "registry"
RULES_FILE = "registry_rules.yaml"
MODULES = ("serious_total", "other_events", "serious_terms", "outcome")


class RuleError(Exception):
    """A rule that cannot be applied to its record: names the record, the rule and what is missing."""


@dataclass(frozen=True)
class Derived:
    """One count as the rules read it from a stored record, with where in the record it came from."""

    trial_id: str
    arm_id: str
    outcome_id: str
    events: int
    n: int
    obtained: str  # read, exact_sum, from_percentage, imputed, term_sum
    percent: str
    family: str
    population: str
    timepoint_weeks: int | None
    module: str  # serious_total, other_events, serious_terms, outcome
    groups: tuple[str, ...]  # registry groups (titles or ids) summed into this arm
    terms: str  # the term set, system organ class or endpoint read
    time_frame: str
    quote: str  # the cells read, as the record prints them

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.trial_id, self.arm_id, self.outcome_id)

    @property
    def provenance(self) -> str:
        return (f"registry module {self.module}; groups {' + '.join(self.groups)}; {self.terms}; "
                f"time frame {self.time_frame}")


# --- reading a stored record --------------------------------------------------------------------------------

def manifest(records: Path = RECORDS) -> list[dict[str, str]]:
    path = records / "MANIFEST.csv"
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class Record:
    """A stored record: the whole parsed file, or its stored blocks by dotted name."""

    nct: str
    whole: dict | None
    blocks: dict[str, object]

    def field(self, dotted: str) -> object | None:
        """The value at a dotted path (`adverse_events.serious_adverse_event_rate`), from the whole file or the
        block stored under that name."""
        if dotted in self.blocks:
            return self.blocks[dotted]
        node: object = self.whole
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def arm_results(self) -> Iterator[dict]:
        listed = self.field("results.arm_results")
        if isinstance(listed, dict) and isinstance(listed.get("value"), list):
            yield from listed["value"]
        for name, block in self.blocks.items():
            if name.startswith("arm_results.") and isinstance(block, dict):
                yield block

    def other_terms(self) -> Iterator[dict]:
        """Atlas non-serious terms: the stored top-terms list, or single terms stored as their own blocks."""
        yield from _value(self.field("adverse_events.most_common_adverse_events"))
        for name, block in self.blocks.items():
            if name.startswith("adverse_events.most_common_adverse_events.") and isinstance(block, dict):
                yield block

    @property
    def ctgov(self) -> dict | None:
        """The ClinicalTrials.gov API v2 adverse-events module, when this record is held in that layout."""
        module = self.field("adverseEventsModule")
        if module is None:
            module = self.field("resultsSection.adverseEventsModule")
        return module if isinstance(module, dict) else None

    def endpoints(self) -> Iterator[dict]:
        for rank in ("primary", "secondary"):
            listed = self.field(f"endpoints.{rank}_endpoints")
            if isinstance(listed, dict) and isinstance(listed.get("value"), list):
                yield from (e for e in listed["value"] if isinstance(e, dict))
        for name, block in self.blocks.items():
            if name.startswith("endpoints.") and isinstance(block, dict) and "verbatim" in block:
                yield block


def open_record(nct: str, records: Path = RECORDS) -> Record:
    """Read a stored record, checking each file against the manifest (length and sha256) first: a record
    edited by hand would otherwise re-derive whatever it now says."""
    rows = [r for r in manifest(records) if r["nct"] == nct]
    if not rows:
        raise RuleError(f"{nct}: no stored record in {records} (MANIFEST.csv)")
    whole, blocks = None, {}
    for row in rows:
        text = (records / row["stored_file"]).read_text(encoding="utf-8")
        if len(text) != int(row["kept_chars"]) or hashlib.sha256(text.encode()).hexdigest() != row["sha256_kept"]:
            raise RuleError(f"{nct}: {row['stored_file']} differs from MANIFEST.csv (length or sha256)")
        # a range of a record kept as an escaped JSON string (research-content.json) parses after one un-escape
        escaped = row.get("record_format", "").endswith("_escaped")
        value = json.loads(json.loads('"' + text + '"') if escaped else text)
        if row["kept"] == "full":
            whole = value
        else:
            blocks[Path(row["stored_file"]).name.removesuffix(".json")] = value
    return Record(nct, whole, blocks)


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
    outcome = kb.outcomes[row["outcome"]]
    family = row.get("family", "")
    groups = tuple((rule.get("outcome_groups") if module == "outcome" else rule.get("adverse_event_groups") or {})
                   .get(arm_id) or ())
    if not groups:
        raise RuleError(f"{where}: no registry group for arm '{arm_id}'")
    common = {"trial_id": rule["trial_id"], "arm_id": arm_id, "outcome_id": outcome.id, "family": family,
              "groups": groups}
    if module == "outcome":
        return _outcome(record, row, common, where)
    terms = _terms(kb, row, where)
    time_frame = str(row.get("time_frame") or rule.get("adverse_event_time_frame", ""))
    cells = [_ae_cell(record, module, terms, group, where) for group in groups]
    if any(c is None for c in cells):
        missing = [g for g, c in zip(groups, cells, strict=True) if c is None]
        raise RuleError(f"{where}: not listed for group(s) {missing} (a term missing from a thresholded list is "
                        "'not listed', never zero: drop the rule for this arm)")
    events = sum(c[0] for c in cells)
    n = sum(c[1] for c in cells)
    obtained = "exact_sum" if len(groups) > 1 or any(c[3] == -1 for c in cells) else "read"
    if module == "serious_terms" and any(c[3] > 1 for c in cells):
        obtained = "term_sum"  # two terms with events in one group: a person may be counted twice
    return Derived(**common, events=events, n=n, obtained=obtained, percent="", population="safety",
                   timepoint_weeks=row.get("timepoint_weeks", rule.get("adverse_event_weeks")), module=module,
                   terms=terms[0], time_frame=time_frame, quote="; ".join(c[2] for c in cells))


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


def _ae_cell(record: Record, module: str, terms: tuple, group: str, where: str
             ) -> tuple[int, int, str, int] | None:
    """(events, at risk, quote, number of terms with events) for one registry adverse-event group."""
    if record.ctgov is not None:
        return _ctgov_cell(record.ctgov, module, terms, group, where)
    if module == "serious_total":
        table = record.field("adverse_events.serious_adverse_event_rate")
        for cell in _value(table):
            if cell.get("arm") == group:
                return (int(cell["n_affected"]), int(cell["n_at_risk"]),
                        f'serious_adverse_event_rate: "arm": "{group}", "n_affected": {cell["n_affected"]}, '
                        f'"n_at_risk": {cell["n_at_risk"]}', 1)
        raise RuleError(f"{where}: no serious-event group '{group}' in {record.nct}")
    if module == "other_events":
        wanted = {t.lower() for t in terms[1]}
        for entry in record.other_terms():
            name = str(entry.get("term") or entry.get("meddra_pt") or "")
            if name.lower() in wanted:
                for cell in entry.get("per_arm", []):
                    if cell.get("arm") == group:
                        return (int(cell["n_affected"]), int(cell["n_at_risk"]),
                                f'"{name}": "arm": "{group}", "n_affected": {cell["n_affected"]}, '
                                f'"n_at_risk": {cell["n_at_risk"]}', 1)
        return None
    raise RuleError(f"{where}: module {module} is not held by this record's layout (the atlas copies keep no "
                    "serious-event terms)")


def _ctgov_cell(ae: dict, module: str, terms: tuple, group: str, where: str) -> tuple[int, int, str, int] | None:
    """The same cell from a ClinicalTrials.gov API v2 adverseEventsModule (groups named by title)."""
    ids = {g.get("title"): g.get("id") for g in ae.get("eventGroups", [])}
    if group not in ids:
        raise RuleError(f"{where}: no adverse-event group titled '{group}'")
    gid = ids[group]
    if module == "serious_total":
        g = next(g for g in ae["eventGroups"] if g.get("id") == gid)
        return (int(g["seriousNumAffected"]), int(g["seriousNumAtRisk"]),
                f'eventGroups {gid} "{group}": "seriousNumAffected": {g["seriousNumAffected"]}, '
                f'"seriousNumAtRisk": {g["seriousNumAtRisk"]}', 1)
    listed = ae.get("seriousEvents" if module == "serious_terms" else "otherEvents", [])
    wanted, soc = {t.lower() for t in terms[1]}, terms[2].lower()
    hits = [e for e in listed if str(e.get("term", "")).lower() in wanted
            or (soc and str(e.get("organSystem", "")).lower() == soc)]
    if not hits:
        if module == "serious_terms" or str(ae.get("frequencyThreshold", "")) in ("0", ""):
            at_risk = next((int(g["seriousNumAtRisk"]) for g in ae["eventGroups"] if g.get("id") == gid), None)
            if at_risk is not None:  # every serious event is listed (no threshold): a term absent is zero
                return (0, at_risk, f"no such term in seriousEvents (complete list), {gid}", 0)
        return None  # other events above a threshold: not listed, never zero
    events, at_risk, with_events, quotes = 0, None, 0, []
    for e in hits:
        stat = next((st for st in e.get("stats", []) if st.get("groupId") == gid), None)
        if stat is None:
            continue
        events += int(stat.get("numAffected", 0))
        at_risk = int(stat["numAtRisk"])
        with_events += int(stat.get("numAffected", 0)) > 0
        quotes.append(f'{e["term"]} {gid} "numAffected": {stat.get("numAffected")}, "numAtRisk": {stat["numAtRisk"]}')
    if at_risk is None:
        return None
    if module == "serious_terms" and with_events > 1:
        # people with any of the terms lie between the largest term count and min(sum, people with any SAE):
        # when those bounds meet, the count is exact (ADvocate 1 placebo: cellulitis 1, sepsis 1, 1 with any SAE)
        largest = max(int(st.get("numAffected", 0)) for e in hits for st in e.get("stats", [])
                      if st.get("groupId") == gid)
        anyone = next(int(g["seriousNumAffected"]) for g in ae["eventGroups"] if g.get("id") == gid)
        if largest == min(events, anyone):
            quotes.append(f'{gid} "seriousNumAffected": {anyone}: exactly {largest} (bounds meet)')
            return largest, at_risk, "; ".join(quotes), -1  # -1: exact arithmetic on printed counts
    return events, at_risk, "; ".join(quotes), with_events


def _value(field: object) -> list[dict]:
    if isinstance(field, dict) and isinstance(field.get("value"), list):
        return [c for c in field["value"] if isinstance(c, dict)]
    return []


def _outcome(record: Record, row: dict, common: dict, where: str) -> Derived:
    """A responder outcome: the record's percentage of its number analysed, turned into a count of people."""
    if "measure" in row:
        return _ctgov_outcome(record, row, common, where)
    rank, position = row["endpoint"]["rank"], int(row["endpoint"]["position"])
    week = int(row["week"])
    (group,) = common["groups"]
    matches = [r for r in record.arm_results()
               if r.get("endpoint", {}).get("rank") == rank and r.get("endpoint", {}).get("position") == position
               and r.get("arm_id") == group and (r.get("timepoint") or {}).get("value") == week
               and (r.get("timepoint") or {}).get("unit") == "week"]
    if len(matches) != 1:
        raise RuleError(f"{where}: {len(matches)} results for {rank} {position}, {group}, week {week}")
    result = matches[0]
    verbatim = _endpoint_verbatim(record, result["endpoint"].get("verbatim_sha1", ""))
    expected = str(row.get("verbatim_contains", ""))
    if expected and verbatim is None:
        raise RuleError(f"{where}: the wording of endpoint {rank} {position} is not stored, so the rule's "
                        f"'{expected}' cannot be checked")
    if expected and expected.lower() not in verbatim.lower():
        raise RuleError(f"{where}: endpoint {rank} {position} reads '{verbatim[:80]}', not '{expected}'")
    n = int(result["denominator"])
    if result.get("responders") is not None:
        events, obtained, percent = int(result["responders"]), "read", ""
    else:
        pct = result["response_rate_pct"]
        percent = format(pct, "g") if float(pct) != int(pct) else f"{pct:.1f}"
        fits = whole_counts(percent, n)
        nearest = round(float(percent) * n / 100)
        events = min(fits, key=lambda k: abs(k - float(percent) * n / 100)) if fits else nearest
        obtained = "from_percentage" if fits else "imputed"
    quote = (f'{rank} position {position}, "arm_id": "{group}", week {week}, "denominator": {n}, '
             + (f'"responders": {result["responders"]}' if obtained == "read" else
                f'"response_rate_pct": {result["response_rate_pct"]}'))
    return Derived(**common, events=events, n=n, obtained=obtained, percent=percent,
                   population=row.get("population", "fas"), timepoint_weeks=week, module="outcome",
                   terms=f"endpoint {rank} {position}" + (f" ({expected})" if expected else ""),
                   time_frame=f"week {week}", quote=quote)


def _ctgov_outcome(record: Record, row: dict, common: dict, where: str) -> Derived:
    """A ClinicalTrials.gov API v2 outcome measure stored as a block (`outcomeMeasures.<name>`)."""
    measure = record.field(f"outcomeMeasures.{row['measure']}")
    if not isinstance(measure, dict):
        raise RuleError(f"{where}: no stored outcome measure '{row['measure']}'")
    expected = str(row.get("verbatim_contains", ""))
    if expected.lower() not in str(measure.get("title", "")).lower():
        raise RuleError(f"{where}: outcome measure reads '{measure.get('title', '')[:80]}', not '{expected}'")
    (group,) = common["groups"]
    n = int(next(c["value"] for d in measure["denoms"] for c in d["counts"] if c["groupId"] == group))
    value = next(m["value"] for c in measure["classes"] for cat in c["categories"] for m in cat["measurements"]
                 if m["groupId"] == group)
    if "percent" in str(measure.get("unitOfMeasure", "")).lower():
        fits = whole_counts(value, n)
        events = min(fits, key=lambda k: abs(k - float(value) * n / 100)) if fits else round(float(value) * n / 100)
        obtained, percent = ("from_percentage" if fits else "imputed"), value
    else:
        events, obtained, percent = int(float(value)), "read", ""
    quote = f'{row["measure"]}: denoms {group} "{n}"; measurements {group} "{value}" ({measure.get("unitOfMeasure")})'
    return Derived(**common, events=events, n=n, obtained=obtained, percent=percent,
                   population=row.get("population", "fas"), timepoint_weeks=int(row["week"]), module="outcome",
                   terms=f"outcome measure {row['measure']} ({expected})", time_frame=str(measure.get("timeFrame")),
                   quote=quote)


def _endpoint_verbatim(record: Record, sha1: str) -> str | None:
    """The endpoint's wording, found by the hash its results carry (None when the wording is not stored)."""
    for endpoint in record.endpoints():
        text = str(endpoint.get("verbatim", ""))
        if sha1 and hashlib.sha1(text.encode()).hexdigest() == sha1:
            return text
    return None


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
    for nct, rule in (rules.get("records") or {}).items():
        try:
            rows = derive(kb, nct, rule, records)
        except (RuleError, OSError, ValueError, KeyError) as exc:
            problems.append(f"{nct}: {exc}")
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
                                f" [{d.provenance}]")
    waived = {str(k): str(why) for k, why in (rules.get("not_stored") or {}).items()}
    used: set[str] = set()
    for key, c in held.items():
        if not registry_sourced(c.url) or key in derived_keys:
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
