"""Websockets through the test client and hand-built ASGI exchanges:
routing, the ``websocket`` global, accept/close/refusal, disconnects,
hooks, signals, sessions and contexts."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from collections.abc import AsyncIterator
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from blinker import NamedSignal
from werkzeug.exceptions import Forbidden

from quart import Blueprint
from quart import Quart
from quart import Response
from quart import Websocket
from quart import abort
from quart import copy_current_websocket_context
from quart import g
from quart import got_websocket_exception
from quart import has_request_context
from quart import has_websocket_context
from quart import session
from quart import url_for
from quart import websocket
from quart import websocket_finished
from quart import websocket_started
from quart import websocket_tearing_down
from quart.testing import QuartClient
from quart.testing import WebsocketResponseError
from quart.typing import Message
from quart.wrappers.websocket import WebsocketDisconnect


@contextmanager
def connected(signal: NamedSignal, receiver: Any) -> Iterator[None]:
    signal.connect(receiver)
    try:
        yield
    finally:
        signal.disconnect(receiver)


def ws_scope(path: str = "/ws", **extra: Any) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "scheme": "ws",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 1234),
        "server": ("localhost", 80),
        "subprotocols": [],
        "extensions": {},
    }
    scope.update(extra)
    return scope


async def run_asgi(
    app: Quart, scope: dict[str, Any], incoming: list[Message]
) -> list[Message]:
    """Run one websocket exchange: feed ``incoming`` in order (then wait
    for ever), return what the app sent."""
    sent: list[Message] = []
    queue = list(incoming)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    async with asyncio.timeout(2):
        await app(scope, receive, send)
    return sent


# -- routing and the websocket object ----------------------------------------


async def test_echo_text_and_bytes(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        while True:
            data = await websocket.receive()
            await websocket.send(data)

    async with client.websocket("/ws") as ws:
        await ws.send("hello")
        assert await ws.receive() == "hello"
        await ws.send(b"\x00\x01")
        assert await ws.receive() == b"\x00\x01"
        assert ws.accepted


async def test_add_websocket_converters_and_url_for(
    app: Quart, client: QuartClient
) -> None:
    async def room(number: int) -> None:
        await websocket.send(f"{number + 1} {url_for('room', number=number)}")

    app.add_websocket("/room/<int:number>", "room", room)

    @app.get("/")
    async def index() -> str:
        return url_for("room", number=3)

    async with client.websocket("/room/41") as ws:
        assert await ws.receive() == "42 ws://localhost/room/41"
    response = await client.get("/")
    assert await response.get_data(as_text=True) == "ws://localhost/room/3"


async def test_websocket_global_exposes_the_handshake(
    app: Quart, client: QuartClient
) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.send_json(
            {
                "path": websocket.path,
                "url": websocket.url,
                "args": websocket.args.to_dict(),
                "header": websocket.headers["X-Token"],
                "cookie": websocket.cookies.get("flavour"),
                "subprotocols": websocket.requested_subprotocols,
                "scheme": websocket.scheme,
                "endpoint": websocket.endpoint,
                "is_ws": isinstance(websocket._get_current_object(), Websocket),  # type: ignore[attr-defined]
            }
        )

    client.set_cookie("localhost", "flavour", "mint")
    async with client.websocket(
        "/ws?a=1",
        headers={"X-Token": "secret"},
        subprotocols=["chat", "json"],
        scheme="wss",
    ) as ws:
        data = await ws.receive_json()
    assert data == {
        "path": "/ws",
        "url": "wss://localhost/ws?a=1",
        "args": {"a": "1"},
        "header": "secret",
        "cookie": "mint",
        "subprotocols": ["chat", "json"],
        "scheme": "wss",
        "endpoint": "handler",
        "is_ws": True,
    }


async def test_http_request_to_websocket_route_and_back(
    app: Quart, client: QuartClient
) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.send("never")

    @app.get("/page")
    async def page() -> str:
        return "page"

    response = await client.get("/ws")
    assert response.status_code == 400
    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/page") as ws:
            await ws.receive()
    assert info.value.response.status_code == 400
    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/missing") as ws:
            await ws.receive()
    assert info.value.response.status_code == 404


async def test_websocket_rule_rejects_methods(app: Quart) -> None:
    with pytest.raises(TypeError):
        app.add_websocket("/ws", "ws", lambda: None, methods=["POST"])


async def test_blueprint_websocket(app: Quart, client: QuartClient) -> None:
    bp = Blueprint("chat", __name__, url_prefix="/chat")
    calls: list[str] = []

    @app.before_websocket
    async def app_before() -> None:
        calls.append("app")

    @bp.before_websocket
    async def bp_before() -> None:
        calls.append("bp")

    @bp.after_websocket
    async def bp_after(response: Response | None) -> Response | None:
        calls.append("bp-after")
        return response

    @bp.websocket("/<name>")
    async def room(name: str) -> None:
        await websocket.send(f"{name} {url_for('.room', name='x')}")

    app.register_blueprint(bp)
    async with client.websocket("/chat/lobby") as ws:
        assert await ws.receive() == "lobby ws://localhost/chat/x"
    assert calls == ["app", "bp", "bp-after"]


# -- accept, send, receive, close ---------------------------------------------


async def test_explicit_accept_with_headers_and_subprotocol(
    app: Quart, client: QuartClient
) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        chosen = websocket.requested_subprotocols[-1]
        await websocket.accept(headers={"X-Accepted": "yes"}, subprotocol=chosen)
        await websocket.accept()  # already accepted: nothing more (as Quart)
        await websocket.send("accepted")

    async with client.websocket("/ws", subprotocols=["v1", "v2"]) as ws:
        assert await ws.receive() == "accepted"
        assert ws.subprotocol == "v2"
        assert ws.accept_headers["X-Accepted"] == "yes"


async def test_receive_accepts_implicitly(app: Quart) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.send(await websocket.receive())

    sent = await run_asgi(
        app,
        ws_scope(),
        [
            {"type": "websocket.connect"},
            {"type": "websocket.receive", "text": "ping"},
        ],
    )
    assert [m["type"] for m in sent] == [
        "websocket.accept",
        "websocket.send",
        "websocket.close",
    ]
    assert sent[1]["text"] == "ping"
    assert sent[2]["code"] == 1000


async def test_json_round_trip(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        data = await websocket.receive_json()
        await websocket.send_json(total=sum(data["numbers"]), name=data["name"])
        await websocket.send_json(1, 2)

    async with client.websocket("/ws") as ws:
        await ws.send_json({"numbers": [1, 2, 3], "name": "ü"})
        assert await ws.receive_json() == {"total": 6, "name": "ü"}
        assert await ws.receive_json() == [1, 2]


async def test_send_rejects_other_types(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        with pytest.raises(TypeError):
            await websocket.send(42)  # type: ignore[arg-type]
        await websocket.send(bytearray(b"ok"))

    async with client.websocket("/ws") as ws:
        assert await ws.receive() == b"ok"


async def test_close_with_code_and_reason(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.send("bye")
        await websocket.close(4001, "done here")
        await websocket.close(4002)  # a second close does nothing
        with pytest.raises(WebsocketDisconnect):
            await websocket.send("after close")

    async with client.websocket("/ws") as ws:
        assert await ws.receive() == "bye"
        with pytest.raises(WebsocketDisconnect) as info:
            await ws.receive()
        assert (info.value.code, info.value.reason) == (4001, "done here")
        assert (ws.close_code, ws.close_reason) == (4001, "done here")


async def test_receive_timeout_never_hangs(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.accept()
        await asyncio.sleep(10)

    loop = asyncio.get_running_loop()
    started = loop.time()
    async with client.websocket("/ws", timeout=0.2) as ws:
        with pytest.raises(TimeoutError):
            await ws.receive()
        with pytest.raises(TimeoutError):
            await ws.receive(timeout=0.05)
    assert loop.time() - started < 2


# -- refusing the handshake ----------------------------------------------------


async def test_refuse_by_returning_a_response(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def handler() -> Any:
        if websocket.args.get("token") != "good":
            return "go away", 401, {"X-Reason": "token"}
        await websocket.send("welcome")
        return None

    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/ws?token=bad") as ws:
            await ws.receive()
    response = info.value.response
    assert response.status_code == 401
    assert response.headers["X-Reason"] == "token"
    assert await response.get_data() == b"go away"
    assert "401" in str(info.value)

    async with client.websocket("/ws?token=good") as ws:
        assert await ws.receive() == "welcome"


async def test_refuse_by_abort_in_before_websocket_with_error_handler(
    app: Quart, client: QuartClient
) -> None:
    @app.before_websocket
    async def check() -> None:
        if "X-Auth" not in websocket.headers:
            abort(403)

    @app.errorhandler(403)
    async def forbidden(error: Forbidden) -> Any:
        return {"error": "forbidden"}, 403

    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.send("in")

    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/ws") as ws:
            await ws.receive()
    assert info.value.response.status_code == 403
    assert await info.value.response.get_json() == {"error": "forbidden"}
    async with client.websocket("/ws", headers={"X-Auth": "1"}) as ws:
        assert await ws.receive() == "in"


async def test_refusal_is_sent_through_the_denial_extension(app: Quart) -> None:
    @app.websocket("/ws")
    async def handler() -> Any:
        return "nope", 418

    sent = await run_asgi(
        app,
        ws_scope(extensions={"websocket.http.response": {}}),
        [{"type": "websocket.connect"}],
    )
    assert [m["type"] for m in sent] == [
        "websocket.http.response.start",
        "websocket.http.response.body",
    ]
    assert sent[0]["status"] == 418
    assert (b"content-length", b"4") in sent[0]["headers"]
    assert sent[1]["body"] == b"nope"


async def test_refusal_without_denial_extension_closes(
    app: Quart, client: QuartClient
) -> None:
    @app.websocket("/ws")
    async def handler() -> Any:
        return "nope", 401

    sent = await run_asgi(app, ws_scope(), [{"type": "websocket.connect"}])
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": ""}]

    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/ws", scope_base={"extensions": {}}) as ws:
            await ws.receive()
    assert info.value.response.status_code == 403  # what a server answers


async def test_close_before_accept_refuses(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.close(1000)

    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/ws") as ws:
            await ws.receive()
    assert info.value.response.status_code == 403


async def test_streamed_refusal_body(app: Quart) -> None:
    @app.websocket("/ws")
    async def handler() -> Any:
        async def body() -> AsyncIterator[bytes]:
            yield b"a"
            yield b"b"

        return body(), 403

    sent = await run_asgi(
        app,
        ws_scope(extensions={"websocket.http.response": {}}),
        [{"type": "websocket.connect"}],
    )
    bodies = [m for m in sent if m["type"] == "websocket.http.response.body"]
    assert b"".join(m["body"] for m in bodies) == b"ab"
    assert not bodies[-1].get("more_body", False)


async def test_response_after_accept_closes(app: Quart) -> None:
    @app.websocket("/ws")
    async def handler() -> Any:
        await websocket.accept()
        abort(403)

    sent = await run_asgi(app, ws_scope(), [{"type": "websocket.connect"}])
    assert sent[0]["type"] == "websocket.accept"
    assert sent[-1] == {
        "type": "websocket.close",
        "code": 1008,
        "reason": "403 FORBIDDEN",
    }


# -- errors ---------------------------------------------------------------------


async def test_unhandled_error_propagates_in_testing(
    app: Quart, client: QuartClient
) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.send("first")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        async with client.websocket("/ws") as ws:
            assert await ws.receive() == "first"
            await ws.receive()

    with pytest.raises(ValueError, match="boom"):  # or when leaving the block
        async with client.websocket("/ws") as ws:
            assert await ws.receive() == "first"


async def test_unhandled_error_in_production(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    seen: list[BaseException] = []

    @app.websocket("/before")
    async def before() -> None:
        raise ValueError("before accept")

    @app.websocket("/after")
    async def after() -> None:
        await websocket.send("hi")
        raise ValueError("after accept")

    async def receiver(sender: Quart, exception: BaseException) -> None:
        seen.append(exception)

    with connected(got_websocket_exception, receiver):
        caplog.set_level(logging.ERROR)
        with pytest.raises(WebsocketResponseError) as info:
            async with client.websocket("/before") as ws:
                await ws.receive()
        assert info.value.response.status_code == 500
        async with client.websocket("/after") as ws:
            assert await ws.receive() == "hi"
            with pytest.raises(WebsocketDisconnect) as closed:
                await ws.receive()
            assert closed.value.code == 1011
    assert [str(e) for e in seen] == ["before accept", "after accept"]
    assert "/after [websocket]" in caplog.text


async def test_error_handler_for_websocket(app: Quart, client: QuartClient) -> None:
    @app.errorhandler(KeyError)
    async def on_key_error(error: KeyError) -> Any:
        return "missing key", 400

    @app.websocket("/ws")
    async def handler() -> None:
        raise KeyError("x")

    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/ws") as ws:
            await ws.receive()
    assert info.value.response.status_code == 400
    assert await info.value.response.get_data() == b"missing key"


# -- disconnects ------------------------------------------------------------------


async def test_disconnect_while_receiving(app: Quart, client: QuartClient) -> None:
    events: list[Any] = []
    done = asyncio.Event()

    @app.websocket("/ws")
    async def handler() -> None:
        try:
            while True:
                await websocket.send(await websocket.receive())
        except WebsocketDisconnect as error:
            events.append(("disconnect", error.code, error.reason))
            raise

    @app.after_websocket
    async def after(response: Response | None) -> Response | None:
        events.append(("after", response))
        return response

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        events.append(("teardown", exc))
        done.set()

    async with client.websocket("/ws") as ws:
        await ws.send("a")
        assert await ws.receive() == "a"
        await ws.close(4000, "leaving")
        async with asyncio.timeout(2):
            await done.wait()
    assert events == [
        ("disconnect", 4000, "leaving"),
        ("after", None),
        ("teardown", None),
    ]


async def test_disconnect_cancels_a_handler_waiting_elsewhere(
    app: Quart, client: QuartClient
) -> None:
    events: list[Any] = []
    waiting = asyncio.Event()

    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.accept()
        try:
            waiting.set()
            await asyncio.Event().wait()  # e.g. a pub/sub subscription
        except asyncio.CancelledError:
            events.append("cancelled")
            raise

    @app.errorhandler(WebsocketDisconnect)
    async def gone(error: WebsocketDisconnect) -> None:
        events.append(("handler", error.code))

    @app.after_websocket
    async def after(response: Response | None) -> Response | None:
        await asyncio.sleep(0)  # hooks can still await
        events.append("after")
        return response

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        events.append(("teardown", exc))

    async with client.websocket("/ws") as ws:
        async with asyncio.timeout(2):
            await waiting.wait()
        await ws.disconnect()
    assert events == ["cancelled", ("handler", 1006), "after", ("teardown", None)]


async def test_messages_sent_before_a_disconnect_are_not_lost(
    app: Quart, client: QuartClient
) -> None:
    received: list[str | bytes] = []
    finished = asyncio.Event()

    @app.websocket("/ws")
    async def handler() -> None:
        try:
            while True:
                await asyncio.sleep(0.01)  # busy when the client leaves
                received.append(await websocket.receive())
        finally:
            finished.set()

    async with client.websocket("/ws") as ws:
        for i in range(5):
            await ws.send(str(i))
        await ws.close()
        async with asyncio.timeout(2):
            await finished.wait()
    assert received == ["0", "1", "2", "3", "4"]


async def test_disconnect_seen_by_a_receiving_task_ends_the_handler(
    app: Quart, client: QuartClient
) -> None:
    events: list[Any] = []
    ready = asyncio.Event()

    @app.websocket("/ws")
    async def handler() -> None:
        @copy_current_websocket_context
        async def consume() -> None:
            try:
                while True:
                    events.append(await websocket.receive())
            except WebsocketDisconnect:
                events.append("consumer saw disconnect")

        consumer = asyncio.ensure_future(consume())
        ready.set()
        try:
            await asyncio.Event().wait()  # e.g. producing from elsewhere
        except asyncio.CancelledError:
            events.append("handler cancelled")
            await consumer
            raise

    async with client.websocket("/ws") as ws:
        await ws.send("one")
        async with asyncio.timeout(2):
            await ready.wait()
            while "one" not in events:
                await asyncio.sleep(0.001)
        await ws.close()
    assert events[0] == "one"
    assert sorted(events[1:]) == ["consumer saw disconnect", "handler cancelled"]


async def test_send_after_the_client_left_raises_disconnect(app: Quart) -> None:
    outcome: list[Any] = []

    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.send("hello")
        with pytest.raises(WebsocketDisconnect):
            await websocket.receive()
        try:
            await websocket.send("too late")
        except WebsocketDisconnect as error:
            outcome.append(error.code)

    sent = await run_asgi(
        app,
        ws_scope(),
        [{"type": "websocket.connect"}, {"type": "websocket.disconnect", "code": 1001}],
    )
    assert outcome == [1001]
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.send"]


async def test_server_send_error_becomes_disconnect(app: Quart) -> None:
    outcome: list[Any] = []

    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.accept()
        try:
            await websocket.send("x")
        except WebsocketDisconnect as error:
            outcome.append(type(error.__cause__))

    async def receive() -> Message:
        if not outcome and not hasattr(receive, "done"):
            receive.done = True  # type: ignore[attr-defined]
            return {"type": "websocket.connect"}
        await asyncio.Event().wait()
        raise AssertionError

    async def send(message: Message) -> None:
        if message["type"] == "websocket.send":
            raise ConnectionResetError("client gone")

    async with asyncio.timeout(2):
        await app(ws_scope(), receive, send)
    assert outcome == [ConnectionResetError]


async def test_other_cancellations_propagate(app: Quart) -> None:
    started = asyncio.Event()

    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.accept()
        started.set()
        await asyncio.sleep(10)

    async def receive() -> Message:
        if not started.is_set() and not hasattr(receive, "done"):
            receive.done = True  # type: ignore[attr-defined]
            return {"type": "websocket.connect"}
        await asyncio.Event().wait()
        raise AssertionError

    async def send(message: Message) -> None:
        pass

    task = asyncio.ensure_future(app(ws_scope(), receive, send))
    async with asyncio.timeout(2):
        await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_client_gone_before_connect(app: Quart) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        raise AssertionError("should not run")

    sent = await run_asgi(app, ws_scope(), [{"type": "websocket.disconnect"}])
    assert sent == []


# -- hooks, signals, sessions, contexts -------------------------------------------


async def test_hooks_run_in_order_and_share_g(app: Quart, client: QuartClient) -> None:
    events: list[str] = []

    @app.before_websocket
    def sync_before() -> None:  # sync hooks run in a worker thread
        g.user = "ada"
        events.append("before")

    @app.websocket("/ws")
    async def handler() -> None:
        events.append(f"handler {g.user}")
        await websocket.send("x")

    @app.after_websocket
    async def after(response: Response | None) -> Response | None:
        events.append(f"after {response}")
        return response

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        events.append(f"teardown {exc}")

    @app.before_request
    async def not_for_websockets() -> None:
        events.append("before_request")

    async with client.websocket("/ws") as ws:
        assert await ws.receive() == "x"
    assert events == ["before", "handler ada", "after None", "teardown None"]


async def test_before_websocket_value_refuses(app: Quart, client: QuartClient) -> None:
    @app.before_websocket
    async def refuse() -> Any:
        return "closed for maintenance", 503

    @app.websocket("/ws")
    async def handler() -> None:
        raise AssertionError("should not run")

    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/ws") as ws:
            await ws.receive()
    assert info.value.response.status_code == 503


async def test_signals(app: Quart, client: QuartClient) -> None:
    events: list[Any] = []

    async def started(sender: Quart) -> None:
        events.append(("started", websocket.path))

    async def finished(sender: Quart, response: Response | None) -> None:
        events.append(("finished", response))

    def tearing_down(sender: Quart, exc: BaseException | None) -> None:
        events.append(("tearing_down", exc))

    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.send("x")

    with (
        connected(websocket_started, started),
        connected(websocket_finished, finished),
        connected(websocket_tearing_down, tearing_down),
    ):
        async with client.websocket("/ws") as ws:
            assert await ws.receive() == "x"
    assert events == [
        ("started", "/ws"),
        ("finished", None),
        ("tearing_down", None),
    ]


async def test_session_is_readable(app: Quart, client: QuartClient) -> None:
    app.secret_key = "secret"

    @app.get("/login")
    async def login() -> str:
        session["user"] = "ada"
        return "ok"

    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.send(session.get("user", "anonymous"))

    async with client.websocket("/ws") as ws:
        assert await ws.receive() == "anonymous"
    await client.get("/login")
    async with client.websocket("/ws") as ws:
        assert await ws.receive() == "ada"


async def test_copy_current_websocket_context(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def handler() -> None:
        assert has_websocket_context()
        assert not has_request_context()

        @copy_current_websocket_context
        async def ticker() -> None:
            for i in range(3):
                await websocket.send(f"tick {i}")

        task = asyncio.ensure_future(ticker())
        assert await websocket.receive() == "stop"
        await task

    assert not has_websocket_context()
    with pytest.raises(RuntimeError):
        copy_current_websocket_context(lambda: None)
    async with client.websocket("/ws") as ws:
        assert [await ws.receive() for _ in range(3)] == [
            "tick 0",
            "tick 1",
            "tick 2",
        ]
        await ws.send("stop")


async def test_test_websocket_context(app: Quart) -> None:
    async with app.test_websocket_context("/ws?x=1", headers={"X-A": "b"}):
        assert has_websocket_context()
        assert websocket.args["x"] == "1"
        assert websocket.headers["X-A"] == "b"
        with pytest.raises(RuntimeError):
            await websocket.receive()
    assert not has_websocket_context()
    with pytest.raises(RuntimeError):
        websocket.path  # noqa: B018


async def test_disconnect_error_describes_itself() -> None:
    assert str(WebsocketDisconnect(1001)) == "websocket closed with code 1001"
    assert "why" in str(WebsocketDisconnect(4000, "why"))


async def test_echo_example() -> None:
    path = Path(__file__).parent.parent / "examples" / "websocket_echo.py"
    spec = importlib.util.spec_from_file_location("example_websocket_echo", path)
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    client = example.app.test_client()
    assert "new WebSocket" in await (await client.get("/")).get_data(as_text=True)
    async with client.websocket("/ws", subprotocols=["echo"]) as ws:
        await ws.send("hi")
        assert await ws.receive() == "hi"
        assert ws.subprotocol == "echo"
