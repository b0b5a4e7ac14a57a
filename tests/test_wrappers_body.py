"""The request Body on its own: pulled from a source (as the ASGI layer
does) or pushed into (Quart's 0.22 and 0.23 producer API), awaited whole
or iterated, with its limits; and the Request arguments that set them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import pytest
from asgi_scopes import http_scope
from werkzeug.datastructures import Headers
from werkzeug.exceptions import ClientDisconnected
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.exceptions import RequestTimeout

from quart import Quart
from quart import request
from quart.testing import QuartClient
from quart.wrappers import Body
from quart.wrappers import ClientDisconnectedError
from quart.wrappers import Request
from quart.wrappers.base import ClientDisconnectedError as BaseClientDisconnectedError

TIMEOUT = 5


async def _bounded(awaitable: Awaitable[Any]) -> Any:
    return await asyncio.wait_for(awaitable, TIMEOUT)


def _source(*chunks: bytes) -> Any:
    remaining = list(chunks)

    async def source() -> tuple[bytes, bool]:
        chunk = remaining.pop(0)
        return chunk, bool(remaining)

    return source


def _request(
    body: Any = None, headers: dict[str, str] | None = None, **kwargs: Any
) -> Request:
    return Request(
        "POST",
        "http",
        "/",
        b"",
        Headers(headers or {}),
        "",
        "1.1",
        http_scope("/", method="POST"),
        body=body,
        **kwargs,
    )


def test_client_disconnected_error_is_werkzeugs() -> None:
    assert ClientDisconnectedError is BaseClientDisconnectedError
    assert issubclass(ClientDisconnectedError, ClientDisconnected)
    assert ClientDisconnectedError.code == 400


# -- pushed -------------------------------------------------------------------------


async def test_append_and_set_complete_then_await() -> None:
    body = Body(None, None)
    body.append(b"ab")
    body.append(b"cd")
    body.set_complete()
    assert await _bounded(body) == b"abcd"
    assert await _bounded(body) == b"abcd"  # kept
    assert body.data == b"abcd"


async def test_await_waits_for_the_producer() -> None:
    body = Body(None, None)
    reader = asyncio.ensure_future(body.read())
    await asyncio.sleep(0)
    assert not reader.done()
    body.append(b"x")
    await asyncio.sleep(0)
    assert not reader.done()
    body.set_complete()
    assert await _bounded(reader) == b"x"


async def test_set_result() -> None:
    body = Body(5, None)
    assert body.data is None
    body.set_result(b"hello")
    assert body.data == b"hello"
    assert [chunk async for chunk in body] == [b"hello"]
    assert [chunk async for chunk in body] == [b"hello"]  # kept: again
    assert await body == b"hello"


async def test_iterating_pushed_chunks() -> None:
    body = Body(None, None)

    async def produce() -> None:
        for part in (b"one", b"two", b"three"):
            await body.put(part)
        body.set_complete()

    producer = asyncio.ensure_future(produce())
    chunks = await _bounded(_collect(body))
    await _bounded(producer)
    assert b"".join(chunks) == b"onetwothree"
    assert await body == b""  # iterated, not kept: nothing left


async def _collect(body: Body) -> list[bytes]:
    return [chunk async for chunk in body]


async def test_put_waits_until_the_previous_chunk_is_read() -> None:
    body = Body(None, None)
    await _bounded(body.put(b"first"))
    second = asyncio.ensure_future(body.put(b"second"))
    await asyncio.sleep(0.01)
    assert not second.done()  # one unread chunk at most
    assert await _bounded(body.get()) == b"first"
    await _bounded(second)
    body.set_complete()
    assert await _bounded(body.get()) == b"second"
    assert await _bounded(body.get()) == b""


async def test_get_and_clear() -> None:
    body = Body(None, None)
    body.append(b"dropped")
    body.clear()
    body.append(b"kept")
    body.set_complete()
    assert await body.get() == b"kept"
    assert await body.get() == b""


async def test_disconnect_wakes_the_reader() -> None:
    body = Body(None, None)
    body.append(b"partial")
    reader = asyncio.ensure_future(body.read())
    await asyncio.sleep(0)
    body.disconnect()
    with pytest.raises(ClientDisconnectedError):
        await _bounded(reader)


async def test_pushed_limit() -> None:
    body = Body(None, 5)
    body.append(b"123")
    body.append(b"456")
    body.set_complete()
    with pytest.raises(RequestEntityTooLarge):
        await _bounded(body)


async def test_declared_length_over_the_limit_is_refused_at_once() -> None:
    body = Body(100, 10)  # no data will ever come
    with pytest.raises(RequestEntityTooLarge):
        await _bounded(body)


async def test_timeout() -> None:
    body = Body(None, None)
    body.timeout = 0.05
    body.append(b"x")
    with pytest.raises(RequestTimeout):
        await _bounded(body)


# -- pulled -------------------------------------------------------------------------


async def test_source_is_read_on_demand() -> None:
    body = Body(None, 100)
    body.set_source(_source(b"a", b"", b"b"))
    assert await body.get() == b"a"
    assert await body.get() == b"b"  # empty chunks are skipped
    assert await body.get() == b""


async def test_source_disconnect_becomes_client_disconnected_error() -> None:
    async def source() -> tuple[bytes, bool]:
        raise ClientDisconnected()

    body = Body(None, None)
    body.set_source(source)
    with pytest.raises(ClientDisconnectedError):
        await body


# -- the request's side -------------------------------------------------------------


async def test_request_limits_from_arguments() -> None:
    req = _request(
        _source(b"x" * 20),
        max_content_length=10,
        body_timeout=3,
        send_push_promise=None,
    )
    assert req.max_content_length == 10
    assert req.body_timeout == 3
    assert req.body.max_content_length == 10
    assert req.body.timeout == 3
    with pytest.raises(RequestEntityTooLarge):
        await req.get_data()


async def test_request_without_a_source_is_pushed_into() -> None:
    req = _request(headers={"Content-Type": "application/x-www-form-urlencoded"})
    req.body.set_result(b"a=1&b=2")
    assert (await req.form).to_dict() == {"a": "1", "b": "2"}
    assert await req.get_data() == b"a=1&b=2"


async def test_request_setters_reach_a_created_body() -> None:
    req = _request(_source(b"x"))
    body = req.body
    req.max_content_length = 1
    req.body_timeout = 2
    assert (body.max_content_length, body.timeout) == (1, 2)


async def test_stream_explains_the_async_body() -> None:
    req = _request()
    with pytest.raises(NotImplementedError, match=r"request\.body"):
        req.stream  # noqa: B018


async def test_lock_class_is_asyncio_lock() -> None:
    assert Request.lock_class is asyncio.Lock


async def test_concurrent_form_reads_parse_once(
    app: Quart, client: QuartClient
) -> None:
    @app.post("/")
    async def index() -> Any:
        form, files = await asyncio.gather(request.form, request.files)
        return {"form": form.to_dict(), "files": list(files)}

    response = await client.post("/", form={"a": "1"})
    assert await response.get_json() == {"form": {"a": "1"}, "files": []}


async def test_close_closes_uploaded_files(app: Quart, client: QuartClient) -> None:
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    closed: list[bool] = []

    @app.post("/")
    async def index() -> str:
        upload = (await request.files)["f"]
        await request.close()
        closed.append(upload.stream.closed)
        return "ok"

    await client.post("/", files={"f": FileStorage(BytesIO(b"x"), filename="f")})
    assert closed == [True]


# -- a subclass with its own state (quart-trio's TrioBody) ---------------------------


class _OwnStateBody(Body):
    """Sets only the five attributes quart-trio's TrioBody sets, with events
    of its own kind, and relies on every inherited method."""

    def __init__(
        self, expected_content_length: int | None, max_content_length: int | None
    ) -> None:
        self._data = bytearray()
        self._complete = asyncio.Event()
        self._has_data = asyncio.Event()
        self._max_content_length = max_content_length
        self._must_raise: Exception | None = None


async def test_subclass_with_its_own_state_is_pushed_into_and_read() -> None:
    body = _OwnStateBody(None, None)
    reader = asyncio.ensure_future(body.read())
    body.append(b"ab")
    body.append(b"cd")
    body.set_complete()
    assert await _bounded(reader) == b"abcd"
    assert await _bounded(body) == b"abcd"  # kept
    assert [chunk async for chunk in body] == [b"abcd"]
    body.clear()
    assert await _bounded(body) == b""


async def test_subclass_iterated_while_pushed_and_its_limit() -> None:
    body = _OwnStateBody(None, 5)

    async def produce() -> None:
        for part in (b"12", b"34"):
            await asyncio.sleep(0)
            body.append(part)
        body.set_complete()

    producer = asyncio.ensure_future(produce())
    assert b"".join(await _bounded(_collect(body))) == b"1234"
    await _bounded(producer)
    over = _OwnStateBody(None, 3)
    over.set_result(b"1234")
    with pytest.raises(RequestEntityTooLarge):
        await _bounded(over)


async def test_wait_for_reader_pauses_the_producer_until_the_reader_asks() -> None:
    body = Body(None, None)
    body.append(b"x" * 10)
    paused = asyncio.ensure_future(body.wait_for_reader(asyncio.Event, 5))
    await asyncio.sleep(0.01)
    assert not paused.done()  # 10 unread bytes, more than 5
    assert await _bounded(body.get()) == b"x" * 10
    await _bounded(paused)
    body.append(b"y")
    await _bounded(body.wait_for_reader(asyncio.Event, 5))  # under: no wait
