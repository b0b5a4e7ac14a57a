"""Application and request contexts, the context-bound proxies and ``g``."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from quart import Quart
from quart import Response
from quart import after_this_request
from quart import copy_current_app_context
from quart import copy_current_request_context
from quart import current_app
from quart import g
from quart import has_app_context
from quart import has_request_context
from quart import request
from quart import session
from quart import websocket
from quart.ctx import RequestContext
from quart.ctx import WebsocketContext
from quart.ctx import after_this_websocket
from quart.globals import _cv_app
from quart.globals import app_ctx
from quart.hookspecs import hookimpl
from quart.signals import appcontext_popped
from quart.signals import appcontext_pushed
from quart.signals import request_tearing_down
from quart.testing import QuartClient
from quart.testing import WebsocketResponseError


async def test_app_context_push_pop(app: Quart) -> None:
    assert not has_app_context()
    ctx = app.app_context()
    await ctx.push()
    try:
        assert has_app_context()
        assert not has_request_context()
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
        g.value = 1
        assert g.value == 1
    finally:
        await ctx.pop()
    assert not has_app_context()


async def test_app_context_as_async_context_manager(app: Quart) -> None:
    async with app.app_context() as ctx:
        assert ctx.app is app
        assert current_app.name == app.name
        assert g._get_current_object() is ctx.g  # type: ignore[attr-defined]
    assert not has_app_context()


async def test_test_request_context_push_pop(app: Quart) -> None:
    ctx = app.test_request_context("/some/path?a=1&a=2", method="POST")
    await ctx.push()
    try:
        assert has_request_context()
        assert has_app_context()
        assert request.path == "/some/path"
        assert request.method == "POST"
        assert request.args.getlist("a") == ["1", "2"]
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
    finally:
        await ctx.pop()
    assert not has_request_context()
    assert not has_app_context()


async def test_test_request_context_with_body(app: Quart) -> None:
    async with app.test_request_context("/", method="POST", json={"k": "v"}):
        assert await request.get_json() == {"k": "v"}
    async with app.test_request_context("/", method="POST", form={"f": "1"}):
        assert (await request.form)["f"] == "1"


def test_proxies_outside_context_raise() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        current_app.name  # noqa: B018
    with pytest.raises(RuntimeError, match="application context"):
        g.value  # noqa: B018
    with pytest.raises(RuntimeError, match="request context"):
        request.path  # noqa: B018
    with pytest.raises(RuntimeError, match="request context"):
        session.get("x")
    assert not has_app_context()
    assert not has_request_context()


@pytest.mark.usefixtures("app_ctx")
async def test_request_outside_request_context_in_app_context() -> None:
    with pytest.raises(RuntimeError, match="request context"):
        request.path  # noqa: B018
    assert has_app_context()
    assert not has_request_context()


async def test_has_context_inside_view(app: Quart, client: Any) -> None:
    @app.route("/")
    async def index() -> dict[str, bool]:
        return {"app": has_app_context(), "request": has_request_context()}

    response = await client.get("/")
    assert await response.get_json() == {"app": True, "request": True}


@pytest.mark.usefixtures("app_ctx")
async def test_g_methods(app: Quart) -> None:
    assert g.get("missing") is None
    assert g.get("missing", 5) == 5
    g.a = 1
    assert g.get("a") == 1
    assert "a" in g
    assert "b" not in g
    assert g.setdefault("b", 2) == 2
    assert g.setdefault("b", 3) == 2
    assert sorted(g) == ["a", "b"]
    assert g.pop("a") == 1
    assert "a" not in g
    with pytest.raises(KeyError):
        g.pop("a")
    assert g.pop("a", "default") == "default"
    with pytest.raises(AttributeError):
        g.nope  # noqa: B018
    assert list(iter(g)) == ["b"]
    assert app.name in repr(g)


async def test_g_is_per_app_context(app: Quart) -> None:
    async with app.app_context():
        g.value = "first"
    async with app.app_context():
        assert "value" not in g


async def test_nested_app_contexts(app: Quart) -> None:
    async with app.app_context() as outer:
        g.level = "outer"
        async with app.app_context() as inner:
            assert inner is not outer
            assert "level" not in g
            g.level = "inner"
        assert g.level == "outer"
        assert g._get_current_object() is outer.g  # type: ignore[attr-defined]
    assert not has_app_context()


async def test_request_context_reuses_same_app_context(app: Quart) -> None:
    async with app.app_context() as app_ctx:
        g.marker = "shared"
        async with app.test_request_context("/"):
            assert g.marker == "shared"
            assert g._get_current_object() is app_ctx.g  # type: ignore[attr-defined]
        assert has_app_context()
        assert not has_request_context()


async def test_request_context_of_other_app_pushes_its_own(app: Quart) -> None:
    other = Quart("other_app")
    async with app.app_context():
        g.marker = "first"
        async with other.test_request_context("/"):
            assert current_app._get_current_object() is other  # type: ignore[attr-defined]
            assert "marker" not in g
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
        assert g.marker == "first"


async def test_nested_request_contexts(app: Quart) -> None:
    async with app.test_request_context("/outer"):
        async with app.test_request_context("/inner"):
            assert request.path == "/inner"
        assert request.path == "/outer"


async def test_repushed_context_tears_down_once(app: Quart) -> None:
    teardowns: list[Any] = []

    @app.teardown_appcontext
    def td(exc: BaseException | None) -> None:
        teardowns.append(exc)

    ctx = app.app_context()
    await ctx.push()
    await ctx.push()
    await ctx.pop()
    assert teardowns == []
    assert has_app_context()
    await ctx.pop()
    assert teardowns == [None]
    assert not has_app_context()


async def test_popping_wrong_context_raises(app: Quart) -> None:
    first = app.app_context()
    second = app.app_context()
    await first.push()
    await second.push()
    with pytest.raises(AssertionError, match="Popped wrong app context"):
        await first.pop()
    # Restore a clean state: pop what is left.
    while has_app_context():
        await _cv_app.get().pop()


async def test_request_teardown_on_pop(app: Quart) -> None:
    seen: list[Any] = []

    @app.teardown_request
    async def td(exc: BaseException | None) -> None:
        seen.append((exc, request.path))

    error = ValueError("ctx error")
    with pytest.raises(ValueError):
        async with app.test_request_context("/torn"):
            raise error
    assert seen == [(error, "/torn")]


async def test_copy_current_app_context(app: Quart) -> None:
    async with app.app_context():
        g.value = "copied"

        @copy_current_app_context
        async def read() -> tuple[Any, str]:
            return current_app._get_current_object(), g.value  # type: ignore[attr-defined]

    assert not has_app_context()
    task = asyncio.create_task(read())
    result = await asyncio.wait_for(task, timeout=2)
    assert result == (app, "copied")
    assert not has_app_context()


async def test_copy_current_app_context_sync_function(app: Quart) -> None:
    async with app.app_context():
        g.value = "sync copied"

        @copy_current_app_context
        def read() -> str:
            return f"{current_app.name}:{g.value}"

    assert await asyncio.wait_for(read(), timeout=2) == f"{app.name}:sync copied"


async def test_copy_current_app_context_in_a_request_copies_the_app_context(
    app: Quart, client: QuartClient
) -> None:
    """In a request, the copy is an app context alone: a background task
    gets ``current_app`` and the request's ``g``, and pushing it does not
    run the request's teardown a second time."""
    torn: list[str] = []
    seen: list[Any] = []

    @app.teardown_request
    async def request_done(exc: BaseException | None) -> None:
        torn.append("request")

    @app.get("/")
    async def index() -> str:
        g.user = "alice"

        @copy_current_app_context
        async def background() -> None:
            seen.append((current_app.name, g.user))

        await asyncio.wait_for(asyncio.create_task(background()), timeout=2)
        return "ok"

    response = await client.get("/")
    assert response.status_code == 200
    assert seen == [(app.name, "alice")]
    assert torn == ["request"]


