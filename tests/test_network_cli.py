"""The ``network`` sub-command (bot/cli/network.py), driven through argparse and run(), and through main()."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.cli.network import add_parser, run

FIXTURES = json.loads((Path(__file__).parent / "reference" / "network_fixtures.json").read_text())
KEYS = ["measure", "model", "reference", "treatments", "k", "excluded", "tau2", "Q", "df", "estimates", "pairs",
        "p_scores"]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="evidence-bot")
    add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["network", *argv])


def write_csv(path: Path, name: str) -> Path:
    inp = FIXTURES["datasets"][name]["input"]
    rows = zip(inp["study"], inp["treatment"], inp["events"], inp["n"], strict=True)
    path.write_text("study,treatment,events,n\n" + "".join(f'"{s}",{t},{e},{n}\n' for s, t, e, n in rows))
    return path


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


@pytest.mark.parametrize(("name", "measure", "model"), [("hasselblad1998", "OR", "random"),
                                                        ("zero_cells", "RD", "fixed"),
                                                        ("multiarm", "RR", "random")])
def test_json_is_the_issue_s_object_and_matches_metafor(tmp_path: Path, capsys, name: str, measure: str,
                                                        model: str) -> None:
    ref = FIXTURES["datasets"][name]["results"][f"{measure}_{model}"]
    csv_file = write_csv(tmp_path / "arms.csv", name)
    args = ("--json", "--measure", measure, "--model", model, "--reference", ref["reference"])
    assert run(parse(str(csv_file), *args)) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == KEYS
    assert (out["measure"], out["model"], out["reference"]) == (measure, model, ref["reference"])
    assert out["treatments"] == ref["treatments"] and out["excluded"] == ref["excluded"]
    assert (out["k"], out["df"]) == (ref["k"], ref["df"])
    assert close(out["tau2"], ref["tau2"]) and close(out["Q"], ref["Q"])
    assert len(out["estimates"]) == len(ref["estimates"])
    for got, exp in zip(out["estimates"], ref["estimates"], strict=True):
        assert list(got) == ["treatment", "versus", "estimate", "ci_low", "ci_high", "log_estimate", "se"]
        assert (got["treatment"], got["versus"]) == (exp["treatment"], exp["versus"])
        assert all(close(got[f], exp[f]) for f in list(got)[2:])
    assert len(out["pairs"]) == len(ref["pairs"])
    for got, exp in zip(out["pairs"], ref["pairs"], strict=True):
        assert list(got) == ["treatment", "versus", "estimate", "ci_low", "ci_high"]
        assert all(close(got[f], exp[f]) for f in list(got)[2:])
    scores = [(p["treatment"], p["p_score"]) for p in out["p_scores"]]
    assert {t for t, _ in scores} == set(ref["treatments"])
    assert all(close(s, ref["p_scores"][t]) for t, s in scores)
    assert [s for _, s in scores] == sorted((s for _, s in scores), reverse=True)  # a ranking, best first


def test_defaults_are_or_random_and_placebo_as_reference(tmp_path: Path, capsys) -> None:
    csv_file = write_csv(tmp_path / "arms.csv", "large200")
    assert main(["network", str(csv_file), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ref = FIXTURES["datasets"]["large200"]["results"]["OR_random"]
    assert (out["measure"], out["model"], out["reference"], out["k"]) == ("OR", "random", "placebo", 200)
    assert close(out["tau2"], ref["tau2"])


def test_text_tables_name_the_reference_the_excluded_studies_and_the_split(tmp_path: Path, capsys) -> None:
    csv_file = write_csv(tmp_path / "arms.csv", "zero_cells")
    assert run(parse(str(csv_file), "--reference", "ctrl")) == 0
    out = capsys.readouterr().out
    assert "reference ctrl" in out and "Left out" in out and "Z3, Z5, Z6" in out
    assert "0.5 events and 1 participant added to every arm (a zero cell): Z1, Z2, Z4, Z9" in out
    assert "Every pair" in out and "Direct and indirect evidence" in out and "Not medical advice" in out
    ref = FIXTURES["datasets"]["zero_cells"]["results"]["OR_random"]
    first = next(e for e in ref["estimates"] if e["treatment"] == "A")
    row = next(line for line in out.splitlines() if line.startswith("A "))
    assert f"{first['estimate']:.3f}" in row and f"{first['ci_low']:.3f} to {first['ci_high']:.3f}" in row
    header = next(line for line in out.splitlines() if line.startswith("vs ctrl"))
    assert row.index(f"{first['estimate']:.3f}") == header.index("OR")


def test_control_characters_in_names_are_escaped_in_the_table(tmp_path: Path, capsys) -> None:
    path = tmp_path / "arms.csv"
    path.write_text('study,treatment,events,n\ns1,placebo,5,50\ns1,"bad\x1b[2Jname",9,50\n')
    assert run(parse(str(path))) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "bad\\x1b[2Jname" in out


def test_disconnected_network_exits_non_zero_with_one_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "arms.csv"
    path.write_text("study,treatment,events,n\na,P,5,50\na,X,8,50\nb,Y,3,40\nb,Z,9,40\n")
    assert run(parse(str(path), "--json")) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "disconnected" in lines[0] and "{P, X}" in lines[0] and "{Y, Z}" in lines[0]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (None, (), "no such file"),
        ("study,treatment,events\na,P,1\n", (), "missing column(s) n; expected a header study,treatment,events,n"),
        ("study,treatment,events,n\na,P,x,10\na,X,2,10\n", (), "line 2 (study 'a'): events = 'x' is not a whole"),
        ("study,treatment,events,n\na,P,1,10\na,X,2,1.5\n", (), "line 3 (study 'a'): n = '1.5' is not a whole"),
        ("study,treatment,events,n\na,P,11,10\na,X,2,10\n", (), "line 2 (study 'a'): events = 11 exceeds n = 10"),
        ("study,treatment,events,n\na,P,-1,10\na,X,2,10\n", (), "events = -1 is negative"),
        ("study,treatment,events,n\na,P,0,0\na,X,2,10\n", (), "line 2 (study 'a'): n is 0"),
        ("study,treatment,events,n\n,P,1,10\n", (), "line 2: study is empty"),
        ("study,treatment,events,n\na,,1,10\n", (), "line 2 (study 'a'): treatment is empty"),
        ("study,treatment,events,n\na,P,1,10\na,P,2,10\n", (), "line 3 (study 'a'): treatment 'P' already has an "
                                                               "arm in this study (line 2)"),
        ("study,treatment,events,n\na,P,1,10\na,X,2,10\nb,P,3,10\n", (), "line 4 (study 'b'): the study has one arm"),
        ("study,treatment,events,n\n", (), "no arms"),
        ("", (), "missing column"),
        ("study,treatment,events,n\na,P,1,10\na,X,2,10\n", ("--reference", "Q"), "reference 'Q' is not in the data"),
        ("study,treatment,events,n\na,P,0,10\na,X,0,10\n", (), "no study can be used"),
        ('study,treatment,events,n\na,"P,1,10\n', (), "line 2"),
    ],
)
def test_bad_input_gets_one_clear_line(tmp_path: Path, capsys, content: str | None, args: tuple, message: str) -> None:
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_text(content)
    assert run(parse(str(path), "--json", *args)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], lines
    assert str(path) in lines[0]  # the file is named


def test_not_utf8_is_one_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"study,treatment,events,n\na,\xff,1,10\n")
    assert run(parse(str(path))) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_extra_columns_blank_lines_and_a_bom_are_fine(tmp_path: Path, capsys) -> None:
    path = tmp_path / "in.csv"
    path.write_text("\ufeffnote,n,events,treatment,study\n\nx,50,5,P,a\ny,50,9,X,a\n\n,40,4,P,b\n,41,8,X,b\n",
                    encoding="utf-8")
    assert run(parse(str(path), "--json", "--model", "fixed")) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["k"] == 2 and out["treatments"] == ["P", "X"] and out["df"] == 1
