"""Compact, signed callback data for inline buttons, and the in-memory registry of recent answers.

Telegram gives a button at most 64 bytes of callback data and sends back whatever the client sends, so the
data is treated as untrusted input. A button carries ``<code>.<arg>.<token>.<sig>``:

- ``code`` names the action (one letter), ``arg`` its short argument (``OR``, ``r``, ``2``…);
- ``token`` is a random key for the answer the button belongs to (kept per chat);
- ``sig`` is an HMAC of the chat id and the rest, under a key kept in the data directory, so data that was
  edited, or copied from another chat, is recognised as not ours instead of being acted on.

The parse behind a token is kept in memory (with the frame each of its menu buttons carries); its ids and
options, and each menu button's frame as a difference from it, are also persisted (see store.py), so buttons
keep working, and keep the question, after a restart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass

from bot.answers.wording import EXAMPLES
from bot.understand.reading import Parse

MAX_BYTES = 64
SIG_CHARS = 8
TOKEN_CHARS = 8
NO_TOKEN = "-"

# action in Reply.buttons -> (code, argument); "ask:" and settings are handled apart
_SIMPLE = {"plot": "p", "icons": "i", "sof": "g", "topics": "o", "help": "h", "clear": "c"}
# any other one-word action shows the reply section of that name (trials, method, sources, sensitivity…)
_SECTION = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
_SIMPLE_BACK = {v: k for k, v in _SIMPLE.items()}
_MEASURE_ARGS = ("RR", "OR", "RD")
_MODEL_ARGS = {"fixed": "f", "random": "r"}
_MODEL_BACK = {v: k for k, v in _MODEL_ARGS.items()}
# settings buttons: S.<key><value>; "-" is "back to the default"
SETTING_VALUES = {"m": ("RR", "OR", "RD", "-"), "f": ("fixed", "random", "-"), "p": ("100", "1000", "-")}
SETTING_NAMES = {"m": "measure", "f": "model", "p": "per"}

_DATA = re.compile(r"^([A-Za-z])\.([A-Za-z0-9_-]{0,16})\.([A-Za-z0-9_-]{1,16})\.([A-Za-z0-9_-]{"
                   + str(SIG_CHARS) + r"})$")


class CallbackError(ValueError):
    """Callback data that is not ours: malformed, edited, or signed for another chat."""


@dataclass(frozen=True)
class Action:
    # plot, icons, sof (summary-of-findings picture), section, topics, help, measure, model, ask, example, setting,
    # clear (the same question without the filters a follow-up kept)
    name: str
    value: str = ""  # section key; RR/OR/RD; fixed/random; a canned question's index; "measure=OR" (settings)
    token: str = NO_TOKEN

    @property
    def needs_answer(self) -> bool:
        """Whether the action works on the answer its token names."""
        return self.name in ("plot", "icons", "sof", "section", "measure", "model", "ask", "clear")


def new_token() -> str:
    return secrets.token_urlsafe(6)[:TOKEN_CHARS]


def _sign(key: bytes, chat_id: int, body: str) -> str:
    digest = hmac.new(key, f"{chat_id}:{body}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:SIG_CHARS]


def _encode(key: bytes, chat_id: int, code: str, arg: str, token: str) -> str:
    body = f"{code}.{arg}.{token}"
    data = f"{body}.{_sign(key, chat_id, body)}"
    if len(data.encode()) > MAX_BYTES or not _DATA.match(data):
        raise ValueError("callback data does not fit")
    return data


def encode(key: bytes, chat_id: int, action: str, token: str = NO_TOKEN, ask_index: int | None = None,
           carries_frame: bool = False) -> str:
    """Callback data for a Reply button action; ``ask:`` buttons need their index among the canned questions.
    ``carries_frame``: the button continues the question it is under, so it is never the fixed example its
    words may equal ("tralokinumab EASI-75" under "tralokinumab in adolescents" stays in adolescents)."""
    if action in _SIMPLE:
        return _encode(key, chat_id, _SIMPLE[action], "", token)
    if _SECTION.match(action):
        return _encode(key, chat_id, "d", action, token)
    kind, _, arg = action.partition(":")
    if kind == "measure" and arg in _MEASURE_ARGS:
        return _encode(key, chat_id, "M", arg, token)
    if kind == "model" and arg in _MODEL_ARGS:
        return _encode(key, chat_id, "F", _MODEL_ARGS[arg], token)
    if kind == "ask":
        if arg in EXAMPLES and not carries_frame:  # the fixed examples survive restarts and need no token
            return _encode(key, chat_id, "x", str(EXAMPLES.index(arg)), NO_TOKEN)
        if ask_index is None or not 0 <= ask_index < 100:
            raise ValueError("an ask button needs its index")
        return _encode(key, chat_id, "q", str(ask_index), token)
    raise ValueError(f"unknown button action {action!r}")


def encode_setting(key: bytes, chat_id: int, name: str, value: str) -> str:
    """Callback data for a /settings button: name is m (measure), f (model) or p (per); value "-" resets."""
    if name not in SETTING_VALUES or value not in SETTING_VALUES[name]:
        raise ValueError("unknown setting")
    return _encode(key, chat_id, "S", name + value, NO_TOKEN)


def decode(key: bytes, chat_id: int, data: str | None) -> Action:
    """The action a button's data names, or CallbackError when the data is not a button of ours."""
    if not isinstance(data, str) or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        raise CallbackError("malformed")
    match = _DATA.match(data)
    if not match:
        raise CallbackError("malformed")
    code, arg, token, sig = match.groups()
    if not hmac.compare_digest(sig, _sign(key, chat_id, f"{code}.{arg}.{token}")):
        raise CallbackError("bad signature")
    if code in _SIMPLE_BACK and not arg:
        return Action(_SIMPLE_BACK[code], "", token)
    if code == "d" and _SECTION.match(arg):
        return Action("section", arg, token)
    if code == "M" and arg in _MEASURE_ARGS:
        return Action("measure", arg, token)
    if code == "F" and arg in _MODEL_BACK:
        return Action("model", _MODEL_BACK[arg], token)
    if code == "x" and arg.isdigit() and int(arg) < len(EXAMPLES):
        return Action("example", arg, token)
    if code == "q" and arg.isdigit() and len(arg) <= 2:
        return Action("ask", arg, token)
    if code == "S" and arg[:1] in SETTING_VALUES and arg[1:] in SETTING_VALUES[arg[:1]]:
        return Action("setting", f"{SETTING_NAMES[arg[:1]]}={arg[1:]}", token)
    raise CallbackError("unknown action")


# --- recent answers, in memory ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    chat_id: int
    parse: Parse  # the question as understood (before chat settings); may hold typed words: memory only
    questions: tuple[str, ...] = ()  # canned questions of the reply's ask: buttons, by index
    # the frame each ask: button carries (the canned question read as a follow-up of ``parse``), by index
    taps: tuple[Parse | None, ...] = ()


class Recent:
    """A bounded, least-recently-used map from token to the answer its buttons act on."""

    def __init__(self, capacity: int = 5_000):
        self.capacity = capacity
        self._entries: OrderedDict[str, Entry] = OrderedDict()

    def add(self, entry: Entry) -> str:
        token = new_token()
        while token in self._entries or token == NO_TOKEN:
            token = new_token()
        self._entries[token] = entry
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
        return token

    def get(self, token: str, chat_id: int) -> Entry | None:
        entry = self._entries.get(token)
        if entry is None or entry.chat_id != chat_id:
            return None
        self._entries.move_to_end(token)
        return entry

    def __len__(self) -> int:
        return len(self._entries)
