"""Keep what holds: sustained load leaves no errors and no growth.

- 20,000 requests in process and 10,000 through Hypercorn: every one
  answered right, nothing logged, resident memory grows by less than 2 MB;
- serving files (whole, ranges, HEAD, conditional, cut off by the client)
  leaves no file descriptor open.

(200 websockets x 50 messages through Hypercorn with none lost is
``tests/test_websocket_server.py::test_many_concurrent_connections_echo_in_order``.)
Each test takes a few seconds; a leak of 100 bytes a request fails them.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import warnings
from pathlib import Path
from typing import Any

import pytest
from asgi_scopes import http_scope
from servers import TIMEOUT
from servers import RawHTTP
from servers import running

from quart import Quart
from quart import request
from quart import send_file
from quart import session

MB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/statm").exists(), reason="reads /proc (Linux)"
)


def rss() -> int:
    """Resident memory of this process now, in bytes (after a collection)."""
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def open_fds() -> set[str]:
    """This process's open file descriptors, as ``"number -> target"``."""
    gc.collect()
    fds = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            fds.add(f"{fd} -> {os.readlink(f'/proc/self/fd/{fd}')}")
        except OSError:
            pass  # the descriptor listdir itself used
    return fds


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def app(app: Quart, tmp_path: Path) -> Quart:
    """The shared app rooted in ``tmp_path``, with views that use the common
    parts: routing with converters, query strings, JSON and form bodies,
    sessions, errors, streamed bodies. Not testing: as a server runs it,
    errors are logged (and the tests read the log), not raised."""
    root = tmp_path
    (root / "static").mkdir(exist_ok=True)
    (root / "static" / "data.bin").write_bytes(os.urandom(256 * 1024))
    app.root_path = str(root)
    app.testing = False
    app.logger.addHandler(_Errors())

    @app.get("/")
    async def index() -> str:
        return "hello"

    @app.get("/items/<int:item>")
    async def item(item: int) -> dict[str, Any]:
        return {"item": item, "q": request.args.get("q")}

    @app.post("/json")
    async def echo_json() -> dict[str, Any]:
        return {"echo": await request.get_json()}

    @app.post("/form")
    async def echo_form() -> dict[str, Any]:
        return (await request.form).to_dict()

    @app.get("/count")
    async def count() -> dict[str, int]:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    @app.get("/stream")
    async def stream() -> Any:
        async def chunks() -> Any:
            for part in (b"a", b"b", b"c"):
                yield part

        return chunks()

    @app.get("/file")
    async def file() -> Any:
        return await send_file(root / "static" / "data.bin")

    return app


def errors(app: Quart) -> list[str]:
    handler = next(h for h in app.logger.handlers if isinstance(h, _Errors))
    return [record.getMessage() for record in handler.records]


# -- requests in process -----------------------------------------------------------


def _request(
    path: str,
    *,
    method: str = "GET",
    query: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    body: bytes = b"",
) -> tuple[dict[str, Any], bytes]:
    return http_scope(path, method=method, headers=headers, query_string=query), body


REQUESTS = [
    (_request("/"), 200, b"hello"),
    (_request("/items/7", query=b"q=x"), 200, b'{"item":7,"q":"x"}\n'),
    (
        _request(
            "/json",
            method="POST",
            headers=[(b"content-type", b"application/json")],
            body=b'{"a": [1, 2]}',
        ),
        200,
        b'{"echo":{"a":[1,2]}}\n',
    ),
    (
        _request(
            "/form",
            method="POST",
            headers=[(b"content-type", b"application/x-www-form-urlencoded")],
            body=b"a=1&b=two",
        ),
        200,
        b'{"a":"1","b":"two"}\n',
    ),
    (_request("/stream"), 200, b"abc"),
    (_request("/missing"), 404, None),
    (_request("/items/x"), 404, None),
    (_request("/", method="POST"), 405, None),
]


async def _call(app: Quart, scope: dict[str, Any], body: bytes) -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    await app(scope, receive, send)  # type: ignore[arg-type]
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def _in_process(app: Quart, count: int, wrong: list[Any]) -> None:
    """``count`` requests, each in a task of its own as a server runs them,
    twenty at a time."""

    async def one(index: int) -> None:
        (scope, body), status, expected = REQUESTS[index % len(REQUESTS)]
        got = await _call(app, dict(scope), body)
        if got[0] != status or (expected is not None and got[1] != expected):
            wrong.append((scope["path"], got))

    for start in range(0, count, 20):
        await asyncio.gather(*(one(index) for index in range(start, start + 20)))


async def test_20000_requests_in_process_without_errors_or_growth(app: Quart) -> None:
    wrong: list[Any] = []
    async with asyncio.timeout(60):
        await _in_process(app, 1_000, wrong)  # warm caches and pools
    before = rss()
    async with asyncio.timeout(60):
        await _in_process(app, 20_000, wrong)
    growth = rss() - before
    assert wrong == []
    assert errors(app) == []
    assert growth < 2 * MB, f"RSS grew by {growth / MB:.2f} MB"


