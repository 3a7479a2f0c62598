"""Reading the CSV of ``evidence-bot pool`` into compact columns.

The file is streamed through the csv module one record at a time and nothing per row is kept as a Python
object: the four counts go into one machine-integer array and the labels into one UTF-8 buffer with an array
of end offsets (:class:`Labels`). A million rows take about 50 MB here (counts 32 MB, labels about 20 MB),
where lists of ``int`` and ``str`` took several times that.

Every count must be plain ASCII digits (optionally padded with spaces); a bad value stops the read with one
line naming the file, the line, the study and the column (:class:`InputError`).
"""

from __future__ import annotations

import csv
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

import numpy as np

from analysis.effects import Tables

COLUMNS = ("study", "ai", "n1i", "ci", "n2i")
MAX_COUNT = 2**53  # float64 holds every whole number up to here exactly
T = TypeVar("T")


class InputError(Exception):
    """A problem with the user's file, reported as one line."""


class Labels:
    """Study labels in one UTF-8 buffer: about the label's length plus 8 bytes each, not a ``str`` each."""

    __slots__ = ("_buf", "_ends")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._ends = array("q")

    def append(self, label: str) -> None:
        self._buf += label.encode("utf-8")
        self._ends.append(len(self._buf))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        if index < 0:
            index += len(self._ends)
        start = self._ends[index - 1] if index > 0 else 0
        return self._buf[start:self._ends[index]].decode("utf-8")

    def range(self, start: int = 0, stop: int | None = None) -> Iterator[str]:
        """The labels start..stop-1, decoded one at a time."""
        ends = self._ends
        stop = len(ends) if stop is None else min(stop, len(ends))
        buf = memoryview(self._buf)
        begin = ends[start - 1] if start > 0 else 0
        for i in range(start, stop):
            end = ends[i]
            yield str(buf[begin:end], "utf-8")
            begin = end

    def __iter__(self) -> Iterator[str]:
        return self.range()


@dataclass(frozen=True, slots=True)
class StudyTable:
    """What ``pool`` read: the labels and the validated counts as 2x2 tables."""

    labels: Labels
    tables: Tables


def _blank(row: list[str]) -> bool:
    return not row or (len(row) == 1 and not row[0].strip())


def _header(reader: Iterator[list[str]], path: str, columns: tuple[str, ...] = COLUMNS) -> dict[str, int]:
    """Column positions from the first non-blank row (shared with bot/cli/network_input.py)."""
    header: list[str] = []
    for row in reader:
        if not _blank(row):
            header = [h.strip() for h in row]
            break
    missing = [c for c in columns if c not in header]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; expected a header {','.join(columns)}"
        )
    twice = [c for c in columns if header.count(c) > 1]
    if twice:  # which copy was meant? (csv.DictReader would silently take the last)
        raise InputError(f"{path}: column(s) {', '.join(twice)} appear more than once in the header")
    return {name: i for i, name in enumerate(header)}


def parse_count(text: str, name: str, where: str) -> int:
    """One count as plain ASCII digits, or InputError naming ``where`` and the column."""
    # ASCII digits only: int() would also take "1_000", "+5" and other scripts' digits ("٥")
    digits = text[1:] if text.startswith("-") else text  # a minus sign is reported as negative below
    if not (digits.isascii() and digits.isdigit()):
        raise InputError(f"{where}: {name} = {text!r} is not a whole number")
    if len(digits.lstrip("0")) > len(str(MAX_COUNT)):  # no int() of thousands of digits (Python refuses)
        raise InputError(f"{where}: {name} has {len(digits):,} digits: too large")
    value = int(text)
    if value < 0:
        raise InputError(f"{where}: {name} = {value} is negative")
    if value > MAX_COUNT:
        raise InputError(f"{where}: {name} = {value} is too large")
    return value


