"""`evidence-bot pool` on big and hostile CSV files (issue 14).

Before: a CSV of a million rows took about 6 GB (one Python object per cell and per row, one frozen record
per study for each of the 22 analyses, weights as tuples of floats, the whole JSON built as one string);
study labels were printed raw, so a label could clear the screen, recolour it or reorder the text (bidi
override) of whoever ran `pool`; a field longer than the csv module's limit ended in a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest

from analysis import pool_all

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = json.loads((Path(__file__).parent / "reference" / "metafor_fixtures.json").read_text())

ROWS = 200_000
# Bytes of peak resident memory per CSV row above a bare `pool --help` run. Measured after the fix: about
# 245 (text) and 280 (JSON, all 22 analyses); before the fix about 3,100 (text) and 6,200 (JSON).
BYTES_PER_ROW = 600


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "MPLCONFIGDIR": str(ROOT / "build" / "mpl-test")}


def cli(*args: str) -> subprocess.CompletedProcess:
    """`evidence-bot pool ARGS` in a child process (what a terminal would receive)."""
    return subprocess.run([sys.executable, "-m", "bot.cli", "pool", *args], cwd=ROOT, env=env(),
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def pool_cli(capsys, *args: str) -> subprocess.CompletedProcess:
    """The same in this process (bot.cli.pool.main), for speed."""
    from bot.cli.pool import main

    code = main(list(args))
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(["pool", *args], code, captured.out, captured.err)


def peak_rss(args: list[str], stdout_path: Path, timeout: float = 90.0) -> tuple[int, int]:
    """Run `pool ARGS` with stdout to a file; return (exit status, the child's own peak RSS in bytes)."""
    with stdout_path.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "pool", *args], cwd=ROOT, env=env(),
                                stdout=out, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                _pid, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                pytest.fail(f"pool {' '.join(args)} took more than {timeout:.0f} s")
            time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss * 1024  # KiB on Linux


def write_big_csv(path: Path, rows: int) -> None:
    """Deterministic tables with varying counts; every 97th study has no events in either arm."""
    with path.open("w", encoding="utf-8") as out:
        out.write("study,ai,n1i,ci,n2i,year\n")
        for start in range(0, rows, 50_000):
            out.writelines(
                f"Trial {i:07d},{0 if i % 97 == 0 else 1 + i * 7 % 40},{100 + i % 900},"
                f"{0 if i % 97 == 0 else 3 + i * 11 % 60},{120 + i * 13 % 880},{1990 + i % 30}\n"
                for i in range(start, min(rows, start + 50_000))
            )


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.csv"
    write_big_csv(path, ROWS)
    return path


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss units and os.wait4 as on Linux")
def test_memory_grows_with_the_data_by_a_few_hundred_bytes_a_row(big_csv: Path, tmp_path: Path) -> None:
    code, base = peak_rss(["--help"], tmp_path / "help.txt")
    assert code == 0
    # all 22 analyses for the table; the JSON writer streams one analysis at a time, so one (Peto) shows it
    for extra in ([], ["--json", "--method", "PETO"]):
        out = tmp_path / "out.txt"
        code, peak = peak_rss([str(big_csv), *extra], out)
        assert code == 0
        per_row = (peak - base) / ROWS
        assert per_row < BYTES_PER_ROW, (
            f"pool {' '.join(extra) or '(text)'}: peak {peak / 2**20:.0f} MiB, {base / 2**20:.0f} MiB without "
            f"data: {per_row:,.0f} bytes per row"
        )
        if extra:  # the JSON stays complete: every label and every weight
            data = json.loads(out.read_text())
            assert len(data["studies"]) == ROWS and data["studies"][-1] == f"Trial {ROWS - 1:07d}"
            assert len(data["results"]["OR"]["PETO"]["weights"]) == ROWS
            assert data["results"]["OR"]["PETO"]["k"] == ROWS
        else:  # the text lists the first studies only
            lines = out.read_text().splitlines()
            assert lines[0].startswith(f"{ROWS:,} studies: Trial 0000000, Trial 0000001")
            assert len(lines[0]) < 2_000 and "--all-studies" in lines[0]
            dl = next(line for line in lines if line.startswith("RR       DL "))
            assert dl.split()[2] == str(ROWS - len(range(0, ROWS, 97)))  # k without the studies with no events


