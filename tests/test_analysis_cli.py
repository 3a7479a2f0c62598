"""The ``pool`` sub-command (bot/pool_cli.py), driven through argparse and run()."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the repo is not necessarily pip-installed
    sys.path.insert(0, str(ROOT))

from bot.cli.pool import add_parser, run  # noqa: E402

FIXTURES = json.loads((Path(__file__).parent / "reference" / "metafor_fixtures.json").read_text())
FIELDS = {"estimate", "ci_low", "ci_high", "se", "pval", "k", "Q", "Q_pval", "I2", "tau2", "pi_low", "pi_high",
          "weights", "defined", "reason"}


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="evidence-bot")
    add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["pool", *argv])


def write_csv(path: Path, name: str) -> Path:
    inp = FIXTURES["datasets"][name]["input"]
    lines = ["study,ai,n1i,ci,n2i"]
    for row in zip(inp["labels"], inp["ai"], inp["n1i"], inp["ci"], inp["n2i"], strict=True):
        label = row[0].replace(",", " ")
        lines.append(",".join([label, *map(str, row[1:])]))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_json_has_every_measure_and_method_and_matches_metafor(tmp_path: Path, capsys) -> None:
    csv_file = write_csv(tmp_path / "bcg.csv", "bcg")
    assert run(parse(str(csv_file), "--json")) == 0
    out = json.loads(capsys.readouterr().out)
    results = out["results"]
    keys = ["MH", "IV", "DL", "REML", "PM", "DL_HKSJ", "REML_HKSJ"]
    assert list(results) == ["RR", "OR", "RD"]
    assert list(results["OR"]) == [*keys, "PETO"] and list(results["RR"]) == keys
    ref = FIXTURES["datasets"]["bcg"]["results"]
    for measure, by_key in results.items():
        for key, res in by_key.items():
            assert set(res) >= FIELDS
            for f in ("estimate", "ci_low", "ci_high", "se", "pval", "Q", "I2", "tau2"):
                assert math.isclose(res[f], ref[measure][key][f], rel_tol=1e-6, abs_tol=1e-9)


def test_json_uses_null_not_nan(tmp_path: Path, capsys) -> None:
    csv_file = write_csv(tmp_path / "none.csv", "no_events")
    assert run(parse(str(csv_file), "--json")) == 0
    text = capsys.readouterr().out
    assert "NaN" not in text and "Infinity" not in text
    res = json.loads(text)["results"]
    assert res["RR"]["MH"]["defined"] is False and res["RR"]["MH"]["estimate"] is None
    assert res["RR"]["MH"]["reason"]
    assert res["RD"]["IV"]["defined"] is True


def test_measure_and_method_narrow_the_output(tmp_path: Path, capsys) -> None:
    csv_file = write_csv(tmp_path / "bcg.csv", "bcg")
    assert run(parse(str(csv_file), "--json", "--measure", "OR", "--method", "DL_HKSJ")) == 0
    res = json.loads(capsys.readouterr().out)["results"]
    assert list(res) == ["OR"] and list(res["OR"]) == ["DL_HKSJ"]
    ref = FIXTURES["datasets"]["bcg"]["results"]["OR"]["DL_HKSJ"]
    assert math.isclose(res["OR"]["DL_HKSJ"]["pi_low"], ref["pi_low"], rel_tol=1e-6)
    assert run(parse(str(csv_file), "--json", "--method", "PETO")) == 0
    assert list(json.loads(capsys.readouterr().out)["results"]) == ["OR"]
    assert run(parse(str(csv_file), "--json", "--method", "PM_HKSJ", "--measure", "RD")) == 0
    assert list(json.loads(capsys.readouterr().out)["results"]["RD"]) == ["PM_HKSJ"]


def test_table_output_is_aligned(tmp_path: Path, capsys) -> None:
    csv_file = write_csv(tmp_path / "tz.csv", "treat_zero")
    assert run(parse(str(csv_file))) == 0
    out = capsys.readouterr().out
    assert "Measure" in out and "REML_HKSJ" in out and "PETO" in out
    assert "not estimable" in out  # MH RR with no treatment events
    header = next(line for line in out.splitlines() if line.startswith("Measure"))
    row = next(line for line in out.splitlines() if line.startswith("RR       IV"))
    assert row.index(row.split()[3]) == header.index("Estimate")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("study,ai,n1i,ci\nA,1,10,2\n", "missing column"),
        ("study,ai,n1i,ci,n2i\nA,1,10,2,x\n", "not a whole number"),
        ("study,ai,n1i,ci,n2i\nA,1.5,10,2,10\n", "not a whole number"),
        ("study,ai,n1i,ci,n2i\nA,11,10,2,10\n", "exceeds"),
        ("study,ai,n1i,ci,n2i\nA,-1,10,2,10\n", "negative"),
        ("study,ai,n1i,ci,n2i\nA,0,0,2,10\n", "n1i is 0"),
        ("study,ai,n1i,ci,n2i\n", "no studies"),
        ("", "missing column"),
    ],
)
def test_bad_files_print_one_friendly_line(tmp_path: Path, capsys, content: str | None, message: str) -> None:
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_text(content)
    assert run(parse(str(path), "--json")) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
    assert "Traceback" not in captured.err


def test_peto_with_rr_is_a_friendly_error(tmp_path: Path, capsys) -> None:
    csv_file = write_csv(tmp_path / "bcg.csv", "bcg")
    assert run(parse(str(csv_file), "--measure", "RR", "--method", "PETO")) == 2
    assert "PETO" in capsys.readouterr().err


def test_bom_blank_lines_and_extra_columns(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bom.csv"
    path.write_text("\ufeffstudy,ai,n1i,ci,n2i,year\n\nA,4,123,11,139,1948\nB,6,306,29,303,1949\n",
                    encoding="utf-8")
    assert run(parse(str(path), "--json", "--measure", "RR", "--method", "MH")) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["studies"] == ["A", "B"] and res["results"]["RR"]["MH"]["k"] == 2
