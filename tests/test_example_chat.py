"""examples/chat/app.py with the in-process backend, through the test
client: login, the room page, messages over websockets and server-sent
events, resuming after an event id. tests/scale/test_chat_browser.py drives
it in a real browser, on two workers with Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from example_apps import import_afresh

from quart import Quart
from quart.testing import QuartClient
from quart.testing.connections import WebsocketResponseError

APP = Path(__file__).resolve().parent.parent / "examples" / "chat" / "app.py"
TIMEOUT = 5


@pytest.fixture
async def chat(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Quart]:
    """The chat app, imported afresh (no Redis: the in-process backend)."""
    monkeypatch.setenv("QUART_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("QUART_REDIS_URL", raising=False)
    app: Quart = import_afresh(APP, "_example_chat_app").app
    async with app.test_app():
        yield app


async def logged_in(app: Quart, name: str) -> QuartClient:
    client = app.test_client()
    response = await client.post("/login", form={"name": name})
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    return client


async def sse_events(connection: Any, count: int) -> list[dict[str, str]]:
    """The next ``count`` events of a text/event-stream, as field dicts
    (comments and the opening block without data are left out)."""
    events: list[dict[str, str]] = []
    buffer = ""
    async with asyncio.timeout(TIMEOUT):
        while len(events) < count:
            buffer += (await connection.receive()).decode()
            while "\n\n" in buffer and len(events) < count:
                block, buffer = buffer.split("\n\n", 1)
                fields = dict(
                    line.split(": ", 1) for line in block.splitlines() if ": " in line
                )
                if "data" in fields:
                    events.append(fields)
    return events


async def test_login_room_and_logout(chat: Quart) -> None:
    client = chat.test_client()
    response = await client.get("/")
    assert response.headers["Location"] == "/login"
    assert (await client.get("/room/lobby")).headers["Location"] == "/login"
    page = await (await client.get("/login")).get_data(as_text=True)
    assert '<input name="name"' in page
    response = await client.post("/login", form={"name": "   "})
    assert "Choose a name." in await response.get_data(as_text=True)

    client = await logged_in(chat, "  <alice>  ")
    assert (await client.get("/")).headers["Location"] == "/room/lobby"
    response = await client.get("/room/lobby")
    page = await response.get_data(as_text=True)
    assert '<span id="user">&lt;alice&gt;</span>' in page  # escaped
    assert 'data-events="/room/lobby/events"' in page
    assert 'data-messages="/room/lobby/messages"' in page
    assert "/room/lobby/ws" in page
    script = await client.get("/static/chat.js")
    assert "new EventSource(url)" in await script.get_data(as_text=True)

    response = await client.post("/logout")
    assert response.headers["Location"] == "/login"
    assert (await client.get("/")).headers["Location"] == "/login"


async def test_strangers_are_refused(chat: Quart) -> None:
    client = chat.test_client()
    assert (await client.get("/room/lobby/events")).status_code == 401
    response = await client.post("/room/lobby/messages", json={"text": "hi"})
    assert response.status_code == 401
    with pytest.raises(WebsocketResponseError) as refused:
        async with client.websocket("/room/lobby/ws") as socket:
            await socket.receive()
    assert refused.value.response.status_code == 401


async def test_websocket_messages_reach_the_room_only(chat: Quart) -> None:
    alice = await logged_in(chat, "alice")
    bob = await logged_in(chat, "bob")
    async with (
        alice.websocket("/room/lobby/ws") as on_alice,
        bob.websocket("/room/kitchen/ws") as elsewhere,
    ):
        # The handler subscribes before it reads: a client gets its own
        # message back, and from then on is surely subscribed.
        await on_alice.send("hello")
        first = await on_alice.receive_json()
        assert (first["user"], first["text"]) == ("alice", "hello")
        async with bob.websocket("/room/lobby/ws") as on_bob:
            await on_bob.send("  hi alice  ")
            await on_bob.send("   ")  # nothing to say: not published
            second = await on_bob.receive_json()
            assert (second["user"], second["text"]) == ("bob", "hi alice")
            assert await on_alice.receive_json() == second
            with pytest.raises(TimeoutError):
                await on_bob.receive(timeout=0.2)
        with pytest.raises(TimeoutError):
            await elsewhere.receive(timeout=0.2)

    # A reconnect with ?since= gets what came after, exactly.
    await alice.post("/room/lobby/messages", json={"text": "missed"})
    async with bob.websocket(f"/room/lobby/ws?since={first['id']}") as on_bob:
        resumed = [await on_bob.receive_json() for _ in range(2)]
        assert [m["text"] for m in resumed] == ["hi alice", "missed"]
        with pytest.raises(TimeoutError):
            await on_bob.receive(timeout=0.2)


async def test_a_newcomer_gets_the_history_after_a_gap_marker(chat: Quart) -> None:
    """``since=0``, what the page's script asks first: the messages the
    room holds, after a gap marker saying older ones are gone (the script
    does not show a gap before any message)."""
    alice = await logged_in(chat, "alice")
    for n in range(3):
        await alice.post("/room/lobby/messages", json={"text": f"m{n}"})
    async with alice.websocket("/room/lobby/ws?since=0") as socket:
        gap, *messages = [await socket.receive_json() for _ in range(4)]
    assert gap["gap"] == "expired"
    assert [m["text"] for m in messages] == ["m0", "m1", "m2"]


async def test_the_sse_fallback_resumes_from_last_event_id(chat: Quart) -> None:
    alice = await logged_in(chat, "alice")
    bob = await logged_in(chat, "bob")
    async with bob.request("/room/lobby/events") as stream:
        await stream.send_complete()
        # The stream opens with its position once subscribed.
        opening = await asyncio.wait_for(stream.receive(), TIMEOUT)
        assert opening.startswith(b"retry: 1000\nid: ")
        ids = []
        for text in ("one", "two"):
            response = await alice.post("/room/lobby/messages", json={"text": text})
            assert response.status_code == 201
            ids.append((await response.get_json())["id"])
        events = await sse_events(stream, 2)
        assert stream.headers is not None
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        await stream.disconnect()
    assert [e["id"] for e in events] == ids
    assert [chat.json.loads(e["data"])["text"] for e in events] == ["one", "two"]

    await alice.post("/room/lobby/messages", json={"text": "three"})
    headers = {"Last-Event-ID": ids[0]}
    async with bob.request("/room/lobby/events", headers=headers) as stream:
        await stream.send_complete()
        events = await sse_events(stream, 2)
        await stream.disconnect()
    assert [chat.json.loads(e["data"])["text"] for e in events] == ["two", "three"]


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({"text": "x" * 600}, 201, "x" * 500),
        ({"text": " \n "}, 200, None),
        ({"text": 1}, 400, None),
        (["text"], 400, None),
    ],
)
async def test_posted_messages_are_checked(
    chat: Quart, body: Any, status: int, text: str | None
) -> None:
    alice = await logged_in(chat, "alice")
    async with alice.websocket("/room/lobby/ws") as socket:
        await socket.send("subscribed?")  # its echo says yes
        assert (await socket.receive_json())["text"] == "subscribed?"
        response = await alice.post("/room/lobby/messages", json=body)
        assert response.status_code == status
        if text is not None:
            assert (await socket.receive_json())["text"] == text
        else:
            with pytest.raises(TimeoutError):
                await socket.receive(timeout=0.2)


async def test_health_names_the_backend(chat: Quart) -> None:
    response = await chat.test_client().get("/health")
    assert await response.get_json() == {"backend": "memory", "ok": True}
