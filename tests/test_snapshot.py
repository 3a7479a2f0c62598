"""Issue 23's speed-ups must not change anything they speed up: the compiled snapshot of the knowledge base is
the knowledge base (and never trusted when stale, corrupt or not private), the memo and the deferred per-study
records give the same answers, the pure-Python distribution helpers and root finder agree with scipy, the
precomputed ordinary-word list agrees with wordfreq, and the answer path does not import what it no longer
needs. Correctness only: speed is measured in benchmarks/."""

from __future__ import annotations

import json
import math
import os
import pickle
import random
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis import pool
from analysis._dist import NORM_CRIT, chi2_sf
from analysis.results import Deferred
from analysis.roots import bracketed_root
from bot import snapshot
from bot.answers.render import text
from bot.service import EvidenceService
from bot.understand.lexicon import build_lexicon
from knowledge.loader import default_directory, load
from tests.test_answers import GOLDEN_QUESTIONS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(default_directory(), target)
    return target


@pytest.fixture
def cache(tmp_path: Path) -> dict[str, str]:
    return {"EVIDENCE_BOT_CACHE_DIR": str(tmp_path / "cache")}


def _snapshot_files(environ: dict[str, str]) -> list[Path]:
    return sorted(Path(environ["EVIDENCE_BOT_CACHE_DIR"]).glob("kb-*.snapshot"))


def _no_files(*_args, **_kwargs):
    raise AssertionError("the data files were read: the snapshot was not used")


# --- the snapshot is the knowledge base ------------------------------------------------------------------------

def test_a_snapshot_holds_the_same_knowledge_base_and_lexicon_as_a_fresh_load(kb_dir, cache, monkeypatch):
    built, built_lexicon = snapshot.load_compiled(kb_dir, cache)
    assert len(_snapshot_files(cache)) == 1
    monkeypatch.setattr(snapshot, "load", _no_files)  # the second start must come from the snapshot alone
    kb, lexicon = snapshot.load_compiled(kb_dir, cache)
    fresh = load(kb_dir)
    assert kb == fresh == built and lexicon == build_lexicon(fresh) == built_lexicon
    # the indexes answers use are rebuilt as the records are, not merely present
    for drug in fresh.covered_drugs:
        assert kb.trials_of(drug) == fresh.trials_of(drug) and kb.arms_of_drug(drug) == fresh.arms_of_drug(drug)
    assert kb.covered_drugs == fresh.covered_drugs and kb.content_hash == fresh.content_hash
    assert kb.assessments.risk_of_bias_for("solo1", "conjunctivitis", "harm") == \
        fresh.assessments.risk_of_bias_for("solo1", "conjunctivitis", "harm")


def test_a_changed_data_file_is_another_snapshot(kb_dir, cache):
    first, _ = snapshot.load_compiled(kb_dir, cache)
    counts = kb_dir / "counts.csv"
    lines = counts.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    row = lines[1].split(",")
    events, n = header.index("events"), header.index("n")
    row[events] = str(int(row[events]) + 1 if int(row[events]) < int(row[n]) else int(row[events]) - 1)
    counts.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]), encoding="utf-8")
    second, _ = snapshot.load_compiled(kb_dir, cache)
    assert second == load(kb_dir) and second != first and second.content_hash != first.content_hash
    assert second.counts[0].events == int(row[events])
    assert len(_snapshot_files(cache)) == 2  # one per content; the old one is no longer asked for


def test_changed_code_is_another_snapshot(kb_dir, cache, monkeypatch):
    snapshot.load_compiled(kb_dir, cache)
    before = snapshot.snapshot_key(load(kb_dir).content_hash)
    monkeypatch.setattr(snapshot, "code_fingerprint", lambda: "another loader")
    assert snapshot.snapshot_key(load(kb_dir).content_hash) != before
    kb, _ = snapshot.load_compiled(kb_dir, cache)
    assert kb == load(kb_dir) and len(_snapshot_files(cache)) == 2


