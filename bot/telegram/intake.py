"""Taking updates in: decoding that survives updates python-telegram-bot cannot read, and a hardened webhook.

Polling. python-telegram-bot decodes a whole getUpdates batch at once; one update it cannot decode (a Bot API
shape newer or older than the library) fails the batch, the offset never moves, and the same batch fails
forever, logged at CRITICAL with every update's content. ``TolerantBot.get_updates`` decodes each update on
its own; one that fails is replaced by an empty ``Update(update_id)`` (no handler matches it), so the offset
moves past it and it is confirmed; it is counted and logged as one line with the error type only.

Webhook. ``HardenedUpdater`` serves the webhook with python-telegram-bot's tornado stack, changed where it was
open to abuse: the secret token is checked from the headers before any of the body is read; the body is capped
(MAX_BODY, Telegram updates are a few kB); slow clients are cut off (headers and body each within TIMEOUT
seconds); at most MAX_CONNECTIONS connections are open at once (more are closed at once, so the open-files
limit is never reached); refusals are counted and logged as one rate-limited line, never with a traceback.

Both commit each update to the durable inbox (inbox.py) before confirming it to Telegram (a getUpdates offset
past it, the webhook's 200); an update_id already there is not queued again. Polling pauses while MAX_BACKLOG
updates are queued and not answered, so even a flood across many chats waits at Telegram, not in the process.
Answering from the inbox, and stopping in bounded time: turns.py, confirming.py.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import hmac
import json
import logging
import os
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram.ext import ExtBot, Updater
from telegram.ext._utils.webhookhandler import WebhookServer
from tornado.httpserver import HTTPServer

from bot.telegram.confirming import IDLE
from bot.telegram.inbox import minimal, update_id_of

log = logging.getLogger("bot.telegram.intake")

MAX_BODY = 1 << 20  # bytes; Telegram's updates are a few kilobytes
TIMEOUT = 10.0  # seconds for a client to send its headers, and again its body
MAX_CONNECTIONS = 100  # open webhook connections; Telegram itself uses at most 40 (setWebhook max_connections)
MAX_BACKLOG = 100_000  # updates queued and not answered; beyond that polling pauses (they wait at Telegram)


class Counters:
    """What the intake refused or skipped, by reason (shared by polling and the webhook)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def add(self, reason: str) -> int:
        self.counts[reason] = self.counts.get(reason, 0) + 1
        return self.counts[reason]


COUNTERS = Counters()


def decode(data: Any, bot: ExtBot) -> Update | None:
    """One update; an empty Update(update_id) when it cannot be decoded; None when it has no usable id."""
    update, _ = _decoded(data, bot)
    return update


def _decoded(data: Any, bot: ExtBot) -> tuple[Update | None, bool]:
    """``decode``, and whether the library could read the update (False: the empty stand-in, or None)."""
    try:
        update = Update.de_json(data, bot)
        if update is None:
            raise ValueError("empty update")
    except Exception as exc:  # anything the library raises on an unexpected shape
        count = COUNTERS.add("undecodable")
        update_id = data.get("update_id") if isinstance(data, dict) else None
        valid = isinstance(update_id, int) and not isinstance(update_id, bool)
        log.warning("update skipped: cannot be decoded (%s)%s; %d skipped since start", type(exc).__name__,
                    "" if valid else ", no update_id", count)
        return (Update(update_id) if valid else None), False
    bot.insert_callback_data(update)
    return update, True


