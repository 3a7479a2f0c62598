"""Time `bot.understand.parse.parse` over the whole labelled question set (tests/data/questions.csv).

    python benchmarks/bench_parse.py [--rounds 20]

Each question is parsed once to warm up, then `rounds` times; every call is timed on its own with
perf_counter_ns. Prints the median, p99 and max per parse in microseconds, and the lexicon build time.

Then the adversarial grid of tests/test_parse_bounds.py (Telegram-sized messages of words with several equally
near vocabulary forms, gibberish, option words, runs of white space), each timed against an ordinary message of
the same size, interleaved, CPU time (thread_time) and wall time, median of `rounds` (at most 10).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.understand.lexicon import build_lexicon  # noqa: E402
from bot.understand.parse import parse  # noqa: E402
from knowledge.loader import load  # noqa: E402
from tests.parse_eval import load_questions  # noqa: E402


def percentile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args(argv)

    kb = load()
    start = time.perf_counter_ns()
    lexicon = build_lexicon(kb)
    build_us = (time.perf_counter_ns() - start) / 1000
    questions = [r["question"] for r in load_questions()]
    for q in questions:
        parse(q, lexicon)
    times: list[float] = []
    for _ in range(args.rounds):
        for q in questions:
            t0 = time.perf_counter_ns()
            parse(q, lexicon)
            times.append((time.perf_counter_ns() - t0) / 1000)
    times.sort()
    long_text = "dupilumab conjunctivitis " * 160  # a 4000-character message
    t0 = time.perf_counter_ns()
    parse(long_text, lexicon)
    long_us = (time.perf_counter_ns() - t0) / 1000

    print(f"python {platform.python_version()} on {platform.machine()} ({platform.processor() or 'cpu'})")
    print(f"questions {len(questions)} x {args.rounds} rounds = {len(times)} parses")
    print(f"per parse: median {statistics.median(times):.0f} us, p99 {percentile(times, 0.99):.0f} us, "
          f"max {times[-1]:.0f} us, mean {statistics.fmean(times):.0f} us")
    print(f"4000-character message: {long_us:.0f} us; lexicon build: {build_us / 1000:.1f} ms")
    adversarial(lexicon, min(args.rounds, 10))
    return 0


def adversarial(lexicon, rounds: int) -> None:
    import os

    from tests.test_parse_bounds import ORDINARY, grid, telegram_sized

    cases = {"ordinary (reference)": telegram_sized([ORDINARY]), **grid(lexicon)}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    wall: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, text in cases.items():  # interleaved: every case meets the same machine load
            c0, w0 = time.thread_time(), time.perf_counter()
            parse(text, lexicon)
            cpu[name].append((time.thread_time() - c0) * 1000)
            wall[name].append((time.perf_counter() - w0) * 1000)
    reference = statistics.median(cpu["ordinary (reference)"])
    print(f"\nadversarial grid, {rounds} rounds, load average {os.getloadavg()[0]:.1f}")
    print("| message (4,096 characters) | CPU ms | wall ms | CPU / ordinary |\n| --- | ---: | ---: | ---: |")
    for name in sorted(cases, key=lambda n: -statistics.median(cpu[n])):
        median = statistics.median(cpu[name])
        print(f"| {name} | {median:.1f} | {statistics.median(wall[name]):.1f} | {median / reference:.1f} |")


if __name__ == "__main__":
    raise SystemExit(main())
