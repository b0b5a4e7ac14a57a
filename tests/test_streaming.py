"""Streaming: generator bodies chunk by chunk, disconnects, stream_with_context,
server-sent events, request body streaming, RESPONSE_TIMEOUT, and the HTTP/2
extras (server push, early hints)."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
import time
from collections.abc import AsyncIterator
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgi_scopes import http_scope

from quart import Quart
from quart import Response
from quart import current_app
from quart import g
from quart import make_push_promise
from quart import request
from quart import session
from quart import stream_with_context
from quart.globals import _cv_request
from quart.testing import QuartClient
from quart.typing import Message

TIMEOUT = 2


class Exchange:
    """A hand-driven HTTP exchange: the request body is complete; the
    client disconnects when ``leave`` is set."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.leave = asyncio.Event()
        self.chunk_arrived = asyncio.Event()
        self._requested = False

    async def receive(self) -> Message:
        if not self._requested:
            self._requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.leave.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.sent.append(message)
        if message.get("body"):
            self.chunk_arrived.set()

    def body_chunks(self) -> list[bytes]:
        return [
            m["body"]
            for m in self.sent
            if m["type"] == "http.response.body" and m.get("body")
        ]


# -- chunk by chunk -------------------------------------------------------------


async def test_async_generator_streams_each_chunk_as_it_comes(
    app: Quart, client: QuartClient
) -> None:
    release = asyncio.Event()

    @app.get("/")
    async def index() -> Any:
        async def generate() -> AsyncIterator[str]:
            yield "first;"
            await release.wait()
            yield "second;"

        return generate()

    async with client.request("/") as connection:
        await connection.send_complete()
        async with asyncio.timeout(TIMEOUT):
            assert await connection.receive() == b"first;"  # before release
        release.set()
        assert await connection.receive() == b"second;"
        assert await connection.receive() == b""
    assert connection.status_code == 200


async def test_sync_generator_streams_in_a_worker_thread(
    app: Quart, client: QuartClient
) -> None:
    release = threading.Event()
    threads: list[int] = []

    @app.get("/")
    async def index() -> Any:
        def generate() -> Iterator[bytes]:
            threads.append(threading.get_ident())
            yield b"one"
            release.wait(TIMEOUT)  # blocking: must not block the loop
            yield b"two"

        return generate()

    async with client.request("/") as connection:
        await connection.send_complete()
        async with asyncio.timeout(TIMEOUT):
            assert await connection.receive() == b"one"
        await asyncio.sleep(0.01)  # the loop is free while the thread waits
        release.set()
        assert await connection.receive() == b"two"
    assert threads and threads[0] != threading.get_ident()


async def test_disconnect_stops_async_generator_and_runs_cleanup(app: Quart) -> None:
    events: list[str] = []

    class Resource:
        async def __aenter__(self) -> Resource:
            events.append("open")
            return self

        async def __aexit__(self, *args: Any) -> None:
            events.append("close")

    @app.get("/")
    async def index() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            async with Resource():
                try:
                    while True:
                        yield b"tick"
                        await asyncio.sleep(0.005)
                finally:
                    events.append("finally")

        return generate()

    exchange = Exchange()
    task = asyncio.ensure_future(app(http_scope(), exchange.receive, exchange.send))
    async with asyncio.timeout(TIMEOUT):
        await exchange.chunk_arrived.wait()
        exchange.leave.set()
        await task
    assert events == ["open", "finally", "close"]
    ticks = len(exchange.body_chunks())
    await asyncio.sleep(0.05)
    assert len(exchange.body_chunks()) == ticks  # nothing sent after leaving


async def test_disconnect_stops_sync_generator_and_runs_cleanup(app: Quart) -> None:
    closed = threading.Event()

    @app.get("/")
    async def index() -> Any:
        def generate() -> Iterator[bytes]:
            try:
                while True:
                    yield b"tick"
                    time.sleep(0.005)
            finally:
                closed.set()

        return generate()

    exchange = Exchange()
    task = asyncio.ensure_future(app(http_scope(), exchange.receive, exchange.send))
    async with asyncio.timeout(TIMEOUT):
        await exchange.chunk_arrived.wait()
        exchange.leave.set()
        await task
    loop = asyncio.get_running_loop()
    assert await loop.run_in_executor(None, closed.wait, TIMEOUT)


