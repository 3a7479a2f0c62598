"""Time analysis.network_meta_analysis against pimeta's netmeta port on the same arms, interleaved.

Run from the repository root (pimeta is not a dependency: install it in a scratch venv)::

    python -m venv /tmp/venv && /tmp/venv/bin/pip install -e . pimeta
    /tmp/venv/bin/python benchmarks/bench_network.py            # full run
    /tmp/venv/bin/python benchmarks/bench_network.py --quick    # fewer repeats

Networks: one outcome of the whole knowledge base (EASI-75: every trial arm in knowledge/data/counts.csv
with a count, regimens as nodes, ``drug arm_id``), and the 200-study, 12-treatment network of
tests/reference/network_fixtures.json (``large200``, made by tests/reference/network_fixtures.R).

What is timed, per call, from arm-level counts to everything the command line prints:

* **ours**: ``network_meta_analysis`` (checks, zero-cell rule, connectivity, fit, REML tau², netsplit) plus
  ``pairs()`` and ``p_scores()``;
* **pimeta**: ``pairwise`` (arms to comparisons) + ``netmeta(method_tau="REML")`` with the arm-level counts
  (so that multi-arm trials get the blocked V, as ours and metafor's rma.mv) + ``netsplit``; its netmeta
  result already holds the P-scores and every pair.

The two are called in turns inside one loop (one pimeta call, then a batch of ours), so both see the same
machine load. Agreement between them is printed too (they differ where zero cells are handled differently:
netmeta's pairwise adds 0.5 per comparison, ours per study).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import network_meta_analysis  # noqa: E402

try:
    import pimeta
    from pimeta.netmeta import netmeta
    from pimeta.nma.pairwise import pairwise
    from pimeta.nma.splitting import netsplit
except ImportError:  # pragma: no cover - pimeta is only for this benchmark
    pimeta = None

Arms = tuple[list[str], list[str], list[int], list[int]]


def kb_network(outcome: str = "easi75") -> Arms:
    """Every arm with a count for ``outcome`` in the knowledge base, one node per regimen."""
    first: dict[tuple[str, str], tuple[int, int]] = {}
    with (ROOT / "knowledge" / "data" / "counts.csv").open(encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            if r["outcome_id"] != outcome or not r["events"] or not r["n"]:
                continue
            node = "placebo" if r["drug"] == "placebo" else f"{r['drug']} {r['arm_id']}"
            first.setdefault((r["trial_id"], node), (int(r["events"]), int(r["n"])))
    arms_of: dict[str, int] = {}
    for trial, _ in first:
        arms_of[trial] = arms_of.get(trial, 0) + 1
    rows = [(t, node, e, n) for (t, node), (e, n) in first.items() if arms_of[t] >= 2]
    return tuple(list(col) for col in zip(*rows, strict=True))  # type: ignore[return-value]


def fixture_network(name: str = "large200") -> Arms:
    inp = json.loads((ROOT / "tests" / "reference" / "network_fixtures.json").read_text())["datasets"][name]["input"]
    return inp["study"], inp["treatment"], inp["events"], inp["n"]


def ours(arms: Arms, model: str = "random") -> Callable[[], object]:
    study, treatment, events, n = arms

    def call():
        res = network_meta_analysis(study, treatment, events, n, measure="OR", model=model)
        res.pairs()
        res.p_scores()
        return res

    return call


def theirs(arms: Arms) -> Callable[[], object]:
    study, treatment, events, n = arms
    count = {(s, t): (e, m) for s, t, e, m in zip(study, treatment, events, n, strict=True)}
    reference = "placebo"

    def call():
        pw = pairwise(treat=treatment, event=events, n=n, studlab=study, sm="OR")
        one = [count[s, t] for s, t in zip(pw.studlab, pw.treat1, strict=True)]
        two = [count[s, t] for s, t in zip(pw.studlab, pw.treat2, strict=True)]
        net = netmeta(pw.TE, pw.seTE, pw.treat1, pw.treat2, pw.studlab, sm="OR", method_tau="REML",
                      reference_group=reference, event1=[e for e, _ in one], n1=[m for _, m in one],
                      event2=[e for e, _ in two], n2=[m for _, m in two])
        return net, netsplit(net)

    return call


def agreement(arms: Arms) -> str:
    res = ours(arms)()
    net, _ = theirs(arms)()
    trts = list(net.trts)
    te = np.asarray(net.TE_random)
    i0 = trts.index(res.reference)
    worst = max(abs(te[trts.index(e.treatment), i0] - e.log_estimate) for e in res.estimates)
    return f"tau2 ours {res.tau2:.8f}, pimeta {net.tau2:.8f}; largest |log OR difference| {worst:.1e}"


def interleaved(arms: Arms, rounds: int, inner: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Per-call wall and CPU milliseconds: each round times one pimeta call, then ``inner`` calls of ours."""
    fns = {"ours OR random": ours(arms), "ours OR fixed": ours(arms, "fixed")}
    if pimeta is not None:
        fns["pimeta OR random (REML)"] = theirs(arms)
    for fn in fns.values():  # warm-up: imports, caches
        fn()
    wall: dict[str, list[float]] = {k: [] for k in fns}
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            for _ in range(1 if name.startswith("pimeta") else inner):
                c0, t0 = time.process_time_ns(), time.perf_counter_ns()
                fn()
                wall[name].append((time.perf_counter_ns() - t0) / 1e6)
                cpu[name].append((time.process_time_ns() - c0) / 1e6)
    return wall, cpu


def summary(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[min(len(values) - 1, int(0.99 * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    import scipy

    print(f"Machine: Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"pimeta {getattr(pimeta, '__version__', 'not installed')}; {os.cpu_count()} CPU cores "
          f"({platform.machine()}).")
    networks = [("knowledge base, EASI-75", kb_network(), 20 if args.quick else 60, 10),
                ("large200 (200 studies, 12 treatments)", fixture_network(), 3 if args.quick else 10, 20)]
    print(f"Load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("\n| network | studies | arms | treatments | analysis | calls | median ms | p99 ms | median CPU ms |")
    print("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    notes = []
    for label, arms, rounds, inner in networks:
        res = ours(arms)()
        wall, cpu = interleaved(arms, rounds, inner)
        for name, values in wall.items():
            med, p99 = summary(values)
            print(f"| {label} | {res.k} | {len(arms[0])} | {len(res.treatments)} | {name} | {len(values)} | "
                  f"{med:,.2f} | {p99:,.2f} | {statistics.median(cpu[name]):,.2f} |")
        if pimeta is not None:
            notes.append(f"{label}: {agreement(arms)}")
    print(f"\nLoad average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for note in notes:
        print("- " + note)


if __name__ == "__main__":
    main()
