"""CLI edges: errors are one line on stderr with a non-zero exit, never a traceback; `pool` reads plain
ASCII whole numbers only.

Before: a --plot path that is a directory, stdout on a full device and `kb check` on an unreadable file
ended in tracebacks; `pool` accepted "1_000", "+5" and digits of other scripts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.pool import InputError, read_tables

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLCONFIGDIR": str(ROOT / "build" / "mpl-test")}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=120, stdin=subprocess.DEVNULL)


def one_line_error(result: subprocess.CompletedProcess, words: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr and len(lines) == 1, result.stderr
    assert words in lines[0], lines


def test_a_plot_path_that_is_a_directory(tmp_path):
    result = cli("ask", "does dupilumab reduce skin infections", "--plot", str(tmp_path))
    one_line_error(result, f"cannot write {tmp_path}")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_stdout_on_a_full_device():
    with open("/dev/full", "w") as full:
        result = cli("ask", "does dupilumab reduce skin infections", stdout=full)
    one_line_error(result, "cannot write the output")


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs /proc")
def test_kb_check_on_an_unreadable_file(tmp_path):
    directory = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge" / "data", directory)
    (directory / "trials.csv").unlink()
    (directory / "trials.csv").symlink_to("/proc/self/mem")  # a regular file that fails to read (EIO), as root too
    result = cli("kb", "check", str(directory))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "cannot read" in result.stderr


@pytest.mark.parametrize("value", ["1_000", "+5", "٥", "５", "²", " 5 5", "-+5", "5.0", "-1_0"])
def test_pool_rejects_numbers_that_are_not_plain_digits(tmp_path, value):
    path = tmp_path / "t.csv"
    path.write_text(f"study,ai,n1i,ci,n2i\nA,{value},2000,3,2000\nB,4,100,5,100\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a whole number"):
        read_tables(str(path))


def test_pool_still_reads_plain_numbers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("study,ai,n1i,ci,n2i\nA, 7 ,1000,3,1000\nB,0,100,5,100\n", encoding="utf-8")
    _labels, ai, n1i, _ci, _n2i = read_tables(str(path))
    assert ai == [7, 0] and n1i == [1000, 100]
