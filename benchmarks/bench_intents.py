"""Answer latency per intent, question to the Telegram HTML a chat is sent (effect answers, comparisons and
rankings: their headline, details behind buttons; an overview: everything, as bot/telegram/delivery.py decides),
in process (issue 23: p99 under 5 ms for every intent, rankings, comparisons and overviews included).

    .venv/bin/python benchmarks/bench_intents.py                     # ~2 minutes
    .venv/bin/python benchmarks/bench_intents.py --before /tmp/base  # beside an older checkout, interleaved

For each intent a few questions (phrasings, options, filters). Measured, per question: the first answer in a
fresh service (its memo empty: every network fitted, every outcome pooled), then REPEATS answers of the same
question (what a bot sees when a question comes again), each timed on its own, wall clock and this thread's CPU
time. Each checkout's measurement runs in a child process; with --before the children of the two checkouts
alternate, ROUNDS times, so that both see the same machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INTENTS = {
    "effect": ("does dupilumab reduce skin infections?", "dupixent eczema herpeticum",
               "dupilumab conjunctivitis, random effects, odds ratio, without CHRONOS, if baseline risk is 4%",
               "does tralokinumab improve EASI-75"),
    "comparison": ("abrocitinib vs dupilumab EASI-75", "tralokinumab vs lebrikizumab EASI-75",
                   "upadacitinib 30 mg vs 15 mg EASI-75", "abrocitinib 200 mg vs dupilumab EASI-75 risk ratio"),
    "ranking": ("which JAK has the most acne", "which biologic has the least conjunctivitis",
                "which drug is best for EASI-75", "rank the JAK inhibitors for herpes"),
    "overview": ("is tralokinumab safe", "is upadacitinib safe", "dupilumab overview"),
}


def child(repeats: int) -> dict:
    sys.path.insert(0, os.getcwd())
    from bot.answers.render import chat_sections, html_messages
    from bot.service import EvidenceService

    def timed(service, question) -> tuple[float, float, str]:
        wall, cpu = time.perf_counter(), time.thread_time()
        result = service.ask(question)
        html_messages(result.reply, chat_sections(result.reply, result.answer.parse))
        intent = getattr(getattr(result.answer, "parse", None), "intent", None) or "?"
        return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000, intent

    service = EvidenceService.from_directory()
    service.ask("does dupilumab reduce skin infections")  # imports, lexicon
    out: dict = {}
    for intent, questions in INTENTS.items():
        first, repeat_wall, repeat_cpu, read_as = [], [], [], []
        for question in questions:
            try:  # a service with an empty memo (this checkout), or a new one (an older checkout)
                fresh = EvidenceService(service.kb, service.lexicon)
            except TypeError:
                fresh = EvidenceService(service.kb)
            wall, cpu, read = timed(fresh, question)
            first.append(wall)
            read_as.append(read)
            for _ in range(repeats):
                wall, cpu, _ = timed(fresh, question)
                repeat_wall.append(wall)
                repeat_cpu.append(cpu)
        out[intent] = {"first": first, "wall": repeat_wall, "cpu": repeat_cpu, "read_as": read_as}
    return out


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="an older checkout, measured in the same rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.repeats)))
        return
    trees = [("after", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    results: dict[str, dict[str, dict[str, list]]] = {name: {} for name, _ in trees}
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at "
          f"the start; {args.rounds} rounds of {args.repeats} repeats per question\n")
    for _ in range(args.rounds):
        for name, tree in trees:
            env = dict(os.environ, PYTHONPATH=str(tree))
            out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", "--repeats",
                                  str(args.repeats)], cwd=tree, env=env, capture_output=True, text=True, check=True)
            for intent, found in json.loads(out.stdout.strip().splitlines()[-1]).items():
                into = results[name].setdefault(intent, {"first": [], "wall": [], "cpu": [], "read_as": []})
                for key, values in found.items():
                    into[key] += values
    print("| checkout | intent | questions | first answer ms (median, max) | repeated: wall p50 / p99 ms | "
          "repeated: CPU p50 / p99 ms |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, _ in trees:
        for intent, r in results[name].items():
            print(f"| {name} | {intent} | {len(INTENTS[intent])} | {statistics.median(r['first']):.1f}, "
                  f"{max(r['first']):.1f} | {statistics.median(r['wall']):.2f} / {p99(r['wall']):.2f} | "
                  f"{statistics.median(r['cpu']):.2f} / {p99(r['cpu']):.2f} |")
    odd = {q: r for name, _ in trees for intent, res in results[name].items()
           for q, r in zip(INTENTS[intent], res["read_as"][:len(INTENTS[intent])], strict=True)
           if r != {"effect": "effect", "comparison": "compare", "ranking": "rank", "overview": "overview"}[intent]}
    if odd:
        print(f"\nread as another intent: {odd}")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
