"""The websocket wrapper's own parts: the one-message Buffer (Quart 0.23's
backpressure) and the websocket_received / websocket_sent signals."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from quart import Quart
from quart import websocket
from quart.signals import websocket_received
from quart.signals import websocket_sent
from quart.testing import QuartClient
from quart.wrappers import ClientDisconnectedError
from quart.wrappers import Websocket
from quart.wrappers.websocket import Buffer

TIMEOUT = 5


def test_websocket_buffer_class() -> None:
    assert Websocket.buffer_class is Buffer


async def test_buffer_put_then_get() -> None:
    buffer = Buffer()
    await asyncio.wait_for(buffer.put("text"), TIMEOUT)
    assert await asyncio.wait_for(buffer.get(), TIMEOUT) == "text"
    getter = asyncio.ensure_future(buffer.get())
    await asyncio.sleep(0)
    assert not getter.done()
    await buffer.put(b"bytes")
    assert await asyncio.wait_for(getter, TIMEOUT) == b"bytes"


async def test_buffer_holds_one_message() -> None:
    buffer = Buffer()
    await buffer.put("one")
    second = asyncio.ensure_future(buffer.put("two"))
    await asyncio.sleep(0.01)
    assert not second.done()
    assert await buffer.get() == "one"
    await asyncio.wait_for(second, TIMEOUT)
    assert await buffer.get() == "two"


async def test_buffer_disconnect() -> None:
    buffer = Buffer()
    await buffer.put("last")
    blocked = asyncio.ensure_future(buffer.put("never read"))
    await asyncio.sleep(0)
    buffer.disconnect()
    await asyncio.wait_for(blocked, TIMEOUT)  # released, message dropped
    assert await buffer.get() == "last"  # what arrived is still read
    with pytest.raises(ClientDisconnectedError):
        await asyncio.wait_for(buffer.get(), TIMEOUT)


async def test_received_and_sent_signals(app: Quart, client: QuartClient) -> None:
    events: list[tuple[str, Any, Any]] = []

    @app.websocket("/ws")
    async def ws() -> None:
        data = await websocket.receive()
        await websocket.send(f"echo {data}")

    async def on_received(sender: Any, data: Any) -> None:
        events.append(("received", sender, data))

    def on_sent(sender: Any, data: Any) -> None:  # sync receivers work too
        events.append(("sent", sender, data))

    with (
        websocket_received.connected_to(on_received),
        websocket_sent.connected_to(on_sent),
    ):
        async with client.websocket("/ws") as connection:
            await connection.send("hi")
            assert await asyncio.wait_for(connection.receive(), TIMEOUT) == "echo hi"
    assert events == [("received", app, "hi"), ("sent", app, "echo hi")]


async def test_no_signal_work_without_receivers(
    app: Quart, client: QuartClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not websocket_received.receivers and not websocket_sent.receivers

    async def fail(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a signal was sent without receivers")

    monkeypatch.setattr(websocket_received, "send_async", fail)
    monkeypatch.setattr(websocket_sent, "send_async", fail)

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.send(await websocket.receive())

    async with client.websocket("/ws") as connection:
        await connection.send("x")
        assert await asyncio.wait_for(connection.receive(), TIMEOUT) == "x"
