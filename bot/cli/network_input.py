"""Reading the CSV of ``evidence-bot network``: one row per arm, columns ``study,treatment,events,n``.

The file checks, the header, the counts and the csv module's errors are the ``pool`` command's
(bot/cli/pool_input.py); what is added here is what arms need: a study and a treatment on every row, each
treatment once in a study, and two or more arms in each study. Every problem is one line naming the file,
the line and the column or study.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import IO

from bot.cli.pool_input import InputError, _blank, _header, csv_problem, parse_count, read_file

COLUMNS = ("study", "treatment", "events", "n")


@dataclass(frozen=True, slots=True)
class ArmRows:
    """The arms as read, in file order."""

    study: tuple[str, ...]
    treatment: tuple[str, ...]
    events: tuple[int, ...]
    n: tuple[int, ...]


def _read(handle: IO[str], path: str) -> ArmRows:
    reader = csv.reader(handle)
    index = _header(reader, path, COLUMNS)
    i_study, i_treat, i_events, i_n = (index[c] for c in COLUMNS)
    width = max(index.values()) + 1
    study: list[str] = []
    treatment: list[str] = []
    events: list[int] = []
    n: list[int] = []
    first_line: dict[tuple[str, str], int] = {}
    study_line: dict[str, int] = {}
    end = reader.line_num
    try:
        for row in reader:
            line = end + 1  # the line the record starts on (a quoted field may span lines)
            end = reader.line_num
            if len(row) < width:
                if _blank(row):
                    continue
                row = row + [""] * (width - len(row))
            s, t = row[i_study].strip(), row[i_treat].strip()
            where = f"{path} line {line}" + (f" (study '{s}')" if s else "")
            if not s:
                raise InputError(f"{where}: study is empty")
            if not t:
                raise InputError(f"{where}: treatment is empty")
            e = parse_count(row[i_events].strip(), "events", where)
            m = parse_count(row[i_n].strip(), "n", where)
            if m == 0:
                raise InputError(f"{where}: n is 0 (each arm needs participants)")
            if e > m:
                raise InputError(f"{where}: events = {e} exceeds n = {m}")
            if (s, t) in first_line:
                raise InputError(f"{where}: treatment '{t}' already has an arm in this study (line "
                                 f"{first_line[s, t]}); combine the two arms or name them apart")
            first_line[s, t] = line
            study_line.setdefault(s, line)
            study.append(s)
            treatment.append(t)
            events.append(e)
            n.append(m)
    except csv.Error as exc:
        raise csv_problem(exc, path, end + 1) from None
    if not study:
        raise InputError(f"{path}: no arms (the file has a header but no rows)")
    arms_of: dict[str, int] = {}
    for s in study:
        arms_of[s] = arms_of.get(s, 0) + 1
    for s, count in arms_of.items():
        if count < 2:
            raise InputError(f"{path} line {study_line[s]} (study '{s}'): the study has one arm; each study needs "
                             "two or more (one row per arm)")
    return ArmRows(tuple(study), tuple(treatment), tuple(events), tuple(n))


def read_arms(path: str) -> ArmRows:
    """Read and check the CSV; raise InputError with a one-line message."""
    return read_file(path, _read)
