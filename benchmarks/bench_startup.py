"""Cold start of the command line against `python -c "import pandas, scipy.stats"`, interleaved (issue 23).

    .venv/bin/python benchmarks/bench_startup.py                     # ~3 minutes
    .venv/bin/python benchmarks/bench_startup.py --before /tmp/base  # also an older checkout, in the same rounds

Each round runs every command once, as a new process, in an order that rotates from round to round: the
baseline (importing pandas and scipy.stats, what the answer path used to need), `evidence-bot ask` with one
question of each kind (effect, comparison, ranking, overview), `evidence-bot --help` and `evidence-bot kb check`;
with --before, the same commands from another checkout (run with this interpreter, its directory first on the
path). Wall time and peak resident memory (the child's own ru_maxrss, from os.wait4) per run; the ratio to the
baseline is taken within each round and its median reported, so that the machine's load (shared by several
jobs) affects both sides alike.

The knowledge-base snapshot and the ordinary-word list (bot/snapshot.py, bot/understand/ordinary.py) live in a
cache folder of this run: the first `ask` builds them, and that first start is reported on its own.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ("baseline: import pandas, scipy.stats", None, ["-c", "import pandas, scipy.stats"])
COMMANDS = (
    ("ask: effect", ["-m", "bot.cli", "ask", "does dupilumab reduce skin infections"]),
    ("ask: comparison", ["-m", "bot.cli", "ask", "abrocitinib vs dupilumab EASI-75"]),
    ("ask: ranking", ["-m", "bot.cli", "ask", "which JAK has the most acne"]),
    ("ask: overview", ["-m", "bot.cli", "ask", "is tralokinumab safe"]),
    ("--help", ["-m", "bot.cli", "--help"]),
    ("kb check", ["-m", "bot.cli", "kb", "check"]),
)


def run(argv: list[str], tree: Path | None, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak MiB of one child process."""
    env = dict(env)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, *argv], cwd=tree or ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    err = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if status != 0:
        raise RuntimeError(f"{argv} failed in {tree}: {err[-500:]}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--before", type=Path, help="an older checkout to run in the same rounds")
    args = parser.parse_args()
    cache = Path(tempfile.mkdtemp(prefix="bench-startup-cache-"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "EVIDENCE_BOT_CACHE_DIR")}
    env["EVIDENCE_BOT_CACHE_DIR"] = str(cache)
    trees = [("after", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    try:
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at "
              "the start\n")
        first = run(COMMANDS[0][1], ROOT, env)
        print(f"First `ask` with an empty cache folder (reads and validates the files, writes the snapshot): "
              f"{first[0] * 1000:.0f} ms, peak {first[1]:.0f} MiB\n")
        jobs = [BASELINE] + [(f"{name}: {label}", tree, argv) for name, tree in trees for label, argv in COMMANDS]
        for _, tree, argv in jobs:  # warm-up: the snapshot, the word list, the file cache
            run(argv, tree, env)
        wall: dict[str, list[float]] = {name: [] for name, _, _ in jobs}
        peak: dict[str, list[float]] = {name: [] for name, _, _ in jobs}
        for r in range(args.rounds):
            shift = r % len(jobs)
            for name, tree, argv in jobs[shift:] + jobs[:shift]:
                seconds, mib = run(argv, tree, env)
                wall[name].append(seconds)
                peak[name].append(mib)
        base = wall[BASELINE[0]]
        print(f"{args.rounds} rounds; wall ms and peak MiB are medians; the ratio is the median of each round's "
              "wall time over the baseline's in that round\n")
        print("| command | wall ms | peak MiB | ratio to the baseline |")
        print("| --- | ---: | ---: | ---: |")
        for name, _, _ in jobs:
            ratios = [w / b for w, b in zip(wall[name], base, strict=True)]
            print(f"| {name} | {statistics.median(wall[name]) * 1000:.0f} | {statistics.median(peak[name]):.0f} | "
                  f"{statistics.median(ratios):.2f} |")
        print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