async def test_a_request_is_its_own_app_context(
    app: Quart, client: QuartClient
) -> None:
    """Served without an active app context, a request provides one: the
    app-context signals and teardown come once, around the request's own
    steps, with ``current_app`` still set and the request gone."""
    events: list[Any] = []

    def pushed(sender: Quart, **_: Any) -> None:
        events.append(("pushed", sender is app, has_request_context()))

    def popped(sender: Quart, **_: Any) -> None:
        events.append(("popped", sender is app, has_app_context()))

    @app.teardown_request
    async def request_done(exc: BaseException | None) -> None:
        events.append(("teardown_request", request.path))

    @app.teardown_appcontext
    async def app_done(exc: BaseException | None) -> None:
        events.append(("teardown_appcontext", current_app.name, has_request_context()))

    @app.get("/page")
    async def page() -> str:
        events.append(("view", app_ctx.request is request._get_current_object()))
        return "ok"

    with appcontext_pushed.connected_to(pushed), appcontext_popped.connected_to(popped):
        response = await client.get("/page")
    assert response.status_code == 200
    assert events == [
        ("pushed", True, False),
        ("view", True),
        ("teardown_request", "/page"),
        ("teardown_appcontext", app.name, False),
        ("popped", True, False),
    ]


async def test_request_in_an_active_app_context_uses_it(app: Quart) -> None:
    """A request context pushed inside an app context of its app shares
    that context's ``g`` and leaves its teardown to it, as in Flask."""
    torn: list[Any] = []
    app.teardown_appcontext(torn.append)
    async with app.app_context() as outer:
        g.marker = "outer"
        async with app.test_request_context("/"):
            assert g.marker == "outer"
            assert app_ctx._get_current_object() is outer
            g.inner = True
        assert torn == []
        assert g.inner is True
    assert torn == [None]


