"""Time analysis.pool against statsmodels' meta_analysis on the same tables, interleaved.

Run from the repository root::

    .venv/bin/python benchmarks/bench_pooling.py            # full run (a few minutes)
    .venv/bin/python benchmarks/bench_pooling.py --quick    # fewer rounds

Every analysis is called once per round, in an order that rotates from round to round, so that ours and
statsmodels' see the same machine load (issue 23: timed in separate blocks, the ratio swung from 0.71 to 0.38
between two runs on this shared machine). Prints a Markdown table of median and 99th-percentile wall time per
call in microseconds, and for the like-for-like pairs the median of the per-round ratios ours / statsmodels.

Ours starts from raw counts (validation, per-study effects, the model, p-values, CIs, weights in input order;
per-study records for forest plots are made only when read, and one row times reading them); statsmodels is
timed for combine_effects alone (given yi/vi) and with its own effect-size step (effectsize_2proportions), so
the pipelines can be compared like for like. Both are given the counts as numpy arrays (statsmodels takes
nothing else); one more row gives ours Python lists, as the bot does.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import pool, pool_all
from analysis.effects import effect_sizes, validate_tables
from analysis.random import random_effects

try:
    from statsmodels.stats.meta_analysis import combine_effects, effectsize_2proportions
except ImportError:  # pragma: no cover - statsmodels is a test extra
    combine_effects = effectsize_2proportions = None

OURS = [("RR", "MH", False), ("OR", "PETO", False), ("RR", "IV", False), ("RR", "DL", False),
        ("RR", "REML", False), ("RR", "PM", False), ("RR", "DL", True), ("RR", "REML", True)]
# (ours, statsmodels) rows whose per-round ratio is reported
PAIRS = (("ours pool RR DL", "statsmodels effectsize_2proportions + combine_effects DL"),
         ("ours core RR DL: counts -> estimate, no result record", "statsmodels effectsize_2proportions + "
          "combine_effects DL"),
         ("ours pool RR PM", "statsmodels effectsize_2proportions + combine_effects PM"))


def make_tables(k: int, seed: int = 2026) -> tuple[list[int], list[int], list[int], list[int]]:
    """Heterogeneous trials (tau = 0.3 on the log RR scale), sizes 40-400 per arm."""
    rng = np.random.default_rng(seed + k)
    n1 = rng.integers(40, 400, k)
    n2 = rng.integers(40, 400, k)
    p2 = rng.uniform(0.05, 0.4, k)
    p1 = np.clip(p2 * np.exp(rng.normal(-0.3, 0.3, k)), 0.001, 0.999)
    return rng.binomial(n1, p1).tolist(), n1.tolist(), rng.binomial(n2, p2).tolist(), n2.tolist()


def rounds_for(k: int, quick: bool) -> int:
    base = {8: 2000, 100: 800, 1000: 200, 10000: 60}.get(k, 100)
    return max(10, base // 5) if quick else base


def analyses(k: int) -> list[tuple[str, Callable[[], object]]]:
    lists = make_tables(k)
    a, n1, c, n2 = (np.asarray(x, dtype=np.int64) for x in lists)
    fa, fn1, fc, fn2 = (np.asarray(x, dtype=float) for x in lists)
    out: list[tuple[str, Callable[[], object]]] = []
    for measure, method, hksj in OURS:
        name = f"ours pool {measure} {method}{'+HKSJ' if hksj else ''}"
        out.append((name, lambda m=measure, me=method, h=hksj: pool(a, n1, c, n2, measure=m, method=me, hksj=h)))
    out.append(("ours pool RR DL, counts as Python lists", lambda: pool(*lists, method="DL")))
    out.append(("ours pool RR DL, then every per-study record read",
                lambda: len(tuple(pool(a, n1, c, n2, method="DL").studies))))
    out.append(("ours core RR DL: counts -> estimate, no result record",
                lambda: random_effects(effect_sizes(validate_tables(a, n1, c, n2), "RR"), "DL")))
    out.append(("ours pool_all (22 analyses)", lambda: pool_all(a, n1, c, n2)))
    if combine_effects is not None:
        es = effect_sizes(validate_tables(a, n1, c, n2), "RR")
        yi, vi = es.yi[es.ok], es.vi[es.ok]
        for label, re in (("DL", "chi2"), ("PM", "iterated")):
            out.append((f"statsmodels combine_effects {label} (given yi/vi)",
                        lambda r=re: combine_effects(yi, vi, method_re=r)))
            out.append((f"statsmodels effectsize_2proportions + combine_effects {label}",
                        lambda r=re: combine_effects(*effectsize_2proportions(
                            fa, fn1, fc, fn2, statistic="risk-ratio", zero_correction=0.5), method_re=r)))
    return out


def bench(k: int, quick: bool) -> tuple[list[tuple[str, float, float]], list[tuple[str, str, float, float]]]:
    todo = analyses(k)
    samples: dict[str, list[float]] = {name: [] for name, _ in todo}
    rounds = rounds_for(k, quick)
    slow = {"ours pool_all (22 analyses)"}
    for _, fn in todo:  # warm-up
        fn()
    for r in range(rounds):
        shift = r % len(todo)
        for name, fn in todo[shift:] + todo[:shift]:
            if name in slow and r % 10:
                continue  # 22 analyses a call: every tenth round
            t0 = time.perf_counter_ns()
            fn()
            samples[name].append((time.perf_counter_ns() - t0) / 1000.0)
    rows = []
    for name, _ in todo:
        ordered = sorted(samples[name])
        rows.append((name, statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]))
    ratios = []
    for ours, theirs in PAIRS:
        if samples.get(theirs):
            per_round = [x / y for x, y in zip(samples[ours], samples[theirs], strict=True)]
            ratios.append((ours, theirs, statistics.median(per_round),
                           statistics.median(samples[ours]) / statistics.median(samples[theirs])))
    return rows, ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--sizes", type=int, nargs="*", default=[8, 100, 1000, 10000])
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import scipy
    import statsmodels

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"statsmodels {statsmodels.__version__}; {os.cpu_count()} CPU cores ({platform.machine()}); "
          f"load average {load:.1f} at the start\n")
    print("| studies | analysis | median µs | p99 µs |")
    print("| ---: | --- | ---: | ---: |")
    all_ratios = []
    for k in args.sizes:
        rows, ratios = bench(k, args.quick)
        for name, med, p99 in rows:
            print(f"| {k} | {name} | {med:,.1f} | {p99:,.1f} |", flush=True)
        all_ratios += [(k, *r) for r in ratios]
    print("\n| studies | ours | statsmodels | median of per-round ratios | ratio of medians |")
    print("| ---: | --- | --- | ---: | ---: |")
    for k, ours, theirs, per_round, of_medians in all_ratios:
        print(f"| {k} | {ours} | {theirs} | {per_round:.2f} | {of_medians:.2f} |")
    if hasattr(os, "getloadavg"):
        print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
