"""A small Telegram Bot API stand-in for tests: standard library only, 127.0.0.1 only.

It answers the methods the bot uses (getMe, getUpdates with a short long-poll, sendMessage, sendPhoto with
multipart upload, sendChatAction, answerCallbackQuery, answerInlineQuery, editMessageText,
editMessageReplyMarkup, setMyCommands, getMyCommands, deleteWebhook, close, logOut), records every call, and
serves updates queued by the test. ``fail_next`` makes the next call of a method answer an error (e.g. 429
with retry_after) so retry behaviour can be tested; ``inject`` makes the next N calls of a method fail in any of
the ways the real API or the network does: 429 with retry_after, 5xx, a reply slower than the client waits
(timeout), a connection closed without an answer (reset), 403 "bot was blocked by the user", 400 "message is
not modified". Calls that met a fault are recorded with ``fault`` set; ``delivered()`` leaves them out.
``group_limit=(20, 60.0)`` emulates Telegram's limit of about 20 messages a minute to one group: a sendMessage or
sendPhoto to a group (negative chat id) beyond it in any sliding window is answered 429 "retry after N" (N the
seconds until the oldest message leaves the window), recorded with fault "group_429".

Also here: builders for update JSON, and a strict checker for Telegram HTML.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import itertools
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

TOKEN = "123456789:TEST-fake-token_for-tests-only"
BOT_ID = 123456789
BOT_USERNAME = "evidence_test_bot"
MAX_POLL_WAIT = 0.5  # seconds a getUpdates call waits for updates, whatever timeout it asks
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
RESET = -1  # pseudo status codes handed from FakeBotAPI.handle to the HTTP handler
STALL = -2
FAULTS = ("429", "5xx", "timeout", "reset", "blocked", "not_modified")
SEND_METHODS = ("sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "editMessageText")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    fault: str | None = None  # the injected fault this call met (None: answered normally)

    @property
    def text(self) -> str:
        value = self.params.get("text") or self.params.get("caption") or ""
        return value if isinstance(value, str) else str(value)

    @property
    def markup(self) -> dict | None:
        markup = self.params.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    def buttons(self) -> list[dict]:
        markup = self.markup or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]

    def button(self, label_part: str) -> dict:
        """The button with this label, else the first whose label contains it (case-insensitive)."""
        for b in self.buttons():
            if b["text"] == label_part:
                return b
        for b in self.buttons():
            if label_part.lower() in b["text"].lower():
                return b
        raise AssertionError(f"no button with {label_part!r} in {[b['text'] for b in self.buttons()]}")


def _decode_value(name: str, value: str) -> Any:
    """python-telegram-bot sends strings as they are and everything else JSON-encoded."""
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    if name in ("chat_id", "message_id", "message_thread_id", "cache_time", "from_chat_id") and \
            value.lstrip("-").isdigit():
        return int(value)
    if value in ("true", "false") and name not in ("text", "caption", "query"):
        return value == "true"
    return value


class FakeBotAPI:
    """Run with ``start()`` / ``stop()`` (or as a context manager); URLs in ``base_url`` / ``base_file_url``."""

    def __init__(self, token: str = TOKEN, username: str = BOT_USERNAME, bot_id: int = BOT_ID,
                 group_limit: tuple[int, float] | None = None):
        self.token = token
        self.group_limit = group_limit
        self._group_sent: dict[int, deque[float]] = {}
        self.username = username
        self.bot_id = bot_id
        self.calls: list[Call] = []
        self.commands: list[dict] = []
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._failures: dict[str, list[tuple[int, dict]]] = {}
        self._faults: dict[str, list[tuple[str, int, dict]]] = {}
        self._stopping = threading.Event()
        self.offsets: list[int] = []  # every getUpdates offset asked for, in order (confirmations)
        self._chats: dict[int, dict] = {}
        self._lock = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.bad_requests = 0
        self.webhook: dict | None = None

    # -- lifecycle --

    def start(self) -> FakeBotAPI:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # small keep-alive responses: without this, Nagle's algorithm and the client's delayed ACK add
            # about 40 ms to every request
            disable_nagle_algorithm = True

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def handle(self) -> None:
                try:
                    super().handle()
                except OSError:  # the client vanished (a killed bot): not the stand-in's problem
                    self.close_connection = True

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload = api.handle(self.path, self.headers.get("Content-Type", ""), body)
                if status == RESET:  # drop the connection without a response
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if status == STALL:  # answer only after the client has given up (bounded by the fault)
                    api.stall(payload["seconds"])
                    self.close_connection = True
                    status, payload = 504, {"ok": False, "error_code": 504, "description": "Gateway Timeout"}
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client went away (after a stall): nothing to do
                    self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            self._lock.notify_all()

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- test controls --

    def queue(self, update: dict) -> dict:
        """Queue an update for getUpdates (an update_id is assigned); returns it."""
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            for key in ("message", "edited_message", "channel_post", "callback_query"):
                chat = (update.get(key) or {}).get("chat") or ((update.get(key) or {}).get("message") or {}).get(
                    "chat")
                if chat:
                    self._chats[chat["id"]] = chat
            self._updates.append(update)
            self._lock.notify_all()
        return update

    def next_update_id(self) -> int:
        with self._lock:
            return next(self._update_ids)

    def remember_chat(self, chat: dict) -> None:
        with self._lock:
            self._chats[chat["id"]] = chat

    def fail_next(self, method: str, error_code: int = 429, description: str = "Too Many Requests: retry after 1",
                  parameters: dict | None = None) -> None:
        if error_code == 429 and parameters is None:
            parameters = {"retry_after": 1}
        payload = {"ok": False, "error_code": error_code, "description": description}
        if parameters:
            payload["parameters"] = parameters
        with self._lock:
            self._failures.setdefault(method, []).append((error_code, payload))

    def inject(self, method: str, fault: str, count: int = 1, *, status: int = 502, seconds: float = 6.0,
               retry_after: int = 1) -> None:
        """Make the next ``count`` calls of ``method`` meet ``fault`` (one of FAULTS).

        429: "Too Many Requests: retry after N" with parameters.retry_after; 5xx: HTTP ``status`` with a
        JSON error body; timeout: the answer comes only after ``seconds`` (longer than the client waits); reset:
        the connection is closed without a response; blocked: 403 "bot was blocked by the user"; not_modified:
        400 "message is not modified" (for editMessageText).
        """
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}")
        if fault == "429":
            answer = (429, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after "
                            f"{retry_after}", "parameters": {"retry_after": retry_after}})
        elif fault == "5xx":
            answer = (status, {"ok": False, "error_code": status, "description": "Bad Gateway"
                               if status == 502 else "Internal Server Error"})
        elif fault == "timeout":
            answer = (STALL, {"seconds": seconds})
        elif fault == "reset":
            answer = (RESET, {})
        elif fault == "blocked":
            answer = (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})
        else:
            answer = (400, {"ok": False, "error_code": 400, "description": "Bad Request: message is not modified: "
                            "specified new message content and reply markup are exactly the same as a current "
                            "content and reply markup of the message"})
        with self._lock:
            self._faults.setdefault(method, []).extend([(fault, *answer)] * count)

    def faults_left(self, method: str) -> int:
        with self._lock:
            return len(self._faults.get(method, []))

    def stall(self, seconds: float) -> None:
        """Hold a response for ``seconds`` (less if the stand-in stops)."""
        self._stopping.wait(seconds)

    def delivered(self, *methods: str) -> list[Call]:
        """Calls of these methods that were answered normally (no injected fault)."""
        with self._lock:
            return [c for c in self.calls if c.method in methods and c.fault is None]

    def calls_of(self, *methods: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method in methods]

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until at least ``count`` calls of ``method`` were recorded; returns them."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"waited {timeout}s for {count} {method} call(s), saw {len(found)}: "
                                         f"{[c.method for c in self.calls]}")
                self._lock.wait(min(left, 0.1))

    def pending_updates(self) -> int:
        with self._lock:
            return len(self._updates)

    # -- the API --

    def handle(self, path: str, content_type: str, body: bytes) -> tuple[int, dict]:
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            if path.startswith("/bot"):
                return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        method = path[len(prefix):].split("?", 1)[0]
        try:
            params, files = self._parse_body(content_type, body)
        except ValueError:
            self.bad_requests += 1
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: unreadable body"}
        with self._lock:
            failures = self._failures.get(method)
            failure = failures.pop(0) if failures else None
            faults = self._faults.get(method) if failure is None else None
            fault = faults.pop(0) if faults else None
            if fault is None and failure is None and method in SEND_METHODS:
                fault = self._group_limited(params.get("chat_id"))
            if method == "getUpdates" and fault is None and failure is None:
                self.offsets.append(int(params.get("offset") or 0))
            self.calls.append(Call(method, params, files, fault=fault[0] if fault else
                                   ("fail_next" if failure else None)))
            self._lock.notify_all()
        if failure is not None:
            return failure
        if fault is not None:
            return fault[1], fault[2]
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        result = handler(params, files)
        if isinstance(result, tuple):
            return result
        return 200, {"ok": True, "result": result}

    def _group_limited(self, chat_id: Any) -> tuple[str, int, dict] | None:
        """A 429 when this message would pass the group's limit (``group_limit``); called under the lock."""
        if self.group_limit is None or not isinstance(chat_id, int) or chat_id >= 0:
            return None
        limit, window = self.group_limit
        now = time.monotonic()
        sent = self._group_sent.setdefault(chat_id, deque())
        while sent and now - sent[0] >= window:
            sent.popleft()
        if len(sent) < limit:
            sent.append(now)
            return None
        wait = max(1, int(sent[0] + window - now + 0.999))
        return ("group_429", 429, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry "
                                   f"after {wait}", "parameters": {"retry_after": wait}})

    @staticmethod
    def _parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if not body:
            return params, files
        if content_type.startswith("multipart/form-data"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + content_type.encode() + b"\r\nMIME-Version: 1.0\r\n\r\n" + body)
            if not message.is_multipart():
                raise ValueError("not multipart")
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True) or b""
                if part.get_param("filename", header="content-disposition") is not None:
                    files[name] = payload
                else:
                    params[name] = _decode_value(name, payload.decode("utf-8"))
            return params, files
        if content_type.startswith("application/json"):
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            return data, files
        for name, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True):
            params[name] = _decode_value(name, value)
        return params, files

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + min(timeout, MAX_POLL_WAIT)
        with self._lock:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline and self._server is not None:
                self._lock.wait(max(0.0, deadline - time.monotonic()))
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            limit = int(params.get("limit") or 100)
            return list(self._updates[:limit])

    def _bot_user(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Evidence", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}

    def _message(self, params: dict, **content) -> dict:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            return None  # type: ignore[return-value]
        chat = self._chats.get(chat_id) or {"id": chat_id, "type": "private" if chat_id > 0 else "group",
                                             **({"first_name": "Test"} if chat_id > 0 else {"title": "Group"})}
        return {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                "from": self._bot_user(), **content}

    @staticmethod
    def _bad(description: str) -> tuple[int, dict]:
        return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}

    def _m_getMe(self, params, files):
        return self._bot_user()

    def _m_sendMessage(self, params, files):
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            return self._bad("message text is empty")
        if len(text) > 4096:
            return self._bad("message is too long")
        if params.get("parse_mode") == "HTML":
            problems = html_problems(text)
            if problems:
                return self._bad("can't parse entities: " + problems[0])
        message = self._message(params, text=text)
        if message is None:
            return self._bad("chat not found")
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _m_sendPhoto(self, params, files):
        photo = files.get("photo")
        if photo is None:
            return self._bad("there is no photo in the request")
        caption = params.get("caption") or ""
        if len(caption) > 1024:
            return self._bad("message caption is too long")
        if caption and params.get("parse_mode") == "HTML" and html_problems(caption):
            return self._bad("can't parse entities: " + html_problems(caption)[0])
        message = self._message(params, photo=[{"file_id": f"photo{len(self.calls)}", "file_unique_id": "u1",
                                                "width": 1080, "height": 720, "file_size": len(photo)}])
        if message is None:
            return self._bad("chat not found")
        if caption:
            message["caption"] = caption
        return message

    def _m_sendChatAction(self, params, files):
        return True

    def _m_answerCallbackQuery(self, params, files):
        if not params.get("callback_query_id"):
            return self._bad("query id is empty")
        return True

    def _m_answerInlineQuery(self, params, files):
        if not params.get("inline_query_id"):
            return self._bad("query id is empty")
        results = params.get("results")
        if not isinstance(results, list) or len(results) > 50:
            return self._bad("bad results")
        return True

    def _m_editMessageText(self, params, files):
        if params.get("inline_message_id"):
            return True
        text = params.get("text") or ""
        if params.get("parse_mode") == "HTML" and html_problems(text):
            return self._bad("can't parse entities")
        message = self._message(params, text=text)
        if message is None:
            return self._bad("chat not found")
        message["message_id"] = params.get("message_id")
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _m_editMessageReplyMarkup(self, params, files):
        if params.get("inline_message_id"):
            return True
        message = self._message(params, text="(edited)")
        if message is None:
            return self._bad("chat not found")
        message["message_id"] = params.get("message_id")
        return message

    def _m_setMyCommands(self, params, files):
        commands = params.get("commands")
        if not isinstance(commands, list):
            return self._bad("commands must be a list")
        self.commands = commands
        return True

    def _m_getMyCommands(self, params, files):
        return self.commands

    def _m_deleteWebhook(self, params, files):
        self.webhook = None
        return True

    def _m_setWebhook(self, params, files):
        if not str(params.get("url", "")).startswith(("https://", "http://")):
            return self._bad("bad webhook: an HTTPS URL must be provided")
        self.webhook = params
        return True

    def _m_getWebhookInfo(self, params, files):
        url = (self.webhook or {}).get("url", "")
        return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}

    def _m_close(self, params, files):
        return True

    def _m_logOut(self, params, files):
        return True


