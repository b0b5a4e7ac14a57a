"""The ASGI layer, driven with hand-built scopes and receive/send callables."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from asgi_scopes import http_scope
from werkzeug.exceptions import ClientDisconnected

from quart import Quart
from quart import request
from quart import url_for
from quart import websocket
from quart.asgi import READER_DELAY
from quart.asgi import ASGIHTTPConnection
from quart.asgi import ASGILifespan
from quart.asgi import ASGIWebsocketConnection
from quart.testing import QuartClient
from quart.typing import ASGIReceiveCallable
from quart.typing import ASGISendCallable
from quart.typing import Message
from quart.wrappers import Request
from quart.wrappers import Websocket


def make_scope(
    path: str = "/",
    method: str = "GET",
    *,
    headers: list[tuple[bytes, bytes]] | None = None,
    query_string: bytes = b"",
    root_path: str = "",
    scheme: str = "http",
    http_version: str = "1.1",
) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": http_version,
        "method": method,
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query_string,
        "root_path": root_path,
        "headers": headers if headers is not None else [(b"host", b"testserver")],
        "client": ("10.1.2.3", 43210),
        "server": ("testserver", 80),
        "extensions": {},
        "state": {},
    }


def request_messages(*chunks: bytes) -> list[Message]:
    """``http.request`` messages carrying ``chunks``; the last ends the body."""
    if not chunks:
        return [{"type": "http.request", "body": b"", "more_body": False}]
    return [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
        for index, chunk in enumerate(chunks)
    ]


async def call(
    app: Quart,
    scope: dict[str, Any],
    incoming: list[Message] | None = None,
    *,
    timeout: float = 5,
) -> list[Message]:
    """Run one HTTP exchange; after ``incoming`` runs out, ``receive``
    blocks until the response is complete, then reports a disconnect."""
    queue = list(incoming if incoming is not None else request_messages())
    sent: list[Message] = []
    complete = asyncio.Event()

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        await complete.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get(
            "more_body", False
        ):
            complete.set()

    async with asyncio.timeout(timeout):
        await app(scope, receive, send)
    return sent


def header_dict(start: Message) -> dict[bytes, bytes]:
    return dict(start["headers"])


def body_of(sent: list[Message]) -> bytes:
    return b"".join(
        m.get("body", b"") for m in sent if m["type"] == "http.response.body"
    )


@pytest.fixture
def app(app: Quart) -> Quart:
    @app.route("/text", methods=["GET", "POST"])
    async def text() -> str:
        return "hello"

    @app.get("/created")
    async def created() -> Any:
        return "made", 201, {"X-Custom-Header": "Mixed Case Value"}

    @app.get("/empty")
    async def empty() -> Any:
        return "", 204

    @app.get("/info")
    async def info() -> dict[str, Any]:
        return {
            "path": request.path,
            "root_path": request.root_path,
            "url": request.url,
            "url_for": url_for("info"),
            "args": request.args.to_dict(flat=False),
            "scheme": request.scheme,
            "remote_addr": request.remote_addr,
            "host": request.host,
            "http_version": request.http_version,
            "accept": request.headers.getlist("Accept"),
        }

    @app.get("/user/<name>")
    async def user(name: str) -> str:
        return name

    @app.post("/echo")
    async def echo() -> bytes:
        data: bytes = await request.get_data()
        return data

    @app.post("/chunks")
    async def chunks() -> dict[str, Any]:
        received = [chunk.decode() async for chunk in request.body]
        return {"chunks": received}

    @app.get("/stream")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            for part in (b"one", b"two", b"three"):
                yield part

        return generate()

    @app.get("/sync")
    def sync_view() -> str:
        return f"sync {request.method}"

    return app


# -- message shapes -------------------------------------------------------


async def test_response_messages(app: Quart) -> None:
    sent = await call(app, make_scope("/text"))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    start, body = sent
    assert start["status"] == 200
    assert isinstance(start["headers"], list)
    for name, value in start["headers"]:
        assert isinstance(name, bytes)
        assert isinstance(value, bytes)
        assert name == name.lower()
    headers = header_dict(start)
    assert headers[b"content-type"] == b"text/html; charset=utf-8"
    assert headers[b"content-length"] == b"5"
    assert body["body"] == b"hello"
    assert not body.get("more_body", False)


async def test_status_and_header_values_kept(app: Quart) -> None:
    sent = await call(app, make_scope("/created"))
    start = sent[0]
    assert start["status"] == 201
    assert header_dict(start)[b"x-custom-header"] == b"Mixed Case Value"
    assert body_of(sent) == b"made"


async def test_head_has_content_length_and_empty_body(app: Quart) -> None:
    get = await call(app, make_scope("/text"))
    head = await call(app, make_scope("/text", "HEAD"))
    assert head[0]["status"] == 200
    assert header_dict(head[0])[b"content-length"] == b"5"
    assert header_dict(head[0]) == header_dict(get[0])
    assert body_of(head) == b""
    assert not head[-1].get("more_body", False)


async def test_204_has_no_body(app: Quart) -> None:
    sent = await call(app, make_scope("/empty"))
    assert sent[0]["status"] == 204
    assert body_of(sent) == b""


async def test_204_has_no_content_length(app: Quart) -> None:
    sent = await call(app, make_scope("/empty"))
    assert b"content-length" not in header_dict(sent[0])


async def test_not_found(app: Quart) -> None:
    sent = await call(app, make_scope("/nope"))
    assert sent[0]["status"] == 404
    assert b"Not Found" in body_of(sent)


async def test_sync_view(app: Quart) -> None:
    sent = await call(app, make_scope("/sync"))
    assert body_of(sent) == b"sync GET"


async def test_streamed_response_messages(app: Quart) -> None:
    sent = await call(app, make_scope("/stream"))
    start, *bodies = sent
    assert start["type"] == "http.response.start"
    assert b"content-length" not in header_dict(start)
    assert all(m["type"] == "http.response.body" for m in bodies)
    assert [m["body"] for m in bodies if m["body"]] == [b"one", b"two", b"three"]
    assert all(m.get("more_body") for m in bodies[:-1])
    assert not bodies[-1].get("more_body", False)


async def test_exception_propagates_when_testing(app: Quart) -> None:
    app.testing = True

    @app.get("/boom")
    async def boom() -> str:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        await call(app, make_scope("/boom"))


async def test_exception_becomes_500(app: Quart) -> None:
    app.testing = False  # a testing app raises the error into the test
    app.logger.disabled = True

    @app.get("/boom")
    async def boom() -> str:
        raise KeyError("boom")

    sent = await call(app, make_scope("/boom"))
    assert sent[0]["status"] == 500


# -- scope to request -----------------------------------------------------


async def test_root_path_is_stripped(app: Quart) -> None:
    scope = make_scope("/prefix/info", root_path="/prefix", query_string=b"a=1&a=2")
    sent = await call(app, scope)
    data = app.json.loads(body_of(sent))
    assert data["path"] == "/info"
    assert data["root_path"] == "/prefix"
    assert data["url"] == "http://testserver/prefix/info?a=1&a=2"
    assert data["url_for"] == "/prefix/info"
    assert data["args"] == {"a": ["1", "2"]}


async def test_root_path_only_matches_whole_segments(app: Quart) -> None:
    # "/prefixed/..." is not under the root path "/prefix".
    sent = await call(app, make_scope("/prefixed/info", root_path="/prefix"))
    assert sent[0]["status"] == 404


@pytest.mark.parametrize(
    ("path", "root_path", "expected"),
    [
        ("/bob/", "/bob", ("/", "/bob", "http://testserver/bob/", "/bob/")),
        ("/bob", "/bob", ("/", "/bob", "http://testserver/bob/", "/bob/")),
        ("/bob/", "/bob/", ("/", "/bob", "http://testserver/bob/", "/bob/")),
        ("/a/b/", "/a/b", ("/", "/a/b", "http://testserver/a/b/", "/a/b/")),
    ],
)
async def test_root_path_is_part_of_the_path(
    app: Quart, path: str, root_path: str, expected: tuple[str, ...]
) -> None:
    """ASGI: ``path`` includes ``root_path``; the app routes what follows."""

    @app.get("/")
    async def index() -> dict[str, str]:
        return {
            "path": request.path,
            "root_path": request.root_path,
            "url": request.url,
            "url_for": url_for("index"),
        }

    sent = await call(app, make_scope(path, root_path=root_path))
    assert sent[0]["status"] == 200
    data = app.json.loads(body_of(sent))
    assert (data["path"], data["root_path"], data["url"], data["url_for"]) == expected


@pytest.mark.parametrize("path", ["/", "/info", "/other/info", "/bo"])
async def test_path_outside_root_path_is_404(app: Quart, path: str) -> None:
    """A path not under the root path is not the app's, even if what
    follows would match a route; the app's 404 handler answers it."""

    @app.get("/")
    async def index() -> str:
        return "index"

    @app.errorhandler(404)
    async def not_found(error: Exception) -> Any:
        return "not here", 404

    sent = await call(app, make_scope(path, root_path="/bob"))
    assert sent[0]["status"] == 404
    assert body_of(sent) == b"not here"


