"""Replay the labelled chats of tests/data/followups.csv and score the frame each turn leaves.

A chat is a list of turns: a message, or ``tap:LABEL`` (press the button of the previous reply whose label is
LABEL, else the first that contains it). Each turn is labelled, before the code was run on it, with the frame
it must leave: status, and for answers the sides, outcomes, population, filters, time, baseline risk, display
options, the slots said back as unusable (``ignored``) and the notices that must be shown. An empty cell means
"must be empty" (comparator: placebo). The `heldout` quarter (per category) is not looked at while tuning.

The replay uses the same pure functions as the Telegram handlers (bot.telegram.questions: ``next_turn`` for a
message, ``tap_frames`` for the frames a reply's menu buttons carry; bot.understand.frame.frame_after for the
frame a chat keeps), so what is scored here is what a chat does.

    python tests/followup_eval.py                 # wrong turns per split
    python tests/followup_eval.py --failures dev  # and the dev failures, one per line
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.service import EvidenceService  # noqa: E402
from bot.understand.reading import Parse  # noqa: E402

FOLLOWUPS = ROOT / "tests" / "data" / "followups.csv"
FRAME_COLUMNS = ("intent", "intervention", "comparator", "outcomes", "population", "exclude_populations",
                 "background", "timepoint_weeks", "followup_weeks", "trials", "regimen", "baseline_risk", "display",
                 "ignored")


def load(path: Path = FOLLOWUPS) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _text(value) -> str:
    if value is None or value is False:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def flatten(p: Parse) -> dict[str, str]:
    """A frame in the label columns' spelling."""
    o = p.options
    trials = [f"only={t}" for t in sorted(o.only_trials)] + [f"exclude={t}" for t in sorted(o.exclude_trials)] \
        + [f"include={t}" for t in sorted(o.include_trials)]
    regimen = [f"{k}={_text(v)}" for k, v in (("dose", o.dose_mg), ("interval", o.interval_weeks),
                                              ("not_dose", o.exclude_dose_mg),
                                              ("not_interval", o.exclude_interval_weeks),
                                              ("licensed", o.licensed_only)) if v]
    display = [f"{k}={_text(v)}" for k, v in (("measure", o.measure), ("method", o.method), ("per", o.per),
                                              ("nnt", o.nnt)) if v]
    unused = getattr(p, "unused", ())
    return {
        "status": p.status, "intent": _text(p.intent), "intervention": _text(p.intervention),
        "comparator": _text(p.comparator), "outcomes": ";".join(sorted(p.outcomes)),
        "population": _text(p.population), "exclude_populations": ";".join(sorted(o.exclude_populations)),
        "background": _text(o.background), "timepoint_weeks": _text(getattr(o, "timepoint_weeks", None)),
        "followup_weeks": _text(o.followup_weeks), "trials": ";".join(trials), "regimen": ";".join(regimen),
        "baseline_risk": _text(o.baseline_risk), "display": ";".join(display),
        "ignored": ";".join(sorted({u.slot for u in unused})), "notices": ";".join(sorted(p.notices)),
    }


def _same(column: str, want: str, got: str, row: dict[str, str], frame: dict[str, str]) -> bool:
    if column == "baseline_risk" and want and got:
        return abs(float(want) - float(got)) < 1e-9
    if column in ("intervention", "comparator") and row["intent"] == "compare":
        # a comparison is the same question either way round
        return {row["intervention"], row["comparator"]} == {frame["intervention"], frame["comparator"]}
    return want == got


@dataclass
class Turn:
    row: dict[str, str]
    got: dict[str, str]
    wrong: tuple[str, ...]  # columns that differ from the label

    @property
    def ok(self) -> bool:
        return not self.wrong

    @property
    def wrong_answer(self) -> bool:
        """Answered, but not the question labelled (or answered what must not be answered)."""
        return self.got["status"] == "answer" and bool(self.wrong)


def score(row: dict[str, str], got: dict[str, str]) -> Turn:
    wrong = []
    if got["status"] != row["status"]:
        wrong.append("status")
    elif row["status"] == "answer":
        wrong += [c for c in FRAME_COLUMNS if not _same(c, row[c], got[c], row, got)]
    needed = {n for n in row["notices"].split(";") if n}
    if not needed <= set(got["notices"].split(";")):
        wrong.append("notices")
    return Turn(row, got, tuple(wrong))


def replay(rows: list[dict[str, str]], service: EvidenceService) -> list[Turn]:
    from bot.telegram.questions import next_turn
    from bot.understand.frame import frame_after

    chats: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        chats[row["chat"]].append(row)
    turns = []
    for chat_rows in chats.values():
        frame: Parse | None = None  # the chat's kept question
        shown: Parse | None = None  # the reading of the last reply (its buttons)
        for row in sorted(chat_rows, key=lambda r: int(r["turn"])):
            if row["say"].startswith("tap:"):
                parsed = _tap(service, shown, row["say"][4:])
            else:
                parsed = next_turn(service, row["say"], frame)
            frame = frame_after(parsed, frame)
            shown = parsed
            turns.append(score(row, flatten(parsed)))
    return turns


def _tap(service: EvidenceService, shown: Parse | None, label: str) -> Parse:
    from bot.telegram.questions import tap_frames

    if shown is None:
        return Parse(status="not_understood", intent=None)
    _, reply = service.answer_parse(shown, sensitivity=False)
    asks = [b for b in reply.buttons if b.action.startswith("ask:")]
    labels = [b.label for b in asks]
    frames = tap_frames(service, shown, reply)
    index = next((i for i, x in enumerate(labels) if x.lower() == label.lower()), None)
    if index is None:
        index = next((i for i, x in enumerate(labels) if label.lower() in x.lower()), None)
    if index is None:
        return Parse(status="not_understood", intent=None)
    return frames[index] or service.understand(asks[index].action[4:])


def report(name: str, turns: list[Turn]) -> str:
    wrong = [t for t in turns if not t.ok]
    answers = [t for t in turns if t.wrong_answer]
    return (f"== {name}: {len(turns)} turns; wrong {len(wrong)} ({len(wrong) / max(1, len(turns)):.1%}), "
            f"of them answers to another question {len(answers)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--failures", choices=("dev", "heldout"))
    args = ap.parse_args(argv)
    rows = load()
    service = EvidenceService.from_directory()
    turns = replay(rows, service)
    for name in ("dev", "heldout"):
        mine = [t for t in turns if t.row["split"] == name]
        print(report(name, mine))
        if args.failures == name:
            for t in mine:
                if not t.ok:
                    print(f"  {t.row['id']} [{t.row['category']}] {t.row['say']!r}: "
                          + "; ".join(f"{c} want {t.row.get(c, '')!r} got {t.got.get(c, '')!r}" for c in t.wrong))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
