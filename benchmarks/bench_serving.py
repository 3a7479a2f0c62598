"""Serving cost of the real bot against a bare python-telegram-bot echo bot on the same Bot API stand-in
(issue 23). Run by hand, not a test:

    .venv/bin/python benchmarks/bench_serving.py              # ~10 minutes: 4 rounds, then 10,000 questions
    .venv/bin/python benchmarks/bench_serving.py --quick      # ~3 minutes: 2 rounds, 2,000 questions

Each round starts a fresh echo bot (benchmarks/echo_bot.py: python-telegram-bot's echobot example) and a fresh
`evidence-bot serve`, one after the other, each pinned to core 0 (`taskset -c 0`) while this driver and the
stand-in (tests/fake_bot_api.py) run on core 1. Each is warmed up with 30 updates, then offered the same
questions at 30 updates/s (Telegram's ceiling for one bot), each from its own private chat: the varied question
set of tests/data/questions.csv (typos, brand names, options, other drugs, comparisons, rankings, chit-chat) in
a shuffled order. Measured per process: CPU time (utime + stime from /proc) from the first update offered to the
last answer, per update answered; and latency from an update being available to getUpdates to its first
sendMessage reaching the stand-in (p50, p99). The bot runs as shipped (AIORateLimiter on, default logging) and
again with EVIDENCE_BOT_NO_RATE_LIMIT=1; with --breakdown also with the typing indicator sent before every answer
(as before issue 23) and with one canned answer (benchmarks/serve_variant.py), to say what each part costs. The
runs of a round follow each other, so
they see the same machine load; the ratios are taken within a round, and their median reported.

Then one `serve` answers QUESTIONS varied questions (the set above, each also asked with a baseline risk of 1 to
30% so that most are new to its memo), at most 200 at a time, rate limiter off, and its resident memory
(VmRSS, and the peak VmHWM) is read; the echo bot's after as many updates, for scale.

Last, in this process: the time of a full garbage collection with the knowledge base loaded and answers cached,
before and after `gc.freeze()` (what serve does after loading: bot/snapshot.py freeze_loaded), the likely cause
of the 100-200 ms stalls the issue saw.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fake_bot_api import TOKEN, FakeBotAPI, message_update  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def questions() -> list[str]:
    with (ROOT / "tests" / "data" / "questions.csv").open(newline="", encoding="utf-8") as handle:
        found = [row["question"] for row in csv.DictReader(handle) if row["question"].strip()]
    random.Random(23).shuffle(found)
    return found


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14 and 15 of stat)


def memory_kib(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            out[line.split(":")[0]] = int(line.split()[1])
    return out


class Driver:
    """Queues updates on the stand-in and collects when each chat got its first answer."""

    def __init__(self, api: FakeBotAPI):
        self.api = api
        self.next_chat = 100_000
        self.seen = 0
        self.answered: dict[int, float] = {}

    def collect(self) -> None:
        with self.api._lock:
            new = self.api.calls[self.seen:]
            self.seen = len(self.api.calls)
        for call in new:
            if call.method == "sendMessage" and call.fault is None:
                self.answered.setdefault(call.params.get("chat_id"), call.at)

    def offer(self, texts: list[str], rate: float | None, timeout: float, window: int = 200) -> dict[int, float]:
        """Queue one update per text, from a new private chat each, at ``rate`` per second (None: as fast as
        answers come back, at most ``window`` unanswered); wait for every answer; returns chat -> queued at."""
        queued: dict[int, float] = {}
        start = time.monotonic()
        for index, text in enumerate(texts):
            if rate:
                delay = start + index / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            else:
                while len(queued) - sum(1 for c in queued if c in self.answered) >= window:
                    time.sleep(0.005)
                    self.collect()
            chat = self.next_chat
            self.next_chat += 1
            self.api.queue(message_update(text, chat_id=chat, user_id=chat))
            queued[chat] = time.monotonic()
        deadline = time.monotonic() + timeout
        last_count, last_change = -1, time.monotonic()
        while time.monotonic() < deadline:
            self.collect()
            count = sum(1 for c in queued if c in self.answered)
            if count == len(queued):
                break
            if count != last_count:
                last_count, last_change = count, time.monotonic()
            elif time.monotonic() - last_change > 15:  # nothing answered for 15 s: the rest never will be
                break  # (the echo bot does not echo a message that is a /command)
            time.sleep(0.01)
        return queued


BEFORE: list[Path] = []  # an older checkout (--before): its `serve` is the variant "before"


def start(api: FakeBotAPI, which: str, data_dir: Path, rate_limited: bool, log) -> subprocess.Popen:
    tree = BEFORE[0] if which == "before" else ROOT
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "EVIDENCE_BOT_"))}
    env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=api.base_url, TELEGRAM_BASE_FILE_URL=api.base_file_url,
               EVIDENCE_BOT_DATA_DIR=str(data_dir), PYTHONPATH=str(tree))
    if "EVIDENCE_BOT_CACHE_DIR" in os.environ:
        env["EVIDENCE_BOT_CACHE_DIR"] = os.environ["EVIDENCE_BOT_CACHE_DIR"]
    if not rate_limited:
        env["EVIDENCE_BOT_NO_RATE_LIMIT"] = "1"
    program = ([str(ROOT / "benchmarks" / "echo_bot.py")] if which == "echo" else ["-m", "bot.cli", "serve"]
               if which in ("bot", "before") else [str(ROOT / "benchmarks" / "serve_variant.py"), which])
    taskset = shutil.which("taskset")
    command = ([taskset, "-c", "0"] if taskset else []) + [sys.executable, *program]
    process = subprocess.Popen(command, cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    api.wait_for("getUpdates", count=len(api.calls_of("getUpdates")) + 1, timeout=120)
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def served(which: str, rate_limited: bool, log):
    """One `serve` of ``which`` on a fresh stand-in and data folder, with a Driver; stopped and removed after."""
    data_dir = Path(tempfile.mkdtemp(prefix="bench-serving-"))
    try:
        with FakeBotAPI() as api:
            process = start(api, which, data_dir, rate_limited, log)
            try:
                yield Driver(api), process
            finally:
                stop(process)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def paced_run(which: str, rate_limited: bool, texts: list[str], rate: float, log) -> dict:
    with served(which, rate_limited, log) as (driver, process):
        driver.offer(texts[:30], 10, timeout=60)  # warm-up
        cpu0 = cpu_seconds(process.pid)
        queued = driver.offer(texts, rate, timeout=60)
        cpu1 = cpu_seconds(process.pid)
        done = sorted(driver.answered[c] - queued[c] for c in queued if c in driver.answered)
        memory = memory_kib(process.pid)
    return {"answered": len(done), "offered": len(texts), "cpu_ms": 1000 * (cpu1 - cpu0) / max(len(done), 1),
            "p50_ms": 1000 * statistics.median(done), "p99_ms": 1000 * done[min(len(done) - 1, int(0.99 * len(done)))],
            "max_ms": 1000 * done[-1], "rss_mib": memory.get("VmRSS", 0) / 1024}


def memory_run(which: str, texts: list[str], log) -> dict:
    with served(which, False, log) as (driver, process):
        started = time.monotonic()
        queued = driver.offer(texts, None, timeout=600)
        seconds = time.monotonic() - started
        memory = memory_kib(process.pid)
    answered = sum(1 for c in queued if c in driver.answered)
    return {"answered": answered, "offered": len(texts), "seconds": seconds,
            "rss_mib": memory.get("VmRSS", 0) / 1024, "peak_mib": memory.get("VmHWM", 0) / 1024}


def gc_pauses(rounds: int = 5) -> tuple[float, float, int, int]:
    """Median milliseconds of a full collection before and after gc.freeze(), and the objects it traces; after
    the freeze the question set is asked again with other baselines, so that the collector has the new answers
    (kept in the memo) to trace, as a serving bot's would."""
    from bot.answers.render import html_messages
    from bot.service import EvidenceService
    from bot.snapshot import freeze_loaded

    service = EvidenceService.from_directory()
    for text in questions():
        html_messages(service.ask(text).reply, ("trials", "method", "sources"))

    def timed() -> float:
        start = time.perf_counter()
        gc.collect()
        return 1000 * (time.perf_counter() - start)

    before = statistics.median(timed() for _ in range(rounds))
    tracked_before = len(gc.get_objects())
    freeze_loaded()
    for text in questions():
        html_messages(service.ask(f"{text} if the baseline risk is 7%").reply, ("trials", "method", "sources"))
    after = statistics.median(timed() for _ in range(rounds))
    tracked_after = len(gc.get_objects())
    gc.unfreeze()
    return before, after, tracked_before, tracked_after


