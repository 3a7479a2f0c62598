"""Latency of the answer path, start-up, memory, and how knowledge-base loading scales.

Run by hand:  python benchmarks/bench_answer.py   (results are written up in benchmarks/README.md)
"""

from __future__ import annotations

import csv
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.answers.render import html_messages  # noqa: E402
from bot.service import EvidenceService  # noqa: E402
from knowledge.loader import default_directory, load  # noqa: E402

QUESTIONS = {
    "skin_infection": "does dupilumab reduce skin infections?",
    "eczema_herpeticum": "dupixent eczema herpeticum",
    "herpes_infection": "herpes infections with dupilumab",
    "any_infection": "does dupilumab increase infections overall",
    "conjunctivitis": "does dupilumab cause pink eye",
}


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def bench_answer_path(service: EvidenceService, repeats: int = 2000) -> None:
    print("## Answer path (question -> rendered Telegram HTML), in process")
    print("| outcome | p50 ms | p99 ms |\n|---|---|---|")
    for name, question in QUESTIONS.items():
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            html_messages(service.ask(question).reply, ("trials", "method", "sources"))
            samples.append((time.perf_counter() - start) * 1000)
        p50, p99 = percentiles(samples)
        print(f"| {name} | {p50:.3f} | {p99:.3f} |")


def bench_plots(service: EvidenceService) -> None:
    from bot.answers.plots import _forest, forest_png

    oa = service.ask("dupilumab conjunctivitis").answer.outcomes[0]
    start = time.perf_counter()
    import matplotlib.figure  # noqa: F401

    imported = time.perf_counter()
    forest_png(oa)
    cold = time.perf_counter()
    _forest.cache_clear()
    forest_png(oa)
    warm_uncached = time.perf_counter()
    forest_png(oa)
    cached = time.perf_counter()
    print("\n## Forest plot")
    print(f"- matplotlib import: {(imported - start) * 1000:.0f} ms (paid once, only when a picture is asked)")
    print(f"- first plot after import: {(cold - imported) * 1000:.0f} ms")
    print(f"- plot, uncached, warm process: {(warm_uncached - cold) * 1000:.0f} ms")
    print(f"- plot, cached: {(cached - warm_uncached) * 1e6:.1f} µs")


def bench_startup() -> None:
    print("\n## Start-up of `evidence-bot ask` (whole process, wall clock, 5 runs)")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for label, argv in (("ask (text)", ["ask", "dupilumab skin infections"]), ("kb check", ["kb", "check"])):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "bot.cli", *argv], env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        print(f"- {label}: median {statistics.median(times) * 1000:.0f} ms")
    code = ("import sys; from bot.service import EvidenceService; EvidenceService.from_directory()"
            ".ask('dupilumab skin infections'); print('matplotlib' in sys.modules)")
    loaded = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout.strip()
    print(f"- matplotlib imported by a text answer: {loaded}")


def bench_memory() -> None:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n## Memory\n- peak resident set of this benchmark process (after plots): {rss:.0f} MB")


def scaled_copy(target: Path, factor: int) -> None:
    """The bundled knowledge base with every trial repeated `factor` times under new ids."""
    source = default_directory()
    shutil.copytree(source, target)
    for name in ("trials.csv", "arms.csv", "counts.csv"):
        with (source / name).open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        out = []
        for copy in range(factor):
            for row in rows:
                row = dict(row)
                row["trial_id"] = row["trial_id"] if copy == 0 else f"{row['trial_id']}_x{copy}"
                if name == "trials.csv" and copy:
                    row["acronym"] = f"{row['acronym']} x{copy}"
                out.append(row)
        with (target / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(out)


def bench_kb_scaling() -> None:
    print("\n## Knowledge-base load time (read + validate + build records)")
    print("| size | rows (trials/arms/counts) | load ms (median of 5) | answer ms |\n|---|---|---|---|")
    for factor in (1, 10, 100):
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "kb"
            scaled_copy(target, factor)
            times = []
            for _ in range(5):
                start = time.perf_counter()
                kb = load(target)
                times.append((time.perf_counter() - start) * 1000)
            service = EvidenceService(kb)
            service.ask("dupilumab conjunctivitis")
            start = time.perf_counter()
            service.ask("dupilumab conjunctivitis")
            answer_ms = (time.perf_counter() - start) * 1000
            print(f"| {factor}x | {len(kb.trials)}/{len(kb.arms)}/{len(kb.counts)} | "
                  f"{statistics.median(times):.0f} | {answer_ms:.1f} |")


if __name__ == "__main__":
    service = EvidenceService.from_directory()
    bench_answer_path(service)
    bench_kb_scaling()
    bench_startup()
    bench_plots(service)
    bench_memory()
