"""``evidence-bot pool FILE.csv``: pool a CSV of 2x2 tables with every method.

The CSV needs the columns ``study,ai,n1i,ci,n2i`` (treatment events/total,
control events/total); other columns are ignored. Output is a readable table,
or with ``--json`` ``{"studies": [...], "results": {measure: {method: {...}}}}``.
Bad input prints one friendly line on stderr and exits with status 2.

Memory stays proportional to the data with small constants (a few hundred
bytes a study, see benchmarks/README.md): the file is read into arrays
(bot/cli/pool_input.py), the analyses make no per-study records
(analysis.pool_summary), and the JSON is written one analysis at a time.
The table names the first 50 studies and counts the rest unless
``--all-studies`` is given; the JSON always holds every label and weight.
Labels and file names are shown through :func:`safe_text`, so control
characters in the input never reach the terminal (the JSON keeps them,
escaped by JSON itself).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator
from typing import IO, Any

import numpy as np

from analysis import PooledResult
from analysis.effects import Tables
from analysis.pool import method_keys, pool_summary, split_key
from bot.cli.pool_input import COLUMNS, InputError, Labels, StudyTable, read_counts, read_tables
from bot.cli.terminal import safe_text

MEASURES = ("RR", "OR", "RD")
KEYS = ("MH", "PETO", "IV", "DL", "REML", "PM", "DL_HKSJ", "REML_HKSJ", "PM_HKSJ")
FIELDS = ("estimate", "ci_low", "ci_high", "se", "theta", "pval", "k", "Q", "Q_df", "Q_pval", "I2", "tau2",
          "tau", "pi_low", "pi_high", "test", "df", "weights", "defined", "reason", "notes")
LISTED = 50  # studies named in the table's first line without --all-studies
CHUNK = 65_536  # labels or weights formatted at a time

__all__ = ["COLUMNS", "InputError", "add_parser", "main", "read_counts", "read_tables", "run", "safe_text"]


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
    p.add_argument("--all-studies", action="store_true",
                   help=f"name every study in the table (default: the first {LISTED})")
    p.set_defaults(func=run)
    return p


def _select(args: argparse.Namespace) -> list[tuple[str, str]]:
    if not args.measure and not args.method:
        return [(m, k) for m in MEASURES for k in method_keys(m)]  # the order of analysis.pool_all
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


def analyses(tables: Tables, pairs: list[tuple[str, str]]) -> Iterator[tuple[str, str, PooledResult, np.ndarray]]:
    """(measure, key, result without per-study records, weights in percent) for each pair, one at a time."""
    cache: dict = {}
    current = None
    for measure, key in pairs:
        if measure != current:  # effect sizes are per measure: let the previous measure's go
            cache, current = {}, measure
        method, hksj = split_key(key)
        try:
            result, weights = pool_summary(tables, measure=measure, method=method, hksj=hksj, _cache=cache)
        except ArithmeticError as exc:  # counts in the billions with extreme heterogeneity: floats run out
            result, weights = not_computable(measure, method, hksj, tables.k, exc), np.full(tables.k, np.nan)
        yield measure, key, result, weights


def not_computable(measure: str, method: str, hksj: bool, k: int, exc: ArithmeticError) -> PooledResult:
    """The result of an analysis that floating point cannot carry out for these counts: reported as not defined
    (its row and its JSON entry say why), so the other analyses and a valid JSON document still come out."""
    return PooledResult(
        measure=measure, method=method, hksj=hksj, level=0.95, defined=False,
        reason=f"not computable in floating point for these counts ({type(exc).__name__})", k=k, estimate=None,
        ci_low=None, ci_high=None, theta=None, se=None, pval=None, test="t" if hksj else "z", df=None, Q=None,
        Q_df=0, Q_pval=None, I2=None, tau2=None, tau=None, pi_low=None, pi_high=None, weights=(), studies=())


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def fmt_number(x: float | None, digits: int = 3) -> str:
    """A number for the text tables of `pool` and `network`: fixed digits, scientific when tiny or huge."""
    if x is None:
        return "-"
    if x != 0 and (abs(x) < 10 ** -digits or abs(x) >= 1e5):
        return f"{x:.2e}"
    return f"{x:.{digits}f}"


def fmt_p(x: float | None) -> str:
    if x is None:
        return "-"
    return "<0.001" if x < 0.001 else f"{x:.3f}"


# ---- text ---------------------------------------------------------------------------------------------------


def _write_study_line(out: IO[str], labels: Labels, all_studies: bool) -> None:
    k = len(labels)
    shown = k if all_studies or k <= LISTED else LISTED
    out.write(f"{k:,} studies: " if k > LISTED else f"{k} studies: ")
    for start in range(0, shown, CHUNK):
        if start:
            out.write(", ")
        out.write(", ".join(map(safe_text, labels.range(start, min(shown, start + CHUNK)))))
    if shown < k:
        out.write(f" and {k - shown:,} more (--all-studies lists them)")
    out.write("\n")


def format_table(results: list[tuple[str, str, PooledResult]]) -> str:
    """The results as an aligned table (no study labels: see _write_study_line)."""
    head = ("Measure", "Method", "k", "Estimate", "95% CI", "p", "Q (p)", "I2 %", "tau2", "95% PI")
    lines = []
    for measure, key, r in results:
        if not r.defined:
            lines.append((measure, key, str(r.k), f"not estimable: {r.reason}"))
            continue
        pi = f"{fmt_number(r.pi_low)} to {fmt_number(r.pi_high)}" if r.pi_low is not None else "-"
        lines.append((
            measure, key, str(r.k), fmt_number(r.estimate), f"{fmt_number(r.ci_low)} to {fmt_number(r.ci_high)}",
            fmt_p(r.pval), f"{fmt_number(r.Q, 2)} ({fmt_p(r.Q_pval)})", fmt_number(r.I2, 1), fmt_number(r.tau2, 4), pi,
        ))
    widths = [max(len(head[i]), *(len(row[i]) for row in lines if len(row) > i)) for i in range(len(head))]
    out = ["", "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    for row in lines:
        if len(row) == len(head):
            out.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        else:
            out.append("  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=False)) + "  " + row[3])
    out.append("")
    out.append("CI/PI for RR and OR are back-transformed; HKSJ uses t(k-1) without truncation.")
    return "\n".join(out)


def write_text(out: IO[str], data: StudyTable, pairs: list[tuple[str, str]], all_studies: bool) -> None:
    results = [(m, k, r) for m, k, r, _weights in analyses(data.tables, pairs)]
    _write_study_line(out, data.labels, all_studies)
    out.write(format_table(results) + "\n")


# ---- JSON ---------------------------------------------------------------------------------------------------


def _value(value: Any, depth: int) -> str:
    """``value`` as json.dumps(indent=2) writes it at nesting ``depth`` (JSON strings hold no raw newline)."""
    return json.dumps(_clean(value), indent=2, allow_nan=False).replace("\n", "\n" + "  " * depth)


def _write_array(out: IO[str], items: Iterator[str], count: int, depth: int) -> None:
    """A JSON array of already encoded items, laid out as json.dumps(indent=2) does, written in chunks."""
    if not count:
        out.write("[]")
        return
    pad = "\n" + "  " * (depth + 1)
    out.write("[")
    sep = pad
    for item in items:
        out.write(sep + item)
        sep = "," + pad
    out.write("\n" + "  " * depth + "]")


def _chunks(text_of: Any, n: int) -> Iterator[str]:
    """Items 0..n-1 joined CHUNK at a time: ``text_of(start, stop)`` gives the encoded items of a slice."""
    for start in range(0, n, CHUNK):
        yield text_of(start, min(n, start + CHUNK))


def _weight_text(weights: np.ndarray, sep: str) -> Any:
    """Encoded weights of a slice, as json.dumps writes floats (repr; null for what is not finite)."""
    finite = bool(np.isfinite(weights).all())

    def text(start: int, stop: int) -> str:
        values = weights[start:stop].tolist()
        if finite:
            return sep.join(map(float.__repr__, values))
        return sep.join(repr(x) if math.isfinite(x) else "null" for x in values)

    return text


def write_json(out: IO[str], data: StudyTable, pairs: list[tuple[str, str]]) -> None:
    """Exactly ``json.dumps({"studies": ..., "results": ...}, indent=2)``, but streamed: one analysis's
    weights at a time, never the whole document, so memory does not grow with the output."""
    labels = data.labels
    k = len(labels)
    item_sep = ",\n" + "  " * 2
    weight_sep = ",\n" + "  " * 5

    def label_text(start: int, stop: int) -> str:
        return item_sep.join(map(json.dumps, labels.range(start, stop)))

    out.write('{\n  "studies": ')
    _write_array(out, _chunks(label_text, k), k, 1)
    out.write(',\n  "results": {')
    current = None
    for measure, key, result, weights in analyses(data.tables, pairs):
        if measure != current:
            out.write(("\n" if current is None else "\n    },\n") + f"    {json.dumps(measure)}: {{")
            first_key = True
            current = measure
        out.write(("\n" if first_key else ",\n") + f"      {json.dumps(key)}: {{")
        first_key = False
        for i, field in enumerate(FIELDS):
            out.write(("\n" if i == 0 else ",\n") + f'        "{field}": ')
            if field == "weights":
                _write_array(out, _chunks(_weight_text(weights, weight_sep), k), k, 4)
            else:
                out.write(_value(getattr(result, field), 4))
        out.write("\n      }")
    out.write("\n    }\n  }\n}\n")


# ---- command ------------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """Execute ``pool``: print results on stdout and return the exit status."""
    try:
        pairs = _select(args)
        data = read_counts(args.file)
        if args.json:
            write_json(sys.stdout, data, pairs)
        else:
            write_text(sys.stdout, data, pairs, getattr(args, "all_studies", False))
    except InputError as exc:
        print(f"error: {safe_text(str(exc))}", file=sys.stderr)
        return 2
    except UnicodeEncodeError as exc:  # e.g. a label in another script on an ASCII-only stdout
        print(f"error: the output's encoding ({exc.encoding}) cannot show a study label; "
              "use --json or set PYTHONIOENCODING=utf-8", file=sys.stderr)
        return 1
    except ValueError as exc:  # anything the analysis package rejects
        print(f"error: {safe_text(str(args.file))}: {safe_text(str(exc))}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m bot.cli.pool FILE.csv``)."""
    parser = argparse.ArgumentParser(prog="evidence-bot")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    return run(parser.parse_args(["pool", *(sys.argv[1:] if argv is None else argv)]))


if __name__ == "__main__":
    raise SystemExit(main())
