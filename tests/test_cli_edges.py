"""`pool` and `kb` on hostile files (issue 24): one line, never a traceback, never half a JSON document, and
nothing from the file reaches the terminal raw. Each failed before: a header field over 128 KB, YAML nested
100,000 deep and a 5,001-digit count gave tracebacks or Python's own message; counts in the billions with extreme
heterogeneity raised ZeroDivisionError or OverflowError after part of the JSON was written; a repeated header
column silently used the last copy; ESC and bidi controls in a CSV header name reached the terminal.
"""

from __future__ import annotations

import json
import shutil

import pytest

from analysis.pool import method_keys
from bot.cli.main import main
from tests.test_hardening_cli import ROOT

SEVERAL = 2 ** 31


def pool(tmp_path, capsys, text: str, *args: str) -> tuple[int, str, str]:
    path = tmp_path / "input.csv"
    path.write_text(text, encoding="utf-8")
    code = main(["pool", str(path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str, words: str) -> None:
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and words in err, err


def test_a_header_field_over_the_csv_limit(tmp_path, capsys):
    code, out, err = pool(tmp_path, capsys, "study,ai,n1i,ci,n2i," + "x" * 140_000 + "\nA,1,10,2,10\n")
    assert code == 2 and not out
    one_line(err, "line 1: a field is too long")


def test_a_repeated_header_column_is_refused(tmp_path, capsys):
    code, out, err = pool(tmp_path, capsys, "study,ai,n1i,ci,n2i,ai\nA,1,10,2,10,5\n")
    assert code == 2 and not out
    one_line(err, "column(s) ai appear more than once")


def test_a_count_of_thousands_of_digits(tmp_path, capsys):
    code, out, err = pool(tmp_path, capsys, "study,ai,n1i,ci,n2i\nA," + "7" * 5001 + ",10,2,10\n")
    assert code == 2 and not out
    one_line(err, "ai has 5,001 digits: too large")
    assert "set_int_max_str_digits" not in err


EXTREME = [  # found by a fuzzer over counts of 2^30 and more: DL divides by zero, HKSJ overflows exp()
    "study,ai,n1i,ci,n2i\nS0,0,4503599627370496,0,4503599627370496\nS1,0,10,9,10\n"
    "S2,2251799813685248,2251799813685249,6,7\nS3,5,10,1,10\nS4,0,10,1,4503599627370496\n",
    "study,ai,n1i,ci,n2i\nS0,1125899906842624,1125899906842624,2,2\nS1,1,1125899906842623,1125899906842624,"
    "1125899906842624\nS2,0,2,0,10\nS3,1,2,562949953421312,1125899906842624\n",
    f"study,ai,n1i,ci,n2i\nA,{SEVERAL},{SEVERAL},{SEVERAL - 1},{SEVERAL}\nB,0,{SEVERAL},9,10\n"
    f"C,0,10,0,{SEVERAL}\n",
]


@pytest.mark.parametrize("text", EXTREME)
def test_extreme_counts_give_valid_json_and_a_readable_table(tmp_path, capsys, text):
    code, out, err = pool(tmp_path, capsys, text, "--json")
    assert code == 0 and not err
    data = json.loads(out)  # one whole document
    results = [r for methods in data["results"].values() for r in methods.values()]
    assert len(results) == sum(len(method_keys(m)) for m in ("RR", "OR", "RD"))  # every analysis is there
    failed = [r for r in results if r["reason"] and "not computable in floating point" in r["reason"]]
    assert failed and all(r["defined"] is False and r["estimate"] is None for r in failed)
    assert any(r["defined"] for r in results)  # the analyses that can be done are done
    code, out, err = pool(tmp_path, capsys, text)
    assert code == 0 and not err and "not computable in floating point" in out


def test_deeply_nested_yaml_is_one_line_in_kb_check_and_serve(tmp_path, capsys):
    directory = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge" / "data", directory)
    with open(directory / "kb.yaml", "a", encoding="utf-8") as handle:
        handle.write("\ndeep: " + "[" * 5_000 + "]" * 5_000 + "\n")
    assert main(["kb", "check", str(directory)]) == 1
    _, err = capsys.readouterr()
    assert "Traceback" not in err and "kb.yaml: not valid YAML: nested too deeply" in err


def test_control_characters_from_the_data_are_shown_escaped(tmp_path, capsys):
    directory = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge" / "data", directory)
    head, rest = (directory / "trials.csv").read_text(encoding="utf-8").split("\n", 1)
    (directory / "trials.csv").write_text(head + ",\x1b[2Jwiped\u202ereversed\n" + rest, encoding="utf-8")
    assert main(["kb", "check", str(directory)]) == 1
    _, err = capsys.readouterr()
    assert "\x1b" not in err and "\u202e" not in err
    assert "\\x1b[2Jwiped\\u202ereversed" in err and len(err.strip().splitlines()) == 2  # line breaks kept