VARIANTS = (("echo", False, "echo bot"), ("bot", True, "evidence-bot (as shipped)"),
            ("bot", False, "evidence-bot (rate limiter off)"),
            ("typing-first", True, "evidence-bot with typing before every answer (breakdown only)"),
            ("canned", True, "evidence-bot with one canned answer (breakdown only)"))
BEFORE_VARIANT = ("before", True, "evidence-bot before (as shipped)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 15 s, 2,000 questions for memory")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=20, help="length of each paced phase")
    parser.add_argument("--questions", type=int, default=10_000, help="questions before memory is read")
    parser.add_argument("--skip", default="", help="parts to skip: any of 'paced', 'memory', 'gc'")
    parser.add_argument("--before", type=Path, help="an older checkout whose `serve` runs in the same rounds")
    parser.add_argument("--echo-memory", action="store_true", help="also the echo bot's memory after as many")
    parser.add_argument("--breakdown", action="store_true",
                        help="also run the bot with the typing indicator before every answer, and with one canned "
                             "answer (benchmarks/serve_variant.py): what each costs")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.seconds, args.questions = 2, 15, 2_000
    if args.before:
        BEFORE.append(args.before.resolve())
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})  # the stand-in and this driver on core 1; the bots on core 0
    texts = questions()
    paced = (texts * 10)[:30 * args.seconds]
    log = open(Path(tempfile.gettempdir()) / "bench-serving.log", "wb")  # noqa: SIM115 - closed at exit
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; bots on core 0, stand-in on core 1; "
          f"load average {os.getloadavg()[0]:.1f} at the start\n")
    if "paced" not in args.skip:
        print(f"## {len(paced)} varied questions at 30 updates/s, {args.rounds} rounds (echo, bot as shipped, bot "
              "without rate limiter, in turn)\n")
        print("| round | process | answered | CPU ms per update | p50 ms | p99 ms | max ms | RSS MiB |")
        print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        ratios: dict[str, list[float]] = {"cpu": [], "p99": [], "cpu_off": [], "p99_off": []}
        breakdown: dict[str, list[float]] = {}
        for r in range(args.rounds):
            runs = {}
            chosen = VARIANTS[:None if args.breakdown else 3] + ((BEFORE_VARIANT,) if args.before else ())
            for which, limited, label in chosen:
                runs[label] = res = paced_run(which, limited, paced, 30, log)
                print(f"| {r + 1} | {label} | {res['answered']}/{res['offered']} | {res['cpu_ms']:.2f} | "
                      f"{res['p50_ms']:.0f} | {res['p99_ms']:.0f} | {res['max_ms']:.0f} | {res['rss_mib']:.0f} |",
                      flush=True)
            if args.breakdown:
                full = runs["evidence-bot (as shipped)"]["cpu_ms"]
                for label in VARIANTS[3:]:
                    breakdown.setdefault(label[2], []).append(runs[label[2]]["cpu_ms"] - full)
            echo = runs["echo bot"]
            ratios["cpu"].append(runs["evidence-bot (as shipped)"]["cpu_ms"] / echo["cpu_ms"])
            ratios["p99"].append(runs["evidence-bot (as shipped)"]["p99_ms"] / echo["p99_ms"])
            ratios["cpu_off"].append(runs["evidence-bot (rate limiter off)"]["cpu_ms"] / echo["cpu_ms"])
            ratios["p99_off"].append(runs["evidence-bot (rate limiter off)"]["p99_ms"] / echo["p99_ms"])
            if args.before:
                ratios.setdefault("cpu_before", []).append(runs[BEFORE_VARIANT[2]]["cpu_ms"] / echo["cpu_ms"])
                ratios.setdefault("p99_before", []).append(runs[BEFORE_VARIANT[2]]["p99_ms"] / echo["p99_ms"])
        print("\n| ratio to the echo bot (median of rounds; each round's) | as shipped | rate limiter off |")
        print("| --- | ---: | ---: |")
        for name, key in (("CPU per update", "cpu"), ("p99 latency at 30 updates/s", "p99")):
            shipped, off = ratios[key], ratios[key + "_off"]
            print(f"| {name} | {statistics.median(shipped):.2f} ({', '.join(f'{x:.2f}' for x in shipped)}) | "
                  f"{statistics.median(off):.2f} ({', '.join(f'{x:.2f}' for x in off)}) |", flush=True)
        for name, key in (("CPU per update", "cpu_before"), ("p99 latency at 30 updates/s", "p99_before")):
            if key in ratios:
                print(f"| {name}, the older checkout (as shipped) | {statistics.median(ratios[key]):.2f} "
                      f"({', '.join(f'{x:.2f}' for x in ratios[key])}) | |")
        for label, saved in breakdown.items():
            what = label.split(' (')[0].removeprefix('evidence-bot ')
            each = ', '.join(f'{x:+.2f}' for x in saved)
            print(f"\nCPU ms per update, the bot {what} minus as shipped: median {statistics.median(saved):+.2f} "
                  f"({each})")
    if "memory" not in args.skip:
        base = texts
        varied = [f"{q} if the baseline risk is {1 + i % 30}%" if i % 2 else q
                  for i, q in enumerate((base * (args.questions // len(base) + 1))[:args.questions])]
        print(f"\n## Memory after {len(varied):,} varied questions (rate limiter off, at most 200 in flight)\n")
        print("| process | answered | seconds | VmRSS MiB | peak (VmHWM) MiB |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for which, label in (("bot", "evidence-bot"), ("echo", "echo bot"))[:None if args.echo_memory else 1] + \
                ((("before", "evidence-bot before"),) if args.before else ()):
            res = memory_run(which, varied, log)
            print(f"| {label} | {res['answered']:,}/{res['offered']:,} | {res['seconds']:.0f} | {res['rss_mib']:.0f} | "
                  f"{res['peak_mib']:.0f} |", flush=True)
    if "gc" not in args.skip:
        before, after, n_before, n_after = gc_pauses()
        print("\n## A full garbage collection in a process that has answered the question set once\n")
        print(f"- before gc.freeze(): {before:.1f} ms, tracing {n_before:,} objects")
        print(f"- after gc.freeze() (what serve does once loaded and warmed) and the set asked again with another "
              f"baseline: {after:.1f} ms, tracing {n_after:,} objects")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