async def test_response_timeout_bounds_a_slow_reader(app: Quart) -> None:
    """A client that stops reading blocks ``send``; RESPONSE_TIMEOUT still
    ends the response and the generator is closed."""
    app.config["RESPONSE_TIMEOUT"] = 0.2
    closed = asyncio.Event()

    @app.get("/")
    async def index() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            try:
                while True:
                    yield b"x" * 1024
            finally:
                closed.set()

        return generate()

    sent: list[Message] = []
    stuck = asyncio.Event()

    async def receive() -> Message:
        if not sent:
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()
        raise AssertionError

    async def send(message: Message) -> None:
        sent.append(message)
        if len(sent) > 3:  # the client's buffers are full
            await stuck.wait()

    loop = asyncio.get_running_loop()
    started = loop.time()
    async with asyncio.timeout(TIMEOUT):
        await app(http_scope(), receive, send)
    assert loop.time() - started < 1
    assert closed.is_set()
    assert all(m.get("more_body", False) for m in sent[1:])  # never completed


# -- stream_with_context ----------------------------------------------------------


async def test_stream_with_context_async_generator(
    app: Quart, client: QuartClient
) -> None:
    app.secret_key = "secret"

    @app.get("/<name>")
    async def index(name: str) -> Any:
        g.who = name
        session["seen"] = True

        async def generate() -> AsyncIterator[str]:
            await asyncio.sleep(0)
            yield f"{request.path} {g.who} {current_app.name} "
            yield f"{request.args['x']} {session['seen']}"

        return stream_with_context(generate())

    response = await client.get("/ada?x=1")
    assert await response.get_data(as_text=True) == f"/ada ada {app.name} 1 True"
    assert _cv_request.get(None) is None  # nothing leaks into the caller


async def test_stream_with_context_decorated_sync_generator(
    app: Quart, client: QuartClient
) -> None:
    cleaned: list[str] = []

    @app.get("/")
    async def index() -> Any:
        g.value = "from g"

        @stream_with_context
        def generate(prefix: str) -> Iterator[str]:
            try:
                yield f"{prefix} {request.method} "
                yield g.value
            finally:
                cleaned.append(request.path)

        return generate("sync")

    response = await client.get("/")
    assert await response.get_data(as_text=True) == "sync GET from g"
    assert cleaned == ["/"]


async def test_stream_with_context_needs_a_request() -> None:
    def generate() -> Iterator[str]:
        yield "x"

    with pytest.raises(RuntimeError, match="request context"):
        stream_with_context(generate())


async def test_request_is_unbound_in_a_plain_streamed_generator(
    app: Quart, client: QuartClient
) -> None:
    """Contrast: without stream_with_context the body runs after the view
    returned and its request context was popped."""

    @app.get("/")
    async def index() -> Any:
        async def generate() -> AsyncIterator[str]:
            try:
                yield request.path
            except RuntimeError:
                yield "unbound"

        return generate()

    response = await client.get("/")
    assert await response.get_data(as_text=True) == "unbound"


# -- server-sent events -----------------------------------------------------------


async def test_server_sent_events_arrive_one_by_one(
    app: Quart, client: QuartClient
) -> None:
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    @app.get("/events")
    async def events() -> Response:
        async def stream() -> AsyncIterator[str]:
            while (item := await queue.get()) is not None:
                yield f"data: {item}\n\n"

        response = Response(stream(), mimetype="text/event-stream")
        response.headers["Cache-Control"] = "no-cache"
        return response

    async with client.request("/events") as connection:
        await connection.send_complete()
        await queue.put("one")
        async with asyncio.timeout(TIMEOUT):
            assert await connection.receive() == b"data: one\n\n"
            assert connection.headers is not None
            content_type = connection.headers["Content-Type"]
            assert content_type.startswith("text/event-stream")
            assert "Content-Length" not in connection.headers
            await queue.put("two")
            assert await connection.receive() == b"data: two\n\n"
            await queue.put(None)
            assert await connection.receive() == b""


# -- request body streaming ---------------------------------------------------------