def test_json_is_exactly_what_pool_all_gives(tmp_path: Path, capsys) -> None:
    """The numbers (and the JSON text itself) are those of analysis.pool_all on every reference data set."""
    for name, dataset in FIXTURES["datasets"].items():
        inp = dataset["input"]
        path = tmp_path / f"{name}.csv"
        lines = ["study,ai,n1i,ci,n2i"]
        for label, *counts in zip(inp["labels"], inp["ai"], inp["n1i"], inp["ci"], inp["n2i"], strict=True):
            lines.append(",".join(['"' + label.replace('"', '""') + '"', *map(str, counts)]))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = pool_cli(capsys, str(path), "--json")
        assert result.returncode == 0, result.stderr
        expected = {
            "studies": inp["labels"],
            "results": {
                m: {k: _result_dict(r) for k, r in by.items()}
                for m, by in pool_all(inp["ai"], inp["n1i"], inp["ci"], inp["n2i"], labels=inp["labels"]).items()
            },
        }
        assert result.stdout == json.dumps(expected, indent=2, allow_nan=False) + "\n", name


def test_json_of_many_studies_is_exactly_what_pool_all_gives(tmp_path: Path, capsys) -> None:
    path = tmp_path / "many.csv"
    write_big_csv(path, 3_000)
    rows = [line.split(",") for line in path.read_text().splitlines()[1:]]
    labels = [r[0] for r in rows]
    ai, n1i, ci, n2i = ([int(r[j]) for r in rows] for j in (1, 2, 3, 4))
    result = pool_cli(capsys, str(path), "--json")
    assert result.returncode == 0, result.stderr
    expected = {"studies": labels, "results": {
        m: {k: _result_dict(r) for k, r in by.items()} for m, by in pool_all(ai, n1i, ci, n2i).items()}}
    assert result.stdout == json.dumps(expected, indent=2, allow_nan=False) + "\n"


def test_pool_summary_is_pool_tables_without_records() -> None:
    from dataclasses import replace

    from analysis import method_keys, pool_summary, pool_tables, validate_tables
    from analysis.pool import split_key

    for name, dataset in FIXTURES["datasets"].items():
        inp = dataset["input"]
        tables = validate_tables(inp["ai"], inp["n1i"], inp["ci"], inp["n2i"])
        for measure in ("RR", "OR", "RD"):
            for key in (*method_keys(measure), "PM_HKSJ"):
                method, hksj = split_key(key)
                full = pool_tables(tables, measure=measure, method=method, hksj=hksj)
                summary, weights = pool_summary(tables, measure=measure, method=method, hksj=hksj)
                assert summary.studies == () and summary.weights == ()
                assert tuple(weights.tolist()) == full.weights, (name, measure, key)
                assert replace(summary, weights=full.weights, studies=full.studies) == full, (name, measure, key)


def _result_dict(result) -> dict:
    fields = ("estimate", "ci_low", "ci_high", "se", "theta", "pval", "k", "Q", "Q_df", "Q_pval", "I2", "tau2",
              "tau", "pi_low", "pi_high", "test", "df", "weights", "defined", "reason", "notes")
    return {f: list(v) if isinstance(v := getattr(result, f), tuple) else v for f in fields}


def test_text_lists_every_study_only_when_asked(tmp_path: Path, capsys) -> None:
    path = tmp_path / "many.csv"
    write_big_csv(path, 500)
    short = pool_cli(capsys, str(path), "--measure", "RR", "--method", "MH")
    assert short.returncode == 0, short.stderr
    first = short.stdout.splitlines()[0]
    assert first.startswith("500 studies: Trial 0000000, ") and first.endswith(
        "Trial 0000049 and 450 more (--all-studies lists them)")
    full = pool_cli(capsys, str(path), "--measure", "RR", "--method", "MH", "--all-studies")
    assert full.returncode == 0
    first = full.stdout.splitlines()[0]
    assert first.endswith(", Trial 0000499") and first.count("Trial") == 500
    assert short.stdout.splitlines()[1:] == full.stdout.splitlines()[1:]


# ---- terminal escapes -------------------------------------------------------------------------------------

HOSTILE = "\x1b[2J\x1b[31m"
LABELS = [f"Evil{HOSTILE}red", "Bidi \u202egnp.exe", "CSI8\x9b31m", "Bell\x07 and\tTab", "Line\nbreak",
          "Isolate \u2066x\u2069", "Müller 2001", "李 2010", "Ferguson & Simes, 1949"]