# --- update builders ----------------------------------------------------------------------------------------------

_ids = itertools.count(1)


def user(user_id: int = 42, first_name: str = "Ada") -> dict:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "username": f"user{user_id}"}


def chat(chat_id: int = 42, kind: str = "private") -> dict:
    if kind == "private":
        return {"id": chat_id, "type": "private", "first_name": "Ada"}
    return {"id": chat_id, "type": kind, "title": "Clinicians"}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def message(text: str | None = None, chat_id: int = 42, kind: str = "private", user_id: int = 42,
            reply_to: dict | None = None, entities: list[dict] | None = None, **extra) -> dict:
    msg = {"message_id": next(_ids), "date": int(time.time()), "chat": chat(chat_id, kind),
           "from": user(user_id), **extra}
    if text is not None:
        msg["text"] = text
        if entities is None and text.startswith("/"):
            command = text.split()[0]
            entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        if entities:
            msg["entities"] = entities
    if reply_to is not None:
        msg["reply_to_message"] = reply_to
    return msg


def message_update(text: str | None = None, **kwargs) -> dict:
    return {"message": message(text, **kwargs)}


def mention_update(text: str, username: str = BOT_USERNAME, **kwargs) -> dict:
    """A group message that mentions the bot by @username somewhere in the text."""
    handle = f"@{username}"
    start = text.index(handle)
    entity = {"type": "mention", "offset": utf16_len(text[:start]), "length": utf16_len(handle)}
    return {"message": message(text, entities=[entity], **kwargs)}