def test_copy_current_app_context_outside_context_raises() -> None:
    with pytest.raises(RuntimeError):
        copy_current_app_context(lambda: None)


def test_copy_current_request_context_outside_context_raises() -> None:
    with pytest.raises(RuntimeError):
        copy_current_request_context(lambda: None)


async def test_copy_current_request_context_with_create_task(app: Quart) -> None:
    async with app.test_request_context("/path?x=1"):

        @copy_current_request_context
        async def read() -> tuple[str, str]:
            return request.path, request.args["x"]

    assert not has_request_context()
    assert await asyncio.wait_for(asyncio.create_task(read()), timeout=2) == (
        "/path",
        "1",
    )


async def test_copy_current_request_context_in_background_task(app: Quart) -> None:
    done = asyncio.Event()
    seen: dict[str, Any] = {}

    @app.route("/start")
    async def start() -> str:
        g.token = request.args["token"]

        @copy_current_request_context
        async def background() -> None:
            seen["path"] = request.path
            seen["token"] = request.args["token"]
            seen["request_context"] = has_request_context()
            done.set()

        app.add_background_task(background)
        return "started"

    async with app.test_app() as test_app:
        response = await test_app.test_client().get(
            "/start", query_string={"token": "abc"}
        )
        assert response.status_code == 200
        await asyncio.wait_for(done.wait(), timeout=2)
    assert seen == {"path": "/start", "token": "abc", "request_context": True}


async def test_after_this_request(app: Quart, client: Any) -> None:
    order: list[str] = []

    @app.after_request
    async def app_after(response: Any) -> Any:
        order.append("app")
        response.headers["X-App"] = response.headers.get("X-This", "missing")
        return response

    @app.route("/")
    async def index() -> str:
        @after_this_request
        async def add_header(response: Any) -> Any:
            order.append("this")
            response.headers["X-This"] = "set"
            return response

        @after_this_request
        def sync_header(response: Any) -> Any:
            order.append("this-sync")
            response.headers["X-Sync"] = request.path
            return response

        return "ok"

    response = await client.get("/")
    assert response.headers["X-This"] == "set"
    assert response.headers["X-Sync"] == "/"
    assert response.headers["X-App"] == "set"
    assert order == ["this", "this-sync", "app"]

    order.clear()
    response = await client.get("/")
    assert order == ["this", "this-sync", "app"]


