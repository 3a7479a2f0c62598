"""`evidence-bot kb check|coverage|derive`: validate a knowledge base (row by row, across rows, and every
registry-sourced count re-derived from its stored record), show what it holds, and derive count rows from a
stored registry record for curation."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.errors import KnowledgeBaseError

if TYPE_CHECKING:
    from knowledge.records import KnowledgeBase


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    kb = subparsers.add_parser("kb", help="validate or describe the knowledge base")
    actions = kb.add_subparsers(dest="kb_command", required=True)
    check = actions.add_parser("check", help="validate the bundled knowledge base or DIR; non-zero on error")
    check.add_argument("directory", nargs="?", help="a directory in the same layout as knowledge/data")
    check.add_argument("--records", help="stored registry records (default: knowledge/sources/registry)")
    coverage = actions.add_parser("coverage", help="trials by outcomes: present, missing or derived")
    coverage.add_argument("directory", nargs="?")
    coverage.add_argument("--obtained", action="store_true",
                          help="drug x outcome: trials with counts, by how each count was obtained (Markdown)")
    derive = actions.add_parser("derive", help="count rows a stored registry record gives under the rules "
                                               "(CSV with provenance, for staging)")
    derive.add_argument("nct", help="the record's NCT id, as in registry_rules.yaml")
    derive.add_argument("directory", nargs="?")
    derive.add_argument("--records", help="stored registry records (default: knowledge/sources/registry)")


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top: the loader and its records are not needed to parse the command line
    from knowledge.loader import default_directory, load

    directory = args.directory or default_directory()
    try:
        kb = load(directory)
    except KnowledgeBaseError as exc:
        print(safe_lines(str(exc)), file=sys.stderr)
        return 1
    except OSError as exc:  # a file that cannot be read (permissions, a directory in its place)
        name = getattr(exc, "filename", None) or directory
        print(safe_lines(f"evidence-bot: cannot read {name} ({exc.strerror or type(exc).__name__})"),
              file=sys.stderr)
        return 1
    if args.kb_command == "check":
        return _check(kb, Path(directory), args.records)
    if args.kb_command == "derive":
        return _derive(kb, Path(directory), args.nct, args.records)
    if args.obtained:
        from knowledge.coverage import obtained_table

        print(safe_lines(obtained_table(kb)))
        return 0
    print(safe_lines(coverage_table(kb)))
    return 0


def safe_lines(text: str) -> str:
    """Text read from the data files (YAML values, CSV header names, cells quoted in a problem) shown with any
    control character escaped, line by line, so the output's own line breaks stay."""
    from bot.cli.terminal import safe_text

    return "\n".join(safe_text(line) for line in text.split("\n"))


def _check(kb: KnowledgeBase, directory: Path, records: str | None) -> int:
    """Cross-row checks and registry re-derivation (curation-time: the bot's load runs neither)."""
    from knowledge import registry
    from knowledge.checks import check, line_index

    problems = [str(i) for i in check(kb, line_index(directory))]
    rederived, not_stored = 0, 0
    try:
        found, rederived = registry.compare(kb, directory, Path(records) if records else registry.RECORDS)
        problems += [f"registry: {p}" for p in found]
        not_stored = len(registry.waived_rows(kb, directory))
    except (registry.RuleError, OSError, ValueError) as exc:
        problems.append(f"registry: {exc}")
    if problems:
        print(safe_lines(f"knowledge base invalid ({len(problems)} problem{'s' if len(problems) != 1 else ''}):\n"
                         + "\n".join(f"  - {p}" for p in problems)), file=sys.stderr)
        return 1
    print(safe_lines(f"ok: {directory}\nversion {kb.version}, content hash {kb.short_hash}; "
                     f"{len(kb.trials)} trials, {len(kb.arms)} arms, {len(kb.counts)} counts, "
                     f"{len(kb.syntheses)} published syntheses, {len(kb.outcomes)} outcomes; "
                     f"{rederived} counts re-derived from stored registry records, {not_stored} registry counts "
                     "whose record is not stored (listed in registry_rules.yaml)"))
    from bot.snapshot import save

    save(kb)  # the compiled snapshot `ask` and `serve` start from (bot/snapshot.py); none without a cache folder
    return 0