async def test_scope_details_reach_request(app: Quart) -> None:
    scope = make_scope(
        "/info",
        headers=[
            (b"host", b"example.org:8000"),
            (b"accept", b"text/html"),
            (b"accept", b"application/json"),
        ],
        scheme="https",
        http_version="2",
    )
    data = app.json.loads(body_of(await call(app, scope)))
    assert data["scheme"] == "https"
    assert data["host"] == "example.org:8000"
    assert data["remote_addr"] == "10.1.2.3"
    assert data["http_version"] == "2"
    assert data["accept"] == ["text/html", "application/json"]


async def test_path_is_already_decoded(app: Quart) -> None:
    sent = await call(app, make_scope("/user/café"))
    assert body_of(sent).decode() == "café"


# -- request bodies -------------------------------------------------------


async def test_body_in_several_messages(app: Quart) -> None:
    sent = await call(
        app, make_scope("/echo", "POST"), request_messages(b"ab", b"", b"cd", b"ef")
    )
    assert sent[0]["status"] == 200
    assert body_of(sent) == b"abcdef"


async def test_body_streamed_in_order(app: Quart) -> None:
    sent = await call(
        app, make_scope("/chunks", "POST"), request_messages(b"ab", b"cd", b"ef")
    )
    chunks = app.json.loads(body_of(sent))["chunks"]
    assert chunks == ["ab", "cd", "ef"]  # one chunk per http.request message


