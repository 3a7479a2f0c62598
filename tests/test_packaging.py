"""A wheel built from the repository carries the knowledge base and answers questions on its own."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_the_knowledge_base_and_the_console_script(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("evidence_bot-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in ("trials.csv", "arms.csv", "counts.csv", "syntheses.csv", "outcomes.yaml", "vocabulary.yaml",
                 "drugs.yaml", "kb.yaml"):
        assert f"knowledge/data/{data}" in names
    # kb check re-derives registry-sourced counts from the stored records: they ship with the data
    stored = [line.split(",")[2] for line in (ROOT / "knowledge/sources/registry/MANIFEST.csv").read_text(
        encoding="utf-8").splitlines()[1:] if line]
    assert stored and {f"knowledge/sources/registry/{f}" for f in stored} <= names
    assert "knowledge/sources/registry/MANIFEST.csv" in names and "knowledge/data/registry_rules.yaml" in names
    assert {"bot/cli/__init__.py", "bot/understand/parse.py", "bot/answers/compose.py", "bot/telegram/store.py",
            "analysis/pool.py", "knowledge/loader.py"} <= names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "evidence-bot = bot.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_package_answers_from_elsewhere(tmp_path):
    """Run from another directory so the data must come from the package, not the working tree."""
    out = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "dupixent pink eye"], cwd=tmp_path,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                         check=True)
    assert "conjunctivitis" in out.stdout and "not medical advice" in out.stdout
