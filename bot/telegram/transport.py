"""The HTTP requests to the Bot API: python-telegram-bot's HTTPXRequest, with a JSON body.

python-telegram-bot sends a request without files as an HTML form (application/x-www-form-urlencoded): each
parameter JSON-encoded, then the whole form percent-encoded one character at a time. The Bot API takes a JSON body
as well ("application/json", https://core.telegram.org/bots/api#making-requests); for an answer of a few hundred
characters with its keyboard, encoding it as JSON once instead cost about 0.1 ms less per message (issue 23,
benchmarks/README.md "Serving"). Requests with files (photos) go as python-telegram-bot sends them (multipart).
Timeouts and errors are the library's: a timeout is TimedOut, any other HTTP failure NetworkError. (The body is
``RequestData.parameters`` as JSON; the library's own ``json_payload`` would carry objects and lists encoded a
second time, as JSON strings inside the JSON.)
"""

from __future__ import annotations

import json

import httpx
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

JSON_HEADERS = {"Content-Type": "application/json"}


class JSONRequest(HTTPXRequest):
    """HTTPXRequest whose requests without files carry their parameters as one JSON body."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=BaseRequest.DEFAULT_NONE, write_timeout=BaseRequest.DEFAULT_NONE,
                         connect_timeout=BaseRequest.DEFAULT_NONE,
                         pool_timeout=BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if request_data is None or request_data.contains_files or self._client.is_closed:
            return await super().do_request(url, method, request_data, read_timeout, write_timeout,
                                            connect_timeout, pool_timeout)
        default = self._client.timeout  # a timeout not given is the client's, as HTTPXRequest does
        timeout = httpx.Timeout(connect=_given(connect_timeout, default.connect),
                                read=_given(read_timeout, default.read), write=_given(write_timeout, default.write),
                                pool=_given(pool_timeout, default.pool))
        try:
            response = await self._client.request(method=method, url=url, timeout=timeout,
                                                  headers={"User-Agent": self.USER_AGENT, **JSON_HEADERS},
                                                  content=json.dumps(request_data.parameters, ensure_ascii=False,
                                                                     separators=(",", ":")).encode("utf-8"))
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.PoolTimeout):
                raise TimedOut("Pool timeout: all connections in the connection pool are occupied; the request "
                               "was not sent") from exc
            raise TimedOut from exc
        except httpx.HTTPError as exc:
            raise NetworkError(f"httpx.{type(exc).__name__}: {exc}") from exc
        return response.status_code, response.content


def _given(value, default):
    return default if isinstance(value, DefaultValue) else value
