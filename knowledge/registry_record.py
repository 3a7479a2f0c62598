"""A stored registry record (issue 20): the files under `knowledge/sources/registry/`, checked against their
manifest, parsed, and kept with where each block sits in its source file.

A record is the whole file (`kept=full`) or blocks of it (`kept=range a-b`, one JSON value per file, named by its
dotted path). One trial's blocks may come from two copies of the same registry record (the derm-trial-atlas
extraction and a ClinicalTrials.gov API v2 copy); `layouts` says which are present, and the character span of
each block in its source file lets a rule check that stored list elements are consecutive (`contiguous`).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

RECORDS = Path(__file__).resolve().parent / "sources" / "registry"


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
    copies: tuple[str, ...] = ()  # the stored copies read (repo/path@commit)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.trial_id, self.arm_id, self.outcome_id)

    @property
    def provenance(self) -> str:
        return (f"registry module {self.module}; groups {' + '.join(self.groups)}; {self.terms}; "
                f"time frame {self.time_frame}")


def manifest(records: Path = RECORDS) -> list[dict[str, str]]:
    path = records / "MANIFEST.csv"
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class Block:
    """Where one stored block came from: its copy (repository, path, commit), its character span in that file
    and whether the file holds it as an escaped JSON string (the span then counts escaped characters)."""

    stored_file: str
    copy: str  # repo/path@commit
    span: tuple[int, int] | None
    escaped: bool


@dataclass(frozen=True)
class Record:
    """A stored record: the whole parsed file, or its stored blocks by dotted name."""

    nct: str
    whole: dict | None
    blocks: dict[str, object]
    origin: dict[str, Block] = field(default_factory=dict)  # block name (or "" for the whole file) -> origin

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

    def named(self, prefix: str) -> Iterator[tuple[str, object]]:
        """Blocks whose name starts with `prefix` (in stored order)."""
        return ((name, block) for name, block in self.blocks.items() if name.startswith(prefix))

    def arm_results(self) -> Iterator[dict]:
        listed = self.field("results.arm_results")
        if isinstance(listed, dict) and isinstance(listed.get("value"), list):
            yield from listed["value"]
        for _, block in self.named("arm_results."):
            if isinstance(block, dict):
                yield block

    def other_terms(self) -> Iterator[dict]:
        """Atlas non-serious terms: the stored top-terms list, or single terms stored as their own blocks."""
        yield from values(self.field("adverse_events.most_common_adverse_events"))
        for _, block in self.named("adverse_events.most_common_adverse_events."):
            if isinstance(block, dict):
                yield block

    def endpoints(self) -> Iterator[dict]:
        for rank in ("primary", "secondary"):
            listed = self.field(f"endpoints.{rank}_endpoints")
            if isinstance(listed, dict) and isinstance(listed.get("value"), list):
                yield from (e for e in listed["value"] if isinstance(e, dict))
        for _, block in self.named("endpoints."):
            if isinstance(block, dict) and "verbatim" in block:
                yield block

    @property
    def layouts(self) -> frozenset[str]:
        """Which copies of the adverse-event tables are stored: `atlas` (derm-trial-atlas `adverse_events`) and
        `ctgov` (a ClinicalTrials.gov API v2 `adverseEventsModule`, whole or in blocks)."""
        found = set()
        if self.field("adverse_events.serious_adverse_event_rate") is not None or any(self.other_terms()):
            found.add("atlas")
        if (self.field("adverseEventsModule") is not None or self.field("resultsSection.adverseEventsModule")
                is not None or any(self.named("adverseEventsModule."))):
            found.add("ctgov")
        return frozenset(found)

    def span(self, name: str) -> tuple[int, int] | None:
        block = self.origin.get(name)
        return block.span if block else None

    def contiguous(self, names: list[str]) -> bool:
        """Whether the named blocks, in source order, are consecutive elements of one JSON list: each starts
        one character (the comma) after the previous one ends, in the same copy."""
        spans = [self.span(n) for n in names]
        copies = {self.origin[n].copy for n in names if n in self.origin}
        if any(s is None for s in spans) or len(copies) != 1:
            return False
        ordered = sorted(spans)
        return all(b[0] == a[1] + 1 for a, b in pairwise(ordered))

    def copy_of(self, name: str) -> str:
        block = self.origin.get(name) or self.origin.get("")
        return block.copy if block else ""


def values(field_value: object) -> list[dict]:
    """The elements of an atlas `{"value": [...]}` field."""
    if isinstance(field_value, dict) and isinstance(field_value.get("value"), list):
        return [c for c in field_value["value"] if isinstance(c, dict)]
    return []


def open_record(nct: str, records: Path = RECORDS) -> Record:
    """Read a stored record, checking each file against the manifest (length and sha256) first: a record
    edited by hand would otherwise re-derive whatever it now says."""
    rows = [r for r in manifest(records) if r["nct"] == nct]
    if not rows:
        raise RuleError(f"{nct}: no stored record in {records} (MANIFEST.csv)")
    whole, blocks, origin = None, {}, {}
    for row in rows:
        text = (records / row["stored_file"]).read_text(encoding="utf-8")
        if len(text) != int(row["kept_chars"]) or hashlib.sha256(text.encode()).hexdigest() != row["sha256_kept"]:
            raise RuleError(f"{nct}: {row['stored_file']} differs from MANIFEST.csv (length or sha256)")
        # a range of a record kept as an escaped JSON string (research-content.json) parses after one un-escape
        escaped = row.get("record_format", "").endswith("_escaped")
        value = json.loads(json.loads('"' + text + '"') if escaped else text)
        copy = f"{row['repo']}/{row['path']}@{row['commit'][:8]}"
        if row["kept"] == "full":
            whole, name, span = value, "", None
        else:
            name = Path(row["stored_file"]).name.removesuffix(".json")
            start, _, end = row["kept"].removeprefix("range ").partition("-")
            blocks[name], span = value, (int(start), int(end))
        origin[name] = Block(row["stored_file"], copy, span, escaped)
    return Record(nct, whole, blocks, origin)
