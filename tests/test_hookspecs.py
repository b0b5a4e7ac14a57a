"""The hook specifications as pluggy sees them, and the ways the core calls
them: wrappers, awaiting async implementations, the documented relay."""

from __future__ import annotations

import gc
import inspect
import warnings
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

import quart.hookspecs as hookspecs
import quart.plugins as plugins
from quart import Quart
from quart import hookimpl
from quart.plugins import PluginError
from quart.serving import ServeOptions
from quart.serving import server_names
from quart.sessions import SecureCookieSessionInterface
from quart.sessions import SessionInterface
from quart.wrappers import Websocket


@pytest.mark.parametrize("kind", ["wrapper", "hookwrapper"])
@pytest.mark.parametrize(
    "hook",
    [
        "quart_request_finished",
        "quart_request_started",
        "quart_websocket_teardown",
        "quart_serve",
        "quart_app_created",
    ],
)
def test_wrappers_of_hooks_called_one_at_a_time_are_refused(
    kind: str, hook: str
) -> None:
    def wrapper() -> Generator[None, Any, Any]:
        return (yield)

    marker = hookimpl(wrapper=True) if kind == "wrapper" else hookimpl(hookwrapper=True)
    plugin = type("Wrapping", (), {hook: staticmethod(marker(wrapper))})
    app = Quart(__name__)
    with pytest.raises(PluginError, match=f"{hook} cannot be a wrapper"):
        app.plugins.register(plugin(), "wrapping")
    assert app.plugins.get_plugin("wrapping") is None  # not half-registered


def test_a_wrapper_of_a_pluggy_called_hook_is_entered() -> None:
    seen: list[object] = []

    class Wrapping:
        @hookimpl(wrapper=True)
        def quart_session_interface(self) -> Generator[None, Any, Any]:
            interface = yield
            seen.append(interface)
            return interface

    app = Quart(__name__, plugins=[Wrapping()])
    assert isinstance(app.session_interface, SecureCookieSessionInterface)
    assert seen == [app.session_interface]


def test_a_wrapper_can_change_the_answer() -> None:
    class Mine(SecureCookieSessionInterface):
        pass

    class Replacing:
        @hookimpl(wrapper=True)
        def quart_session_interface(self) -> Generator[None, Any, SessionInterface]:
            yield
            return Mine()

    assert isinstance(Quart(__name__, plugins=[Replacing()]).session_interface, Mine)


async def test_startup_runs_through_pluggy_so_a_wrapper_sees_it() -> None:
    calls: list[str] = []

    class First:
        @hookimpl(tryfirst=True)
        async def quart_startup(self) -> None:
            calls.append("first")

    class Second:
        @hookimpl
        async def quart_startup(self) -> None:
            calls.append("second")

    class Tracing:
        @hookimpl(wrapper=True)
        def quart_startup(self) -> Generator[None, list[Any], list[Any]]:
            calls.append("enter")
            results = yield
            calls.append(f"exit with {len(results)} results")
            return results

    app = Quart(__name__, plugins=[Second(), First(), Tracing()])
    async with app.test_app():
        pass
    # pluggy called both (async: nothing ran yet), then the core awaited
    # them in plugin order.
    assert calls == ["enter", "exit with 2 results", "first", "second"]


async def test_a_failing_async_startup_closes_the_ones_after_it() -> None:
    ran: list[str] = []

    class Fails:
        @hookimpl(tryfirst=True)
        async def quart_startup(self) -> None:
            raise RuntimeError("no database")

    class Later:
        @hookimpl
        async def quart_startup(self) -> None:
            ran.append("later")

    app = Quart(__name__, plugins=[Later(), Fails()])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "coroutine ... was never awaited"
        with pytest.raises(RuntimeError, match="no database"):
            await app.plugins.call_all("quart_startup", app)
        gc.collect()
    assert ran == []


async def test_hook_relay_awaits_async_implementations() -> None:
    calls: list[str] = []

    class Lifespan:
        @hookimpl
        async def quart_startup(self, app: Quart) -> None:
            calls.append(f"async {app.name}")

        @hookimpl(trylast=True)
        def quart_shutdown(self) -> None:
            calls.append("sync")

    app = Quart("relay", plugins=[Lifespan()])
    pending = app.plugins.hook.quart_startup(app=app)
    assert inspect.isawaitable(pending)
    assert calls == []  # nothing runs until awaited
    await pending
    assert calls == ["async relay"]
    await app.plugins.hook.quart_shutdown(app=app)
    assert calls == ["async relay", "sync"]


