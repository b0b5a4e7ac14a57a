"""app.broadcast and the quart.broadcast proxy, on the built-in in-process
backend: publish/subscribe, event ids, replay and gaps, bounded queues,
SSE and websocket helpers, the backend hook. The Redis backend runs the
same API against a real server in tests/scale/."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from servers import TIMEOUT
from servers import running
from subscriptions import nothing_waiting
from subscriptions import take

import quart
from quart import Quart
from quart import broadcast
from quart import hookimpl
from quart import websocket
from quart.broadcast import GAP_EXPIRED
from quart.broadcast import GAP_LOST
from quart.broadcast import GAP_OVERFLOW
from quart.broadcast import OVERLOAD_CLOSE_CODE
from quart.broadcast import Broadcast
from quart.broadcast import BroadcastBackend
from quart.broadcast import BroadcastUnavailable
from quart.broadcast import MemoryBackend
from quart.broadcast import Message
from quart.broadcast import broadcast_gap
from quart.broadcast import format_sse
from quart.broadcast import parse_event_id
from quart.testing.connections import WebsocketDisconnectError


# -- publish and subscribe -------------------------------------------------------------
async def test_publish_reaches_every_subscriber_with_id_channel_and_data(
    app: Quart,
) -> None:
    async with (
        app.broadcast.subscribe("room") as first,
        app.broadcast.subscribe("room") as second,
        app.broadcast.subscribe("other") as other,
    ):
        text_id = await app.broadcast.publish("room", "hello")
        bytes_id = await app.broadcast.publish("room", b"\x00\xff")
        for subscription in (first, second):
            messages = await take(subscription, 2)
            assert [(m.id, m.channel, m.data) for m in messages] == [
                (text_id, "room", "hello"),
                (bytes_id, "room", b"\x00\xff"),
            ]
            assert not any(m.gap for m in messages)
        assert await nothing_waiting(other)
    assert parse_event_id(bytes_id) > parse_event_id(text_id)


async def test_event_ids_increase_monotonically(app: Quart) -> None:
    ids = [await app.broadcast.publish("c", str(n)) for n in range(200)]
    keys = [parse_event_id(i) for i in ids]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert all(i.count("-") == 1 for i in ids)


async def test_json_helpers(app: Quart) -> None:
    async with app.broadcast.subscribe("c") as subscription:
        await app.broadcast.publish_json("c", {"user": "ada", "n": [1, 2]})
        (message,) = await take(subscription, 1)
    assert isinstance(message.data, str)
    assert message.json() == {"user": "ada", "n": [1, 2]}


@pytest.mark.parametrize("payload", [{"a": 1}, 42, None, bytearray(b"x"), ["x"]])
async def test_payloads_are_str_or_bytes_never_pickled(
    app: Quart, payload: Any
) -> None:
    with pytest.raises(TypeError, match="publish_json"):
        await app.broadcast.publish("c", payload)


@pytest.mark.parametrize("channel", ["", None, 3])
async def test_a_channel_is_a_non_empty_str(app: Quart, channel: Any) -> None:
    with pytest.raises(ValueError, match="non-empty str"):
        await app.broadcast.publish(channel, "x")
    with pytest.raises(ValueError, match="non-empty str"):
        app.broadcast.subscribe(channel)


async def test_at_most_once_without_since(app: Quart) -> None:
    """A message published before subscribing is not delivered; one
    published after is delivered once."""
    await app.broadcast.publish("c", "before")
    async with app.broadcast.subscribe("c") as subscription:
        await app.broadcast.publish("c", "after")
        assert [m.data for m in await take(subscription, 1)] == ["after"]
        assert await nothing_waiting(subscription)


async def test_order_is_kept_per_publisher(app: Quart) -> None:
    async def publisher(name: str) -> None:
        for n in range(50):
            await app.broadcast.publish("c", f"{name}:{n}")
            await asyncio.sleep(0)

    async with app.broadcast.subscribe("c") as subscription:
        await asyncio.gather(publisher("a"), publisher("b"), publisher("c"))
        messages = await take(subscription, 150)
    for name in "abc":
        mine = [m.text for m in messages if m.text.startswith(name + ":")]
        assert mine == [f"{name}:{n}" for n in range(50)]


async def test_subscription_must_be_entered_once(app: Quart) -> None:
    subscription = app.broadcast.subscribe("c")
    with pytest.raises(RuntimeError, match="async with"):
        await anext(subscription)
    async with subscription:
        pass
    with pytest.raises(RuntimeError, match="only once"):
        await subscription.__aenter__()


async def test_leaving_the_block_ends_iteration_and_detaches(app: Quart) -> None:
    async with app.broadcast.subscribe("c") as subscription:
        await app.broadcast.publish("c", "one")
    assert not subscription.active
    await app.broadcast.publish("c", "two")
    assert [m.data async for m in subscription] == []


# -- replay and gaps -------------------------------------------------------------------
async def test_since_replays_exactly_the_later_messages(app: Quart) -> None:
    ids = [await app.broadcast.publish("c", f"m{n}") for n in range(5)]
    await app.broadcast.publish("other", "not mine")
    async with app.broadcast.subscribe("c", since=ids[1]) as subscription:
        await app.broadcast.publish("c", "live")
        messages = await take(subscription, 4)
        assert [m.data for m in messages] == ["m2", "m3", "m4", "live"]
        assert [m.id for m in messages[:3]] == ids[2:]
        assert await nothing_waiting(subscription)
    async with app.broadcast.subscribe("c", since=messages[-1].id) as subscription:
        assert await nothing_waiting(subscription)


async def test_gap_when_since_is_past_the_window(app: Quart) -> None:
    app.config["BROADCAST_HISTORY"] = 3
    ids = [await app.broadcast.publish("c", f"m{n}") for n in range(6)]
    async with app.broadcast.subscribe("c", since=ids[0]) as subscription:
        gap, *rest = await take(subscription, 4)
    assert gap.gap and gap.reason == GAP_EXPIRED
    assert gap.channel == "c" and gap.data == ""
    # what follows the marker continues right after its id
    assert gap.id == ids[2]
    assert [m.data for m in rest] == ["m3", "m4", "m5"]
    # resuming from the marker's id is exact while the window holds it
    async with app.broadcast.subscribe("c", since=gap.id) as subscription:
        assert [m.data for m in await take(subscription, 3)] == ["m3", "m4", "m5"]
    # the newest evicted id itself is still a resumable point
    async with app.broadcast.subscribe("c", since=ids[2]) as subscription:
        first = (await take(subscription, 1))[0]
    assert not first.gap and first.data == "m3"


async def test_gap_when_messages_aged_out(app: Quart) -> None:
    app.config["BROADCAST_HISTORY_SECONDS"] = 0.05
    first = await app.broadcast.publish("c", "old")
    await app.broadcast.publish("c", "old too")
    await asyncio.sleep(0.1)
    await app.broadcast.publish("c", "fresh")
    async with app.broadcast.subscribe("c", since=first) as subscription:
        messages = await take(subscription, 2)
    assert messages[0].gap and messages[0].reason == GAP_EXPIRED
    assert messages[1].data == "fresh"


@pytest.mark.parametrize("since", ["not-an-id", "99999999999999-0", "1-2-3", "١٢"])
async def test_unknown_or_malformed_since_is_a_lost_gap(app: Quart, since: str) -> None:
    await app.broadcast.publish("c", "x")
    async with app.broadcast.subscribe("c", since=since) as subscription:
        (gap,) = await take(subscription, 1)
        assert gap.gap and gap.reason == GAP_LOST
        # the position is the backend's, not the client's text
        assert subscription.position == gap.id
        await app.broadcast.publish("c", "next")
        assert [m.data for m in await take(subscription, 1)] == ["next"]


async def test_an_id_from_before_a_restart_is_a_gap(app: Quart) -> None:
    """A browser's Last-Event-ID from a previous process: the new backend
    knows nothing before its start, and says so."""
    old = Quart(__name__)
    old_id = await old.broadcast.publish("c", "from the old process")
    await asyncio.sleep(0.002)
    async with app.broadcast.subscribe("c", since=old_id) as subscription:
        (gap,) = await take(subscription, 1)
    assert gap.gap and gap.reason == GAP_EXPIRED


async def test_no_history_means_no_replay(app: Quart) -> None:
    app.config["BROADCAST_HISTORY"] = 0
    first = await app.broadcast.publish("c", "a")
    async with app.broadcast.subscribe("c") as subscription:
        second = await app.broadcast.publish("c", "b")
        assert [m.data for m in await take(subscription, 1)] == ["b"]
    async with app.broadcast.subscribe("c", since=first) as subscription:
        (gap,) = await take(subscription, 1)
    assert gap.gap and gap.reason == GAP_EXPIRED and gap.id == second
    async with app.broadcast.subscribe("c", since=second) as subscription:
        assert await nothing_waiting(subscription)


async def test_gaps_are_reported_to_the_app(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["BROADCAST_HISTORY"] = 1
    ids = [await app.broadcast.publish("c", f"m{n}") for n in range(3)]
    received: list[dict[str, Any]] = []

    async def receiver(sender: Quart, **kwargs: Any) -> None:
        received.append({"sender": sender, **kwargs})

    with (
        broadcast_gap.connected_to(receiver, app),
        caplog.at_level(logging.INFO, logger=app.logger.name),
    ):
        async with app.broadcast.subscribe("c", since=ids[0]) as subscription:
            await take(subscription, 1)
        async with asyncio.timeout(TIMEOUT):
            while not received:
                await asyncio.sleep(0.01)
    assert received == [
        {
            "sender": app,
            "channel": "c",
            "reason": GAP_EXPIRED,
            "subscribers": 1,
            "resume_id": ids[1],
        }
    ]
    assert "Broadcast gap on channel 'c' (expired)" in caplog.text


# -- slow subscribers ------------------------------------------------------------------
async def test_overflow_drops_the_subscriber_with_a_gap(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["BROADCAST_MAX_QUEUE"] = 3
    async with (
        app.broadcast.subscribe("c") as slow,
        app.broadcast.subscribe("c") as fast,
    ):
        ids = []
        for n in range(6):
            ids.append(await app.broadcast.publish("c", f"m{n}"))
            await take(fast, 1)
        messages = [m async for m in slow]  # ends after the marker
        assert not slow.active
        assert fast.active
    assert [m.data for m in messages[:3]] == ["m0", "m1", "m2"]
    assert messages[3].gap and messages[3].reason == GAP_OVERFLOW
    assert messages[3].id == ids[2]  # resume after what it got
    assert len(messages) == 4
    assert "(overflow)" in caplog.text
    # within the replay window it catches up
    async with app.broadcast.subscribe("c", since=messages[3].id) as again:
        assert [m.data for m in await take(again, 3)] == ["m3", "m4", "m5"]


async def test_replay_does_not_count_against_the_queue(app: Quart) -> None:
    app.config["BROADCAST_MAX_QUEUE"] = 2
    first = await app.broadcast.publish("c", "m0")
    for n in range(1, 10):
        await app.broadcast.publish("c", f"m{n}")
    async with app.broadcast.subscribe("c", since=first) as subscription:
        await app.broadcast.publish("c", "live")
        messages = await take(subscription, 10)
    assert [m.data for m in messages] == [f"m{n}" for n in range(1, 10)] + ["live"]


# -- from views, websockets, background tasks ------------------------------------------
async def test_proxy_acts_on_the_current_app(app: Quart) -> None:
    assert quart.broadcast is broadcast
    with pytest.raises(RuntimeError, match="application context"):
        await broadcast.publish("c", "x")

    @app.post("/say/<text>")
    async def say(text: str) -> dict[str, str]:
        return {
            "id": await broadcast.publish("c", text),
            "ok": str(await broadcast.ping()),
        }

    async with app.broadcast.subscribe("c") as subscription:
        response = await app.test_client().post("/say/hi")
        body = await response.get_json()
        (message,) = await take(subscription, 1)
    assert body == {"id": message.id, "ok": "True"}
    assert message.data == "hi"
    async with app.app_context():
        assert broadcast.current() is app.broadcast


async def test_background_task_subscriber_and_view_publisher(app: Quart) -> None:
    got: list[str] = []
    ready = asyncio.Event()

    async def listen() -> None:
        async with broadcast.subscribe("jobs") as subscription:
            ready.set()
            async for message in subscription:
                got.append(message.text)
                if message.text == "stop":
                    return

    @app.post("/job/<name>")
    async def job(name: str) -> str:
        await broadcast.publish("jobs", name)
        return "queued"

    async with app.test_app() as test_app:
        app.add_background_task(listen)
        async with asyncio.timeout(TIMEOUT):
            await ready.wait()
        client = test_app.test_client()
        for name in ("a", "b", "stop"):
            await client.post(f"/job/{name}")
        async with asyncio.timeout(TIMEOUT):
            while len(got) < 3:
                await asyncio.sleep(0.01)
    assert got == ["a", "b", "stop"]


async def test_websocket_handler_streams_and_closes_1013_on_overflow(
    app: Quart,
) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        await broadcast.stream_to_websocket("c", since=websocket.args.get("since"))

    start = await app.broadcast.publish("c", "start")
    async with app.test_client().websocket(f"/ws?since={start}") as client:
        await app.broadcast.publish("c", "text")
        await app.broadcast.publish("c", b"bytes")
        assert await client.receive() == "text"
        assert await client.receive() == b"bytes"

    app.config["BROADCAST_MAX_QUEUE"] = 2

    @app.websocket("/stuck")
    async def stuck() -> None:
        await broadcast.stream_to_websocket("stuck", since=websocket.args["since"])

    start = await app.broadcast.publish("stuck", "start")
    async with app.test_client().websocket(f"/stuck?since={start}") as client:
        await app.broadcast.publish("stuck", "first")
        assert await client.receive() == "first"  # the helper is subscribed
        # publishing without yielding to the loop outpaces the helper
        for n in range(10):
            await app.broadcast.publish("stuck", f"m{n}")
        received = []
        with pytest.raises(WebsocketDisconnectError) as info:
            while True:
                received.append(await client.receive())
    assert received == ["m0", "m1"]
    assert info.value.code == OVERLOAD_CLOSE_CODE
    assert info.value.reason == "broadcast gap: overflow"


async def test_websocket_helper_passes_other_gaps_to_on_gap(app: Quart) -> None:
    app.config["BROADCAST_HISTORY"] = 1
    ids = [await app.broadcast.publish("c", f"m{n}") for n in range(3)]

    @app.websocket("/ws")
    async def ws() -> None:
        async def on_gap(message: Message) -> None:
            await websocket.send_json({"gap": message.reason})

        await broadcast.stream_to_websocket("c", since=ids[0], on_gap=on_gap)

    async with app.test_client().websocket("/ws") as client:
        assert await client.receive_json() == {"gap": GAP_EXPIRED}
        assert await client.receive() == "m2"

    @app.websocket("/plain")
    async def plain() -> None:
        await broadcast.stream_to_websocket("c", since=ids[0])

    async with app.test_client().websocket("/plain") as client:
        with pytest.raises(WebsocketDisconnectError) as info:
            await client.receive()
    assert info.value.code == OVERLOAD_CLOSE_CODE
    assert info.value.reason == "broadcast gap: expired"


# -- server-sent events ----------------------------------------------------------------
def test_format_sse() -> None:
    assert format_sse(Message("1-0", "c", "hi")) == "id: 1-0\ndata: hi\n\n"
    assert (
        format_sse(Message("1-1", "c", b"a\r\nb\rc\nd"))
        == "id: 1-1\ndata: a\ndata: b\ndata: c\ndata: d\n\n"
    )
    assert format_sse(Message("1-2", "c", "")) == "id: 1-2\ndata: \n\n"
    assert (
        format_sse(Message("1-3", "c", "", gap=True, reason="expired"))
        == "event: gap\nid: 1-3\ndata: expired\n\n"
    )


def _events(text: str) -> list[dict[str, str]]:
    """Server-sent events as the browser parses them (fields per event)."""
    events = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        if fields:
            events.append(fields)
    return events


async def _read_events(
    response: httpx.Response, chunks: AsyncIterator[str], count: int
) -> list[dict[str, str]]:
    text = ""
    async with asyncio.timeout(TIMEOUT):
        while len([e for e in _events(text) if "data" in e]) < count:
            text += await anext(chunks)
    return [e for e in _events(text) if "data" in e]


async def test_sse_response_resumes_from_last_event_id(app: Quart) -> None:
    @app.get("/events")
    async def events() -> Any:
        return await broadcast.sse_response("news", retry=500)

    async with running(app) as address, httpx.AsyncClient() as client:
        url = f"http://{address}/events"
        async with client.stream("GET", url) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["cache-control"] == "no-cache"
            chunks = response.aiter_text()
            head = await anext(chunks)
            assert head.startswith("retry: 500\nid: ")  # the starting position
            for n in range(3):
                await app.broadcast.publish("news", f"n{n}")
            got = await _read_events(response, chunks, 3)
        assert [e["data"] for e in got] == ["n0", "n1", "n2"]
        last_seen = got[1]["id"]
        # the stream is gone; more is published; the browser comes back
        await app.broadcast.publish("news", "missed")
        async with client.stream(
            "GET", url, headers={"Last-Event-ID": last_seen}
        ) as response:
            chunks = response.aiter_text()
            got = await _read_events(response, chunks, 2)
        assert [e["data"] for e in got] == ["n2", "missed"]
        assert parse_event_id(got[0]["id"]) > parse_event_id(last_seen)


async def test_sse_initial_id_makes_an_idle_stream_resumable(app: Quart) -> None:
    """A browser that saw no message still sent the starting id: what was
    published while it was away is replayed."""

    @app.get("/events")
    async def events() -> Any:
        return await broadcast.sse_response("news", keepalive=0.05)

    async with running(app) as address, httpx.AsyncClient() as client:
        async with client.stream("GET", f"http://{address}/events") as response:
            chunks = response.aiter_text()
            start = _events(await anext(chunks))[0]["id"]
            async with asyncio.timeout(TIMEOUT):
                assert ": keepalive" in await anext(chunks)
        await app.broadcast.publish("news", "while away")
        async with client.stream(
            "GET", f"http://{address}/events", headers={"Last-Event-ID": start}
        ) as response:
            got = await _read_events(response, response.aiter_text(), 1)
    assert got[0]["data"] == "while away"


async def test_sse_gap_is_a_gap_event(app: Quart) -> None:
    app.config["BROADCAST_HISTORY"] = 1
    ids = [await app.broadcast.publish("c", f"m{n}") for n in range(3)]
    stream = app.broadcast.sse_stream("c", since=ids[0], keepalive=None)
    text = "".join([await anext(stream) for _ in range(3)])
    await stream.aclose()
    events = _events(text)
    assert events[0] == {"id": ids[1]}  # where it continues from
    assert events[1] == {"event": "gap", "id": ids[1], "data": GAP_EXPIRED}
    assert events[2] == {"id": ids[2], "data": "m2"}


# -- the backend hook and lifetime -----------------------------------------------------
async def test_no_broadcast_until_used(app: Quart) -> None:
    @app.get("/")
    async def index() -> str:
        return "ok"

    await app.test_client().get("/")
    assert "broadcast" not in vars(app)
    assert isinstance(app.broadcast, Broadcast)
    assert isinstance(app.broadcast.backend, MemoryBackend)
    assert app.broadcast is app.broadcast


async def test_a_plugin_answers_the_backend_hook(app: Quart) -> None:
    class Recording(MemoryBackend):
        name = "recording"

        def __init__(self) -> None:
            super().__init__()
            self.published: list[tuple[str, str | bytes]] = []

        async def publish(self, channel: str, data: str | bytes) -> str:
            self.published.append((channel, data))
            return await super().publish(channel, data)

    backend = Recording()

    class Plugin:
        @hookimpl
        def quart_broadcast_backend(self, app: Quart) -> BroadcastBackend:
            return backend

    other = Quart(__name__, plugins=[Plugin()])
    assert other.broadcast.backend is backend
    await other.broadcast.publish("c", "x")
    assert backend.published == [("c", "x")]
    assert "recording" in repr(other.broadcast)


def test_without_a_backend_plugin_it_says_so() -> None:
    app = Quart(__name__, disable_plugins=["quart.broadcast"])
    with pytest.raises(RuntimeError, match="No plugin provides a broadcast backend"):
        app.broadcast  # noqa: B018


async def test_ping(app: Quart) -> None:
    class Down(MemoryBackend):
        async def ping(self) -> bool:
            raise BroadcastUnavailable()

    class Hung(MemoryBackend):
        async def ping(self) -> bool:
            await asyncio.sleep(60)
            return True

    assert await app.broadcast.ping() is True
    assert await Broadcast(app, Down()).ping() is False
    async with asyncio.timeout(TIMEOUT):
        assert await Broadcast(app, Hung()).ping(timeout=0.05) is False


async def test_shutdown_ends_subscriptions_and_a_restart_gets_a_new_one(
    app: Quart,
) -> None:
    async with app.test_app():
        first = app.broadcast
        subscription = first.subscribe("c")
        await subscription.__aenter__()
    assert [m async for m in subscription] == []
    assert first.closed
    with pytest.raises(RuntimeError, match="closed"):
        await first.publish("c", "x")
    assert app.broadcast is not first
    await app.broadcast.publish("c", "fine")


async def test_unavailable_is_a_503(app: Quart) -> None:
    class Down(MemoryBackend):
        async def publish(self, channel: str, data: str | bytes) -> str:
            raise BroadcastUnavailable()

    app.broadcast.backend = Down()

    @app.post("/say")
    async def say() -> str:
        await broadcast.publish("c", "x")
        return "sent"

    response = await app.test_client().post("/say")
    assert response.status_code == 503


# -- the in-process backend's memory ---------------------------------------------------
async def test_idle_channels_are_forgotten_and_their_ids_become_gaps(
    app: Quart,
) -> None:
    backend = MemoryBackend(history=10, history_seconds=0.01)
    bus = Broadcast(app, backend)
    old = [await bus.publish(f"room-{n}", "x") for n in range(50)]
    async with bus.subscribe("kept") as subscription:
        await asyncio.sleep(0.02)
        await bus.publish("kept", "y")  # sweeps: it is past history_seconds
        assert len(backend._channels) == 1  # only the subscribed channel
        assert [m.data for m in await take(subscription, 1)] == ["y"]
    async with bus.subscribe("room-3", since=old[3]) as resumed:
        (gap,) = await take(resumed, 1)
    assert gap.gap and gap.reason == GAP_EXPIRED
