"""Throughput of the real bot process through a local Bot API stand-in (run by hand, not a test).

    /tmp/venv/bin/python benchmarks/bench_bot_throughput.py            # ~2 minutes
    /tmp/venv/bin/python benchmarks/bench_bot_throughput.py --quick    # shorter phases

`evidence-bot serve` runs pinned to core 0 (`taskset -c 0`), long polling the stand-in (tests/fake_bot_api.py),
which runs in this process pinned to core 1. Each update is a question from its own private chat and user, so
per-chat ordering does not serialise them and per-user flood control does not throttle them. Latency is the
time from when an update is made available to getUpdates to when its answer (the first sendMessage to that
chat) reaches the stand-in. Phases, each with the rate limiter as shipped (AIORateLimiter: 30 requests/s
overall, and sendChatAction counts) and without it (EVIDENCE_BOT_NO_RATE_LIMIT=1, a benchmark-only switch):

- paced at 30 updates/s (Telegram's per-bot ceiling);
- a burst of many updates at once: the sustained rate is the bot's own limit;
- paced at 80% of that limit: latency near the limit without an ever-growing queue.

Resident memory (VmRSS) of the serving process is read from /proc after the phases.

    .venv/bin/python benchmarks/bench_bot_throughput.py --flood        # issue 24's group flood, ~2 minutes

``--flood`` runs the scenarios of issue 24 against the real process, the stand-in emulating Telegram's limit of
20 messages a minute to one group (429 beyond it): (1) one group member sends 150 /sources at once, 5 s later
private chats ask one question a second between them: how long each waits; (2) three members of a group ask one
question a second between them while private chats do the same; (3) SIGKILL in the middle of (1), restart, and
count the answers given twice (tests/flood.py holds the scenario).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_serving import Driver, cpu_seconds  # noqa: E402
from tests.fake_bot_api import TOKEN, FakeBotAPI, message_update  # noqa: E402
from tests.flood import GROUP, answers_to, group_flood, private_traffic  # noqa: E402

QUESTIONS = (
    "does dupilumab reduce skin infections",
    "dupilumab eczema herpeticum risk",
    "does dupilumab cause conjunctivitis",
    "dupixent herpes infections as odds ratio",
    "dupilumab infections overall random effects",
)


class Run:
    """Phases of questions offered by bench_serving's Driver (one new private chat per update), summarised."""

    def __init__(self, api: FakeBotAPI):
        self.driver = Driver(api)

    def phase(self, count: int, rate: float | None, timeout: float) -> dict:
        """Offer ``count`` updates at ``rate`` per second (None: all at once); wait for every answer."""
        texts = [QUESTIONS[index % len(QUESTIONS)] for index in range(count)]
        queued = self.driver.offer(texts, rate, timeout, window=count)  # a window of all of them: all at once
        answered = self.driver.answered
        done = [answered[c] - queued[c] for c in queued if c in answered]
        last = max((answered[c] for c in queued if c in answered), default=min(queued.values()))
        latencies = sorted(done)
        return {
            "offered": count, "answered": len(done), "rate": rate,
            "throughput": len(done) / max(last - min(queued.values()), 1e-9),
            "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
            if latencies else float("nan"),
        }


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def bench(rate_limited: bool, quick: bool) -> list[tuple[str, dict]]:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-bot-"))
    log_path = data_dir / "serve.log"
    results: list[tuple[str, dict]] = []
    with FakeBotAPI() as api, open(log_path, "wb") as log_file:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "EVIDENCE_BOT_"))}
        env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=api.base_url,
                   TELEGRAM_BASE_FILE_URL=api.base_file_url, EVIDENCE_BOT_DATA_DIR=str(data_dir / "data"),
                   PYTHONPATH=str(ROOT), LOG_LEVEL="INFO")
        if not rate_limited:
            env["EVIDENCE_BOT_NO_RATE_LIMIT"] = "1"
        taskset = shutil.which("taskset")
        command = ([taskset, "-c", "0"] if taskset else []) + [sys.executable, "-m", "bot.cli", "serve"]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        try:
            api.wait_for("setMyCommands", timeout=60)
            api.wait_for("getUpdates", timeout=10)
            run = Run(api)
            run.phase(20, 10, timeout=30)  # warm-up
            seconds = 5 if quick else 10
            results.append(("30 updates/s", run.phase(30 * seconds, 30, timeout=60)))
            burst = 300 if rate_limited else (1000 if quick else 3000)
            cpu = cpu_seconds(process.pid)
            limit = run.phase(burst, None, timeout=120)
            limit["cpu_ms"] = 1000 * (cpu_seconds(process.pid) - cpu) / max(1, limit["answered"])
            results.append((f"burst of {burst}: the bot's limit", limit))
            near = max(1.0, 0.8 * limit["throughput"])
            results.append((f"{near:.0f} updates/s (80% of the limit)",
                            run.phase(int(near * seconds), near, timeout=60)))
            rss = rss_kib(process.pid)
            results.append(("RSS after the run", {"rss_mib": rss / 1024}))
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
    shutil.rmtree(data_dir, ignore_errors=True)
    return results


def start_serve(api: FakeBotAPI, data_dir: Path, log_file) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "EVIDENCE_BOT_"))}
    env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=api.base_url, TELEGRAM_BASE_FILE_URL=api.base_file_url,
               EVIDENCE_BOT_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT), LOG_LEVEL="INFO")
    commands = len(api.calls_of("setMyCommands"))
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT, env=env, stdout=log_file,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    api.wait_for("setMyCommands", count=commands + 1, timeout=60)
    return process