# -- requests through Hypercorn ---------------------------------------------------

WIRE_REQUESTS = [
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 200, b"hello"),
    (b"GET /items/3?q=y HTTP/1.1\r\nHost: x\r\n\r\n", 200, b'{"item":3,"q":"y"}\n'),
    (
        b"POST /json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 8\r\n\r\n[1,true]",
        200,
        b'{"echo":[1,true]}\n',
    ),
    (
        b"POST /form HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n3\r\na=1\r\n0\r\n\r\n",
        200,
        b'{"a":"1"}\n',
    ),
    (b"GET /count HTTP/1.1\r\nHost: x\r\n\r\n", 200, b'{"n":1}\n'),
    (b"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n", 404, None),
]


async def _over_the_wire(
    address: str, connections: int, per_connection: int, wrong: list[Any]
) -> None:
    """``per_connection`` requests on each of ``connections`` keep-alive
    connections at once, pipelined ten at a time."""

    async def talk(offset: int) -> None:
        async with RawHTTP.connect(address) as connection:
            for start in range(0, per_connection, 10):
                batch = [
                    WIRE_REQUESTS[(offset + index) % len(WIRE_REQUESTS)]
                    for index in range(start, min(start + 10, per_connection))
                ]
                await connection.send(b"".join(data for data, _, _ in batch))
                for data, status, expected in batch:
                    response = await connection.read_response()
                    if response.status != status or (
                        expected is not None and response.body != expected
                    ):
                        wrong.append((data.split(b"\r\n")[0], response))

    await asyncio.gather(*(talk(n) for n in range(connections)))


async def test_10000_requests_through_hypercorn_without_errors_or_growth(
    app: Quart,
) -> None:
    wrong: list[Any] = []
    async with running(app) as address:
        async with asyncio.timeout(60):
            await _over_the_wire(address, 10, 50, wrong)  # warm up
        before = rss()
        async with asyncio.timeout(60):
            await _over_the_wire(address, 20, 500, wrong)
        growth = rss() - before
    assert wrong == []
    assert errors(app) == []
    assert growth < 2 * MB, f"RSS grew by {growth / MB:.2f} MB"


# -- file descriptors --------------------------------------------------------------

FILE_REQUESTS = [
    b"GET /file HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /static/data.bin HTTP/1.1\r\nHost: x\r\n\r\n",
    b"HEAD /file HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=100-199\r\n\r\n",
    b"GET /static/data.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9,20-29\r\n\r\n",
    b"GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=999999999-\r\n\r\n",
    b"GET /static/data.bin HTTP/1.1\r\nHost: x\r\n"
    b"If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n\r\n",
]


async def _serve_files(address: str, rounds: int) -> list[int]:
    statuses: list[int] = []
    for _ in range(rounds):
        async with RawHTTP.connect(address) as connection:
            for data in FILE_REQUESTS:
                await connection.send(data)
                status, headers = await connection.read_head()
                if not data.startswith(b"HEAD") and status != 304:
                    length = int(headers["content-length"])
                    async with asyncio.timeout(TIMEOUT):
                        await connection.reader.readexactly(length)
                statuses.append(status)
        # A client that leaves in the middle of a download.
        async with RawHTTP.connect(address) as connection:
            await connection.send(FILE_REQUESTS[0])
            await connection.read_head()
            await connection.reader.readexactly(1000)
            connection.writer.transport.abort()
    return statuses


async def _fds_back_to(before: set[str]) -> set[str]:
    """Descriptors open now that were not ``before``, once the server had
    time to close what clients left behind (empty if all were)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while (extra := open_fds() - before) and loop.time() < deadline:
        await asyncio.sleep(0.05)
    return extra


async def test_serving_files_leaves_no_descriptor_open(
    app: Quart, tmp_path: Path
) -> None:
    """No descriptor stays open, and none is left for the garbage collector
    to close (that would be a ``ResourceWarning``: unclosed file)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        # Hypercorn holds a connection the client closed until its keep-alive
        # timeout (5 s by default) ends; a short one lets the test see them go.
        async with running(app, keep_alive_timeout=0.5) as address:
            await _serve_files(address, 2)  # warm up
            before = open_fds()
            statuses = await _serve_files(address, 30)
            assert await _fds_back_to(before) == set()
        assert set(statuses) == {200, 206, 304, 416}, set(statuses)
        # In process too: the test client reads every file response whole.
        client = app.test_client()
        data = (tmp_path / "static" / "data.bin").read_bytes()
        before = open_fds()
        for _ in range(50):
            for path in ("/file", "/static/data.bin"):
                response = await client.get(path, headers={"Range": "bytes=5-9"})
                assert await response.get_data() == data[5:10]
        assert await _fds_back_to(before) == set()
        gc.collect()
    unclosed = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert [str(w.message) for w in unclosed] == []
    assert errors(app) == []
