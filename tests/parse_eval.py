"""Measure how well `bot.understand.parse.parse` understands the labelled questions in tests/data/questions.csv.

Labels say what the clinician meant; they were written before the parser was run on them. Rows labelled
`answer` are scored on every slot (an empty cell means "must be empty/None": the parser must not invent an
option); rows labelled clarify/no_data/not_understood are scored on status only, since nothing should be
answered for them. The `heldout` quarter (chosen per category with a fixed seed before any tuning) is not
looked at while tuning; run with --failures dev to list development failures.

    python tests/parse_eval.py                 # report for dev and heldout
    python tests/parse_eval.py --failures dev  # plus the dev failures, one per line
    python tests/parse_eval.py --regimens --failures dev  # the regimen, many-drug and class questions
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.understand.lexicon import Lexicon, build_lexicon  # noqa: E402
from bot.understand.parse import parse  # noqa: E402
from bot.understand.reading import Parse  # noqa: E402
from knowledge.loader import load  # noqa: E402

QUESTIONS = ROOT / "tests" / "data" / "questions.csv"
# Issue 18: regimen sides, many drugs and classes, in their own file (labels written before the parser ran on
# them; a quarter of every category held out with a fixed seed).
REGIMEN_QUESTIONS = ROOT / "tests" / "data" / "questions_regimens.csv"
SLOTS = ("status", "intent", "intervention", "outcomes", "population", "measure", "method", "dose_mg",
         "interval_weeks", "background", "followup_weeks", "exclude_trials", "only_trials", "baseline_risk",
         "exclusions", "timepoint_weeks")
# Slots whose difference means the answer is about another question (with instead of without TCS, adolescents
# only instead of excluding them): a wrong answer, not just an imperfect reading.
SCOPE_SLOTS = ("intervention", "outcomes", "population", "background", "dose_mg", "interval_weeks",
               "followup_weeks", "exclude_trials", "only_trials", "exclusions", "timepoint_weeks")
# The regimen file's slots: each side as "drug|dose|interval", the drugs and classes of a ranking, its order.
REGIMEN_SLOTS = ("status", "intent", "intervention", "comparator", "intervention_regimen", "comparator_regimen",
                 "drugs", "drug_classes", "order", "outcomes", "exclusions")
REGIMEN_SCOPE = REGIMEN_SLOTS[2:]
OPTION_SLOTS = ("measure", "method", "dose_mg", "interval_weeks", "background", "followup_weeks",
                "exclude_trials", "only_trials", "baseline_risk")


def load_questions(path: Path = QUESTIONS) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def lexicon() -> Lexicon:
    return build_lexicon(load())


def predicted(p: Parse) -> dict[str, str]:
    """The parse flattened to the label columns' spelling (lists ';'-joined and sorted, None as '')."""
    o = p.options

    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    return {
        "status": p.status, "intent": text(p.intent), "intervention": text(p.intervention),
        "outcomes": ";".join(sorted(p.outcomes)), "population": text(p.population),
        "measure": text(o.measure), "method": text(o.method), "dose_mg": text(o.dose_mg),
        "interval_weeks": text(o.interval_weeks), "background": text(o.background),
        "followup_weeks": text(o.followup_weeks), "exclude_trials": ";".join(sorted(o.exclude_trials)),
        "only_trials": ";".join(sorted(o.only_trials)), "baseline_risk": text(o.baseline_risk),
        "exclusions": ";".join(sorted(
            [f"dose={o.exclude_dose_mg}" for _ in [0] if o.exclude_dose_mg]
            + [f"interval={o.exclude_interval_weeks}" for _ in [0] if o.exclude_interval_weeks]
            + [f"followup={o.exclude_followup_weeks}" for _ in [0] if o.exclude_followup_weeks]
            + [f"population={p}" for p in o.exclude_populations] + [f"include={t}" for t in o.include_trials])),
        "notices": ";".join(sorted(p.notices)),
        # the time asked about ("at week 16", "1 year"), apart from the trials' length; a column added for
        # issue 19, filled only on the rows that name a time (an absent cell reads as empty)
        "timepoint_weeks": text(o.timepoint_weeks),
        "comparator": text(p.comparator) if p.intent in ("compare", "effect", "rank") else "",
        "intervention_regimen": _regimen(p.intervention_regimen), "comparator_regimen": _regimen(p.comparator_regimen),
        "drugs": ";".join(p.drugs), "drug_classes": ";".join(p.drug_classes), "order": p.order,
    }


def _regimen(r) -> str:
    """'upadacitinib|30|' (drug|dose|interval, empty for what the question did not name)."""
    if r is None:
        return ""
    dose = "" if r.dose_mg is None else f"{r.dose_mg:g}"
    return f"{r.drug}|{dose}|{'' if r.interval_weeks is None else r.interval_weeks}"


def _same(slot: str, label: str, got: str) -> bool:
    if slot == "baseline_risk" and label and got:
        return abs(float(label) - float(got)) < 1e-9
    return label == got