async def test_after_this_request_only_for_that_request(
    app: Quart, client: Any
) -> None:
    @app.route("/with")
    async def with_hook() -> str:
        @after_this_request
        async def add(response: Any) -> Any:
            response.headers["X-Once"] = "1"
            return response

        return "with"

    @app.route("/without")
    async def without() -> str:
        return "without"

    assert (await client.get("/with")).headers.get("X-Once") == "1"
    assert "X-Once" not in (await client.get("/without")).headers


def test_after_this_request_outside_request_raises() -> None:
    with pytest.raises(RuntimeError):
        after_this_request(lambda r: r)


async def test_contextvar_isolation_across_tasks(app: Quart) -> None:
    barrier = asyncio.Event()
    ready = 0

    async def worker(i: int) -> tuple[Any, ...]:
        nonlocal ready
        async with app.test_request_context(f"/task/{i}"):
            g.ident = i
            ready += 1
            if ready == 10:
                barrier.set()
            await barrier.wait()
            await asyncio.sleep(0)
            return g.ident, request.path

    results = await asyncio.wait_for(
        asyncio.gather(*(worker(i) for i in range(10))), timeout=2
    )
    assert results == [(i, f"/task/{i}") for i in range(10)]
    assert not has_app_context()


async def test_task_created_inside_context_keeps_it(app: Quart) -> None:
    async with app.app_context():
        g.value = "inherited"

        async def child() -> str:
            return str(g.value)

        task = asyncio.create_task(child())
    # The task copied the context at creation time.
    assert await asyncio.wait_for(task, timeout=2) == "inherited"


async def test_context_pushed_in_task_does_not_leak(app: Quart) -> None:
    async def push_only() -> bool:
        ctx = app.app_context()
        await ctx.push()
        inside = has_app_context()
        await ctx.pop()
        return inside

    assert await asyncio.wait_for(asyncio.create_task(push_only()), timeout=2)
    assert not has_app_context()


# -- the request and websocket on the app context (Quart 0.23) ----------------
async def test_app_context_knows_the_request(app: Quart) -> None:
    app.secret_key = "secret"
    async with app.app_context() as app_ctx:
        assert not app_ctx.has_request
        assert not app_ctx.has_websocket
        with pytest.raises(RuntimeError, match="no request"):
            app_ctx.request  # noqa: B018
        with pytest.raises(RuntimeError, match="no websocket"):
            app_ctx.websocket  # noqa: B018
        with pytest.raises(RuntimeError):
            app_ctx.session  # noqa: B018
        with pytest.raises(RuntimeError):
            app_ctx.match_request()
    async with app.test_request_context("/a?x=1") as ctx:
        current = _cv_app.get()
        assert current.has_request
        assert not current.has_websocket
        assert current.request is ctx.request is request._get_current_object()  # type: ignore[attr-defined]
        assert current.session is ctx.session
        current.session["k"] = "v"
        assert session["k"] == "v"


async def test_app_context_knows_the_websocket(app: Quart) -> None:
    async with app.test_websocket_context("/ws") as ctx:
        current = _cv_app.get()
        assert current.has_websocket
        assert not current.has_request
        assert current.websocket is ctx.websocket
        assert current.session is ctx.session


async def test_app_context_match_request(app: Quart) -> None:
    async with app.test_request_context("/late") as ctx:
        assert ctx.request.routing_exception is not None  # no such route yet

        @app.route("/late")
        async def late() -> str:
            return "late"

        _cv_app.get().match_request()
        assert ctx.request.endpoint == "late"
        assert ctx.request.routing_exception is None