async def test_hook_relay_firstresult_awaits_before_asking_the_next() -> None:
    class Declines:
        @hookimpl(tryfirst=True)
        async def quart_serve(self, options: ServeOptions) -> bool | None:
            return None  # another server's name: the next one is asked

    class Serves:
        @hookimpl
        async def quart_serve(self, options: ServeOptions) -> bool | None:
            return options.server == "fake" or None

    app = Quart(__name__, plugins=[Serves(), Declines()])
    options = ServeOptions(server="fake")
    assert await app.plugins.hook.quart_serve(app=app, options=options) is True


def test_hook_relay_sync_hooks_answer_directly() -> None:
    app = Quart(__name__)
    interface = app.plugins.hook.quart_session_interface(app=app)
    assert isinstance(interface, SecureCookieSessionInterface)
    assert "hypercorn" in [
        n for names in app.plugins.hook.quart_server_names() for n in names
    ]
    with pytest.raises(AttributeError, match="quart_nope"):
        app.plugins.hook.quart_nope  # noqa: B018


def test_hook_relay_calls_only_enabled_plugins_for_app_hooks() -> None:
    class Status:
        @hookimpl
        def quart_session_interface(self) -> SessionInterface:
            raise AssertionError("a disabled plugin must not be asked")

        @hookimpl
        def quart_server_names(self) -> list[str]:
            return ["loaded-only"]

    app = Quart(__name__)
    status = Status()
    app.plugins.register(status, "status", source="entrypoint")  # loaded, not enabled
    assert isinstance(app.session_interface, SecureCookieSessionInterface)
    assert "loaded-only" in server_names(app)  # serving hooks: every loaded plugin


def test_sync_firstresult_hook_refuses_async_implementations() -> None:
    class AsyncSessions:
        @hookimpl(tryfirst=True)
        async def quart_session_interface(self) -> SessionInterface:
            return SecureCookieSessionInterface()

    app = Quart(__name__, plugins=[AsyncSessions()])
    with pytest.raises(PluginError, match="must not be async"):
        app.session_interface  # noqa: B018


def test_specs_declare_firstresult_where_one_answer_wins() -> None:
    manager = Quart(__name__).plugins
    firstresult = {
        name
        for name in dir(hookspecs)
        if name.startswith("quart_")
        and getattr(manager.hook, name)._pluggy.spec.opts.get("firstresult")
    }
    assert firstresult == {
        "quart_request_started",
        "quart_websocket_started",
        "quart_session_interface",
        "quart_broadcast_backend",
        "quart_serve",
    }


def test_hook_arguments_are_typed_with_the_real_classes() -> None:
    # The annotations are strings naming what the module imports for type
    # checking (mypy --strict resolves them); here each must name the class.
    real = {"Websocket": Websocket, "ServeOptions": ServeOptions}
    for spec, argument, expected in [
        (hookspecs.quart_websocket_started, "websocket", Websocket),
        (hookspecs.quart_websocket_finished, "websocket", Websocket),
        (hookspecs.quart_websocket_exception, "websocket", Websocket),
        (hookspecs.quart_websocket_teardown, "websocket", Websocket),
        (hookspecs.quart_serve, "options", ServeOptions),
    ]:
        annotation = inspect.signature(spec).parameters[argument].annotation
        assert eval(annotation, real) is expected


def test_register_builtin_adds_a_blockable_builtin(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "builtin_example.py").write_text(
        "from quart import hookimpl\n"
        "@hookimpl\n"
        "def quart_app_created(app):\n"
        "    app.config['BUILTIN_EXAMPLE'] = True\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(plugins, "BUILTIN_PLUGINS", dict(plugins.BUILTIN_PLUGINS))
    plugins.register_builtin("example.builtin", "builtin_example")
    plugins.register_builtin("example.builtin", "quart.builtin.serving")  # first wins
    app = Quart(__name__)
    info = {i.name: i for i in app.plugins.list_plugins()}
    assert info["example.builtin"].source == "builtin"
    assert app.config["BUILTIN_EXAMPLE"] is True
    blocked = Quart(__name__, disable_plugins=["example.builtin"])
    assert blocked.plugins.get_plugin("example.builtin") is None
    assert "BUILTIN_EXAMPLE" not in blocked.config