def end(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def group_members(api: FakeBotAPI, seconds: float, stop: list) -> None:
    """Three group members asking one question a second between them (each 20 a minute: within the limit)."""
    start, index = time.monotonic(), 0
    while time.monotonic() - start < seconds and not stop:
        member = 801 + index % 3
        api.queue(message_update("/ask does dupilumab cause conjunctivitis", chat_id=GROUP, kind="supergroup",
                                 user_id=member))
        index += 1
        time.sleep(max(0.0, start + index - time.monotonic()))


def sigkill(api: FakeBotAPI, data_dir: Path, log_file, behind_group: bool) -> tuple[int, int, int, int]:
    """300 private questions (100 chats, 3 each), SIGKILL once about half are answered, restart; (answered
    before the kill, answered twice, never answered, messages delivered in the 0.2 s before the kill)."""
    process = start_serve(api, data_dir, log_file)
    asked: dict[int, int] = {}
    try:
        if behind_group:
            group_flood(api)
            time.sleep(2)
        for index in range(300):
            chat_id = 9_000 + index % 100
            api.queue(message_update("does dupilumab reduce skin infections", chat_id=chat_id, user_id=chat_id))
            asked[chat_id] = asked.get(chat_id, 0) + 1
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and sum(len(answers_to(api, c)) for c in asked) < 150:
            time.sleep(0.01)
        killed_at = time.monotonic()
        process.kill()
        process.wait(timeout=10)
        before = sum(len(answers_to(api, c)) for c in asked)
        in_flight = sum(1 for c in api.delivered("sendMessage") if killed_at - c.at < 0.2)
        process = start_serve(api, data_dir, log_file)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(len(answers_to(api, c)) < n for c, n in asked.items()):
            time.sleep(0.2)
        time.sleep(2)
    finally:
        end(process)
    after = {c: len(answers_to(api, c)) for c in asked}
    return (before, sum(max(0, after[c] - asked[c]) for c in asked), sum(max(0, asked[c] - after[c]) for c in asked),
            in_flight)


def flood_then_private(data_dir: Path, log_file, seconds: int) -> str:
    with FakeBotAPI(group_limit=(20, 60.0)) as api:
        process = start_serve(api, data_dir, log_file)
        try:
            group_flood(api)
            time.sleep(5)
            waits = private_traffic(api, chats=20, questions=seconds, grace=30)
            group = len(answers_to(api, GROUP))
        finally:
            end(process)
    return (f"1. 150 /sources in a group, then {seconds} private questions (1/s): {waits.summary()}; {group} "
            "messages sent to the group meanwhile")


def busy_group(data_dir: Path, log_file, seconds: int) -> str:
    import threading

    with FakeBotAPI(group_limit=(20, 60.0)) as api:
        process = start_serve(api, data_dir, log_file)
        stop: list = []
        members = threading.Thread(target=group_members, args=(api, 2 * seconds + 40, stop), daemon=True)
        try:
            members.start()
            time.sleep(seconds)  # the group's backlog builds up first
            waits = private_traffic(api, chats=20, questions=seconds, grace=30)
        finally:
            stop.append(True)
            members.join()
            end(process)
    return (f"2. three group members asking 1/s between them for {seconds} s, then {seconds} private questions "
            f"(1/s) while they go on: {waits.summary()}")


def flood(seconds: int, scenarios: str) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-flood-"))
    try:
        with open(data_dir / "serve.log", "wb") as log_file:
            if "1" in scenarios:
                print(flood_then_private(data_dir / "one", log_file, seconds), flush=True)
            if "2" in scenarios:
                print(busy_group(data_dir / "two", log_file, seconds), flush=True)
            for behind_group in (False, True) if "3" in scenarios else ():
                with FakeBotAPI(group_limit=(20, 60.0)) as api:
                    before, twice, lost, in_flight = sigkill(api, data_dir / f"kill{behind_group}", log_file,
                                                             behind_group)
                print(f"3. SIGKILL after {before} of 300 private questions were answered"
                      f"{' (behind a group backlog)' if behind_group else ''}: after the restart {twice} answered "
                      f"twice, {lost} never answered; {in_flight} messages were delivered in the 0.2 s before "
                      "the kill", flush=True)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter phases")
    parser.add_argument("--flood", action="store_true", help="issue 24's group-flood scenarios")
    parser.add_argument("--seconds", type=int, default=60, help="length of the --flood phases")
    parser.add_argument("--scenarios", default="123", help="which --flood scenarios (digits)")
    args = parser.parse_args()
    if args.flood:
        flood(args.seconds, args.scenarios)
        return
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})  # the stand-in and this driver on core 1; the bot on core 0
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; bot on core 0, stand-in on core 1")
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("| rate limiter | load | answered | updates/s | p50 ms | p99 ms | CPU ms per answer |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for rate_limited in (True, False):
        name = "AIORateLimiter (as shipped)" if rate_limited else "off (EVIDENCE_BOT_NO_RATE_LIMIT=1)"
        for label, r in bench(rate_limited, args.quick):
            if "rss_mib" in r:
                print(f"| {name} | {label} | | | | RSS {r['rss_mib']:.0f} MiB |")
                continue
            cpu = f"{r['cpu_ms']:.2f}" if "cpu_ms" in r else ""
            print(f"| {name} | {label} | {r['answered']}/{r['offered']} | {r['throughput']:.1f} | "
                  f"{r['p50_ms']:.0f} | {r['p99_ms']:.0f} | {cpu} |", flush=True)


if __name__ == "__main__":
    main()
