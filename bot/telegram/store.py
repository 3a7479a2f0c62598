"""Per-chat state kept across restarts: settings, the last question's reading, recent answers' readings.

Nothing here is text anyone wrote. A question is kept only as what the parser made of it: intent, outcome ids,
population id and analysis options (measures, doses, trial ids, numbers). That is enough to answer a
follow-up ("and eczema herpeticum?") or a button press after a restart, and says nothing a person typed.

The state is one JSON file, rewritten atomically (temporary file in the same directory, fsync, rename), so a
crash leaves either the old or the new file, never half of one. A missing or unreadable file starts empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import tempfile
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

from bot.service import Settings
from bot.understand.options import Options
from bot.understand.reading import Parse

log = logging.getLogger(__name__)

STATE_FILE = "state.json"
KEY_FILE = "callback.key"
FORMAT_VERSION = 1
MEASURES = ("RR", "OR", "RD")
MODELS = ("fixed", "random")
PERS = (100, 1000)
_OPTION_FIELDS = {f.name: f for f in fields(Options)}


def default_data_dir() -> Path:
    configured = os.environ.get("EVIDENCE_BOT_DATA_DIR", "").strip()
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("evidence-bot"))


# --- parse snapshots (no text) ----------------------------------------------------------------------------

def snapshot(parsed: Parse) -> dict[str, Any]:
    """What a follow-up or a button needs from an effect question: ids and options, never typed words."""
    return {
        "intent": parsed.intent,
        "intervention": parsed.intervention,
        "outcomes": list(parsed.outcomes),
        "population": parsed.population,
        "options": parsed.options.as_dict(),
        "assumed_drug": bool(parsed.assumed_drug),
    }


def restore(data: Any) -> Parse | None:
    """The Parse a snapshot describes, or None when the snapshot is not one this version wrote."""
    if not isinstance(data, dict):
        return None
    outcomes = data.get("outcomes")
    if not isinstance(outcomes, list) or not all(isinstance(o, str) for o in outcomes):
        return None
    options = _options(data.get("options"))
    if options is None:
        return None
    intent = data.get("intent")
    population = data.get("population")
    intervention = data.get("intervention")
    if intent not in ("effect", "trials", "define") or not isinstance(population, str | type(None)) \
            or not isinstance(intervention, str | type(None)):
        return None
    return Parse(status="answer", intent=intent, intervention=intervention, outcomes=tuple(outcomes),
                 population=population, options=options, assumed_drug=bool(data.get("assumed_drug")))


_OPTION_TYPES: dict[str, tuple[type, ...]] = {
    "measure": (str,), "method": (str,), "hksj": (bool,), "dose_mg": (int,), "interval_weeks": (int,),
    "background": (str,), "followup_weeks": (int,), "exclude_trials": (list,), "only_trials": (list,),
    "baseline_risk": (float, int), "per": (int,), "nnt": (bool,),
}


def _options(data: Any) -> Options | None:
    if not isinstance(data, dict):
        return None
    values: dict[str, Any] = {}
    for name, value in data.items():
        types = _OPTION_TYPES.get(name)
        if types is None or name not in _OPTION_FIELDS:
            continue  # written by another version: ignore rather than fail
        if value is None:
            if name in ("hksj", "nnt", "exclude_trials", "only_trials"):
                return None
            values[name] = None
            continue
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            return None
        if isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                return None
            value = tuple(value)
        values[name] = value
    return Options(**values)


def settings_from(data: Any) -> Settings:
    if not isinstance(data, dict):
        return Settings()
    measure = data.get("measure") if data.get("measure") in MEASURES else None
    model = data.get("model") if data.get("model") in MODELS else None
    per = data.get("per") if data.get("per") in PERS else None
    return Settings(measure=measure, model=model, per=per)


def settings_dict(settings: Settings) -> dict[str, Any]:
    return {"measure": settings.measure, "model": settings.model, "per": settings.per}


# --- the store ----------------------------------------------------------------------------------------------

class Store:
    """Chat settings, last-question context and recent answers' readings, in one JSON file."""

    def __init__(self, directory: str | Path | None = None, *, max_chats: int = 5_000, max_recent: int = 12,
                 max_inline: int = 2_000, save_interval: float = 0.0):
        self.directory = Path(directory) if directory is not None else default_data_dir()
        self.path = self.directory / STATE_FILE
        self.max_chats = max_chats
        self.max_recent = max_recent
        self.max_inline = max_inline
        self._chats: dict[str, dict[str, Any]] = {}
        self._inline: dict[str, dict[str, Any]] = {}
        self._key: bytes | None = None
        self._dirty = False
        # follow-up context and recent answers are saved at most once per save_interval seconds (the whole
        # file is rewritten and fsynced, which costs milliseconds per thousand chats); settings at once
        self.save_interval = save_interval
        self._saved_at = float("-inf")
        self._timer: asyncio.TimerHandle | None = None
        self._load()

    # -- loading and saving --

    def _load(self) -> None:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except OSError as exc:
            log.warning("state file unreadable (%s); starting empty", type(exc).__name__)
            return
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
                raise ValueError("unknown format")
            chats = data.get("chats", {})
            inline = data.get("inline", {})
            if not isinstance(chats, dict) or not isinstance(inline, dict):
                raise ValueError("unknown format")
        except ValueError as exc:
            log.warning("state file unreadable (%s); keeping it aside and starting empty", type(exc).__name__)
            with contextlib.suppress(OSError):
                os.replace(self.path, self.path.with_name(f"{STATE_FILE}.corrupt-{int(time.time())}"))
            return
        self._chats = {str(k): v for k, v in chats.items() if isinstance(v, dict)}
        stamps = [v.get("t") for v in self._chats.values() if isinstance(v.get("t"), int | float)]
        self._last = max(stamps, default=0.0)
        self._inline = {str(k): v for k, v in inline.items() if isinstance(v, dict)}

    def flush(self) -> None:
        """Save if anything changed since the last save: now, or (within save_interval of the last save) soon."""
        if not self._dirty:
            return
        wait = self._saved_at + self.save_interval - time.monotonic()
        if wait <= 0:
            self.save()
            return
        if self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self.save()
                return
            self._timer = loop.call_later(wait, self._deferred)

    def _deferred(self) -> None:
        self._timer = None
        self.flush()

    def close(self) -> None:
        """Save anything pending (at shutdown)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._dirty:
            self.save()

    def save(self) -> None:
        """Write the whole state atomically."""
        self._dirty = False
        self._saved_at = time.monotonic()
        self._trim()
        payload = json.dumps({"version": FORMAT_VERSION, "chats": self._chats, "inline": self._inline},
                             ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        atomic_write(self.path, payload.encode("utf-8"))

    def _trim(self) -> None:
        if len(self._chats) > self.max_chats:
            keep = sorted(self._chats, key=lambda k: self._chats[k].get("t", 0), reverse=True)
            self._chats = {k: self._chats[k] for k in keep[: self.max_chats]}
        if len(self._inline) > self.max_inline:
            keep = sorted(self._inline, key=lambda k: self._inline[k].get("t", 0), reverse=True)
            self._inline = {k: self._inline[k] for k in keep[: self.max_inline]}

    def _chat(self, chat_id: int, create: bool = False) -> dict[str, Any] | None:
        key = str(chat_id)
        chat = self._chats.get(key)
        if chat is None and create:
            chat = self._chats[key] = {}
        if chat is not None and create:
            chat["t"] = self._now()
        return chat

    def _now(self) -> float:
        """A timestamp later than every one handed out before, so trimming keeps the chat just used."""
        self._last = max(time.time(), getattr(self, "_last", 0.0) + 1e-6)
        return self._last

    # -- settings --

    def settings(self, chat_id: int) -> Settings:
        chat = self._chat(chat_id)
        return settings_from(chat.get("settings")) if chat else Settings()

    def set_settings(self, chat_id: int, settings: Settings) -> None:
        chat = self._chat(chat_id, create=True)
        chat["settings"] = settings_dict(settings)
        self.save()

    # -- last effect question, for follow-ups --

    def context(self, chat_id: int) -> Parse | None:
        chat = self._chat(chat_id)
        return restore(chat.get("context")) if chat else None

    def set_context(self, chat_id: int, parsed: Parse, save: bool = True) -> None:
        chat = self._chat(chat_id, create=True)
        chat["context"] = snapshot(parsed)
        self._dirty = True
        if save:
            self.save()

    # -- recent answers' readings, for buttons pressed after a restart --

    def remember(self, chat_id: int, token: str, parsed: Parse, save: bool = True) -> None:
        chat = self._chat(chat_id, create=True)
        recent = chat.setdefault("recent", {})
        if not isinstance(recent, dict):
            recent = chat["recent"] = {}
        recent[token] = {**snapshot(parsed), "t": self._now()}
        if len(recent) > self.max_recent:
            for old in sorted(recent, key=lambda k: recent[k].get("t", 0))[: len(recent) - self.max_recent]:
                del recent[old]
        self._dirty = True
        if save:
            self.save()

    def recall(self, chat_id: int, token: str) -> Parse | None:
        chat = self._chat(chat_id)
        recent = chat.get("recent") if chat else None
        return restore(recent.get(token)) if isinstance(recent, dict) else None

    def remember_inline(self, token: str, parsed: Parse) -> None:
        self._inline[token] = {**snapshot(parsed), "t": self._now()}
        self._dirty = True
        self.flush()

    def recall_inline(self, token: str) -> Parse | None:
        return restore(self._inline.get(token))

    # -- the key that signs callback data --

    def key(self) -> bytes:
        if self._key is None:
            path = self.directory / KEY_FILE
            try:
                key = bytes.fromhex(path.read_text(encoding="ascii").strip())
                if len(key) < 16:
                    raise ValueError("short key")
            except (OSError, ValueError):
                key = secrets.token_bytes(32)
                atomic_write(path, key.hex().encode("ascii"))
            self._key = key
        return self._key

    def chat_count(self) -> int:
        return len(self._chats)


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old or the new content, never a mix; mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
