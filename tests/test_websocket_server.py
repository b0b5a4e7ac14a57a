"""Websockets and streaming through a real Hypercorn server on 127.0.0.1,
with a real websocket client (the ``websockets`` package) and httpx."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from servers import TIMEOUT
from servers import running
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.exceptions import InvalidStatus

from quart import Quart
from quart import Response
from quart import abort
from quart import request
from quart import websocket
from quart.wrappers.websocket import WebsocketDisconnect


def ws_connect(address: str, path: str, **kwargs: Any) -> connect:
    return connect(
        f"ws://{address}{path}",
        proxy=None,
        compression=None,
        open_timeout=TIMEOUT,
        close_timeout=TIMEOUT,
        **kwargs,
    )


@pytest.fixture
def app(app: Quart) -> Quart:
    app.extensions["events"] = []

    @app.websocket("/echo")
    async def echo() -> None:
        while True:
            await websocket.send(await websocket.receive())

    @app.websocket("/close/<int:code>")
    async def close(code: int) -> None:
        await websocket.send("closing")
        await websocket.close(code, "see you")

    @app.websocket("/proto")
    async def proto() -> None:
        offered = websocket.requested_subprotocols
        await websocket.accept(
            headers={"X-Offered": ",".join(offered)},
            subprotocol="v2" if "v2" in offered else None,
        )
        await websocket.send("ok")

    @app.websocket("/private")
    async def private() -> Any:
        if websocket.headers.get("Authorization") != "Bearer good":
            return Response("no entry", 401, headers={"WWW-Authenticate": "Bearer"})
        await websocket.send("welcome")
        return None

    @app.websocket("/forbidden")
    async def forbidden() -> None:
        abort(403)

    @app.websocket("/watch")
    async def watch() -> None:
        try:
            await websocket.send("watching")
            await websocket.receive()
        except WebsocketDisconnect:
            app.extensions["events"].append("disconnect")
            raise

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        app.extensions["events"].append(("teardown", websocket.path, exc))

    return app


async def test_echo_text_and_bytes(app: Quart) -> None:
    async with running(app) as address, ws_connect(address, "/echo") as ws:
        await ws.send("hello")
        assert await ws.recv() == "hello"
        await ws.send(b"\x00\xff")
        assert await ws.recv() == b"\x00\xff"


async def test_server_close_code_and_reason(app: Quart) -> None:
    async with running(app) as address, ws_connect(address, "/close/4002") as ws:
        assert await ws.recv() == "closing"
        with pytest.raises(ConnectionClosed) as info:
            await ws.recv()
    assert info.value.rcvd is not None
    assert info.value.rcvd.code == 4002
    assert info.value.rcvd.reason == "see you"


async def test_normal_close_when_the_handler_returns(app: Quart) -> None:
    @app.websocket("/once")
    async def once() -> None:
        await websocket.send("only")

    async with running(app) as address, ws_connect(address, "/once") as ws:
        assert await ws.recv() == "only"
        with pytest.raises(ConnectionClosed) as info:
            await ws.recv()
    assert info.value.rcvd is not None
    assert info.value.rcvd.code == 1000


async def test_subprotocol_negotiation(app: Quart) -> None:
    async with running(app) as address:
        async with ws_connect(address, "/proto", subprotocols=["v1", "v2"]) as ws:
            assert await ws.recv() == "ok"
            assert ws.subprotocol == "v2"
            assert ws.response is not None
            assert ws.response.headers["X-Offered"] == "v1,v2"
        async with ws_connect(address, "/proto") as ws:
            assert await ws.recv() == "ok"
            assert ws.subprotocol is None


async def test_refusal_is_an_http_response(app: Quart) -> None:
    async with running(app) as address:
        with pytest.raises(InvalidStatus) as info:
            async with ws_connect(address, "/private"):
                pass
        response = info.value.response
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.body == b"no entry"

        with pytest.raises(InvalidStatus) as info:
            async with ws_connect(address, "/forbidden"):
                pass
        assert info.value.response.status_code == 403

        with pytest.raises(InvalidStatus) as info:
            async with ws_connect(address, "/nowhere"):
                pass
        assert info.value.response.status_code == 404

        headers = {"Authorization": "Bearer good"}
        async with ws_connect(address, "/private", additional_headers=headers) as ws:
            assert await ws.recv() == "welcome"


@pytest.mark.parametrize("abrupt", [False, True], ids=["close-frame", "dropped-tcp"])
async def test_client_leaving_reaches_the_handler(app: Quart, abrupt: bool) -> None:
    events = app.extensions["events"]
    async with running(app) as address:
        ws = await ws_connect(address, "/watch")
        assert await ws.recv() == "watching"
        if abrupt:
            ws.transport.abort()  # no close frame: the TCP connection just drops
        else:
            await ws.close()
        async with asyncio.timeout(TIMEOUT):
            while not any(isinstance(e, tuple) for e in events):
                await asyncio.sleep(0.01)
    assert events == ["disconnect", ("teardown", "/watch", None)]


async def test_many_concurrent_connections_echo_in_order(app: Quart) -> None:
    connections, messages = 200, 50

    async def talk(address: str, index: int) -> list[str]:
        async with ws_connect(address, "/echo") as ws:
            received = []
            for i in range(messages):
                await ws.send(f"{index}:{i}")
                received.append(await ws.recv())
            return received  # type: ignore[return-value]

    async with running(app) as address:
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with asyncio.timeout(20):
            results = await asyncio.gather(
                *(talk(address, n) for n in range(connections))
            )
        elapsed = loop.time() - started
    for index, received in enumerate(results):
        assert received == [f"{index}:{i}" for i in range(messages)]
    assert elapsed < 20


async def test_pipelined_messages_are_not_lost_or_reordered(app: Quart) -> None:
    async def drain(ws: ClientConnection, count: int) -> list[Any]:
        return [await ws.recv() for _ in range(count)]

    async with running(app) as address, ws_connect(address, "/echo") as ws:
        reader = asyncio.ensure_future(drain(ws, 500))
        for i in range(500):
            await ws.send(str(i))
        async with asyncio.timeout(TIMEOUT):
            assert await reader == [str(i) for i in range(500)]


# -- HTTP streaming through the server --------------------------------------------


async def test_sync_generator_cleanup_when_the_client_leaves(app: Quart) -> None:
    closed = threading.Event()

    @app.get("/ticks")
    async def ticks() -> Any:
        def generate() -> Iterator[bytes]:
            try:
                while True:
                    yield b"tick\n"
                    time.sleep(0.01)
            finally:
                closed.set()

        return generate()

    async with running(app) as address:
        async with (
            httpx.AsyncClient(base_url=f"http://{address}", timeout=TIMEOUT) as client,
            client.stream("GET", "/ticks") as response,
        ):
            async for chunk in response.aiter_raw():
                assert chunk.startswith(b"tick")
                break
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, closed.wait, TIMEOUT)


async def test_server_sent_events_are_not_buffered(app: Quart) -> None:
    queue: asyncio.Queue[str] = asyncio.Queue()

    @app.get("/events")
    async def events() -> Response:
        async def stream() -> AsyncIterator[str]:
            while True:
                yield f"data: {await queue.get()}\n\n"

        return Response(stream(), mimetype="text/event-stream")

    async with (
        running(app) as address,
        httpx.AsyncClient(base_url=f"http://{address}", timeout=TIMEOUT) as client,
        client.stream("GET", "/events") as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()
        for word in ("alpha", "beta", "gamma"):
            await queue.put(word)  # only now is the event produced
            async with asyncio.timeout(TIMEOUT):
                assert await anext(lines) == f"data: {word}"
                assert await anext(lines) == ""


async def test_http2_push_and_early_hints_do_no_harm(app: Quart) -> None:
    seen: list[Any] = []

    @app.get("/page")
    async def page() -> str:
        seen.append(sorted(request.scope.get("extensions", {})))
        await request.send_early_hints("</app.css>; rel=preload; as=style")
        await request.send_push_promise("/app.css")  # clients may refuse pushes
        return "page"

    async with running(app) as address:
        async with httpx.AsyncClient(
            base_url=f"http://{address}", http1=False, http2=True, timeout=TIMEOUT
        ) as client:
            response = await client.get("/page")
        assert response.http_version == "HTTP/2"
        assert response.text == "page"
        async with httpx.AsyncClient(
            base_url=f"http://{address}", timeout=TIMEOUT
        ) as client:
            response = await client.get("/page")
        assert response.text == "page"
    assert "http.response.push" in seen[0]
    assert "http.response.early_hint" in seen[0]
    assert "http.response.push" not in seen[1]