def bot_message(sent: dict | Call, chat_id: int | None = None) -> dict:
    """A message the bot sent, as it comes back inside a callback query or a reply."""
    if isinstance(sent, Call):
        chat_id = sent.params["chat_id"] if chat_id is None else chat_id
        text = sent.params.get("text", "")
        markup = sent.markup
    else:
        text, markup = sent.get("text", ""), sent.get("reply_markup")
    msg = {"message_id": next(_ids), "date": int(time.time()), "chat": chat(chat_id,
                                                                            "private" if chat_id > 0 else "group"),
           "from": {"id": BOT_ID, "is_bot": True, "first_name": "Evidence", "username": BOT_USERNAME},
           "text": text}
    if markup:
        msg["reply_markup"] = markup
    return msg


def callback_update(data: str, sent: Call | dict | None, user_id: int = 42, chat_id: int | None = None) -> dict:
    query = {"id": f"cbq{next(_ids)}", "from": user(user_id), "chat_instance": "ci1", "data": data}
    if sent is not None:
        query["message"] = bot_message(sent, chat_id)
    else:
        query["inline_message_id"] = "inline1"
    return {"callback_query": query}


def inline_update(text: str, user_id: int = 42) -> dict:
    return {"inline_query": {"id": f"iq{next(_ids)}", "from": user(user_id), "query": text, "offset": ""}}


