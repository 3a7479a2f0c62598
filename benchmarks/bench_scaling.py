"""Growth curves: load and answer times with 1, 10 and 100 times the trials (issue 23).

    .venv/bin/python benchmarks/bench_scaling.py                     # ~10 minutes
    .venv/bin/python benchmarks/bench_scaling.py --before /tmp/base  # beside an older checkout (much longer)

The knowledge bases are made by benchmarks/synthetic_kb.py (every trial repeated under new ids, event counts
moved a little). For each size and checkout, a child process measures:

- load: reading and validating the files (knowledge.loader.load), median of 3; and, where the checkout has one,
  the start from the compiled snapshot (bot/snapshot.py load_compiled, the way ask and serve start), median of 3;
- answers: one question of each kind (effect, comparison, ranking, overview), question to the HTML a chat is
  sent with it (effect answers, comparisons and rankings: the headline, their trial lists behind buttons; an
  overview: everything, as bot/telegram/delivery.py does): the first answer in a service with an empty memo,
  then the same question again (median and p99 of the repeats); and the ranking of the same outcome for another
  group of drugs, after the first (its network already fitted).

The children of the two checkouts alternate for each size, so that both see the same machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = {
    "effect": "does dupilumab cause conjunctivitis",
    "comparison": "abrocitinib vs dupilumab EASI-75",
    "ranking": "which biologic has the least conjunctivitis",
    "overview": "is tralokinumab safe",
}
OTHER_RANKING = "which JAK has the least conjunctivitis"


def child(directory: str, repeats: int) -> dict:
    sys.path.insert(0, os.getcwd())
    import gc

    from bot.answers.render import chat_sections, html_messages
    from bot.service import EvidenceService
    from knowledge.loader import load

    out: dict = {"load_files": [], "load_snapshot": []}
    for _ in range(3):
        start = time.perf_counter()
        kb = load(directory)
        out["load_files"].append(time.perf_counter() - start)
    out["size"] = [len(kb.trials), len(kb.arms), len(kb.counts)]
    del kb
    # (a module this checkout lacks must not be imported from elsewhere: an editable install would find it)
    if not (Path(os.getcwd()) / "bot" / "snapshot.py").is_file():  # an older checkout: no snapshot
        service = EvidenceService.from_directory(directory)
        gc.collect()
    else:
        from bot.snapshot import freeze_loaded, load_compiled

        load_compiled(directory)  # writes the snapshot if there is none
        for _ in range(3):
            start = time.perf_counter()
            kb, lexicon = load_compiled(directory)
            out["load_snapshot"].append(time.perf_counter() - start)
        service = EvidenceService(kb, lexicon)
        freeze_loaded()  # as serve does once loaded

    if (Path(os.getcwd()) / "bot" / "understand" / "ordinary.py").is_file():  # the word list, before timing
        from bot.understand.ordinary import ordinary_words

        ordinary_words()

    def answer(svc, question) -> float:
        start = time.perf_counter()
        result = svc.ask(question)
        html_messages(result.reply, chat_sections(result.reply, result.answer.parse))
        return time.perf_counter() - start

    answer(service, "does dupilumab reduce skin infections")  # imports, lexicon
    for name, question in QUESTIONS.items():
        try:
            fresh = EvidenceService(service.kb, service.lexicon)
        except TypeError:
            fresh = EvidenceService(service.kb)
        first = answer(fresh, question)
        again = [answer(fresh, question) for _ in range(repeats)]
        out[name] = {"first": first, "again": again}
        if name == "ranking":
            out["ranking, other drugs"] = {"first": answer(fresh, OTHER_RANKING),
                                           "again": [answer(fresh, OTHER_RANKING) for _ in range(repeats)]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="an older checkout, measured beside this one")
    parser.add_argument("--factors", type=int, nargs="*", default=[1, 10, 100])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synthetic_kb import write_synthetic

    trees = [("after", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    work = Path(tempfile.mkdtemp(prefix="bench-scaling-"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "EVIDENCE_BOT_CACHE_DIR")}
    env["EVIDENCE_BOT_CACHE_DIR"] = str(work / "cache")
    results: dict[tuple[str, int], dict] = {}
    try:
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at "
              "the start\n")
        for factor in args.factors:
            directory = write_synthetic(work / f"kb{factor}", factor)
            for name, tree in trees:
                repeats = args.repeats if name == "after" or factor < 100 else 3
                out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(directory),
                                      str(repeats)], cwd=tree, env=dict(env, PYTHONPATH=str(tree)),
                                     capture_output=True, text=True, check=True)
                results[(name, factor)] = json.loads(out.stdout.strip().splitlines()[-1])
                print(f"measured {name} at {factor}x (load average {os.getloadavg()[0]:.1f})", flush=True)
        print("\n| checkout | size | trials / arms / counts | load from files s | start from snapshot s |")
        print("| --- | ---: | --- | ---: | ---: |")
        for (name, factor), r in results.items():
            snap = f"{statistics.median(r['load_snapshot']):.3f}" if r["load_snapshot"] else "-"
            print(f"| {name} | {factor}x | {' / '.join(map(str, r['size']))} | "
                  f"{statistics.median(r['load_files']):.3f} | {snap} |")
        print("\n| checkout | question | " + " | ".join(f"{f}x first ms | {f}x again p50 / p99 ms"
                                                         for f in args.factors) + " |")
        print("| --- | --- | " + " | ".join("---: | ---:" for _ in args.factors) + " |")
        for name, _ in trees:
            for question in (*QUESTIONS, "ranking, other drugs"):
                cells = []
                for factor in args.factors:
                    r = results[(name, factor)][question]
                    again = sorted(r["again"])
                    p99 = again[min(len(again) - 1, int(0.99 * len(again)))]
                    cells.append(f"{r['first'] * 1000:.1f} | {statistics.median(again) * 1000:.2f} / "
                                 f"{p99 * 1000:.2f}")
                print(f"| {name} | {question} | " + " | ".join(cells) + " |")
        print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
