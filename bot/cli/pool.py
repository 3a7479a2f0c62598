"""``evidence-bot pool FILE.csv``: pool a CSV of 2x2 tables with every method.

The CSV needs the columns ``study,ai,n1i,ci,n2i`` (treatment events/total,
control events/total); other columns are ignored. Output is a readable table,
or with ``--json`` ``{"results": {measure: {method: {...}}}}``.
Bad input prints one friendly line on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path
from typing import Any

from analysis import PooledResult, pool_all
from analysis.effects import validate_tables
from analysis.pool import pool_tables, split_key

COLUMNS = ("study", "ai", "n1i", "ci", "n2i")
MEASURES = ("RR", "OR", "RD")
KEYS = ("MH", "PETO", "IV", "DL", "REML", "PM", "DL_HKSJ", "REML_HKSJ", "PM_HKSJ")
FIELDS = ("estimate", "ci_low", "ci_high", "se", "theta", "pval", "k", "Q", "Q_df", "Q_pval", "I2", "tau2",
          "tau", "pi_low", "pi_high", "test", "df", "weights", "defined", "reason", "notes")


class InputError(Exception):
    """A problem with the user's file, reported as one line."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``pool`` sub-command on an argparse subparsers object."""
    p = subparsers.add_parser(
        "pool",
        help="meta-analyse 2x2 tables from a CSV (study,ai,n1i,ci,n2i)",
        description="Pool 2x2 tables with Mantel-Haenszel, Peto, inverse-variance and "
        "random-effects (DL, REML, PM, optional HKSJ) models for RR, OR and RD.",
    )
    p.add_argument("file", metavar="FILE.csv", help="CSV with columns study,ai,n1i,ci,n2i")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--measure", choices=MEASURES, help="only this effect measure")
    p.add_argument("--method", choices=KEYS, help="only this method (e.g. DL_HKSJ)")
    p.set_defaults(func=run)
    return p


