"""Peak memory and wall time of ``evidence-bot pool`` on a large generated CSV (issue 14).

Writes a CSV of synthetic 2x2 tables (heterogeneous true effects, some zero cells and a few studies without
events), then runs ``python -m bot.cli pool`` on it in a child process, once with the text table and once
with ``--json`` (sent to /dev/null), and reports wall time and the child's peak resident set (``ru_maxrss``
from ``os.wait4``, so only that child is measured):

    .venv/bin/python benchmarks/bench_pool_memory.py                 # 1,000,000 rows
    .venv/bin/python benchmarks/bench_pool_memory.py --rows 200000   # quicker
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def write_csv(path: Path, rows: int, seed: int = 14) -> None:
    """``rows`` studies: 20-2,000 per arm, control risk 1-30%, log RR ~ N(-0.3, 0.3²); 1% without events."""
    rng = np.random.default_rng(seed)
    n1 = rng.integers(20, 2001, rows)
    n2 = rng.integers(20, 2001, rows)
    p2 = rng.uniform(0.01, 0.30, rows)
    p1 = np.clip(p2 * np.exp(rng.normal(-0.3, 0.3, rows)), 0.0, 1.0)
    ai = rng.binomial(n1, p1)
    ci = rng.binomial(n2, p2)
    none = rng.random(rows) < 0.01
    ai[none] = 0
    ci[none] = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("study,ai,n1i,ci,n2i,year\n")
        step = 100_000
        for start in range(0, rows, step):
            stop = min(rows, start + step)
            out.writelines(
                f"Trial {i + 1:07d},{a},{b},{c},{d},{1990 + i % 30}\n"
                for i, a, b, c, d in zip(range(start, stop), ai[start:stop].tolist(), n1[start:stop].tolist(),
                                         ci[start:stop].tolist(), n2[start:stop].tolist(), strict=True)
            )


def run_child(args: list[str]) -> tuple[int, float, float]:
    """Run the CLI; return (exit status, wall seconds, peak RSS in MiB) of that child alone."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLCONFIGDIR": str(ROOT / "build" / "mpl-bench")}
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "pool", *args], cwd=ROOT, env=env,
                                stdout=sink, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(f"  exit status {code}: {err.strip()[-500:]}", file=sys.stderr)
    return code, wall, usage.ru_maxrss / 1024.0  # ru_maxrss is in KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", metavar="FILE.csv", help="write the CSV here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "studies.csv"
        t0 = time.perf_counter()
        write_csv(path, args.rows)
        size = path.stat().st_size / 2**20
        print(f"{args.rows:,} rows, {size:.1f} MiB CSV (written in {time.perf_counter() - t0:.1f} s)")
        print("| output | exit | wall s | peak RSS MiB |")
        print("| --- | ---: | ---: | ---: |")
        for label, extra in (("text table", []), ("--json", ["--json"])):
            code, wall, rss = run_child([str(path), *extra])
            print(f"| {label} | {code} | {wall:.1f} | {rss:,.0f} |", flush=True)
        baseline = run_child(["--help"])
        print(f"(interpreter + imports only, `pool --help`: {baseline[2]:,.0f} MiB peak)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