async def test_request_body_streams_chunk_by_chunk(
    app: Quart, client: QuartClient
) -> None:
    @app.post("/upload")
    async def upload() -> Any:
        sizes = []
        async for chunk in request.body:
            sizes.append(len(chunk))
        return {"sizes": sizes}

    async with client.request(
        "/upload", method="POST", headers={"Transfer-Encoding": "chunked"}
    ) as connection:
        for size in (3, 5, 7):
            await connection.send(b"x" * size)
        await connection.send_complete()
        response = await connection.as_response()
    assert await response.get_json() == {"sizes": [3, 5, 7]}


async def test_request_body_stream_limit(app: Quart, client: QuartClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/upload")
    async def upload() -> Any:
        total = 0
        async for chunk in request.body:
            total += len(chunk)
        return str(total)

    async with client.request(
        "/upload", method="POST", headers={"Transfer-Encoding": "chunked"}
    ) as connection:
        await connection.send(b"x" * 6)
        await connection.send(b"x" * 6)
        await connection.send_complete()
        response = await connection.as_response()
    assert response.status_code == 413


async def test_request_body_stream_timeout(app: Quart, client: QuartClient) -> None:
    app.config["BODY_TIMEOUT"] = 0.1

    @app.post("/upload")
    async def upload() -> Any:
        return str(len([chunk async for chunk in request.body]))

    async with client.request(
        "/upload", method="POST", headers={"Transfer-Encoding": "chunked"}
    ) as connection:
        await connection.send(b"start")  # and then nothing more
        async with asyncio.timeout(TIMEOUT):
            response = await connection.as_response()
    assert response.status_code == 408


# -- HTTP/2 extras ----------------------------------------------------------------


async def test_push_promise_and_early_hints_where_supported(app: Quart) -> None:
    @app.get("/")
    async def index() -> str:
        await request.send_early_hints("</app.css>; rel=preload; as=style")
        await make_push_promise("/app.css")
        return "page"

    exchange = Exchange()
    exchange.leave.set()
    scope = http_scope(
        headers=[(b"accept", b"text/css")],
        http_version="2",
        extensions={"http.response.push": {}, "http.response.early_hint": {}},
    )
    async with asyncio.timeout(TIMEOUT):
        await app(scope, exchange.receive, exchange.send)
    kinds = [m["type"] for m in exchange.sent]
    assert kinds == [
        "http.response.early_hint",
        "http.response.push",
        "http.response.start",
        "http.response.body",
    ]
    assert exchange.sent[0]["links"] == [b"</app.css>; rel=preload; as=style"]
    push = exchange.sent[1]
    assert push["path"] == "/app.css"
    assert push["headers"] == [(b"accept", b"text/css")]  # host is not copied


async def test_push_promise_and_early_hints_skipped_elsewhere(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/")
    async def index() -> str:
        await request.send_push_promise("/app.css")
        await request.send_early_hints("</app.css>; rel=preload")
        return "page"

    exchange = Exchange()
    exchange.leave.set()
    async with asyncio.timeout(TIMEOUT):
        await app(http_scope(extensions={}), exchange.receive, exchange.send)
    assert [m["type"] for m in exchange.sent] == [
        "http.response.start",
        "http.response.body",
    ]
    response = await client.get("/")
    assert await response.get_data() == b"page"


# -- the example app --------------------------------------------------------------


def load_example(name: str) -> Any:
    path = Path(__file__).parent.parent / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_sse_example_broadcasts_and_cleans_up() -> None:
    example = load_example("sse")
    client = example.app.test_client()
    async with client.request("/events") as connection:
        await connection.send_complete()
        async with asyncio.timeout(TIMEOUT):
            assert await connection.receive() == b"retry: 3000\n\n"
            while not example.listeners:
                await asyncio.sleep(0.001)
            response = await client.post("/say", form={"text": "hello\nworld"})
            assert await response.get_json() == {"listeners": 1}
            assert await connection.receive() == b"data: hello\ndata: world\n\n"
        await connection.disconnect()
    async with asyncio.timeout(TIMEOUT):
        while example.listeners:  # the generator's finally ran
            await asyncio.sleep(0.001)
    assert example.event("x", name="time", event_id="7") == (
        "event: time\nid: 7\ndata: x\n\n"
    )