def read_tables(path: str) -> tuple[list[str], list[int], list[int], list[int], list[int]]:
    """Read and check the CSV; raise InputError with a one-line message."""
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{path}: no such file")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the file ({exc.__class__.__name__})") from None
    rows = csv.DictReader(line for line in text.splitlines() if line.strip())
    header = [h.strip() for h in (rows.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; expected a header {','.join(COLUMNS)}"
        )
    rows.fieldnames = header
    labels: list[str] = []
    cols: dict[str, list[int]] = {c: [] for c in COLUMNS[1:]}
    for line_no, row in enumerate(rows, start=2):
        labels.append((row.get("study") or "").strip() or f"Study {len(labels) + 1}")
        for c in COLUMNS[1:]:
            raw = (row.get(c) or "").strip()
            # ASCII digits only: int() would also take "1_000", "+5" and other scripts' digits ("٥")
            digits = raw[1:] if raw.startswith("-") else raw  # a minus sign is reported as negative below
            if not (digits.isascii() and digits.isdigit()):
                raise InputError(f"{path} line {line_no}: {c} = {raw!r} is not a whole number") from None
            value = int(raw)
            if value < 0:
                raise InputError(f"{path} line {line_no}: {c} = {value} is negative")
            cols[c].append(value)
        for ev, tot in (("ai", "n1i"), ("ci", "n2i")):
            if cols[tot][-1] == 0:
                raise InputError(f"{path} line {line_no}: {tot} is 0 (each arm needs participants)")
            if cols[ev][-1] > cols[tot][-1]:
                raise InputError(
                    f"{path} line {line_no}: {ev} = {cols[ev][-1]} exceeds {tot} = {cols[tot][-1]}"
                )
    if not labels:
        raise InputError(f"{path}: no studies (the file has a header but no rows)")
    return labels, cols["ai"], cols["n1i"], cols["ci"], cols["n2i"]


def _select(args: argparse.Namespace) -> list[tuple[str, str]]:
    measures = [args.measure] if args.measure else list(MEASURES)
    if args.method == "PETO":
        if args.measure and args.measure != "OR":
            raise InputError("--method PETO gives an odds ratio only (use --measure OR)")
        measures = ["OR"]
    pairs = []
    for m in measures:
        keys = [args.method] if args.method else [k for k in KEYS if k != "PM_HKSJ"]
        pairs += [(m, k) for k in keys if k != "PETO" or m == "OR"]
    return pairs


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def result_dict(result: PooledResult) -> dict[str, Any]:
    return {f: _clean(getattr(result, f)) for f in FIELDS}


def _fmt(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "-"
    if x != 0 and (abs(x) < 10 ** -digits or abs(x) >= 1e5):
        return f"{x:.2e}"
    return f"{x:.{digits}f}"


def _p(x: float | None) -> str:
    if x is None:
        return "-"
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def format_table(results: dict[str, dict[str, PooledResult]], labels: list[str]) -> str:
    head = ("Measure", "Method", "k", "Estimate", "95% CI", "p", "Q (p)", "I2 %", "tau2", "95% PI")
    lines = []
    for measure, by_key in results.items():
        for key, r in by_key.items():
            if not r.defined:
                lines.append((measure, key, str(r.k), f"not estimable: {r.reason}"))
                continue
            pi = f"{_fmt(r.pi_low)} to {_fmt(r.pi_high)}" if r.pi_low is not None else "-"
            lines.append((
                measure, key, str(r.k), _fmt(r.estimate), f"{_fmt(r.ci_low)} to {_fmt(r.ci_high)}",
                _p(r.pval), f"{_fmt(r.Q, 2)} ({_p(r.Q_pval)})", _fmt(r.I2, 1), _fmt(r.tau2, 4), pi,
            ))
    widths = [max(len(head[i]), *(len(row[i]) for row in lines if len(row) > i)) for i in range(len(head))]
    out = [f"{len(labels)} studies: {', '.join(labels)}", ""]
    out.append("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())
    out.append("  ".join("-" * w for w in widths))
    for row in lines:
        if len(row) == len(head):
            out.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        else:
            out.append("  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=False)) + "  " + row[3])
    out.append("")
    out.append("CI/PI for RR and OR are back-transformed; HKSJ uses t(k-1) without truncation.")
    return "\n".join(out)


def compute(args: argparse.Namespace) -> tuple[list[str], dict[str, dict[str, PooledResult]]]:
    labels, ai, n1i, ci, n2i = read_tables(args.file)
    pairs = _select(args)
    if not args.measure and not args.method:
        return labels, pool_all(ai, n1i, ci, n2i, labels=labels)
    try:
        tables = validate_tables(ai, n1i, ci, n2i)
    except ValueError as exc:
        raise InputError(f"{args.file}: {exc}") from None
    results: dict[str, dict[str, PooledResult]] = {}
    cache: dict = {}
    for measure, key in pairs:
        method, hksj = split_key(key)
        results.setdefault(measure, {})[key] = pool_tables(
            tables, measure=measure, method=method, hksj=hksj, labels=tuple(labels), _cache=cache
        )
    return labels, results


def run(args: argparse.Namespace) -> int:
    """Execute ``pool``: print results on stdout and return the exit status."""
    try:
        labels, results = compute(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # anything the analysis package rejects
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        payload = {
            "studies": labels,
            "results": {m: {k: result_dict(r) for k, r in by.items()} for m, by in results.items()},
        }
        print(json.dumps(payload, indent=2, allow_nan=False))
    else:
        print(format_table(results, labels))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m bot.cli.pool FILE.csv``)."""
    parser = argparse.ArgumentParser(prog="evidence-bot")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    return run(parser.parse_args(["pool", *(sys.argv[1:] if argv is None else argv)]))


if __name__ == "__main__":
    raise SystemExit(main())