# --- Telegram HTML checker -----------------------------------------------------------------------------------

ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a", "tg-spoiler",
                "blockquote", "span", "tg-emoji"}
STRICT_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "tg-spoiler", "blockquote"}


class _Checker(HTMLParser):
    def __init__(self, allowed: set[str]):
        super().__init__(convert_charrefs=False)
        self.allowed = allowed
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.allowed:
            self.problems.append(f"tag <{tag}> is not allowed")
        if tag == "a" and (not dict(attrs).get("href") or [k for k, _ in attrs] != ["href"]):
            self.problems.append("<a> must carry exactly one attribute, href")
        elif tag in STRICT_TAGS and tag != "a" and attrs:
            self.problems.append(f"<{tag}> must not carry attributes")
        self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.problems.append(f"self-closing <{tag}/> is not allowed")

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unbalanced </{tag}>")
        else:
            self.stack.pop()

    def handle_entityref(self, name):
        if name not in ("lt", "gt", "amp", "quot"):
            self.problems.append(f"entity &{name}; is not supported")

    def handle_charref(self, name):
        pass

    def handle_comment(self, data):
        self.problems.append("comments are not allowed")

    def handle_decl(self, decl):
        self.problems.append("declarations are not allowed")


def html_problems(text: str, allowed: set[str] = ALLOWED_TAGS) -> list[str]:
    """Why Telegram would refuse this HTML (empty when it is fine)."""
    checker = _Checker(allowed)
    checker.feed(text)
    checker.close()
    problems = list(checker.problems)
    if checker.stack:
        problems.append(f"unclosed tags {checker.stack}")
    # a bare '<' or '&' that is not markup or an entity
    stripped = text
    for index, char in enumerate(stripped):
        if char == "&":
            end = stripped.find(";", index)
            if end == -1 or not stripped[index + 1:end].replace("#", "").isalnum():
                problems.append("bare '&'")
                break
    return problems


def assert_telegram_html(text: str, limit: int = 4096) -> None:
    """Strict: only b, i, u, s, code, pre, a, tg-spoiler, blockquote; balanced; within the limit."""
    assert isinstance(text, str) and text.strip(), "empty message"
    assert len(text) <= limit, f"{len(text)} characters > {limit}"
    problems = html_problems(text, STRICT_TAGS)
    assert not problems, f"{problems} in {text[:300]!r}"
