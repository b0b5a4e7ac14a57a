"""A Quart app served by a real Hypercorn server, called over TCP with httpx."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from servers import TIMEOUT
from servers import running

from quart import Quart
from quart import request
from quart import url_for


@pytest.fixture
def app(app: Quart) -> Quart:
    app.config["MAX_CONTENT_LENGTH"] = 1024
    app.extensions["events"] = []

    @app.before_serving
    async def startup() -> None:
        app.extensions["events"].append("before_serving")

    @app.after_serving
    async def shutdown() -> None:
        app.extensions["events"].append("after_serving")

    @app.get("/")
    async def index() -> str:
        return "hello from quart"

    @app.get("/events")
    async def events() -> list[str]:
        return list(app.extensions["events"])

    @app.post("/echo")
    async def echo() -> dict[str, Any]:
        return {"received": await request.get_json(), "method": request.method}

    @app.post("/size")
    async def size() -> str:
        return str(len(await request.get_data()))

    return app


@pytest.fixture
async def base_url(app: Quart) -> AsyncIterator[str]:
    async with running(app, "http") as url:
        yield url


async def test_get_text(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert response.text == "hello from quart"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-length"] == str(len("hello from quart"))


async def test_post_json_echo(base_url: str) -> None:
    payload = {"name": "hypercorn", "numbers": [1, 2, 3], "nested": {"ok": True}}
    async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as client:
        response = await client.post("/echo", json=payload)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"received": payload, "method": "POST"}


async def test_not_found(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as client:
        response = await client.get("/missing")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("size", "status", "text"),
    [(1000, 200, "1000"), (4096, 413, None)],
    ids=["within-limit", "over-limit"],
)
async def test_body_against_the_limit(
    base_url: str, size: int, status: int, text: str | None
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as client:
        response = await client.post("/size", content=b"x" * size)
    assert response.status_code == status
    if text is not None:
        assert response.text == text


async def test_oversized_chunked_body_is_413(app: Quart) -> None:
    """The server answers 413 once the limit is passed and may close the
    connection while the client is still sending (then the client's next
    write, or read, meets a reset), so the response is read off a raw
    socket, which still returns what arrived before the reset."""
    loop = asyncio.get_running_loop()
    async with running(app) as address:
        host, _, port = address.rpartition(":")
        with socket.create_connection((host, int(port)), timeout=TIMEOUT) as sock:
            sock.setblocking(False)

            async def send_body() -> None:
                await loop.sock_sendall(
                    sock,
                    b"POST /size HTTP/1.1\r\nHost: t\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n",
                )
                try:
                    for _ in range(2000):  # about 1 MB, far over the limit
                        await loop.sock_sendall(sock, b"200\r\n" + b"y" * 512 + b"\r\n")
                    await loop.sock_sendall(sock, b"0\r\n\r\n")
                except OSError:
                    pass  # the server closed the connection: expected

            sender = asyncio.ensure_future(send_body())
            received = b""
            try:
                async with asyncio.timeout(TIMEOUT):
                    while b"\r\n\r\n" not in received:
                        try:
                            data = await loop.sock_recv(sock, 65536)
                        except ConnectionResetError:
                            break
                        if not data:
                            break
                        received += data
            finally:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sender
    assert received.startswith(b"HTTP/1.1 413 ")


async def test_lifespan_runs_around_serving(app: Quart) -> None:
    async with running(app, "http") as url:
        async with httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client:
            response = await client.get("/events")
        assert response.json() == ["before_serving"]
    assert app.extensions["events"] == ["before_serving", "after_serving"]


async def test_streaming_response_chunks_arrive(app: Quart) -> None:
    release = asyncio.Event()

    @app.get("/stream")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            yield b"first;"
            # The rest waits until the client has seen the first chunk, so
            # the test fails if the response is buffered.
            await release.wait()
            yield b"second;"
            yield b"third;"

        return generate()

    async with (
        running(app, "http") as url,
        httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client,
        client.stream("GET", "/stream") as response,
    ):
        assert response.status_code == 200
        assert "content-length" not in response.headers
        chunks = response.aiter_raw()
        async with asyncio.timeout(TIMEOUT):
            first = await chunks.__anext__()
        assert first == b"first;"
        release.set()
        rest = b"".join([chunk async for chunk in chunks])
    assert rest == b"second;third;"


async def test_client_disconnect_closes_generator(app: Quart) -> None:
    started = asyncio.Event()
    closed = asyncio.Event()

    @app.get("/endless")
    async def endless() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            try:
                while True:
                    started.set()
                    yield b"tick\n"
                    await asyncio.sleep(0.01)
            finally:
                closed.set()

        return generate()

    async with running(app, "http") as url:
        async with (
            httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client,
            client.stream("GET", "/endless") as response,
            asyncio.timeout(TIMEOUT),
        ):
            async for chunk in response.aiter_raw():
                assert chunk.startswith(b"tick")
                break
        # The client and its connection are closed: the server must notice
        # and stop the generator promptly.
        async with asyncio.timeout(1):
            await closed.wait()
    assert started.is_set()


async def test_root_path_from_the_server(app: Quart) -> None:
    """Hypercorn's ``root_path`` (``--root-path``) mounts the app under a
    prefix: the requested path includes it, the app routes what follows,
    and a path outside it is not the app's."""

    @app.get("/where")
    async def where() -> dict[str, str]:
        return {
            "path": request.path,
            "root_path": request.root_path,
            "url_for": url_for("where"),
        }

    async with (
        running(app, "http", root_path="/bob") as url,
        httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client,
    ):
        index = await client.get("/bob/")
        located = await client.get("/bob/where")
        outside = await client.get("/")
        outside_where = await client.get("/where")
    assert (index.status_code, index.text) == (200, "hello from quart")
    assert located.json() == {
        "path": "/where",
        "root_path": "/bob",
        "url_for": "/bob/where",
    }
    assert outside.status_code == 404
    assert outside_where.status_code == 404
