"""Time analysis.pool against statsmodels' meta_analysis on the same tables.

Run from the repository root::

    /tmp/venv/bin/python benchmarks/bench_pooling.py            # full run
    /tmp/venv/bin/python benchmarks/bench_pooling.py --quick    # fewer repeats

Prints a Markdown table of median and 99th-percentile wall time per call in
microseconds. Ours starts from raw counts (validation, per-study effects,
per-study records for forest plots, weights); statsmodels is timed both for
combine_effects alone (given yi/vi) and with its own effect-size step
(effectsize_2proportions), so the pipelines can be compared like for like.
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


def make_tables(k: int, seed: int = 2026) -> tuple[list[int], list[int], list[int], list[int]]:
    """Heterogeneous trials (tau = 0.3 on the log RR scale), sizes 40-400 per arm."""
    rng = np.random.default_rng(seed + k)
    n1 = rng.integers(40, 400, k)
    n2 = rng.integers(40, 400, k)
    p2 = rng.uniform(0.05, 0.4, k)
    p1 = np.clip(p2 * np.exp(rng.normal(-0.3, 0.3, k)), 0.001, 0.999)
    return rng.binomial(n1, p1).tolist(), n1.tolist(), rng.binomial(n2, p2).tolist(), n2.tolist()


def timeit_us(fn: Callable[[], object], calls: int) -> tuple[float, float]:
    """Median and p99 of per-call wall time in microseconds (after a warm-up)."""
    for _ in range(min(calls, 20)):
        fn()
    samples = []
    for _ in range(calls):
        t0 = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - t0) / 1000.0)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.99 * len(samples)))]


def calls_for(k: int, quick: bool) -> int:
    base = {8: 3000, 100: 1000, 1000: 200, 10000: 30}.get(k, 100)
    return max(10, base // 5) if quick else base


def bench(k: int, quick: bool) -> list[tuple[str, float, float]]:
    ai, n1i, ci, n2i = make_tables(k)
    calls = calls_for(k, quick)
    rows = []
    for measure, method, hksj in OURS:
        name = f"ours pool {measure} {method}{'+HKSJ' if hksj else ''}"
        rows.append((name, *timeit_us(lambda m=measure, me=method, h=hksj: pool(
            ai, n1i, ci, n2i, measure=m, method=me, hksj=h), calls)))
    for method in ("DL", "REML"):
        rows.append((f"ours core RR {method}: counts -> estimate, no per-study records",
                     *timeit_us(lambda me=method: random_effects(
                         effect_sizes(validate_tables(ai, n1i, ci, n2i), "RR"), me), calls)))
    rows.append(("ours pool_all (22 analyses)", *timeit_us(lambda: pool_all(ai, n1i, ci, n2i),
                                                          max(10, calls // 10))))
    if combine_effects is not None:
        es = effect_sizes(validate_tables(ai, n1i, ci, n2i), "RR")
        yi, vi = es.yi[es.ok], es.vi[es.ok]
        a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (ai, n1i, ci, n2i))
        for label, re in (("DL", "chi2"), ("PM", "iterated")):
            rows.append((f"statsmodels combine_effects {label} (given yi/vi)",
                         *timeit_us(lambda r=re: combine_effects(yi, vi, method_re=r), calls)))

        def sm_pipeline() -> object:
            eff, var = effectsize_2proportions(a, n1, c, n2, statistic="rr", zero_correction=0.5)
            return combine_effects(eff, var, method_re="chi2")

        rows.append(("statsmodels effectsize_2proportions + combine_effects DL", *timeit_us(sm_pipeline, calls)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--sizes", type=int, nargs="*", default=[8, 100, 1000, 10000])
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import scipy
    import statsmodels

    print(f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"statsmodels {statsmodels.__version__}; {os.cpu_count()} CPU cores ({platform.machine()})\n")
    print("| studies | analysis | median µs | p99 µs |")
    print("| ---: | --- | ---: | ---: |")
    for k in args.sizes:
        for name, med, p99 in bench(k, args.quick):
            print(f"| {k} | {name} | {med:,.1f} | {p99:,.1f} |")


if __name__ == "__main__":
    main()