async def test_request_context_match_request_matches_itself(app: Quart) -> None:
    """``match_request`` on a request context matches its own URL, pushed
    or not, as Flask's does."""
    ctx = app.test_request_context("/later")
    assert ctx.request.endpoint is None  # matched when pushed

    @app.route("/later")
    async def later() -> str:
        return "later"

    ctx.match_request()
    assert ctx.request.endpoint == "later"
    assert ctx.request.routing_exception is None


def test_context_classes_have_their_connection_attribute() -> None:
    assert hasattr(RequestContext, "request")
    assert hasattr(WebsocketContext, "websocket")


async def test_context_attributes_stay_settable(app: Quart) -> None:
    # Extensions keep their own values on contexts.
    async with app.test_request_context("/") as ctx:
        ctx.extension_value = 1  # type: ignore[attr-defined]
        assert ctx.extension_value == 1  # type: ignore[attr-defined]
        assert ctx.copy().request is ctx.request


# -- after_this_websocket -------------------------------------------------------
async def test_after_this_websocket(app: Quart) -> None:
    seen: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> tuple[str, int]:
        @after_this_websocket
        async def after(response: Response | None) -> Response | None:
            seen.append(response)
            if response is not None:
                response.headers["X-After"] = "yes"
            return response

        return "refused", 403  # refusing the handshake gives a response

    @app.websocket("/accepted")
    async def accepted() -> None:
        @after_this_websocket
        def after(response: Response | None) -> None:
            seen.append("sync after")

        await websocket.accept()
        await websocket.send("hi")

    client = app.test_client()
    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/ws") as connection:
            await connection.receive()
    assert info.value.response.status_code == 403
    assert info.value.response.headers["X-After"] == "yes"
    assert len(seen) == 1 and seen[0].status_code == 403
    async with client.websocket("/accepted") as connection:
        assert await connection.receive() == "hi"
    for _ in range(100):  # the handler finishes after the message is sent
        if "sync after" in seen:
            break
        await asyncio.sleep(0.01)
    assert seen[-1] == "sync after"


def test_after_this_websocket_outside_websocket_raises() -> None:
    with pytest.raises(RuntimeError, match="websocket context"):
        after_this_websocket(lambda response: response)