@dataclass
class Result:
    row: dict[str, str]
    got: dict[str, str]
    slots: dict[str, bool]  # labelled slot -> correct
    scope: tuple[str, ...] = SCOPE_SLOTS

    @property
    def exact(self) -> bool:
        return all(self.slots.values())

    @property
    def wrong_answer(self) -> bool:
        """An answer about something that was not asked: the failure the parser exists to prevent."""
        if self.got["status"] != "answer":
            return False
        if self.row["status"] != "answer":
            return True
        if "not_advice" in self.row.get("notices", "") and "not_advice" not in self.got["notices"]:
            return True  # an advice question answered as incidence with no word of caution
        return any(self.got[s] != (self.row.get(s) or "") for s in self.scope)

    @property
    def unnecessary_clarification(self) -> bool:
        return self.row["status"] == "answer" and self.got["status"] == "clarify"


def evaluate_row(row: dict[str, str], lx: Lexicon, slots: tuple[str, ...] = SLOTS,
                 scope: tuple[str, ...] = SCOPE_SLOTS) -> Result:
    got = predicted(parse(row["question"], lx))
    labelled = slots if row["status"] == "answer" else ("status",)
    if row.get("notices"):
        labelled = (*labelled, "notices")
    return Result(row, got, {s: _same(s, row.get(s, "") or "", got[s]) for s in labelled}, scope)


@dataclass
class Metrics:
    n: int = 0
    n_answer: int = 0
    n_not_answer: int = 0
    exact: float = 0.0
    exact_answer: float = 0.0  # among questions labelled answer
    status_not_answer: float = 0.0  # among must-not-answer questions: right status
    wrong_answers: int = 0
    wrong_answer_rate: float = 0.0  # over all questions
    answered_must_not: int = 0
    unnecessary_clarifications: int = 0
    unnecessary_clarification_rate: float = 0.0  # over questions labelled answer
    slot_accuracy: dict[str, float] = field(default_factory=dict)
    failures: list[Result] = field(default_factory=list)


def evaluate(rows: list[dict[str, str]], lx: Lexicon | None = None, slots: tuple[str, ...] = SLOTS,
             scope: tuple[str, ...] = SCOPE_SLOTS) -> Metrics:
    lx = lx or lexicon()
    results = [evaluate_row(r, lx, slots, scope) for r in rows]
    m = Metrics(n=len(results))
    answer = [r for r in results if r.row["status"] == "answer"]
    other = [r for r in results if r.row["status"] != "answer"]
    m.n_answer, m.n_not_answer = len(answer), len(other)
    m.exact = sum(r.exact for r in results) / max(1, len(results))
    m.exact_answer = sum(r.exact for r in answer) / max(1, len(answer))
    m.status_not_answer = sum(r.exact for r in other) / max(1, len(other))
    m.wrong_answers = sum(r.wrong_answer for r in results)
    m.wrong_answer_rate = m.wrong_answers / max(1, len(results))
    m.answered_must_not = sum(r.wrong_answer for r in other)
    m.unnecessary_clarifications = sum(r.unnecessary_clarification for r in answer)
    m.unnecessary_clarification_rate = m.unnecessary_clarifications / max(1, len(answer))
    right: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for r in results:
        for slot, ok in r.slots.items():
            seen[slot] += 1
            right[slot] += ok
    m.slot_accuracy = {s: right[s] / seen[s] for s in slots if seen[s]}
    m.failures = [r for r in results if not r.exact]
    return m


def split(rows: list[dict[str, str]], name: str) -> list[dict[str, str]]:
    return [r for r in rows if r["split"] == name]


def report(name: str, m: Metrics) -> str:
    lines = [
        f"== {name}: {m.n} questions ({m.n_answer} to answer, {m.n_not_answer} not to answer)",
        f"  whole-question exact match    {m.exact:7.1%}   (answer rows {m.exact_answer:.1%}, "
        f"must-not-answer rows {m.status_not_answer:.1%})",
        f"  wrong answers                 {m.wrong_answer_rate:7.1%}   ({m.wrong_answers}; "
        f"{m.answered_must_not} of them to must-not-answer questions)",
        f"  unnecessary clarifications    {m.unnecessary_clarification_rate:7.1%}   "
        f"({m.unnecessary_clarifications} of {m.n_answer})",
        "  slot accuracy: " + ", ".join(f"{s} {a:.1%}" for s, a in m.slot_accuracy.items()),
    ]
    return "\n".join(lines)


def failure_lines(m: Metrics) -> list[str]:
    out = []
    for r in m.failures:
        wrong = {s: (r.row.get(s, ""), r.got[s]) for s, ok in r.slots.items() if not ok}
        flag = "WRONG-ANSWER " if r.wrong_answer else ""
        out.append(f"{r.row['id']} [{r.row['category']}] {flag}{r.row['question']!r}: "
                   + "; ".join(f"{s} want {a!r} got {b!r}" for s, (a, b) in wrong.items()))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--failures", choices=("dev", "heldout"), help="list failures of one split")
    ap.add_argument("--csv", type=Path, default=QUESTIONS)
    ap.add_argument("--regimens", action="store_true", help=f"score {REGIMEN_QUESTIONS.name} on its slots")
    args = ap.parse_args(argv)
    path = REGIMEN_QUESTIONS if args.regimens else args.csv
    slots, scope = (REGIMEN_SLOTS, REGIMEN_SCOPE) if args.regimens else (SLOTS, SCOPE_SLOTS)
    rows = load_questions(path)
    lx = lexicon()
    for name in ("dev", "heldout"):
        m = evaluate(split(rows, name), lx, slots, scope)
        print(report(name, m))
        if args.failures == name:
            print("\n".join(failure_lines(m)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
