"""The compiled pipeline: each request runs only the steps that have work,
and a setup change (a replaced method, a signal receiver, a late hook)
is honoured by the next request."""

from __future__ import annotations

from typing import Any

import pytest

from quart import Quart
from quart import Response
from quart import request_finished
from quart import request_started
from quart import request_tearing_down


@pytest.fixture
def app() -> Quart:
    app = Quart(__name__)

    @app.get("/")
    async def index() -> str:
        return "ok"

    return app


async def test_a_replaced_make_response_is_called(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Any replacement of ``make_response`` on the class is called, whatever
    it is marked with: the core knows no wrapper of the Flask shim."""
    original = Quart.make_response
    calls: list[Any] = []

    def wrapper(self: Quart, rv: Any) -> Any:
        calls.append(rv)
        return original(self, rv)

    wrapper.__quart_async__ = original  # type: ignore[attr-defined]
    monkeypatch.setattr(Quart, "make_response", wrapper)
    app = Quart(__name__)

    @app.get("/")
    async def index() -> str:
        return "ok"

    response = await app.test_client().get("/")
    assert await response.get_data() == b"ok"
    assert calls == ["ok"]


@pytest.mark.parametrize("name", ["make_response", "process_response"])
async def test_a_method_replaced_on_the_instance_after_serving_is_called(
    app: Quart, name: str
) -> None:
    client = app.test_client()
    assert (await client.get("/")).status_code == 200  # the app is frozen now
    calls: list[str] = []
    original = getattr(app, name)

    async def replaced(*args: Any) -> Response:
        calls.append(name)
        return await original(*args)  # type: ignore[no-any-return]

    setattr(app, name, replaced)
    assert (await client.get("/")).status_code == 200
    assert calls == [name]


async def test_a_receiver_connected_after_serving_gets_the_signals(
    app: Quart,
) -> None:
    client = app.test_client()
    assert (await client.get("/")).status_code == 200
    seen: list[str] = []

    def started(sender: Quart, **_: Any) -> None:
        seen.append("started")

    def finished(sender: Quart, response: Response, **_: Any) -> None:
        seen.append(f"finished {response.status_code}")

    def tearing_down(sender: Quart, **_: Any) -> None:
        seen.append("tearing down")

    with (
        request_started.connected_to(started, app),
        request_finished.connected_to(finished, app),
        request_tearing_down.connected_to(tearing_down, app),
    ):
        assert (await client.get("/")).status_code == 200
    assert seen == ["started", "finished 200", "tearing down"]
    # Disconnected: the next request sends nothing to them.
    assert (await client.get("/")).status_code == 200
    assert seen == ["started", "finished 200", "tearing down"]


async def test_a_hook_added_after_serving_runs(app: Quart) -> None:
    client = app.test_client()
    assert (await client.get("/")).status_code == 200
    calls: list[str] = []

    @app.before_request
    async def before() -> None:
        calls.append("before")

    @app.after_request
    async def after(response: Response) -> Response:
        calls.append("after")
        return response

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        calls.append("teardown")

    @app.teardown_appcontext
    async def teardown_appcontext(exc: BaseException | None) -> None:
        calls.append("teardown_appcontext")

    assert (await client.get("/")).status_code == 200
    assert calls == ["before", "after", "teardown", "teardown_appcontext"]


async def test_steps_hold_only_what_has_work(app: Quart) -> None:
    """A plain app's steps are empty; a blueprint's hooks are compiled into
    its own steps, app hooks first."""
    assert (await app.test_client().get("/")).status_code == 200
    steps = app._steps_for(None)
    assert steps.before_view is None and steps.finished == ()
    assert steps.postprocess is None
    assert steps.do_teardown is None
    assert app._appcontext_teardown is None


async def test_steps_before_the_view_run_in_order_until_one_answers(
    app: Quart,
) -> None:
    """The started signal, a plugin's started hook and the before-request
    functions run in that order; the first answer is the response, and
    what comes after it (and the view) does not run."""
    from quart import hookimpl

    calls: list[str] = []

    class Started:
        @hookimpl
        def quart_request_started(self, request: Any) -> Any:
            calls.append("plugin")
            return "from the plugin" if request.args.get("stop") else None

    app.plugins.enable(Started())

    @app.before_request
    async def before() -> None:
        calls.append("before")

    def started(sender: Quart, **_: Any) -> None:
        calls.append("signal")

    client = app.test_client()
    with request_started.connected_to(started, app):
        response = await client.get("/")
        assert await response.get_data() == b"ok"
        assert calls == ["signal", "plugin", "before"]
        calls.clear()
        response = await client.get("/?stop=1")
        assert await response.get_data() == b"from the plugin"
        assert calls == ["signal", "plugin"]
    steps = app._steps_for(None)
    assert steps.before_view is not None  # the plugin and the before function