def raw_controls(text: str) -> list[str]:
    """Characters a terminal may act on: C0 (bar newline), DEL, C1, format characters (bidi), separators."""
    return [ch for ch in text if ch != "\n" and (unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"))]


def hostile_csv(path: Path, bad_row: str | None = None) -> Path:
    lines = ["study,ai,n1i,ci,n2i"]
    for i, label in enumerate(LABELS):
        lines.append('"' + label.replace('"', '""') + f'",{i + 1},100,{i + 3},100')
    if bad_row:
        lines.append(bad_row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_labels_never_reach_the_terminal_raw(tmp_path: Path) -> None:
    path = hostile_csv(tmp_path / "hostile.csv")
    result = cli(str(path))
    assert result.returncode == 0, result.stderr
    assert raw_controls(result.stdout) == [] and raw_controls(result.stderr) == []
    first = result.stdout.splitlines()[0]
    assert "Evil\\x1b[2J\\x1b[31mred" in first and "Bidi \\u202egnp.exe" in first and "CSI8\\x9b31m" in first
    assert "Bell\\x07 and\\tTab" in first and "Line\\nbreak" in first and "\\u2066x\\u2069" in first
    assert "Müller 2001" in first and "李 2010" in first and "Ferguson & Simes, 1949" in first


def test_a_label_the_terminal_cannot_encode_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("study,ai,n1i,ci,n2i\nMüller,1,10,2,10\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot.cli", "pool", str(path)], cwd=ROOT,
                            env={**env(), "PYTHONIOENCODING": "ascii"}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: the output's encoding (ascii) cannot show a study label; use --json or set PYTHONIOENCODING=utf-8"]


def test_json_keeps_the_labels_escaped_by_json(tmp_path: Path, capsys) -> None:
    path = hostile_csv(tmp_path / "hostile.csv")
    result = pool_cli(capsys, str(path), "--json", "--measure", "OR", "--method", "PETO")
    assert result.returncode == 0, result.stderr
    assert raw_controls(result.stdout) == [] and "\\u001b[2J" in result.stdout and "\\u202e" in result.stdout
    assert json.loads(result.stdout)["studies"] == LABELS  # the data itself is kept, byte for byte


@pytest.mark.parametrize(
    ("bad_row", "words"),
    [
        (f'"Bad{HOSTILE}\u202e",11,10,2,10', "ai = 11 exceeds n1i = 10"),
        (f'"Bad{HOSTILE}\u202e",x\x1b[5m,10,2,10', "ai = 'x\\x1b[5m' is not a whole number"),
        (f'"Bad{HOSTILE}\u202e",1,0,2,10', "n1i is 0"),
    ],
)
def test_errors_that_name_a_study_escape_it(tmp_path: Path, capsys, bad_row: str, words: str) -> None:
    path = hostile_csv(tmp_path / f"in{HOSTILE}\u202e.csv", bad_row)
    result = pool_cli(capsys, str(path))
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert raw_controls(result.stderr) == []
    # line 12: the label "Line\nbreak" spans two lines of the file
    assert f"line 12 (study 'Bad\\x1b[2J\\x1b[31m\\u202e'): {words}" in lines[0], lines[0]
    assert "in\\x1b[2J\\x1b[31m\\u202e.csv" in lines[0]  # the file name is escaped as well


def test_safe_text_escapes_controls_and_keeps_text() -> None:
    from bot.cli.pool import safe_text

    assert safe_text("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert safe_text("\u202e\u2066\u200e\u061c") == "\\u202e\\u2066\\u200e\\u061c"
    assert safe_text("\x00\x7f\x85\x9b\u2028\u2029") == "\\x00\\x7f\\x85\\x9b\\u2028\\u2029"
    text = "Müller, 李, نور\u200cجهان, 👩\u200d👩\u200d👧, a\u00a0b"  # letters, joiners, emoji, no-break space
    assert safe_text(text) == text
    assert safe_text("\U000e0001x") == "\\U000e0001x"  # a tag character (format, invisible)


# ---- bad input is still one line ---------------------------------------------------------------------------


def test_a_field_over_the_csv_limit_is_one_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "long.csv"
    path.write_text("study,ai,n1i,ci,n2i\nA,1,10,2,10\n" + "B" * 200_000 + ",1,10,2,10\n", encoding="utf-8")
    result = pool_cli(capsys, str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-300:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "line 3" in lines[0] and "too long" in lines[0], lines


def test_errors_deep_in_a_big_file_name_the_real_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "deep.csv"
    write_big_csv(path, 20_000)
    with path.open("a", encoding="utf-8") as out:
        out.write("\n\nLate,5,10,12,10,2001\n")
    result = pool_cli(capsys, str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [f"error: {path} line 20004 (study 'Late'): ci = 12 exceeds n2i = 10"]