def _derive(kb: KnowledgeBase, directory: Path, nct: str, records: str | None) -> int:
    import csv

    from knowledge import registry

    rule = (registry.load_rules(directory).get("records") or {}).get(nct)
    if rule is None:
        print(safe_lines(f"evidence-bot: no rules for {nct} in {directory / registry.RULES_FILE}"), file=sys.stderr)
        return 1
    try:
        rows = registry.derive(kb, nct, rule, Path(records) if records else registry.RECORDS)
    except (registry.RuleError, OSError, ValueError, KeyError) as exc:
        print(safe_lines(f"evidence-bot: {exc}"), file=sys.stderr)
        return 1
    columns = ("trial_id", "arm_id", "outcome_id", "events", "n", "obtained", "percent", "timepoint_weeks",
               "definition_family", "population", "quote", "registry_module", "registry_groups", "registry_terms",
               "registry_time_frame", "registry_copy")
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for d in rows:
        writer.writerow((d.trial_id, d.arm_id, d.outcome_id, d.events, d.n, d.obtained, d.percent,
                         "" if d.timepoint_weeks is None else d.timepoint_weeks, d.family, d.population, d.quote,
                         d.module, " + ".join(d.groups), d.terms, d.time_frame, " + ".join(d.copies)))
    return 0


def coverage_cell(kb: KnowledgeBase, trial_id: str, outcome_id: str, drug: str | None = None) -> str:
    """'all', 'k/n', '+Nd' or '-' for one trial and outcome, over the drug's arms and its comparators (all of
    the trial's other arms); every randomised arm when no drug is given."""
    arms = kb.arms_of(trial_id)
    rows = [c for c in kb.counts if c.trial_id == trial_id and c.outcome_id == outcome_id]
    if not rows:
        return "-"
    exact = [c for c in rows if not c.derived]
    cell = "all" if len(exact) == len(arms) else f"{len(exact)}/{len(arms)}"
    if len(exact) < len(rows):
        cell += f" +{len(rows) - len(exact)}d"
    return cell


def coverage_table(kb: KnowledgeBase) -> str:
    from bot.answers.evidence import trial_label

    """Drug x trial x outcome: one row per trial under each drug that has an arm in it (a head-to-head trial
    appears under both drugs), then a short summary per drug."""
    outcomes = list(kb.outcomes)
    header = ["drug", "trial", "Fleming"] + outcomes
    body = []
    for drug in kb.covered_drugs:
        for t in kb.trials_of(drug):
            body.append([kb.drug_label(drug), trial_label(t), "yes" if t.in_fleming_2018 else ""]
                        + [coverage_cell(kb, t.trial_id, o, drug) for o in outcomes])
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in [header, *body]]
    legend = ("cells count the drug's arms and the comparator arms of each trial: all = counts read for every "
              "arm; k/n = arms with counts read from a source; +Nd = arms whose count is derived (e.g. from a "
              "rounded percentage); - = nothing readable")
    return "\n".join([f"Knowledge base {kb.version} ({kb.short_hash})", *lines, "", legend, "",
                      "Per drug:", *drug_summary(kb)])


def drug_summary(kb: KnowledgeBase) -> list[str]:
    """'tralokinumab: 5 trials; EASI-75 in 5, IGA 0/1 in 5, ...; 10 of 64 counts derived'."""
    lines = []
    for drug in kb.covered_drugs:
        trials = kb.trials_of(drug)
        ids = {t.trial_id for t in trials}
        counts = [c for c in kb.counts if c.trial_id in ids and c.drug == drug]
        held = []
        for outcome_id, outcome in kb.outcomes.items():
            k = len({c.trial_id for c in counts if c.outcome_id == outcome_id})
            if k:
                held.append(f"{outcome.name} in {k}")
        derived = sum(c.derived for c in counts)
        syntheses = sum(s.drug == drug or s.comparator == drug for s in kb.syntheses)
        lines.append(f"- {kb.drug_label(drug)}: {len(trials)} trials; " + (", ".join(held) or "no counts")
                     + f"; {derived} of {len(counts)} drug-arm counts derived; {syntheses} published estimates")
    return lines