def _row_error(path: str, line: int, label: str, raw: list[str]) -> InputError:
    """The precise message for a row that failed the quick checks (raw: ai, n1i, ci, n2i as read)."""
    where = f"{path} line {line}" + (f" (study '{label}')" if label else "")
    try:
        values = [parse_count(text, name, where) for name, text in zip(COLUMNS[1:], raw, strict=True)]
    except InputError as exc:
        return exc
    for ev, tot in ((0, 1), (2, 3)):
        if values[tot] == 0:
            return InputError(f"{where}: {COLUMNS[tot + 1]} is 0 (each arm needs participants)")
        if values[ev] > values[tot]:
            return InputError(
                f"{where}: {COLUMNS[ev + 1]} = {values[ev]} exceeds {COLUMNS[tot + 1]} = {values[tot]}"
            )
    return InputError(f"{where}: cannot read the counts")  # not reached: the quick checks were too strict


def _read(handle, path: str) -> tuple[Labels, array]:
    reader = csv.reader(handle)
    labels = Labels()
    counts = array("q")  # ai, n1i, ci, n2i of each study in turn
    end = 0
    try:
        index = _header(reader, path)  # a header field beyond the csv module's limit fails here
        i_study, i_a, i_n1, i_c, i_n2 = (index[c] for c in COLUMNS)
        width = max(index[c] for c in COLUMNS) + 1
        end = reader.line_num
        for row in reader:
            line = end + 1  # the line the record starts on (a quoted field may span lines)
            end = reader.line_num
            if len(row) < width:
                if _blank(row):
                    continue
                row = row + [""] * (width - len(row))
            label = row[i_study].strip()
            a, n1, c, n2 = row[i_a].strip(), row[i_n1].strip(), row[i_c].strip(), row[i_n2].strip()
            digits = a + n1 + c + n2
            if a and n1 and c and n2 and len(digits) <= 64 and digits.isascii() and digits.isdigit():
                x, m, y, n = int(a), int(n1), int(c), int(n2)
                if 0 < m <= MAX_COUNT and 0 < n <= MAX_COUNT and x <= m and y <= n:
                    counts.extend((x, m, y, n))
                    labels.append(label or f"Study {len(labels) + 1}")
                    continue
            raise _row_error(path, line, label, [a, n1, c, n2])
    except csv.Error as exc:
        raise csv_problem(exc, path, max(end + 1, reader.line_num) if not labels else end + 1) from None
    return labels, counts


def csv_problem(exc: csv.Error, path: str, line: int) -> InputError:
    """The one line for a file the csv module cannot read."""
    if "field limit" in str(exc):
        return InputError(f"{path} line {line}: a field is too long (more than "
                          f"{csv.field_size_limit():,} characters)")
    return InputError(f"{path} line {line}: not valid CSV ({exc})")


def read_file(path: str, read: Callable[[IO[str], str], T]) -> T:
    """``read(handle, path)`` on the opened UTF-8 file, with every failure to open or decode it as one line."""
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{path}: " + ("not a file" if file.exists() else "no such file"))
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            return read(handle, path)
    except UnicodeDecodeError:
        raise InputError(f"{path}: cannot read the file (UnicodeDecodeError: not UTF-8 text)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.__class__.__name__})") from None


def read_counts(path: str) -> StudyTable:
    """Read and check the CSV; raise InputError with a one-line message."""
    labels, counts = read_file(path, _read)
    if not labels:
        raise InputError(f"{path}: no studies (the file has a header but no rows)")
    # rows ai, n1i, ci, n2i as float64 (what analysis.validate_tables would make of them); every row was
    # checked above against the same rules (counts >= 0, totals > 0, events <= totals), with its line
    flat = np.frombuffer(counts, dtype=np.int64)
    values = np.ascontiguousarray(flat.reshape(-1, 4).T, dtype=np.float64)
    del flat, counts
    return StudyTable(labels, Tables.from_counts(values))


def read_tables(path: str) -> tuple[list[str], list[int], list[int], list[int], list[int]]:
    """:func:`read_counts` as plain lists: labels, ai, n1i, ci, n2i (for small files and tests)."""
    table = read_counts(path)
    t = table.tables
    ai, n1i, ci, n2i = ([int(v) for v in col.tolist()] for col in (t.ai, t.n1i, t.ci, t.n2i))
    return list(table.labels), ai, n1i, ci, n2i
