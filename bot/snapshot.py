"""A compiled snapshot of the knowledge base and its lexicon, so that a cold `evidence-bot ask` or `serve` does
not read, parse and validate every data file again (issue 23).

The snapshot is a pickle in the user's cache folder (bot/cache_files.py), named by a key that covers everything
the records are built from: the content hash of the data files (the one the knowledge base reports), the source
of the code that reads them (knowledge/*.py and the lexicon), the Python version and this format's version. A
changed data file or loader is another key, so a stale snapshot is never even opened: the knowledge base is
loaded from the files and a new snapshot written (on first use, or by `evidence-bot kb check`); old ones are
deleted.

It is never trusted blindly. A pickle runs code when read, so it is unpickled only if this user owns it and
nobody else can write it (nor its folder), and the SHA-256 of its body matches (bot/cache_files.py); the object
read must then be a snapshot of the same key and content hash. Anything else (missing, foreign, truncated,
corrupt, another version) is ignored and rebuilt from the data files, which stay the only source of truth
(tests/test_snapshot.py).
"""

from __future__ import annotations

import gc
import hashlib
import io
import logging
import os
import pickle
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

from bot.cache_files import cache_directory, read_private, write_private
from bot.understand.lexicon import Lexicon, build_lexicon
from knowledge.loader import content_hash, default_directory, load
from knowledge.records import KnowledgeBase

log = logging.getLogger(__name__)

FORMAT = 1  # bump when what a snapshot holds changes shape
KEEP = 8  # snapshots kept (other knowledge-base directories, tests); the oldest go first
# The code that decides what the records and the lexicon hold: a change to any of it is another key.
CODE = ("knowledge", "bot/understand/lexicon.py", "bot/snapshot.py")
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Snapshot:
    key: str
    kb: KnowledgeBase
    lexicon: Lexicon


def code_fingerprint() -> str:
    digest = hashlib.sha256()
    for entry in CODE:
        path = ROOT / entry
        for source in sorted(path.glob("*.py")) if path.is_dir() else [path]:
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def snapshot_key(data_hash: str) -> str:
    return hashlib.sha256(f"{FORMAT}\n{sys.version}\n{data_hash}\n{code_fingerprint()}".encode()).hexdigest()


def snapshot_name(key: str) -> str:
    return f"kb-{key[:40]}.snapshot"


def load_compiled(directory: str | Path | None = None, environ=os.environ) -> tuple[KnowledgeBase, Lexicon]:
    """The knowledge base of ``directory`` and its lexicon: from a valid snapshot when there is one, else loaded
    and validated from the files (raising KnowledgeBaseError as ever), then saved as a snapshot."""
    directory = Path(directory) if directory is not None else default_directory()
    folder = cache_directory(environ)
    data_hash = None
    if folder is not None and directory.is_dir():
        try:
            data_hash = content_hash(directory)
        except OSError:  # an unreadable file: the loader below says which
            data_hash = None
    with no_collection():
        if data_hash is not None:
            key = snapshot_key(data_hash)
            found = read_snapshot(folder / snapshot_name(key), key, data_hash)
            if found is not None:
                return found.kb, found.lexicon
        kb = load(directory)
        lexicon = build_lexicon(kb)
    if data_hash is not None and kb.content_hash == data_hash:  # the files did not change while being read
        write_private(folder, snapshot_name(key), dumps(Snapshot(key, kb, lexicon)), prune="kb-*.snapshot",
                      keep=KEEP)
    return kb, lexicon


@contextmanager
def no_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while records are made: each of its passes traces the growing heap
    again (about half of a large load), and nothing being loaded is garbage. Restored afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def freeze_loaded() -> None:
    """Move everything alive now (modules, the knowledge base, the lexicon) out of the collector's sight
    (gc.freeze): a full collection then traces only what answers allocate, not the whole knowledge base (the
    60 ms stalls issue 23 measured in a serving bot). For long-running processes, after loading and warming."""
    gc.collect()
    gc.freeze()


def save(kb: KnowledgeBase, environ=os.environ) -> Path | None:
    """Write the snapshot of a knowledge base just loaded and checked (`kb check`); None without a cache."""
    folder = cache_directory(environ)
    if folder is None:
        return None
    key = snapshot_key(kb.content_hash)
    return write_private(folder, snapshot_name(key), dumps(Snapshot(key, kb, build_lexicon(kb))),
                         prune="kb-*.snapshot", keep=KEEP)


def read_snapshot(path: Path, key: str, data_hash: str) -> Snapshot | None:
    """The snapshot at ``path`` if it is safe to read and is the one asked for, else None."""
    body = read_private(path)
    if body is None:
        return None
    try:
        found = pickle.loads(body)  # this user's own file: owner, mode and checksum checked
    except Exception:  # a snapshot that cannot be read is rebuilt, whatever the reason
        log.debug("snapshot %s: unreadable, rebuilding", path.name)
        return None
    if not (isinstance(found, Snapshot) and found.key == key and isinstance(found.kb, KnowledgeBase)
            and found.kb.content_hash == data_hash and isinstance(found.lexicon, Lexicon)):
        log.debug("snapshot %s: not the one asked for, rebuilding", path.name)
        return None
    return found


def _mapping_proxy(items: dict) -> MappingProxyType:
    return MappingProxyType(items)


class _Pickler(pickle.Pickler):
    """Pickles the records' read-only mappings (MappingProxyType has no pickle support) as the dicts they show."""

    def reducer_override(self, obj):
        if type(obj) is MappingProxyType:
            return _mapping_proxy, (dict(obj),)
        return NotImplemented


def dumps(snapshot: Snapshot) -> bytes:
    if snapshot.kb.memo is not None:  # a memo is its owner's, never part of a snapshot
        snapshot = Snapshot(snapshot.key, replace(snapshot.kb), snapshot.lexicon)
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(snapshot)
    return buffer.getvalue()
