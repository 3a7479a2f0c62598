"""`evidence-bot kb check|coverage`: validate a knowledge base and show what it holds."""

from __future__ import annotations

import argparse
import sys

from bot.answers.evidence import trial_label
from knowledge.errors import KnowledgeBaseError
from knowledge.loader import default_directory, load
from knowledge.records import KnowledgeBase


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    kb = subparsers.add_parser("kb", help="validate or describe the knowledge base")
    actions = kb.add_subparsers(dest="kb_command", required=True)
    check = actions.add_parser("check", help="validate the bundled knowledge base or DIR; non-zero on error")
    check.add_argument("directory", nargs="?", help="a directory in the same layout as knowledge/data")
    coverage = actions.add_parser("coverage", help="trials by outcomes: present, missing or derived")
    coverage.add_argument("directory", nargs="?")


def run(args: argparse.Namespace) -> int:
    directory = args.directory or default_directory()
    try:
        kb = load(directory)
    except KnowledgeBaseError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.kb_command == "check":
        print(f"ok: {directory}\nversion {kb.version}, content hash {kb.short_hash}; "
              f"{len(kb.trials)} trials, {len(kb.arms)} arms, {len(kb.counts)} counts, "
              f"{len(kb.syntheses)} published syntheses, {len(kb.outcomes)} outcomes")
        return 0
    print(coverage_table(kb))
    return 0


def coverage_cell(kb: KnowledgeBase, trial_id: str, outcome_id: str) -> str:
    """'all', 'k/n', 'derived' or '-' for one trial and outcome (counted over randomised arms)."""
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
    outcomes = list(kb.outcomes)
    header = ["trial", "Fleming"] + outcomes
    body = [[trial_label(t), "yes" if t.in_fleming_2018 else ""]
            + [coverage_cell(kb, t.trial_id, o) for o in outcomes] for t in kb.trials]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in [header, *body]]
    legend = ("all = counts for every randomised arm; k/n = arms with counts read from a source; "
              "+Nd = arms whose count is derived (e.g. from a rounded percentage); - = nothing readable")
    return "\n".join([f"Knowledge base {kb.version} ({kb.short_hash})", *lines, "", legend])
