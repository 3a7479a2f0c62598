"""Second reader of the certainty inputs of issue 21: the reproducible draw of 25 rows.

Run from the repository root (`python -m knowledge.curation.second_reader_certainty_2026_12`); it prints the
drawn rows. The population is the three files as merged at commit 6599bb1 (pinned, so later edits to the data
do not change the draw):

- risk_of_bias.csv (105 rows), 14 rows spread over its three sources and their domains: 7 from the Dermatol
  Ther 2022 network meta-analysis (RoB 1, 8 domains with 'overall'; 7 distinct domains drawn, one row each),
  5 from Chen et al. JAMA Dermatol 2022 (RoB 2, 5 domains; one row per domain), 2 from Zhang et al. Front
  Immunol 2022 (one domain, 'overall');
- published_ratings.csv (33 rows), 8 rows: 2 from J Clin Pharm Ther 2023, 1 from Agache 2021, 5 from the
  secondary report of Chu 2023;
- thresholds.csv, the 3 rows whose basis is a published minimal important difference ('mid'); the 15
  GRADE-default rows are not drawn. The population is exactly 3, so all are taken.

One `random.Random(SEED)` draws, in a fixed order, over lists sorted by row number, so every run gives the
same rows. Rows are labelled by file and 1-based data row number (the header is row 0).
"""

from __future__ import annotations

import csv
import io
import random
import subprocess
from pathlib import Path

SEED = 20261231
DRAWN_FROM = "6599bb1"
DATA = Path(__file__).resolve().parent.parent / "data"
ROB_SOURCES = (("dermther2022", "Comparative efficacy and safety of abrocitinib", 7),
               ("chen2022", "Chen TL et al.", 5),
               ("zhang2022", "Zhang Y, Jing D", 2))
RATING_SOURCES = (("jcpt2023", "Upadacitinib Is a Better Choice", 2),
                  ("agache2021", "Agache I", 1),
                  ("chu2023", "Chu AWL", 5))
THRESHOLD_QUOTA = 3


def _rows(name: str, commit: str = DRAWN_FROM) -> list[dict[str, str]]:
    text = subprocess.run(["git", "show", f"{commit}:knowledge/data/{name}"], check=True, cwd=DATA,
                          capture_output=True, text=True).stdout
    return list(csv.DictReader(io.StringIO(text)))


def _numbered(name: str, keep) -> list[tuple[int, dict[str, str]]]:
    return [(number, row) for number, row in enumerate(_rows(name), start=1) if keep(row)]


def _draw_by_domain(rng: random.Random, rows: list[tuple[int, dict[str, str]]], quota: int) -> list[int]:
    """Draw `quota` distinct domains (all of them, and then again, if there are fewer), one row from each."""
    domains = sorted({row["domain"] for _, row in rows})
    chosen: list[str] = []
    while len(chosen) < quota:
        chosen += rng.sample(domains, min(quota - len(chosen), len(domains)))
    picked: list[int] = []
    for domain in chosen:
        candidates = [n for n, row in rows if row["domain"] == domain and n not in picked]
        picked.append(rng.choice(candidates))
    return sorted(picked)


def draw(seed: int = SEED) -> list[tuple[str, str, int]]:
    """(file, stratum, 1-based data row number) of every drawn row."""
    rng = random.Random(seed)
    drawn = []
    for label, marker, quota in ROB_SOURCES:
        rows = _numbered("risk_of_bias.csv", lambda r, m=marker: m in r["source"])
        drawn += [("risk_of_bias.csv", label, n) for n in _draw_by_domain(rng, rows, quota)]
    for label, marker, quota in RATING_SOURCES:
        rows = _numbered("published_ratings.csv", lambda r, m=marker: m in r["citation"])
        drawn += [("published_ratings.csv", label, n) for n in sorted(rng.sample([n for n, _ in rows], quota))]
    rows = _numbered("thresholds.csv", lambda r: r["basis"] == "mid")
    drawn += [("thresholds.csv", "mid", n) for n in sorted(rng.sample([n for n, _ in rows], THRESHOLD_QUOTA))]
    return drawn


def _describe(name: str, row: dict[str, str]) -> str:
    if name == "risk_of_bias.csv":
        return f"{row['trial_id']} {row['outcome_kind'] or '-'} {row['domain']} = {row['judgement']}"
    if name == "published_ratings.csv":
        dose = f" {row['dose_mg']} mg" if row["dose_mg"] else ""
        return (f"{row['rating_id']}: {row['drug']}{dose} vs {row['comparator']}, "
                f"{row['outcome_id'] or row['compare_with']} = {row['rating']}")
    return f"{row['outcome_id']} {row['scale']} {row['threshold']} ({row['basis']})"


def main() -> None:
    files = {name: _rows(name) for name in ("risk_of_bias.csv", "published_ratings.csv", "thresholds.csv")}
    for number, (name, stratum, row_number) in enumerate(draw(), start=1):
        row = files[name][row_number - 1]
        print(f"{number:2d} {name:22s} row {row_number:3d} [{stratum}] {_describe(name, row)}")


if __name__ == "__main__":
    main()
