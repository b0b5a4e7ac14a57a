"""What the ASGI layer does with input that is wrong: a view's invalid
status, conflicting body framing, bodies over the limit, and a client that
waits for ``100 Continue``. Real servers and raw sockets where the wire is
the subject, hand-built ASGI calls where the messages are."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from asgi_scopes import http_scope
from servers import TIMEOUT
from servers import RawHTTP
from servers import running
from servers import running_uvicorn

from quart import Quart
from quart import Response
from quart import request
from quart.asgi import BODY_BUFFER_SIZE
from quart.asgi import READER_DELAY
from quart.typing import Message

LIMIT = 1024


@pytest.fixture
def app(app: Quart) -> Quart:
    app.testing = False  # served: a view's error is a 500, not raised here
    app.config["MAX_CONTENT_LENGTH"] = LIMIT

    @app.get("/")
    async def index() -> str:
        return "ok"

    @app.post("/size")
    async def size() -> str:
        return str(len(await request.get_data()))

    @app.post("/slow-size")
    async def slow_size() -> str:
        await asyncio.sleep(0.05)  # yields first: the message reader could start
        return str(len(await request.get_data()))

    @app.post("/late-size")
    async def late_size() -> str:
        # Well past READER_DELAY: the message reader has started, and made
        # the body, before the view first touches it.
        await asyncio.sleep(3 * READER_DELAY)
        return str(len(await request.get_data()))

    @app.get("/status/word")
    async def status_word() -> Any:
        return "x", "abc"

    @app.get("/status/<int:code>")
    async def status_number(code: int) -> Any:
        return "x", code

    @app.get("/status/response")
    async def status_response() -> Response:
        response = Response("x")
        response.status_code = 1000
        return response

    return app


def chunked(*chunks: bytes) -> bytes:
    """``chunks`` in chunked transfer coding, without the last-chunk."""
    return b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks)


# -- an invalid status from a view -------------------------------------------


@pytest.mark.parametrize(
    "path", ["/status/word", "/status/1000", "/status/99", "/status/response"]
)
async def test_invalid_status_is_a_500_and_the_connection_keeps_serving(
    app: Quart, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(app) as address, RawHTTP.connect(address) as http:
        with caplog.at_level(logging.ERROR, logger=app.logger.name):
            await http.send(f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
            failed = await http.read_response()
        assert failed.status == 500
        assert b"Internal Server Error" in failed.body
        assert failed.headers.get("connection", "").lower() != "close"
        # The same connection serves the next request.
        await http.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        following = await http.read_response()
        assert (following.status, following.body) == (200, b"ok")
    (logged,) = [r for r in caplog.records if r.name == app.logger.name]
    assert logged.exc_info is not None
    assert isinstance(logged.exc_info[1], ValueError)
    assert "Invalid status" in str(logged.exc_info[1])


async def test_valid_unusual_statuses_are_sent_as_is(app: Quart) -> None:
    async with running(app) as address, RawHTTP.connect(address) as http:
        for code in (299, 599, 999):
            await http.send(f"GET /status/{code} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
            assert (await http.read_response()).status == code


async def test_invalid_status_raises_when_testing(app: Quart) -> None:
    app.testing = True
    sent: list[Message] = []

    async def receive() -> Message:
        await asyncio.sleep(TIMEOUT)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    with pytest.raises(ValueError, match="Invalid status"):
        await asyncio.wait_for(app(http_scope("/status/1000"), receive, send), TIMEOUT)
    assert sent == []


# -- conflicting framing ---------------------------------------------------------


async def test_content_length_is_not_trusted_beside_chunked(app: Quart) -> None:
    """RFC 9112 6.3: with Transfer-Encoding, Content-Length is ignored. A
    small declared length does not let a large body through, and a large
    one does not refuse a small body; either way the app never sees a body
    framed by the length."""
    async with running(app) as address:
        async with RawHTTP.connect(address) as http:
            await http.send(
                b"POST /size HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
                + chunked(b"a" * 700, b"b" * 700)
                + b"0\r\n\r\n"
            )
            response = await http.read_response()
            assert response.status in {400, 413}
        async with RawHTTP.connect(address) as http:
            await http.send(
                b"POST /size HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n" + chunked(b"c" * 7) + b"0\r\n\r\n"
            )
            response = await http.read_response()
            assert response.status in {200, 400}
            if response.status == 200:
                assert response.body == b"7"


# -- bodies over the limit -------------------------------------------------------


@pytest.mark.parametrize("path", ["/size", "/slow-size", "/late-size"])
async def test_chunked_body_stops_being_read_at_the_limit(
    app: Quart, path: str
) -> None:
    """Whether the handler reads ``receive`` itself or the message reader
    buffers ahead of it, no more than the chunk that crossed the limit is
    read from the server."""
    read = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal read
        await asyncio.sleep(0)  # a server that yields, as real ones do
        if sent or read > 100 * BODY_BUFFER_SIZE:
            await asyncio.sleep(TIMEOUT)
            return {"type": "http.disconnect"}
        read += 100
        return {"type": "http.request", "body": b"x" * 100, "more_body": True}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = http_scope(path, method="POST")
    await asyncio.wait_for(app(scope, receive, send), TIMEOUT)
    assert sent[0]["status"] == 413
    assert LIMIT < read <= LIMIT + 100


async def test_limit_raised_by_the_view_still_reads_the_whole_body(
    app: Quart,
) -> None:
    """Past MAX_CONTENT_LENGTH the reader only pauses; a view that allows
    more for its request gets all of it."""

    @app.post("/big")
    async def big() -> str:
        request.max_content_length = 10 * LIMIT
        await asyncio.sleep(0.01)  # let the message reader run ahead
        return str(len(await request.get_data()))

    chunks = [b"y" * 500] * 10
    incoming: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[Message] = []
    done = asyncio.Event()

    async def receive() -> Message:
        await asyncio.sleep(0)
        if incoming:
            return incoming.pop(0)
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body":
            done.set()

    await asyncio.wait_for(app(http_scope("/big", method="POST"), receive, send), 5)
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b"5000"


async def test_oversized_chunked_body_closes_after_413(app: Quart) -> None:
    """The server answers 413 as soon as the limit is passed and closes the
    connection (the rest of the body is never read)."""
    async with running(app) as address, RawHTTP.connect(address) as http:
        await http.send(
            b"POST /size HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            + chunked(b"y" * 512, b"y" * 512, b"y" * 512)
        )
        response = await http.read_response()
        assert response.status == 413
        assert await http.at_eof()


# -- Expect: 100-continue --------------------------------------------------------


def expect_continue_head(path: str, length: int) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Length: {length}\r\n"
        "Expect: 100-continue\r\n\r\n"
    ).encode()


@pytest.mark.parametrize("path", ["/size", "/slow-size"])
async def test_expect_continue_over_limit_never_calls_receive(
    app: Quart, path: str
) -> None:
    """Servers send ``100 Continue`` when the app first calls ``receive``
    (the ASGI way): a body declared over the limit is refused before that,
    and the message reader does not start early and invite it."""
    calls = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal calls
        calls += 1
        await asyncio.sleep(TIMEOUT)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = http_scope(
        path,
        method="POST",
        headers=[(b"content-length", b"4096"), (b"expect", b"100-continue")],
    )
    await asyncio.wait_for(app(scope, receive, send), TIMEOUT)
    assert sent[0]["status"] == 413
    assert calls == 0


async def test_expect_continue_within_limit_reads_the_body(app: Quart) -> None:
    sent: list[Message] = []
    messages: list[Message] = [
        {"type": "http.request", "body": b"abc", "more_body": False}
    ]

    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(TIMEOUT)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = http_scope(
        "/slow-size",
        method="POST",
        headers=[(b"content-length", b"3"), (b"expect", b"100-continue")],
    )
    await asyncio.wait_for(app(scope, receive, send), TIMEOUT)
    assert (sent[0]["status"], sent[1]["body"]) == (200, b"3")


@pytest.mark.parametrize("path", ["/size", "/slow-size"])
async def test_expect_continue_over_limit_uvicorn(app: Quart, path: str) -> None:
    """Uvicorn sends ``100 Continue`` on the app's first ``receive``: the
    413 comes straight away, with no invitation to send the body."""
    pytest.importorskip("uvicorn")
    async with running_uvicorn(app) as address, RawHTTP.connect(address) as http:
        await http.send(expect_continue_head(path, 4096))
        response = await http.read_response()
    assert response.status == 413
    assert response.interim == []


@pytest.mark.parametrize("path", ["/size", "/slow-size"])
async def test_expect_continue_over_limit_hypercorn(app: Quart, path: str) -> None:
    """Hypercorn (0.18, HTTP/1.1) writes ``100 Continue`` itself as soon as it
    has parsed the request head, before the app runs at all, so no app can
    keep it back. What the app controls: the 413 comes at once, without the
    client sending a byte of the body, and the body is not waited for."""
    async with running(app) as address, RawHTTP.connect(address) as http:
        await http.send(expect_continue_head(path, 4096))
        response = await http.read_response()
    assert response.status == 413
    assert response.interim in ([], [100])


async def test_expect_continue_within_limit_hypercorn(app: Quart) -> None:
    async with running(app) as address, RawHTTP.connect(address) as http:
        await http.send(expect_continue_head("/slow-size", 5))
        status, _ = await http.read_head()
        assert status == 100
        await http.send(b"hello")
        response = await http.read_response()
    assert (response.status, response.body) == (200, b"5")
