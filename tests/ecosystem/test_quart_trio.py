"""Quart-Trio as its documentation shows it: a ``QuartTrio`` app, served by
Hypercorn's trio worker (``app.run_task``, i.e. ``hypercorn.trio.serve``, in
a thread of its own), answers HTTP requests (bodies, JSON, streaming, errors)
and websockets, runs its serving hooks and background tasks in its nursery,
and lets views use trio directly; its own trio test client works too."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import httpx
import pytest
import trio
from servers import TIMEOUT
from servers import free_port
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from quart import abort
from quart import request
from quart import websocket

if TYPE_CHECKING:
    from quart_trio import QuartTrio


def make_app() -> QuartTrio:
    # Imported here so an import failure is this test's failure.
    from quart_trio import QuartTrio

    app = QuartTrio(__name__)
    app.extensions["events"] = []

    @app.before_serving
    async def startup() -> None:
        app.extensions["events"].append("startup")

    @app.after_serving
    async def shutdown() -> None:
        app.extensions["events"].append("shutdown")

    @app.get("/")
    async def index() -> str:
        await trio.sleep(0)  # trio, not asyncio, runs this view
        return "hello from trio"

    @app.post("/echo")
    async def echo() -> dict[str, object]:
        data = await request.get_json()
        return {"got": data, "length": request.content_length}

    @app.post("/form")
    async def form() -> str:
        values = await request.form
        return ",".join(f"{key}={values[key]}" for key in sorted(values))

    @app.get("/stream")
    async def stream() -> tuple[AsyncIterator[bytes], int]:
        async def chunks() -> AsyncIterator[bytes]:
            for index in range(3):
                await trio.sleep(0)
                yield f"chunk{index};".encode()

        return chunks(), 200

    @app.get("/missing")
    async def missing() -> str:
        abort(404)

    @app.get("/background")
    async def background() -> str:
        async def work() -> None:
            await trio.sleep(0.05)
            app.extensions["events"].append("background")

        app.add_background_task(work)
        return "started"

    @app.get("/sync")
    def sync_view() -> str:
        return threading.current_thread().name

    @app.websocket("/ws")
    async def ws() -> None:
        while True:
            message = await websocket.receive()
            if message == "bye":
                await websocket.close(1000)
                return
            await websocket.send(f"echo {message}")

    return app


@contextmanager
def serve_with_trio(app: QuartTrio) -> Iterator[str]:
    """Serve ``app`` with ``app.run_task`` (Hypercorn's trio worker) in a
    thread running ``trio.run``; yields ``127.0.0.1:port``."""
    port = free_port()
    stop = threading.Event()
    errors: list[BaseException] = []

    async def shutdown_trigger() -> None:
        while not stop.is_set():
            await trio.sleep(0.02)

    def serve() -> None:
        try:
            trio.run(
                lambda: app.run_task(
                    "127.0.0.1", port, shutdown_trigger=shutdown_trigger
                )
            )
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=serve, name="trio-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=TIMEOUT)
            break
        except httpx.TransportError:
            if errors or not thread.is_alive() or time.monotonic() > deadline:
                stop.set()
                raise RuntimeError(f"trio server did not start: {errors!r}") from None
            time.sleep(0.05)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        stop.set()
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "the trio server did not stop"
        assert not errors, errors


@pytest.fixture
def served() -> Iterator[tuple[QuartTrio, str]]:
    app = make_app()
    with serve_with_trio(app) as address:
        yield app, address


def test_http(served: tuple[QuartTrio, str]) -> None:
    _, address = served
    with httpx.Client(base_url=f"http://{address}", timeout=TIMEOUT) as http:
        response = http.get("/")
        assert (response.status_code, response.text) == (200, "hello from trio")

        response = http.post("/echo", json={"a": [1, 2]})
        sent = len(response.request.content)
        assert response.json() == {"got": {"a": [1, 2]}, "length": sent}

        response = http.post("/form", data={"b": "2", "a": "1"})
        assert response.text == "a=1,b=2"

        response = http.get("/stream")
        assert response.text == "chunk0;chunk1;chunk2;"

        assert http.get("/missing").status_code == 404
        assert http.get("/nowhere").status_code == 404
        # A sync view runs in a worker thread, not the server's trio thread.
        assert http.get("/sync").text not in {"trio-server", "MainThread"}


def test_websocket(served: tuple[QuartTrio, str]) -> None:
    _, address = served
    with connect(
        f"ws://{address}/ws", open_timeout=TIMEOUT, close_timeout=TIMEOUT
    ) as ws:
        ws.send("one")
        assert ws.recv(timeout=TIMEOUT) == "echo one"
        ws.send("two")
        assert ws.recv(timeout=TIMEOUT) == "echo two"
        ws.send("bye")
        with pytest.raises(ConnectionClosed) as info:
            ws.recv(timeout=TIMEOUT)
        assert info.value.rcvd is not None
        assert info.value.rcvd.code == 1000


def test_serving_hooks_and_background_tasks(served: tuple[QuartTrio, str]) -> None:
    app, address = served
    assert app.extensions["events"] == ["startup"]
    assert httpx.get(f"http://{address}/background", timeout=TIMEOUT).text == "started"
    deadline = time.monotonic() + TIMEOUT
    while "background" not in app.extensions["events"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert app.extensions["events"] == ["startup", "background"]


def test_shutdown_runs_after_serving() -> None:
    app = make_app()
    with serve_with_trio(app) as address:
        assert httpx.get(f"http://{address}/", timeout=TIMEOUT).status_code == 200
    assert app.extensions["events"] == ["startup", "shutdown"]


def test_trio_test_client() -> None:
    app = make_app()

    async def scenario() -> None:
        with trio.fail_after(TIMEOUT):
            async with app.test_app() as test_app:
                client = test_app.test_client()
                response = await client.get("/")
                assert await response.get_data(as_text=True) == "hello from trio"
                response = await client.post("/echo", json={"x": 1})
                assert (await response.get_json())["got"] == {"x": 1}
                async with client.websocket("/ws") as ws:
                    await ws.send("hi")
                    assert await ws.receive() == "echo hi"
            assert app.extensions["events"] == ["startup", "shutdown"]

    trio.run(scenario)