# -- a failing teardown function does not stop the others ------------------------
async def test_teardown_request_errors_are_isolated(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    @app.teardown_request
    async def first(exc: BaseException | None) -> None:
        ran.append("first")

    @app.teardown_request
    def broken(exc: BaseException | None) -> None:
        ran.append("broken")
        raise RuntimeError("teardown failed")

    @app.teardown_request
    async def last(exc: BaseException | None) -> None:
        ran.append("last")

    @app.teardown_appcontext
    async def app_teardown(exc: BaseException | None) -> None:
        ran.append("appcontext")

    @app.route("/")
    async def index() -> str:
        return "ok"

    with caplog.at_level(logging.ERROR):
        response = await app.test_client().get("/")
    assert response.status_code == 200
    # Last registered first, as in Flask; all of them ran.
    assert ran == ["last", "broken", "first", "appcontext"]
    errors = [r for r in caplog.records if r.exc_info]
    assert len(errors) == 1
    assert "teardown_request" in errors[0].getMessage()
    assert "broken" in errors[0].getMessage()
    assert isinstance(errors[0].exc_info[1], RuntimeError)  # type: ignore[index]


async def test_teardown_appcontext_errors_are_isolated(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    @app.teardown_appcontext
    def first(exc: BaseException | None) -> None:
        ran.append("first")

    @app.teardown_appcontext
    async def broken(exc: BaseException | None) -> None:
        ran.append("broken")
        raise KeyError("x")

    @app.teardown_appcontext
    async def also_broken(exc: BaseException | None) -> None:
        ran.append("also broken")
        raise ValueError("y")

    with caplog.at_level(logging.ERROR):
        async with app.app_context():
            pass
    assert ran == ["also broken", "broken", "first"]
    errors = [r.exc_info[1] for r in caplog.records if r.exc_info]
    assert [type(error) for error in errors] == [ValueError, KeyError]
    assert not has_app_context()


async def test_teardown_websocket_errors_are_isolated(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    @app.teardown_websocket
    async def first(exc: BaseException | None) -> None:
        ran.append("first")

    @app.teardown_websocket
    async def broken(exc: BaseException | None) -> None:
        ran.append("broken")
        raise RuntimeError("teardown failed")

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await websocket.send("hi")

    with caplog.at_level(logging.ERROR):
        async with app.test_client().websocket("/ws") as connection:
            assert await connection.receive() == "hi"
        for _ in range(100):
            if len(ran) == 2:
                break
            await asyncio.sleep(0.01)
    assert ran == ["broken", "first"]
    assert [type(r.exc_info[1]) for r in caplog.records if r.exc_info] == [RuntimeError]


async def test_teardown_signal_and_plugin_errors_are_isolated(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        ran.append("signal")
        raise RuntimeError("receiver failed")

    class Plugin:
        @hookimpl
        def quart_request_teardown(self, exception: BaseException | None) -> None:
            ran.append("plugin")
            raise RuntimeError("plugin failed")

    class Later:
        @hookimpl(trylast=True)
        def quart_request_teardown(self, exception: BaseException | None) -> None:
            ran.append("later plugin")

    app.plugins.register(Plugin())
    app.plugins.register(Later())

    @app.route("/")
    async def index() -> str:
        return "ok"

    with (
        request_tearing_down.connected_to(receiver, app),
        caplog.at_level(logging.ERROR),
    ):
        assert (await app.test_client().get("/")).status_code == 200
    assert ran == ["signal", "plugin", "later plugin"]
    assert len([r for r in caplog.records if r.exc_info]) == 2


# -- the proxies -------------------------------------------------------------
def test_unbound_proxies_raise_werkzeugs_errors() -> None:
    from werkzeug.local import LocalProxy

    for proxy in (current_app, g, request, session, websocket):
        assert isinstance(proxy, LocalProxy)
        with pytest.raises(RuntimeError, match="outside of"):
            proxy.anything  # noqa: B018
        with pytest.raises(RuntimeError, match="outside of"):
            proxy.anything = 1
        with pytest.raises(RuntimeError, match="outside of"):
            proxy["key"]  # type: ignore[index]
        with pytest.raises(RuntimeError, match="outside of"):
            proxy["key"] = 1  # type: ignore[index]
        with pytest.raises(RuntimeError, match="outside of"):
            "key" in proxy  # type: ignore[operator]  # noqa: B015
        assert "unbound" in repr(proxy)
        assert not bool(proxy)


async def test_proxies_read_and_set_through_the_current_object(app: Quart) -> None:
    app.secret_key = "secret"
    async with app.test_request_context("/path?q=1", method="POST"):
        real_request = request._get_current_object()  # type: ignore[attr-defined]
        assert request.method == "POST"
        assert request.args["q"] == "1"
        assert request.__class__ is type(real_request)
        assert isinstance(request, app.request_class)
        assert request == real_request
        request._note = "private names too"  # type: ignore[attr-defined]
        assert real_request._note == "private names too"

        g.user = "alice"
        assert g.user == "alice"
        assert "user" in g
        assert g.get("missing", 1) == 1
        assert getattr(g, "missing", None) is None
        assert not hasattr(g, "missing")
        with pytest.raises(AttributeError, match="missing"):
            g.missing  # noqa: B018
        del g.user
        assert "user" not in g

        session["n"] = 1
        assert session["n"] == 1
        assert session.get("n") == 1
        assert "n" in session
        del session["n"]
        assert "n" not in session
        with pytest.raises(KeyError):
            session["n"]
        assert current_app.name == app.name
