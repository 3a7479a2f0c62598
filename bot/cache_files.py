"""Private files in the user's cache folder: written atomically by this user, read back only when nobody else
could have written them and their checksum holds. The knowledge-base snapshot (bot/snapshot.py) and the list of
ordinary English words (bot/understand/ordinary.py) are kept this way; anything that fails a check is ignored and
rebuilt from its source, never trusted.

The folder is EVIDENCE_BOT_CACHE_DIR, or the platform's cache folder (platformdirs: ~/.cache/evidence-bot on
Linux); EVIDENCE_BOT_CACHE_DIR=off turns caching off. Each file is one line of the SHA-256 of its body, then the
body.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

MAGIC = b"evidence-bot cache file\n"


def cache_directory(environ=os.environ) -> Path | None:
    """Where cache files live; None when turned off, or on a platform without file owners (the ownership check
    is what makes reading one safe)."""
    chosen = (environ.get("EVIDENCE_BOT_CACHE_DIR") or "").strip()
    if chosen.lower() in ("off", "0", "none") or not hasattr(os, "getuid"):
        return None
    if chosen:
        return Path(chosen)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("evidence-bot", appauthor=False))


def read_private(path: Path) -> bytes | None:
    """The body of a cache file if it is a regular file this user owns and only this user can write, in a folder
    of the same kind, opened without following a link, with a matching checksum; else None (and why, at debug
    level: the reason names no data)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not (stat.S_ISREG(info.st_mode) and _private(info) and _private(os.stat(path.parent))):
            log.debug("cache file %s: not private to this user, ignored", path.name)
            return None
        data = handle.read()
    if not data.startswith(MAGIC):
        log.debug("cache file %s: not a cache file, ignored", path.name)
        return None
    header, _, body = data[len(MAGIC):].partition(b"\n")
    if header != hashlib.sha256(body).hexdigest().encode():
        log.debug("cache file %s: checksum mismatch, ignored", path.name)
        return None
    return body


def write_private(folder: Path, name: str, body: bytes, *, prune: str = "", keep: int = 8) -> Path | None:
    """Write atomically (a temporary file of mode 0600, then a rename); then, with ``prune`` (a glob), delete all
    but the newest ``keep`` files it matches. Any failure only means no cache file (a read-only home, a full
    disk): None."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(os.stat(folder)):
            log.debug("cache folder %s is writable by others: nothing written", folder)
            return None
        path = folder / name
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".evidence-bot-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        if prune:
            found = sorted(folder.glob(prune), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in [p for p in found if p != path][max(keep - 1, 0):]:
                old.unlink(missing_ok=True)
        return path
    except OSError as exc:
        log.debug("no cache file written (%s)", type(exc).__name__)
        return None


def _private(info: os.stat_result) -> bool:
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
