"""Which plain words are ordinary English, without wordfreq in the process that answers.

matching.ordinary_word asks whether a word has a Zipf frequency of at least ORDINARY_ZIPF in wordfreq's English
list. Loading that list costs about 0.3 s and 38 MiB in every process that meets an unknown word (issue 23), so
the answer is precomputed once per installed wordfreq: every plain word (a to z only, which is how nearly every
question word arrives after knowledge.text.normalise) that wordfreq itself rates that high, about 29,000 words,
kept as a word list in the cache folder (bot/cache_files.py) and read back as a frozenset (about 2 MiB). A plain
word not in the list has frequency 0 in wordfreq (it looks a single token up and returns 0 when absent), so the
set gives wordfreq's answer exactly for plain words (tests/test_snapshot.py compares them); any other word is
still asked of wordfreq.

The list is built by a child process (`python -m bot.understand.ordinary FOLDER`), so that the word list's memory
is never held by a serving bot; if that fails, wordfreq is asked in process, as before.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from bot.cache_files import cache_directory, read_private, write_private

ORDINARY_ZIPF = 3.0  # about once per million words
PLAIN = re.compile(r"[a-z]+")
FORMAT = 1
BUILD_TIMEOUT = 120  # seconds for the child process (about 2 s on an idle machine)


def wordfreq_identity() -> str | None:
    """The installed wordfreq, by the size and time of its code and English lists (found without importing it)."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    parts = [f"{FORMAT}", f"{ORDINARY_ZIPF}"]
    for name in ("__init__.py", "tokens.py", "data/large_en.msgpack.gz", "data/small_en.msgpack.gz"):
        try:
            info = (package / name).stat()
        except OSError:
            return None
        parts.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
    return "\n".join(parts)


def list_name(identity: str) -> str:
    return f"ordinary-{hashlib.sha256(identity.encode()).hexdigest()[:32]}.words"


@lru_cache(maxsize=1)
def ordinary_words() -> frozenset[str] | None:
    """The plain words wordfreq rates ordinary, or None when there is no list and none could be built (then
    every word is asked of wordfreq). Read once per process; a pure function of the installed wordfreq."""
    identity = wordfreq_identity()
    folder = cache_directory()
    if identity is None or folder is None:
        return None
    path = folder / list_name(identity)
    body = read_private(path)
    if body is None:
        try:
            subprocess.run([sys.executable, "-m", "bot.understand.ordinary", str(folder)], check=True,
                           timeout=BUILD_TIMEOUT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[2])
        except (OSError, subprocess.SubprocessError):
            return None
        body = read_private(path)
        if body is None:
            return None
    try:
        return frozenset(body.decode("ascii").split("\n"))
    except UnicodeDecodeError:
        return None


def build_list() -> list[str]:
    """Every plain word of wordfreq's English list with a Zipf frequency of at least ORDINARY_ZIPF, asked of
    wordfreq word by word (its own rounding and look-up, not a copy of them)."""
    from wordfreq import get_frequency_dict, zipf_frequency

    floor = 10 ** (ORDINARY_ZIPF - 9) * 0.9  # only candidates: Zipf = log10(frequency) + 9, before rounding
    return sorted(w for w, f in get_frequency_dict("en").items()
                  if f >= floor and PLAIN.fullmatch(w) and zipf_frequency(w, "en") >= ORDINARY_ZIPF)


def main(argv: list[str]) -> int:
    identity = wordfreq_identity()
    if identity is None or len(argv) != 1:
        return 1
    written = write_private(Path(argv[0]), list_name(identity), "\n".join(build_list()).encode("ascii"),
                            prune="ordinary-*.words", keep=2)
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