class TolerantBot(ExtBot):
    """ExtBot whose get_updates skips (and confirms) updates that cannot be decoded instead of failing, and, with
    an inbox, stores each update there before it is confirmed (see inbox.py)."""

    __slots__ = ("_inbox", "_offset", "_turns")

    def __init__(self, *args: Any, inbox: Any = None, turns: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # a bot's public attributes are frozen; underscored ones are not
        self._inbox = inbox  # inbox.Inbox, or None: no durable inbox
        self._turns = turns  # turns.FairUpdateProcessor: told which updates the inbox holds; its backlog bound
        self._offset: int | None = None  # one past the newest update stored

    @property
    def inbox(self) -> Any:
        return self._inbox

    async def send_unread(self, chat_id: int, text: str, **params: Any) -> None:
        """sendMessage as ``send_message`` sends it (same request, rate limiter, retries and errors), without
        decoding the copy of the sent message Telegram answers with: the bot never reads it, and decoding it
        with its keyboard took about a quarter of a millisecond per answer (issue 23). ``params``: sendMessage's
        own names (parse_mode, reply_markup, reply_parameters, message_thread_id, link_preview_options)."""
        await self._post("sendMessage", {"chat_id": chat_id, "text": text, **params})

    def take_in(self, items: list) -> list[Update]:
        """Updates as fetched (dicts) -> the new ones, decoded from what the inbox keeps of them, after they are
        committed to it; known update_ids (sent again) are left out."""
        kept = []
        for item in items:
            update, readable = _decoded(item, self)  # as the library reads it: one it cannot is skipped (logged)
            if update is None:
                continue  # no update_id: nothing to store or confirm
            # what minimal() keeps is what the bot answers; a kind it does not answer keeps its update_id only
            kept.append(minimal(item) if readable else {"update_id": update.update_id})
        durable = False
        if self._inbox is not None:
            kept, durable = self._inbox.add(kept)
        updates = [u for u in (decode(item, self) for item in kept) if u is not None]
        if durable and self._turns is not None:
            self._turns.stored(u.update_id for u in updates)
        return updates

    async def get_updates(self, offset: int | None = None, limit: int | None = None, timeout=None,
                          allowed_updates=None, *, read_timeout=DEFAULT_NONE, write_timeout=DEFAULT_NONE,
                          connect_timeout=DEFAULT_NONE, pool_timeout=DEFAULT_NONE,
                          api_kwargs: dict | None = None) -> tuple[Update, ...]:
        # as Bot.get_updates: the read timeout is the long-poll timeout plus the request's own
        if isinstance(read_timeout, DefaultValue):
            base = getattr(self._request[0], "read_timeout", None) or 0
        else:
            base = read_timeout or 0
        wait = timeout.total_seconds() if isinstance(timeout, dtm.timedelta) else (timeout or 0)
        if wait and self._turns is not None and self._turns.backlog() >= MAX_BACKLOG:
            await asyncio.sleep(min(wait, IDLE))  # back-pressure: the rest waits at Telegram
            return ()
        if self._offset is not None:
            offset = max(offset or 0, self._offset)  # everything stored is confirmed, sent again or not
        result = await self._post(
            "getUpdates", {"timeout": timeout, "offset": offset, "limit": limit, "allowed_updates": allowed_updates},
            read_timeout=base + wait, write_timeout=write_timeout, connect_timeout=connect_timeout,
            pool_timeout=pool_timeout, api_kwargs=api_kwargs)
        if not isinstance(result, list):
            log.warning("getUpdates answered something that is not a list (%s): ignored", type(result).__name__)
            return ()
        updates = self.take_in(result)
        ids = [update_id for update_id in map(update_id_of, result) if update_id is not None]
        if ids:
            self._offset = max(self._offset or 0, max(ids) + 1)
        return tuple(updates)


# --- the webhook ----------------------------------------------------------------------------------------------

def refuse(handler: tornado.web.RequestHandler, status: int, reason: str) -> None:
    count = COUNTERS.add(reason)
    log.warning("webhook request refused: %s (%d); %d refused for this reason since start", reason, status, count)
    handler.set_status(status)
    handler.set_header("Connection", "close")
    handler.finish()


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """One webhook request: secret and size checked from the headers, then the body, then one update queued."""

    SUPPORTED_METHODS = ("POST",)  # type: ignore[assignment]

    def initialize(self, bot: TolerantBot, update_queue, secret_token: str | None, max_body: int) -> None:
        self.bot, self.update_queue, self.secret_token, self.max_body = bot, update_queue, secret_token, max_body
        self.chunks: list[bytes] = []
        self.size = 0

    def prepare(self) -> None:
        if self.request.method != "POST":
            return
        if self.secret_token is not None:
            given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if not hmac.compare_digest(given.encode("utf-8", "replace"), self.secret_token.encode()):
                refuse(self, HTTPStatus.FORBIDDEN, "missing or wrong secret token")
                return
        if self.request.headers.get("Content-Type", "").split(";")[0].strip().lower() != "application/json":
            refuse(self, HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "not JSON")
            return
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            refuse(self, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")
            return
        self.request.connection.set_max_body_size(self.max_body)  # chunked bodies too

    def data_received(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size <= self.max_body:
            self.chunks.append(chunk)

    async def post(self) -> None:
        if self.size > self.max_body:
            refuse(self, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")
            return
        try:
            data = json.loads(b"".join(self.chunks))
        except (ValueError, RecursionError):
            refuse(self, HTTPStatus.BAD_REQUEST, "body is not JSON")
            return
        self.chunks = []
        # committed to the inbox before the 200 (take_in); an update_id seen before is not queued again
        for update in self.bot.take_in([data]):
            if _empty(update):
                if self.bot.inbox is not None:
                    self.bot.inbox.done(update.update_id)  # nothing the bot answers
                continue
            await self.update_queue.put(update)
        # an undecodable update is acknowledged (200) so Telegram does not send it again and again
        self.set_status(HTTPStatus.OK)
        self.finish()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish()  # no traceback or reason text in the response

    def log_exception(self, typ, value, tb) -> None:
        count = COUNTERS.add("handler error")
        log.warning("webhook request failed: %s; %d since start", typ.__name__ if typ else "unknown", count)


def _empty(update: Update) -> bool:
    return update.to_dict() == {"update_id": update.update_id}


class WebhookApp(tornado.web.Application):
    def __init__(self, path: str, bot: ExtBot, update_queue, secret_token: str | None, max_body: int):
        super().__init__([(rf"{path}/?", UpdateHandler, {"bot": bot, "update_queue": update_queue,
                                                         "secret_token": secret_token, "max_body": max_body})])

    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        pass  # no access log: a URL path or an address is all it could add


class CappedHTTPServer(HTTPServer):
    """tornado's HTTPServer, closing connections beyond ``max_connections`` as soon as they are accepted."""

    max_connections = MAX_CONNECTIONS

    def handle_stream(self, stream, address) -> None:
        if len(self._connections) >= self.max_connections:
            stream.close()
            count = COUNTERS.add("too many connections")
            log.warning("webhook connection refused: %d open already; %d refused since start",
                        self.max_connections, count)
            return
        super().handle_stream(stream, address)


def limits_from_env(environ=os.environ) -> tuple[int, float]:
    """(max connections, timeout in seconds) from EVIDENCE_BOT_WEBHOOK_MAX_CONNECTIONS / _TIMEOUT."""
    def number(name: str, default, kind):
        raw = (environ.get(name) or "").strip()
        try:
            value = kind(raw) if raw else default
        except ValueError:
            value = default
        return value if value > 0 else default
    return number("EVIDENCE_BOT_WEBHOOK_MAX_CONNECTIONS", MAX_CONNECTIONS, int), \
        number("EVIDENCE_BOT_WEBHOOK_TIMEOUT", TIMEOUT, float)


class HardenedUpdater(Updater):
    """Updater whose webhook server is the hardened one above (polling is unchanged)."""

    max_connections, timeout, max_body = MAX_CONNECTIONS, TIMEOUT, MAX_BODY

    async def _start_webhook(self, listen, port, url_path, bootstrap_retries, allowed_updates, cert=None,
                             key=None, drop_pending_updates=None, webhook_url=None, ready=None, ip_address=None,
                             max_connections=40, secret_token=None, unix=None) -> None:
        if cert is not None or key is not None or unix is not None:  # not used by `serve`
            raise ValueError("the hardened webhook serves plain HTTP behind a TLS proxy only")
        path = url_path if url_path.startswith("/") else f"/{url_path}"
        app = WebhookApp(path, self.bot, self.update_queue, secret_token, self.max_body)
        self._httpd = WebhookServer(listen, port, app, None)
        server = CappedHTTPServer(app, idle_connection_timeout=self.timeout, body_timeout=self.timeout,
                                  max_body_size=self.max_body, max_buffer_size=self.max_body + (64 << 10),
                                  max_header_size=16 << 10, decompress_request=False)
        server.max_connections = self.max_connections
        self._httpd._http_server = server
        await self._bootstrap(max_retries=bootstrap_retries, drop_pending_updates=drop_pending_updates,
                              webhook_url=webhook_url or f"http://{listen}:{port}{path}",
                              allowed_updates=allowed_updates, ip_address=ip_address,
                              max_connections=max_connections, secret_token=secret_token)
        await self._httpd.serve_forever(ready=ready)
