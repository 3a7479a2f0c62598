"""A synthetic knowledge base with ``factor`` times the bundled one's trials, for growth curves (issue 23).

Not data: every trial of knowledge/data is repeated ``factor`` times under a new id and acronym ("SOLO 1 x3"),
with its arms, its counts (each copy's event counts moved by up to +-2, within 0..n, seeded, so that copies are
not identical studies) and its risk-of-bias rows. Everything else (drugs, outcomes, vocabulary, published
syntheses, thresholds, ratings) is the bundled files as they are, so the copy validates like the original. The
answers it gives are meaningless; only their cost is measured (benchmarks/bench_scaling.py).

    python benchmarks/synthetic_kb.py 10 /tmp/kb10     # a directory in the layout of knowledge/data
"""

from __future__ import annotations

import csv
import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "knowledge" / "data"
PER_TRIAL = ("trials.csv", "arms.csv", "counts.csv", "risk_of_bias.csv")


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_synthetic(target: Path, factor: int, seed: int = 23) -> Path:
    """Write the knowledge base with ``factor`` copies of every trial into ``target`` (created; must not exist)."""
    shutil.copytree(SOURCE, target)
    for name in PER_TRIAL:
        if not (SOURCE / name).is_file():
            continue
        columns, rows = _read(SOURCE / name)
        out = []
        for copy in range(factor):
            rng = random.Random(f"{seed}:{name}:{copy}")
            for row in rows:
                row = dict(row)
                if copy:
                    row["trial_id"] = f"{row['trial_id']}_x{copy}"
                    if name == "trials.csv":
                        row["acronym"] = f"{row['acronym']} x{copy}"
                        row["nct"] = ""  # registry ids are unique to the real trial
                    if name == "counts.csv":
                        n = int(row["n"])
                        row["events"] = str(min(n, max(0, int(row["events"]) + rng.randint(-2, 2))))
                out.append(row)
        with (target / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(out)
    return target


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[0].isdigit() or int(argv[0]) < 1:
        print(__doc__, file=sys.stderr)
        return 2
    print(write_synthetic(Path(argv[1]), int(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
