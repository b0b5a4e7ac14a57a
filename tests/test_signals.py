"""Blinker signals sent by the request pipeline and the contexts."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from blinker import Signal

from quart import Quart
from quart import appcontext_popped
from quart import appcontext_pushed
from quart import appcontext_tearing_down
from quart import g
from quart import got_request_exception
from quart import has_app_context
from quart import request
from quart import request_finished
from quart import request_started
from quart import request_tearing_down
from quart.testing import QuartClient

PIPELINE_SIGNALS = [
    request_started,
    request_finished,
    request_tearing_down,
    got_request_exception,
    appcontext_pushed,
    appcontext_popped,
    appcontext_tearing_down,
]


@contextmanager
def connected(signal: Signal, receiver: Any, sender: Any) -> Iterator[None]:
    """Connect ``receiver`` for the block, and always disconnect it."""
    signal.connect(receiver, sender=sender, weak=False)
    try:
        yield
    finally:
        # Without a sender, so blinker also forgets the receiver itself.
        signal.disconnect(receiver)


async def test_request_started_and_finished_async(
    app: Quart, client: QuartClient
) -> None:
    events: list[Any] = []

    @app.before_request
    async def before() -> None:
        events.append("before_request")

    @app.after_request
    async def after(response: Any) -> Any:
        events.append("after_request")
        response.headers["X-After"] = "1"
        return response

    @app.route("/")
    async def index() -> str:
        events.append("view")
        return "hello"

    async def started(sender: Any, **kwargs: Any) -> None:
        events.append(("started", sender, kwargs, request.path))

    async def finished(sender: Any, response: Any, **kwargs: Any) -> None:
        events.append(("finished", sender, kwargs, await response.get_data()))
        assert response.headers["X-After"] == "1"

    with (
        request_started.connected_to(started, app),
        request_finished.connected_to(finished, app),
    ):
        response = await client.get("/")
    assert response.status_code == 200
    assert events == [
        ("started", app, {}, "/"),
        "before_request",
        "view",
        "after_request",
        ("finished", app, {}, b"hello"),
    ]
    assert not request_started.receivers
    assert not request_finished.receivers


async def test_sync_receivers_get_context_in_thread(
    app: Quart, client: QuartClient
) -> None:
    loop_thread = threading.current_thread()
    events: list[Any] = []

    @app.route("/sync")
    async def index() -> str:
        g.marker = "from view"
        return "ok"

    def started(sender: Any, **kwargs: Any) -> None:
        events.append(("started", sender, request.path))
        assert threading.current_thread() is not loop_thread

    def finished(sender: Any, response: Any, **kwargs: Any) -> None:
        events.append(("finished", sender, response.status_code, g.marker))
        assert threading.current_thread() is not loop_thread

    def tearing_down(sender: Any, exc: Any, **kwargs: Any) -> None:
        events.append(("tearing_down", sender, exc, request.path))

    with (
        connected(request_started, started, app),
        connected(request_finished, finished, app),
        connected(request_tearing_down, tearing_down, app),
    ):
        await client.get("/sync")
    assert events == [
        ("started", app, "/sync"),
        ("finished", app, 200, "from view"),
        ("tearing_down", app, None, "/sync"),
    ]


async def test_request_tearing_down(app: Quart, client: QuartClient) -> None:
    events: list[Any] = []

    @app.teardown_request
    async def td(exc: BaseException | None) -> None:
        events.append("teardown_request")

    @app.route("/")
    async def index() -> str:
        return "ok"

    @app.route("/fail")
    async def fail() -> str:
        raise KeyError("torn")

    async def tearing_down(sender: Any, **kwargs: Any) -> None:
        events.append(("tearing_down", sender, kwargs))

    with request_tearing_down.connected_to(tearing_down, app):
        await client.get("/")
        with pytest.raises(KeyError):
            await client.get("/fail")
    assert events[0] == "teardown_request"
    assert events[1] == ("tearing_down", app, {"exc": None})
    assert events[2] == "teardown_request"
    sender, kwargs = events[3][1], events[3][2]
    assert sender is app
    assert isinstance(kwargs["exc"], KeyError)


async def test_got_request_exception(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    received: list[Any] = []
    error = ZeroDivisionError("signalled")

    @app.route("/")
    async def index() -> str:
        raise error

    async def on_exception(sender: Any, **kwargs: Any) -> None:
        received.append((sender, kwargs))

    def on_exception_sync(sender: Any, exception: BaseException) -> None:
        received.append(("sync", sender, exception))

    with (
        got_request_exception.connected_to(on_exception, app),
        got_request_exception.connected_to(on_exception_sync, app),
    ):
        # Propagating (testing): the signal is sent before the error is raised.
        with pytest.raises(ZeroDivisionError):
            await client.get("/")
        assert len(received) == 2
        assert (app, {"exception": error}) in received
        assert ("sync", app, error) in received

        received.clear()
        app.testing = False
        with caplog.at_level(logging.CRITICAL + 1):
            response = await client.get("/")
        assert response.status_code == 500
        assert (app, {"exception": error}) in received


async def test_got_request_exception_not_sent_for_handled_errors(
    app: Quart, client: QuartClient
) -> None:
    received: list[Any] = []

    @app.errorhandler(ValueError)
    async def handle(e: ValueError) -> tuple[str, int]:
        return "handled", 400

    @app.route("/")
    async def index() -> str:
        raise ValueError()

    async def on_exception(sender: Any, **kwargs: Any) -> None:
        received.append(kwargs)

    with got_request_exception.connected_to(on_exception, app):
        response = await client.get("/")
        assert response.status_code == 400
        assert (await client.get("/missing")).status_code == 404
    assert received == []


async def test_appcontext_signals(app: Quart) -> None:
    events: list[Any] = []

    @app.teardown_appcontext
    async def td(exc: BaseException | None) -> None:
        events.append("teardown_appcontext")

    async def pushed(sender: Any, **kwargs: Any) -> None:
        events.append(("pushed", sender, kwargs, has_app_context()))

    def popped(sender: Any, **kwargs: Any) -> None:
        events.append(("popped", sender, kwargs))

    async def tearing_down(sender: Any, **kwargs: Any) -> None:
        events.append(("tearing_down", sender, kwargs))

    with (
        appcontext_pushed.connected_to(pushed, app),
        appcontext_popped.connected_to(popped, app),
        appcontext_tearing_down.connected_to(tearing_down, app),
    ):
        async with app.app_context():
            events.append("inside")
    assert events == [
        ("pushed", app, {}, True),
        "inside",
        "teardown_appcontext",
        ("tearing_down", app, {"exc": None}),
        ("popped", app, {}),
    ]


async def test_appcontext_tearing_down_gets_exception(app: Quart) -> None:
    received: list[Any] = []

    async def tearing_down(sender: Any, exc: BaseException | None) -> None:
        received.append(exc)

    error = RuntimeError("app ctx")
    with (
        appcontext_tearing_down.connected_to(tearing_down, app),
        pytest.raises(RuntimeError),
    ):
        async with app.app_context():
            raise error
    assert received == [error]


async def test_appcontext_signals_during_request(
    app: Quart, client: QuartClient
) -> None:
    events: list[str] = []

    @app.route("/")
    async def index() -> str:
        events.append("view")
        return "ok"

    async def pushed(sender: Any) -> None:
        events.append("pushed")

    async def popped(sender: Any) -> None:
        events.append("popped")

    with (
        appcontext_pushed.connected_to(pushed, app),
        appcontext_popped.connected_to(popped, app),
    ):
        await client.get("/")
    assert events == ["pushed", "view", "popped"]


async def test_receiver_for_other_sender_not_called(
    app: Quart, client: QuartClient
) -> None:
    other = Quart("other_app")
    called: list[Any] = []

    @app.route("/")
    async def index() -> str:
        return "ok"

    async def receiver(sender: Any, **kwargs: Any) -> None:
        called.append(sender)

    with request_started.connected_to(receiver, other):
        await client.get("/")
    assert called == []
    with request_started.connected_to(receiver):  # any sender
        await client.get("/")
    assert called == [app]


async def test_nothing_sent_without_receivers(
    app: Quart, client: QuartClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for signal in PIPELINE_SIGNALS:
        assert not signal.receivers, signal.name

        async def fail(*args: Any, _name: str = signal.name, **kwargs: Any) -> Any:
            raise AssertionError(f"{_name} sent with no receivers")

        def fail_sync(*args: Any, _name: str = signal.name, **kwargs: Any) -> Any:
            raise AssertionError(f"{_name} sent with no receivers")

        monkeypatch.setattr(signal, "send_async", fail)
        monkeypatch.setattr(signal, "send", fail_sync)

    @app.route("/")
    async def index() -> str:
        return "ok"

    @app.route("/fail")
    async def fail_view() -> str:
        raise RuntimeError("unhandled")

    response = await client.get("/")
    assert response.status_code == 200
    assert await response.get_data() == b"ok"
    with pytest.raises(RuntimeError, match="unhandled"):
        await client.get("/fail")
    app.testing = False
    logging.getLogger(app.name).disabled = True
    try:
        response = await client.get("/fail")
    finally:
        logging.getLogger(app.name).disabled = False
    assert response.status_code == 500
    async with app.app_context():
        pass


async def test_patched_send_async_is_used_when_connected(
    app: Quart, client: QuartClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counterpart of the test above: the patch would be noticed."""

    async def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("sent")

    monkeypatch.setattr(request_started, "send_async", fail)

    @app.route("/")
    async def index() -> str:
        return "ok"

    async def receiver(sender: Any) -> None:
        pass

    with request_started.connected_to(receiver, app), pytest.raises(AssertionError):
        await client.get("/")