async def test_body_over_limit_without_content_length(app: Quart) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 4
    sent = await call(
        app, make_scope("/echo", "POST"), request_messages(b"abc", b"def", b"ghi")
    )
    assert sent[0]["status"] == 413


async def test_content_length_over_limit(app: Quart) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 4
    scope = make_scope(
        "/echo", "POST", headers=[(b"host", b"t"), (b"content-length", b"100")]
    )
    sent = await call(app, scope, request_messages(b"x" * 100))
    assert sent[0]["status"] == 413


async def test_disconnect_during_body_read(app: Quart) -> None:
    events: list[str] = []

    @app.post("/read")
    async def read() -> bytes:
        try:
            data: bytes = await request.get_data()
            events.append("read all")
            return data
        except ClientDisconnected:
            events.append("disconnected")
            raise
        except asyncio.CancelledError:
            events.append("cancelled")
            raise
        finally:
            events.append("finally")

    incoming: list[Message] = [
        {"type": "http.request", "body": b"part", "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent = await call(app, make_scope("/read", "POST"), incoming, timeout=2)
    assert "read all" not in events
    assert events[-1] == "finally"
    assert events[0] in {"disconnected", "cancelled"}
    if events[0] == "disconnected":
        assert sent == [] or sent[0]["status"] == 400
    else:
        assert sent == []


async def test_disconnect_cancels_waiting_handler(app: Quart) -> None:
    events: list[str] = []
    waiting = asyncio.Event()

    @app.post("/slow")
    async def slow() -> str:
        await request.get_data()
        try:
            waiting.set()
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            events.append("cancelled")
            raise
        return "too late"

    disconnect = asyncio.Event()

    async def receive() -> Message:
        if not disconnect.is_set():
            disconnect.set()
            return {"type": "http.request", "body": b"x", "more_body": False}
        await waiting.wait()
        return {"type": "http.disconnect"}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async with asyncio.timeout(2):
        await app(make_scope("/slow", "POST"), receive, send)
    assert events == ["cancelled"]
    assert sent == []


async def test_disconnect_cancels_each_of_concurrent_waiting_handlers(
    app: Quart,
) -> None:
    """The readers of requests begun in the same turn of the event loop are
    started together, and each one's client going away cancels its own
    handler only."""
    events: list[str] = []
    waiting = {name: asyncio.Event() for name in ("a", "b", "c")}

    @app.get("/slow/<name>")
    async def slow(name: str) -> str:
        try:
            waiting[name].set()
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            events.append(f"cancelled {name}")
            raise
        return "too late"

    @app.get("/quick/<name>")
    async def quick(name: str) -> str:
        await waiting[name].wait()
        return f"quick {name}"

    def receive_for(leaves: bool, name: str) -> ASGIReceiveCallable:
        messages: list[Message] = [{"type": "http.request", "body": b""}]

        async def receive() -> Message:
            if messages:
                return messages.pop()
            await waiting[name].wait()
            if leaves:
                return {"type": "http.disconnect"}
            await asyncio.sleep(30)  # stays until the response is sent
            raise AssertionError("unreachable")

        return receive

    sent: dict[str, list[Message]] = {"a": [], "b": [], "c": []}

    def send_for(name: str) -> ASGISendCallable:
        async def send(message: Message) -> None:
            sent[name].append(message)

        return send

    async with asyncio.timeout(5):
        await asyncio.gather(
            app(make_scope("/slow/a"), receive_for(True, "a"), send_for("a")),
            app(make_scope("/quick/a"), receive_for(False, "a"), send_for("b")),
            app(make_scope("/slow/c"), receive_for(True, "c"), send_for("c")),
        )
    assert sorted(events) == ["cancelled a", "cancelled c"]
    assert sent["a"] == [] and sent["c"] == []
    assert body_of(sent["b"]) == b"quick a"


async def test_requests_awaited_back_to_back_leave_no_callbacks(app: Quart) -> None:
    """A driver that awaits requests one after another, never letting the
    event loop run its callbacks, is left with at most one pending callback
    or timer, not one per request (asyncio's loop keeps them in ``_ready``
    and ``_scheduled``)."""
    loop = asyncio.get_running_loop()

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    def pending() -> int:
        return len(loop._ready) + len(loop._scheduled)  # type: ignore[attr-defined]

    before = pending()
    for _ in range(200):
        await app(make_scope("/text"), receive, send)
    assert pending() <= before + 1
    assert body_of(sent).count(b"hello") == 200


async def test_disconnect_during_streamed_response(app: Quart) -> None:
    closed = asyncio.Event()

    @app.get("/endless")
    async def endless() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            try:
                while True:
                    yield b"tick"
                    await asyncio.sleep(0.01)
            finally:
                closed.set()

        return generate()

    ticks = 0
    sent_body = False

    async def receive() -> Message:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": b"", "more_body": False}
        while ticks < 3:
            await asyncio.sleep(0.005)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal ticks
        if message.get("body"):
            ticks += 1

    async with asyncio.timeout(2):
        await app(make_scope("/endless"), receive, send)
        await closed.wait()
    assert ticks >= 3


# -- other scope types ----------------------------------------------------


async def test_unsupported_scope_type_raises(app: Quart) -> None:
    async def receive() -> Message:
        raise AssertionError("should not be called")

    async def send(message: Message) -> None:
        raise AssertionError("should not be called")

    with pytest.raises(RuntimeError, match="bogus"):
        async with asyncio.timeout(2):
            await app({"type": "bogus"}, receive, send)


class LifespanDriver:
    """Runs the app's lifespan scope, sending events one at a time."""

    def __init__(self, app: Quart) -> None:
        self.incoming: asyncio.Queue[Message] = asyncio.Queue()
        self.outgoing: asyncio.Queue[Message] = asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self.task = asyncio.ensure_future(app(scope, self.incoming.get, self._send))

    async def _send(self, message: Message) -> None:
        await self.outgoing.put(message)

    async def event(self, name: str) -> Message:
        await self.incoming.put({"type": f"lifespan.{name}"})
        async with asyncio.timeout(2):
            return await self.outgoing.get()


async def test_lifespan_startup_and_shutdown(app: Quart) -> None:
    events: list[str] = []

    @app.before_serving
    async def startup() -> None:
        events.append("startup")

    @app.after_serving
    def shutdown() -> None:  # sync functions work too
        events.append("shutdown")

    driver = LifespanDriver(app)
    assert await driver.event("startup") == {"type": "lifespan.startup.complete"}
    assert events == ["startup"]
    assert app.got_first_request  # serving freezes the app's setup
    assert await driver.event("shutdown") == {"type": "lifespan.shutdown.complete"}
    assert events == ["startup", "shutdown"]
    async with asyncio.timeout(2):
        await driver.task  # the lifespan call ends after shutdown


async def test_lifespan_startup_failure(app: Quart) -> None:
    app.logger.disabled = True

    @app.before_serving
    async def startup() -> None:
        raise ConnectionError("database unreachable")

    driver = LifespanDriver(app)
    message = await driver.event("startup")
    assert message["type"] == "lifespan.startup.failed"
    assert "database unreachable" in message["message"]
    async with asyncio.timeout(2):
        await driver.task


async def test_lifespan_shutdown_failure(app: Quart) -> None:
    app.logger.disabled = True

    @app.after_serving
    async def shutdown() -> None:
        raise ValueError("flush failed")

    driver = LifespanDriver(app)
    assert (await driver.event("startup"))["type"] == "lifespan.startup.complete"
    message = await driver.event("shutdown")
    assert message["type"] == "lifespan.shutdown.failed"
    assert "flush failed" in message["message"]
    async with asyncio.timeout(2):
        await driver.task


async def test_non_utf8_query_string_is_a_400_not_a_500(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/")
    async def index() -> dict[str, str]:
        return request.args.to_dict()

    response = await client.get("/", scope_base={"query_string": b"a=\xff\xfe"})
    assert response.status_code == 400
    assert b"not valid UTF-8" in await response.get_data()
    assert (await client.get("/?a=%C3%A9")).status_code == 200


async def test_watcher_does_not_spin_on_a_receive_that_never_blocks(app: Quart) -> None:
    """A server that keeps answering ``receive()`` with body messages after
    the body ended must not make the disconnect watcher busy-loop."""

    @app.get("/")
    async def index() -> str:
        await asyncio.sleep(0.01)  # yields, so the watcher starts
        return "ok"

    calls = 0

    async def receive() -> Message:
        nonlocal calls
        calls += 1
        return {"type": "http.request", "body": b"", "more_body": False}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = http_scope()
    await asyncio.wait_for(app(scope, receive, send), 2)
    assert sent[0]["status"] == 200
    assert calls <= 3


# -- the connection classes are the code path ----------------------------------


def websocket_scope(path: str = "/ws", **extra: Any) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": "ws",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        "subprotocols": [],
        "extensions": {"websocket.http.response": {}},
    }
    scope.update(extra)
    return scope


async def call_websocket(
    app: Quart, scope: dict[str, Any], incoming: list[Message]
) -> list[Message]:
    """Run one websocket; after ``incoming`` runs out the client waits,
    and leaves once the app closed or refused the connection."""
    queue = [{"type": "websocket.connect"}, *incoming]
    sent: list[Message] = []
    finished = asyncio.Event()

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        await finished.wait()
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "websocket.close" or (
            message["type"] == "websocket.http.response.body"
            and not message.get("more_body", False)
        ):
            finished.set()

    async with asyncio.timeout(5):
        await app(scope, receive, send)
    return sent


async def test_http_connection_methods_serve_the_request(app: Quart) -> None:
    """The app runs every request through ``__call__``, ``handle_request``
    and ``handle_messages`` of its ``asgi_http_class``: overriding them
    changes what happens."""
    calls: list[str] = []

    class Connection(ASGIHTTPConnection):
        async def __call__(
            self, receive: ASGIReceiveCallable, send: ASGISendCallable
        ) -> None:
            calls.append("call")
            await super().__call__(receive, send)

        async def handle_request(
            self, request: Request, send: ASGISendCallable
        ) -> None:
            calls.append(f"handle_request {request.method} {request.path}")

            async def tagged(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message["headers"], (b"x-via", b"sub")]
                await send(message)

            await super().handle_request(request, tagged)

        async def handle_messages(
            self, request: Request, receive: ASGIReceiveCallable
        ) -> None:
            calls.append("handle_messages")
            await super().handle_messages(request, receive)

    @app.post("/slow-echo")
    async def slow_echo() -> bytes:
        await asyncio.sleep(READER_DELAY * 2)  # long enough for the reader
        data: bytes = await request.get_data()
        return data

    app.asgi_http_class = Connection
    sent = await call(app, make_scope("/slow-echo", "POST"), request_messages(b"hi"))
    assert calls == ["call", "handle_request POST /slow-echo", "handle_messages"]
    assert header_dict(sent[0])[b"x-via"] == b"sub"
    assert body_of(sent) == b"hi"


async def test_reader_starts_only_for_requests_running_past_the_delay(
    app: Quart,
) -> None:
    """A request begun just before the reader timer fires, and answered
    within :data:`READER_DELAY`, gets no reader, although one is started
    then for an older request still in flight."""
    read_by: list[str] = []

    class Connection(ASGIHTTPConnection):
        async def handle_messages(
            self, request: Request, receive: ASGIReceiveCallable
        ) -> None:
            read_by.append(request.path)
            await super().handle_messages(request, receive)

    @app.get("/wait/<int:percent>")
    async def wait(percent: int) -> str:
        await asyncio.sleep(READER_DELAY * percent / 100)
        return "done"

    app.asgi_http_class = Connection
    slow = asyncio.create_task(call(app, make_scope("/wait/300")))
    await asyncio.sleep(READER_DELAY * 0.8)  # the timer fires in 0.2 delays
    quick = await call(app, make_scope("/wait/50"))
    assert body_of(quick) == b"done"
    assert read_by == ["/wait/300"]  # started while the quick one was in flight
    assert body_of(await slow) == b"done"
    assert read_by == ["/wait/300"]


async def test_websocket_connection_methods_serve_the_websocket(app: Quart) -> None:
    calls: list[str] = []

    class Connection(ASGIWebsocketConnection):
        async def handle_websocket(
            self, websocket: Websocket, send: ASGISendCallable
        ) -> None:
            calls.append(f"handle_websocket {websocket.path}")
            await super().handle_websocket(websocket, send)

        async def handle_messages(self, receive: ASGIReceiveCallable) -> None:
            calls.append("handle_messages")
            await super().handle_messages(receive)

        async def accept_connection(
            self, send: ASGISendCallable, headers: Any, subprotocol: str | None
        ) -> None:
            calls.append(f"accept {dict(headers)} {subprotocol}")
            await super().accept_connection(send, headers, subprotocol)

        async def send_data(self, send: ASGISendCallable, data: str | bytes) -> None:
            calls.append(f"send {data!r}")
            await super().send_data(send, data.upper())

        async def close_connection(
            self, send: ASGISendCallable, code: int, reason: str
        ) -> None:
            calls.append(f"close {code}")
            await super().close_connection(send, code, reason)

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept(headers={"X-A": "1"})
        message = await websocket.receive()
        await asyncio.sleep(0.01)  # waits on something else: the reader starts
        await websocket.send(message)

    app.asgi_websocket_class = Connection
    sent = await call_websocket(
        app, websocket_scope(), [{"type": "websocket.receive", "text": "hey"}]
    )
    assert calls == [
        "handle_websocket /ws",
        "accept {'X-A': '1'} None",
        "handle_messages",
        "send 'hey'",
        "close 1000",
    ]
    assert [m["type"] for m in sent] == [
        "websocket.accept",
        "websocket.send",
        "websocket.close",
    ]
    assert sent[1]["text"] == "HEY"


async def test_lifespan_class_is_called(app: Quart) -> None:
    calls: list[str] = []

    class Lifespan(ASGILifespan):
        async def __call__(
            self, receive: ASGIReceiveCallable, send: ASGISendCallable
        ) -> None:
            calls.append(self.scope["type"])
            await super().__call__(receive, send)

    app.asgi_lifespan_class = Lifespan
    driver = LifespanDriver(app)
    assert await driver.event("startup") == {"type": "lifespan.startup.complete"}
    assert await driver.event("shutdown") == {"type": "lifespan.shutdown.complete"}
    async with asyncio.timeout(2):
        await driver.task
    assert calls == ["lifespan"]


async def test_websocket_outside_root_path_is_refused_with_404(app: Quart) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.send("in")

    inside = await call_websocket(app, websocket_scope("/bob/ws", root_path="/bob"), [])
    assert [m["type"] for m in inside][:2] == ["websocket.accept", "websocket.send"]
    outside = await call_websocket(app, websocket_scope("/ws", root_path="/bob"), [])
    assert outside[0]["type"] == "websocket.http.response.start"
    assert outside[0]["status"] == 404


_FREEZE_SCRIPT = """
import asyncio, gc, sys
from quart import Quart

calls = []
freeze = gc.freeze
gc.freeze = lambda: (calls.append(1), freeze())

async def main(flag):
    before = gc.get_freeze_count()  # not 0 on every Python (3.12: a few hundred)
    for name in ("first", "second"):
        app = Quart(name)
        app.config["GC_FREEZE_AT_STARTUP"] = flag
        async with app.test_app():
            pass
    print(len(calls), gc.get_freeze_count() - before)

asyncio.run(main(sys.argv[1] == "on"))
"""


@pytest.mark.parametrize(("flag", "freezes"), [("on", 1), ("off", 0)])
def test_lifespan_startup_freezes_the_heap_once_per_process(
    flag: str, freezes: int
) -> None:
    """With GC_FREEZE_AT_STARTUP the first startup leaves the objects alive
    then out of garbage collections, and a later one does not freeze again;
    without it nothing is frozen. In a fresh interpreter: freezing is per
    process."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", _FREEZE_SCRIPT, flag],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    calls, newly_frozen = map(int, result.stdout.split())
    assert calls == freezes
    if freezes:
        assert newly_frozen > 1000  # the interpreter's, quart's and the app's objects
    else:
        assert newly_frozen == 0
