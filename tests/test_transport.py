"""The Bot API requests' JSON body (bot/telegram/transport.py): what is sent, and errors as the library's."""

from __future__ import annotations

import json

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.transport import JSONRequest


def request_with(handler) -> JSONRequest:
    request = JSONRequest()
    request._client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return request


def data(**params) -> RequestData:
    return RequestData([RequestParameter.from_input(name, value) for name, value in params.items()])


async def test_a_request_without_files_is_one_json_body_with_objects_as_objects():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True, "result": True})

    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Trials – é", callback_data="v1.x")]])
    status, body = await request_with(handler).do_request(
        "http://127.0.0.1/botT/sendMessage", "POST",
        data(chat_id=42, text="<b>risk</b> & more", parse_mode="HTML", reply_markup=markup))
    assert status == 200 and json.loads(body) == {"ok": True, "result": True}
    (sent,) = seen
    assert sent.headers["content-type"] == "application/json"
    assert json.loads(sent.content) == {"chat_id": 42, "text": "<b>risk</b> & more", "parse_mode": "HTML",
                                        "reply_markup": markup.to_dict()}


async def test_failures_are_the_librarys_errors():
    def timeout(request):
        raise httpx.ReadTimeout("slow", request=request)

    def reset(request):
        raise httpx.RemoteProtocolError("closed", request=request)

    with pytest.raises(TimedOut):
        await request_with(timeout).do_request("http://127.0.0.1/botT/getMe", "POST", data(x=1))
    with pytest.raises(NetworkError, match="RemoteProtocolError"):
        await request_with(reset).do_request("http://127.0.0.1/botT/getMe", "POST", data(x=1))