@pytest.mark.parametrize("damage", ["truncated", "flipped", "not a pickle", "another snapshot", "empty"])
def test_a_corrupt_snapshot_is_ignored_and_rebuilt(kb_dir, cache, damage):
    snapshot.load_compiled(kb_dir, cache)
    (path,) = _snapshot_files(cache)
    data = path.read_bytes()
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "flipped":
        middle = len(data) // 2
        data = data[:middle] + bytes([data[middle] ^ 0x40]) + data[middle + 1:]
    elif damage == "not a pickle":  # a valid checksum over bytes that are no snapshot
        body = b"not a pickle at all"
        data = data.split(b"\n")[0] + b"\n" + _checksum(body) + b"\n" + body
    elif damage == "another snapshot":  # well formed, but of other content: must not be taken for this one
        other = snapshot.Snapshot("some other key", load(default_directory()), build_lexicon(load(default_directory())))
        body = snapshot.dumps(other)
        data = data.split(b"\n")[0] + b"\n" + _checksum(body) + b"\n" + body
    else:
        data = b""
    path.write_bytes(data)
    kb, lexicon = snapshot.load_compiled(kb_dir, cache)
    assert kb == load(kb_dir) and lexicon == build_lexicon(kb)
    assert path.read_bytes() != data  # rebuilt in place
    assert snapshot.read_snapshot(path, snapshot.snapshot_key(kb.content_hash), kb.content_hash) is not None


def _checksum(body: bytes) -> bytes:
    import hashlib

    return hashlib.sha256(body).hexdigest().encode()


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="file owners are what make a snapshot safe to read")
def test_a_snapshot_others_can_write_is_never_unpickled(kb_dir, cache, monkeypatch):
    snapshot.load_compiled(kb_dir, cache)
    (path,) = _snapshot_files(cache)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    path.chmod(0o666)
    monkeypatch.setattr(pickle, "loads", lambda *a: pytest.fail("a file others can write was unpickled"))
    key = snapshot.snapshot_key(load(kb_dir).content_hash)
    assert snapshot.read_snapshot(path, key, load(kb_dir).content_hash) is None
    path.chmod(0o600)
    path.parent.chmod(0o777)
    try:
        assert snapshot.read_snapshot(path, key, load(kb_dir).content_hash) is None
    finally:
        path.parent.chmod(0o700)
    link = path.with_name("kb-link.snapshot")
    link.symlink_to(path)
    assert snapshot.read_snapshot(link, key, load(kb_dir).content_hash) is None  # a link is not followed


def test_kb_check_writes_the_snapshot_ask_starts_from(kb_dir, cache, monkeypatch, capsys):
    from bot.cli import main

    for name, value in cache.items():
        monkeypatch.setenv(name, value)
    assert main(["kb", "check", str(kb_dir)]) == 0
    assert len(_snapshot_files(cache)) == 1
    monkeypatch.setattr(snapshot, "load", _no_files)
    kb, _ = snapshot.load_compiled(kb_dir, cache)
    monkeypatch.undo()
    assert kb == load(kb_dir)


def test_no_cache_folder_means_the_files(kb_dir):
    kb, lexicon = snapshot.load_compiled(kb_dir, {"EVIDENCE_BOT_CACHE_DIR": "off"})
    assert kb == load(kb_dir) and lexicon == build_lexicon(kb)


def test_old_snapshots_are_deleted(kb_dir, cache, monkeypatch):
    for n in range(snapshot.KEEP + 3):
        monkeypatch.setattr(snapshot, "code_fingerprint", lambda n=n: f"code {n}")
        snapshot.load_compiled(kb_dir, cache)
    assert len(_snapshot_files(cache)) == snapshot.KEEP


# --- the memo and deferred records change no answer ---------------------------------------------------------------

def test_the_memo_changes_no_answer(service):
    plain = EvidenceService(load(), memo_size=0)
    assert plain.kb.memo is None and service.kb.memo is not None
    for question in (*GOLDEN_QUESTIONS.values(), "dupilumab conjunctivitis odds ratio",
                     "which JAK has the least acne", "abrocitinib 100 mg vs dupilumab EASI-75 risk ratio"):
        expected = text(plain.ask(question).reply)
        assert text(service.ask(question).reply) == expected, question
        assert text(service.ask(question).reply) == expected, question  # from the memo this time
    assert service.kb.memo.hits > 0


def test_a_warmed_service_answers_as_a_cold_one(service):
    warmed = EvidenceService(load())
    warmed.warm()
    assert len(warmed.kb.memo) > 100
    for question in GOLDEN_QUESTIONS.values():
        assert text(warmed.ask(question).reply) == text(service.ask(question).reply), question


def test_a_small_memo_forgets_the_oldest_and_still_answers_the_same(service):
    small = EvidenceService(load(), memo_size=3)
    for question in GOLDEN_QUESTIONS.values():
        assert text(small.ask(question).reply) == text(service.ask(question).reply), question
    assert len(small.kb.memo) == 3


