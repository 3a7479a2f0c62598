"""``evidence-bot network FILE.csv``: a network meta-analysis of anyone's arm-level binary data.

The CSV has one row per arm with the columns ``study,treatment,events,n`` (others are ignored; see
bot/cli/network_input.py). Output is a readable table, or with ``--json`` one object with exactly the keys
issue 18 names: measure, model, reference, treatments, k, excluded, tau2, Q, df, estimates, pairs, p_scores.
Bad input and a disconnected network print one line on stderr and exit with status 2. Labels are shown
through :func:`safe_text` in the table (JSON keeps them exactly, escaped by JSON itself).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from analysis import NetworkEstimate, NetworkResult, network_meta_analysis
from bot.cli.network_input import COLUMNS, read_arms
from bot.cli.pool import fmt_number, fmt_p
from bot.cli.pool_input import InputError
from bot.cli.terminal import safe_text

MEASURES = ("OR", "RR", "RD")
MODELS = ("fixed", "random")
ESTIMATE_KEYS = ("treatment", "versus", "estimate", "ci_low", "ci_high", "log_estimate", "se")
PAIR_KEYS = ("treatment", "versus", "estimate", "ci_low", "ci_high")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``network`` sub-command on an argparse subparsers object."""
    p = subparsers.add_parser(
        "network",
        help="network meta-analysis of arm-level binary data from a CSV (study,treatment,events,n)",
        description="Frequentist contrast-based network meta-analysis (multi-arm trials exact; fixed or "
        "random effects with one REML tau²), every pair, P-scores and direct/indirect evidence.",
    )
    p.add_argument("file", metavar="FILE.csv", help=f"CSV with columns {','.join(COLUMNS)}, one row per arm")
    p.add_argument("--measure", choices=MEASURES, default="OR", help="effect measure (default OR)")
    p.add_argument("--model", choices=MODELS, default="random", help="model (default random, REML tau²)")
    p.add_argument("--reference", metavar="NAME",
                   help="reference treatment (default: placebo if present, else the first name in order)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)
    return p


def _number(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def as_json(result: NetworkResult) -> dict[str, Any]:
    """The result as the one JSON object the issue specifies (non-finite numbers as null)."""
    scores = result.p_scores(larger_is_better=True)
    ranked = sorted(result.treatments, key=lambda t: -scores[t])  # stable: ties keep the treatments' order

    def entry(e: NetworkEstimate, keys: tuple[str, ...]) -> dict[str, Any]:
        return {k: (getattr(e, k) if k in ("treatment", "versus") else _number(getattr(e, k))) for k in keys}

    return {
        "measure": result.measure,
        "model": result.model,
        "reference": result.reference,
        "treatments": list(result.treatments),
        "k": result.k,
        "excluded": list(result.excluded),
        "tau2": _number(result.tau2),
        "Q": _number(result.Q),
        "df": result.df,
        "estimates": [entry(e, ESTIMATE_KEYS) for e in result.estimates],
        "pairs": [entry(e, PAIR_KEYS) for e in result.pairs()],
        "p_scores": [{"treatment": t, "p_score": _number(scores[t])} for t in ranked],
    }


def _fmt(x: float | None, digits: int = 3) -> str:
    """As pool's numbers, with '-' for a bound that is not finite (an indirect estimate can have none)."""
    return "-" if x is not None and not math.isfinite(x) else fmt_number(x, digits)


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(head[i]), *(len(r[i]) for r in rows)) for i in range(len(head))]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip(),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return out


def _ci(e: NetworkEstimate) -> str:
    return f"{_fmt(e.ci_low)} to {_fmt(e.ci_high)}"


def as_text(result: NetworkResult) -> str:
    """The result as aligned tables: against the reference with P-scores, every pair, direct vs indirect."""
    name = safe_text
    m = result.measure
    model = "random effects (REML tau²)" if result.model == "random" else "fixed effect"
    lines = [f"Network meta-analysis: {m}, {model}; reference {name(result.reference)}",
             f"{result.k} studies, {len(result.treatments)} treatments"]
    if result.excluded:
        lines.append(f"Left out (no events, or only events, in every arm): {', '.join(map(name, result.excluded))}")
    if result.corrected:
        lines.append("0.5 events and 1 participant added to every arm (a zero cell): "
                     f"{', '.join(map(name, result.corrected))}")
    q = f"Q = {_fmt(result.Q, 2)} on {result.df} df"
    if result.Q_pval is not None:
        q += " (p < 0.001)" if result.Q_pval < 0.001 else f" (p = {result.Q_pval:.3f})"
    lines += [f"tau2 = {_fmt(result.tau2, 4)}; {q}", ""]
    scores = result.p_scores()
    against = {e.treatment: e for e in result.estimates}
    rows = []
    for t in sorted(result.treatments, key=lambda t: -scores[t]):  # the ranking, best first
        e = against.get(t)
        cells = ("", "", "") if e is None else (_fmt(e.estimate), _ci(e), fmt_p(e.p_value))
        rows.append((name(t) + (" (reference)" if e is None else ""), *cells, _fmt(scores[t], 2)))
    lines += _table((f"vs {name(result.reference)}", m, "95% CI", "p", "P-score"), rows)
    lines += ["", "Every pair"]
    lines += _table(("treatment", "versus", m, "95% CI"),
                    [(name(e.treatment), name(e.versus), _fmt(e.estimate), _ci(e)) for e in result.pairs()])
    if result.splits:
        lines += ["", "Direct and indirect evidence (back-calculation, as netmeta's netsplit)"]
        rows = []
        for s in result.splits:
            ind = s.indirect
            rows.append((name(s.treatment), name(s.versus), str(s.k_direct), _fmt(s.direct.estimate),
                         "-" if ind is None else _fmt(ind.estimate), _fmt(s.network.estimate),
                         "-" if s.p_difference is None else fmt_p(s.p_difference)))
        lines += _table(("treatment", "versus", "k", "direct", "indirect", "network", "p (dir vs ind)"), rows)
    lines += ["", "95% Wald intervals; P-score: a larger effect on the model scale counted as better "
              "(Rücker & Schwarzer 2015). Not medical advice."]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Execute ``network``: print the result on stdout and return the exit status."""
    try:
        arms = read_arms(args.file)
        result = network_meta_analysis(arms.study, arms.treatment, arms.events, arms.n, measure=args.measure,
                                       model=args.model, reference=args.reference)
    except InputError as exc:
        print(f"error: {safe_text(str(exc))}", file=sys.stderr)
        return 2
    except ValueError as exc:  # a disconnected network, an unknown reference, nothing left to analyse
        print(f"error: {safe_text(str(args.file))}: {safe_text(str(exc))}", file=sys.stderr)
        return 2
    try:
        if args.json:
            print(json.dumps(as_json(result), indent=2, allow_nan=False))
        else:
            print(as_text(result))
    except UnicodeEncodeError as exc:  # e.g. a label in another script on an ASCII-only stdout
        print(f"error: the output's encoding ({exc.encoding}) cannot show a treatment or study name; "
              "use --json or set PYTHONIOENCODING=utf-8", file=sys.stderr)
        return 1
    return 0