def test_deferred_per_study_records_read_as_the_tuple_they_stand_for():
    result = pool([5, 0, 12, 7], [50, 40, 60, 55], [9, 0, 20, 8], [52, 41, 58, 50], method="DL",
                  labels=["a", "b", "c", "d"])
    studies = result.studies
    assert isinstance(studies, Deferred) and len(studies) == 4 and studies._items is None  # not made yet
    made = tuple(studies)
    assert studies == made and made == studies and hash(studies) == hash(made)
    assert [s.label for s in studies] == ["a", "b", "c", "d"] and studies[1].reason == "no events in either arm"
    assert studies[1:] == made[1:]
    assert pickle.loads(pickle.dumps(result)) == result  # pickles as a plain tuple
    assert type(pickle.loads(pickle.dumps(studies))) is tuple
    assert json.dumps(result.to_dict()["studies"][0])


# --- pure-Python numerics agree with scipy ------------------------------------------------------------------------

def test_the_normal_quantile_is_scipys():
    from scipy import special

    for level, value in NORM_CRIT.items():
        assert value == float(special.ndtri(1.0 - (1.0 - level) / 2.0))


def test_the_chi_squared_tail_agrees_with_scipy():
    from scipy import special

    rng = np.random.default_rng(23)
    for df in range(1, 201):
        for x in [0.0, 1e-9, 0.5, float(df), 2.0 * df, *rng.uniform(0, 4 * df + 40, 25).tolist()]:
            expected = float(special.chdtrc(df, x))
            assert math.isclose(chi2_sf(x, df), expected, rel_tol=1e-12, abs_tol=1e-300), (df, x)
    assert chi2_sf(3.0, 2.5) == float(special.chdtrc(2.5, 3.0))  # other df: scipy itself


def test_the_root_finder_agrees_with_brentq():
    from scipy import optimize

    functions = [(lambda x: x ** 3 - 2 * x - 5, 2.0, 3.0), (lambda x: math.cos(x) - x, 0.0, 1.0),
                 (lambda x: math.exp(x) - 1e6, 0.0, 20.0), (lambda x: (x - 1e-7) * (1 + x * x), 0.0, 5.0)]
    for f, a, b in functions:
        ours = bracketed_root(f, a, b, xtol=b * 1e-15, rtol=1e-12)
        theirs = optimize.brentq(f, a, b, xtol=b * 1e-15, rtol=1e-12)
        assert math.isclose(ours, theirs, rel_tol=4e-12, abs_tol=b * 4e-15), (ours, theirs)
    with pytest.raises(ValueError):
        bracketed_root(lambda x: x * x + 1, -1.0, 1.0, xtol=1e-12, rtol=1e-12)


def test_the_ordinary_word_list_agrees_with_wordfreq():
    from wordfreq import top_n_list, zipf_frequency

    from bot.understand.matching import COMMON_WORDS, ORDINARY_ZIPF, ordinary_word
    from bot.understand.ordinary import ordinary_words

    assert ordinary_words() is not None  # built (by a child process) into this session's cache folder
    rng = random.Random(23)
    sample = top_n_list("en", 60_000)[::7] + ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz")
                                                      for _ in range(rng.randint(4, 10))) for _ in range(3000)]
    sample += ["don't", "naïve", "covid-19", "x%"]  # not plain: asked of wordfreq
    for word in sample:
        assert ordinary_word(word) == (word in COMMON_WORDS or zipf_frequency(word, "en") >= ORDINARY_ZIPF), word


# --- what starts light stays light --------------------------------------------------------------------------------

def _modules_after(code: str) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sorted(m for m in "
                          "('numpy', 'pandas', 'scipy', 'scipy.special', 'scipy.optimize', 'wordfreq', 'yaml', "
                          "'matplotlib') if m in sys.modules)))"],
                         env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    return out.stdout.split()


def test_help_imports_no_engine_and_ask_no_pandas_scipy_or_wordfreq():
    assert _modules_after("from bot.cli.main import build_parser\nbuild_parser([]).format_help()") == []
    code = ("from bot.service import EvidenceService\ns = EvidenceService.from_directory()\n"
            "for q in ('does dupilumab reduce skin infections', 'abrocitinib vs dupilumab EASI-75',"
            " 'which JAK has the most acne', 'is tralokinumab safe'):\n    s.ask(q)")
    _modules_after(code)  # the first start may build the snapshot (reading the YAML files)
    assert _modules_after(code) == ["numpy"]


def test_engine_commands_show_their_own_summary_in_the_help():
    from bot.cli.main import ENGINE_COMMANDS, build_parser

    def summaries(argv: list[str]) -> dict[str, str]:
        sub = next(a for a in build_parser(argv)._actions if a.dest == "command")
        return {c.dest: c.help for c in sub._choices_actions}

    light = summaries([])
    for name, (_, summary) in ENGINE_COMMANDS.items():
        assert light[name] == summary == summaries([name])[name]  # the stub's line is the module's own
