"""The plugin core: hook calls, built-ins as plugins, discovery, control."""

from __future__ import annotations

import asyncio
import inspect
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import quart.hookspecs as hookspecs
from quart import Quart
from quart import hookimpl
from quart.plugins import PluginError
from quart.plugins import PluginManager
from quart.plugins import discover_entry_points
from quart.sessions import SecureCookieSessionInterface
from quart.sessions import SessionInterface


class Recorder:
    """A throwaway plugin that records the per-request hooks it sees."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    @hookimpl
    def quart_request_started(self, app: Quart, request: Any) -> None:
        self.calls.append(("started", request.path))

    @hookimpl
    async def quart_request_finished(self, request: Any, response: Any) -> None:
        await asyncio.sleep(0)
        self.calls.append(("finished", request.path, response.status_code))

    @hookimpl
    def quart_request_exception(self, request: Any, exception: BaseException) -> None:
        self.calls.append(("exception", request.path, type(exception).__name__))

    @hookimpl
    def quart_request_teardown(self, request: Any, exception: Any) -> None:
        self.calls.append(("teardown", request.path, type(exception).__name__))


async def test_request_hooks_called_in_order() -> None:
    recorder = Recorder()
    app = Quart(__name__, plugins=[recorder])

    @app.get("/")
    async def index() -> str:
        return "ok"

    response = await app.test_client().get("/")
    assert response.status_code == 200
    assert recorder.calls == [
        ("started", "/"),
        ("finished", "/", 200),
        ("teardown", "/", "NoneType"),
    ]


async def test_exception_hooks_see_unhandled_errors() -> None:
    recorder = Recorder()
    app = Quart(__name__, plugins=[recorder])

    @app.get("/boom")
    async def boom() -> str:
        raise ValueError("boom")

    response = await app.test_client().get("/boom")
    assert response.status_code == 500
    assert ("exception", "/boom", "ValueError") in recorder.calls
    assert ("teardown", "/boom", "ValueError") in recorder.calls
    # the 500 response still goes through request_finished
    assert ("finished", "/boom", 500) in recorder.calls


async def test_request_started_may_short_circuit() -> None:
    class Gate:
        @hookimpl
        async def quart_request_started(self, request: Any) -> Any:
            if request.headers.get("X-Key") != "secret":
                return {"error": "forbidden"}, 403
            return None

    app = Quart(__name__, plugins=[Gate()])
    seen = []

    @app.get("/")
    async def index() -> str:
        seen.append("view")
        return "ok"

    @app.after_request
    async def mark(response: Any) -> Any:
        response.headers["X-After"] = "yes"
        return response

    client = app.test_client()
    denied = await client.get("/")
    assert denied.status_code == 403
    assert await denied.get_json() == {"error": "forbidden"}
    assert denied.headers["X-After"] == "yes"
    assert seen == []
    allowed = await client.get("/", headers={"X-Key": "secret"})
    assert allowed.status_code == 200
    assert seen == ["view"]


async def test_startup_and_shutdown_hooks_run_in_app_context() -> None:
    events: list[str] = []

    class Lifecycle:
        @hookimpl
        async def quart_startup(self, app: Quart) -> None:
            from quart import current_app

            events.append(f"startup:{current_app.name}")

        @hookimpl
        def quart_shutdown(self) -> None:
            events.append("shutdown")

    app = Quart("lifecycle", plugins=[Lifecycle()])

    @app.before_serving
    async def before() -> None:
        events.append("before_serving")

    @app.after_serving
    async def after() -> None:
        events.append("after_serving")

    async with app.test_app():
        events.append("serving")
    assert events == [
        "before_serving",
        "startup:lifecycle",
        "serving",
        "after_serving",
        "shutdown",
    ]


def test_app_created_hook_configures_the_app() -> None:
    class Configure:
        @hookimpl
        def quart_app_created(self, app: Quart) -> None:
            app.config["CONFIGURED_BY"] = "plugin"
            app.extensions["configure"] = self

    plugin = Configure()
    app = Quart(__name__, plugins=[plugin])
    assert app.config["CONFIGURED_BY"] == "plugin"
    assert app.extensions["configure"] is plugin


def test_plugin_registered_later_still_gets_app_created() -> None:
    class Late:
        @hookimpl
        def quart_app_created(self, app: Quart) -> None:
            app.config["LATE"] = True

    app = Quart(__name__)
    app.plugins.register(Late())
    assert app.config["LATE"] is True


def test_failing_app_created_names_the_plugin() -> None:
    class Broken:
        @hookimpl
        def quart_app_created(self, app: Quart) -> None:
            raise KeyError("missing setting")

    with pytest.raises(PluginError, match=r"Broken.*quart_app_created.*missing"):
        Quart(__name__, plugins=[Broken()]).plugins  # noqa: B018


def test_unknown_hook_name_fails_at_registration() -> None:
    class Typo:
        @hookimpl
        def quart_request_strated(self) -> None:  # misspelt on purpose
            pass

    app = Quart(__name__)
    with pytest.raises(PluginError, match="quart_request_strated"):
        app.plugins.register(Typo(), "typo")
    assert app.plugins.get_plugin("typo") is None


def test_wrong_argument_name_fails_at_registration() -> None:
    class BadArgs:
        @hookimpl
        def quart_request_started(self, app: Quart, req: Any) -> None:
            pass

    with pytest.raises(Exception, match="req"):
        Quart(__name__).plugins.register(BadArgs())


async def test_per_request_hooks_added_after_first_request_take_part() -> None:
    app = Quart(__name__)

    @app.get("/")
    async def index() -> str:
        return "ok"

    client = app.test_client()
    await client.get("/")
    recorder = Recorder()
    app.plugins.register(recorder, "late")  # a setup change: recompiled
    await client.get("/")
    assert [call[0] for call in recorder.calls] == ["started", "finished", "teardown"]
    app.plugins.unregister("late")
    await client.get("/")
    assert len(recorder.calls) == 3  # gone again

    class AppOnly:
        @hookimpl
        def quart_server_names(self) -> list[str]:
            return ["other"]

    app.plugins.register(AppOnly(), "app-only")  # not per-request: allowed


async def test_registered_context_manager_for_tests() -> None:
    app = Quart(__name__)
    recorder = Recorder()
    with app.plugins.registered(recorder, "recorder") as name:
        assert name == "recorder"
        assert app.plugins.get_plugin("recorder") is recorder
    assert app.plugins.get_plugin("recorder") is None


# -- built-ins as plugins -------------------------------------------------------
def test_builtin_session_plugin_provides_the_interface() -> None:
    app = Quart(__name__)
    names = [info.name for info in app.plugins.list_plugins()]
    assert "quart.sessions" in names
    info = next(i for i in app.plugins.list_plugins() if i.name == "quart.sessions")
    assert info.source == "builtin"
    assert app.plugins.hooks_of("quart.sessions") == ["quart_session_interface"]
    assert isinstance(app.session_interface, SecureCookieSessionInterface)


class MemorySessions(SessionInterface):
    def __init__(self) -> None:
        self.store: dict[str, Any] = {}

    async def open_session(self, app: Any, request: Any) -> Any:
        from quart.sessions import SecureCookieSession

        return SecureCookieSession(self.store.get("data", {}))

    async def save_session(self, app: Any, session: Any, response: Any) -> None:
        self.store["data"] = dict(session)


async def test_plugin_overrides_the_builtin_session_interface() -> None:
    memory = MemorySessions()

    class Sessions:
        @hookimpl
        def quart_session_interface(self, app: Quart) -> SessionInterface:
            return memory

    app = Quart(__name__, plugins=[Sessions()])

    @app.get("/set")
    async def set_value() -> str:
        from quart import session

        session["answer"] = 42
        return "ok"

    await app.test_client().get("/set")
    assert app.session_interface is memory
    assert memory.store == {"data": {"answer": 42}}


def test_blocking_a_builtin_without_replacement_is_a_clear_error() -> None:
    app = Quart(__name__, disable_plugins=["quart.sessions"])
    assert app.plugins.get_plugin("quart.sessions") is None
    with pytest.raises(RuntimeError, match="session interface"):
        app.session_interface  # noqa: B018


def test_explicit_session_interface_wins_over_plugins() -> None:
    app = Quart(__name__, disable_plugins=["quart.sessions"])
    memory = MemorySessions()
    app.session_interface = memory
    assert app.session_interface is memory


def test_blocked_plugin_cannot_be_registered() -> None:
    app = Quart(__name__, disable_plugins=["nope"])
    with pytest.raises(PluginError, match="blocked"):
        app.plugins.register(Recorder(), "nope")


def test_blocklist_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUART_PLUGINS_DISABLED", "quart.sessions")
    app = Quart(__name__)
    assert app.plugins.get_plugin("quart.sessions") is None


def test_plugins_by_import_string(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "my_quart_plugin.py").write_text(
        textwrap.dedent(
            """
            from quart import hookimpl

            @hookimpl
            def quart_app_created(app):
                app.config["FROM_STRING"] = True
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    app = Quart(__name__, plugins=["my_quart_plugin"])
    assert app.config["FROM_STRING"] is True
    with pytest.raises(PluginError, match="could not be imported"):
        Quart(__name__, plugins=["no_such_module_here"])
    sys.modules.pop("my_quart_plugin", None)


# -- zero cost when unused ----------------------------------------------------
async def test_unused_per_request_hooks_are_empty_after_freeze() -> None:
    app = Quart(__name__)

    @app.get("/")
    async def index() -> str:
        return "ok"

    assert (await app.test_client().get("/")).status_code == 200
    # What the pipeline snapshots: nothing to call for any per-request hook.
    for hook_name in hookspecs.PER_REQUEST_HOOKS:
        assert app.plugins.callers(hook_name) == ()


# -- discovery ----------------------------------------------------------------------
def test_discovery_is_cached() -> None:
    assert discover_entry_points() is discover_entry_points()


def test_autoload_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUART_DISABLE_PLUGIN_AUTOLOAD", "1")
    manager = PluginManager()
    sources = {info.source for info in manager.list_plugins()}
    assert sources == {"builtin"}


def test_import_quart_does_not_scan_entry_points() -> None:
    import subprocess

    code = (
        "import quart, quart.plugins as p;"
        "print(p.discover_entry_points.cache_info().currsize)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "0"


# -- loaded is not enabled, allow lists ------------------------------------------
FAKE_PLUGIN = """
from quart import hookimpl

@hookimpl
def quart_app_created(app):
    app.config.setdefault("SET_UP_BY", []).append({name!r})
    app.add_url_rule("/{name}", "{name}_view", lambda: {name!r})

@hookimpl
def quart_request_finished(response):
    response.headers["X-{name}"] = "on"

@hookimpl
def quart_cli_commands(cli):
    cli.command("{name}-hello")(lambda: print("hello from {name}"))
"""


@pytest.fixture
def fake_entry_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[str]]:
    """Two installed plugins, ``alpha`` and ``beta``, each a distribution
    with a ``quart.plugins`` entry point; autoload on."""
    from quart import plugins as plugins_module

    names = ["alpha", "beta"]
    for name in names:
        (tmp_path / f"{name}_plugin.py").write_text(FAKE_PLUGIN.format(name=name))
        info = tmp_path / f"{name}_plugin-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}-plugin\nVersion: 1.0\n"
        )
        (info / "entry_points.txt").write_text(
            f"[quart.plugins]\n{name} = {name}_plugin\n"
        )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("QUART_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("QUART_PLUGINS", raising=False)
    plugins_module.discover_entry_points.cache_clear()
    plugins_module._load_entry_point.cache_clear()
    yield names
    plugins_module.discover_entry_points.cache_clear()
    plugins_module._load_entry_point.cache_clear()
    for name in names:
        sys.modules.pop(f"{name}_plugin", None)


def _entry_point_plugins(app: Quart) -> set[str]:
    return {i.name for i in app.plugins.list_plugins() if i.source == "entrypoint"}


def test_fake_entry_points_are_discovered(fake_entry_points: list[str]) -> None:
    found = {e.name: e for e in discover_entry_points()}
    assert found["alpha"].distribution == "alpha-plugin"
    assert found["beta"].version == "1.0"
    assert {"alpha", "beta"} <= _entry_point_plugins(Quart(__name__))


def test_allow_list_excludes_the_plugins_it_does_not_name(
    fake_entry_points: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = Quart(__name__, allow_plugins=["alpha"])
    assert _entry_point_plugins(app) == {"alpha"}
    assert app.plugins.get_plugin("beta") is None
    monkeypatch.setenv("QUART_PLUGINS", "beta")
    assert _entry_point_plugins(Quart(__name__)) == {"beta"}
    # Both lists together allow the union; the block list still wins.
    both = Quart(__name__, allow_plugins=["alpha"], disable_plugins=["beta"])
    assert _entry_point_plugins(both) == {"alpha"}
    # Built-ins are not entry points: an allow list leaves them alone.
    assert app.plugins.get_plugin("quart.sessions") is not None


async def test_installed_plugin_does_not_touch_an_app_that_did_not_enable_it(
    fake_entry_points: list[str],
) -> None:
    app = Quart(__name__)

    @app.get("/")
    async def index() -> str:
        return "ok"

    assert app.plugins.get_plugin("alpha") is not None  # loaded ...
    assert not app.plugins.is_enabled("alpha")  # ... but not enabled
    assert "SET_UP_BY" not in app.config
    assert {rule.rule for rule in app.url_map.iter_rules()} == {
        "/",
        "/static/<path:filename>",
    }
    response = await app.test_client().get("/")
    assert "X-alpha" not in response.headers
    assert app.plugins.callers("quart_request_finished") == ()  # not snapshotted
    # Its command-line hooks still work: the user asks for those by name.
    result = _invoke(app, "alpha-hello")
    assert result.exit_code == 0, result.output
    assert "hello from alpha" in result.output


async def test_app_enables_an_installed_plugin_by_name(
    fake_entry_points: list[str],
) -> None:
    app = Quart(__name__, plugins=["alpha"])
    assert app.plugins.is_enabled("alpha")
    assert app.plugins.is_enabled(app.plugins.get_plugin("alpha"))
    assert not app.plugins.is_enabled("beta")
    assert app.config["SET_UP_BY"] == ["alpha"]
    response = await app.test_client().get("/alpha")
    assert await response.get_data(as_text=True) == "alpha"
    assert response.headers["X-alpha"] == "on"
    assert "X-beta" not in response.headers


def test_enable_later_runs_the_set_up_once(fake_entry_points: list[str]) -> None:
    app = Quart(__name__)
    assert app.plugins.enable("beta") == ["beta"]
    assert app.plugins.enable("beta", "alpha") == ["beta", "alpha"]
    assert app.config["SET_UP_BY"] == ["beta", "alpha"]


def test_naming_a_plugin_loads_it_without_autoload(
    fake_entry_points: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUART_DISABLE_PLUGIN_AUTOLOAD", "1")
    app = Quart(__name__, plugins=["beta"])
    assert _entry_point_plugins(app) == {"beta"}
    assert app.plugins.is_enabled("beta")
    # Naming it also overrides an allow list, but not a block list.
    assert Quart(
        __name__, allow_plugins=["alpha"], plugins=["beta"]
    ).plugins.is_enabled("beta")
    with pytest.raises(PluginError, match="'beta' is blocked"):
        Quart(__name__, disable_plugins=["beta"], plugins=["beta"])


def test_import_string_of_an_installed_plugin_enables_it(
    fake_entry_points: list[str],
) -> None:
    app = Quart(__name__, plugins=["alpha_plugin"])
    assert app.plugins.is_enabled("alpha")  # the same module, not a second copy
    assert app.config["SET_UP_BY"] == ["alpha"]


def test_explicit_and_builtin_plugins_are_enabled() -> None:
    recorder = Recorder()
    app = Quart(__name__, plugins=[recorder])
    assert app.plugins.is_enabled(recorder)
    assert app.plugins.is_enabled("quart.sessions")
    late = Recorder()
    app.plugins.register(late, "late")
    assert app.plugins.is_enabled("late")
    app.plugins.unregister("late")
    assert not app.plugins.is_enabled("late")
    assert not app.plugins.is_enabled("never-registered")


async def test_enabling_per_request_plugin_after_serving_recompiles(
    fake_entry_points: list[str],
) -> None:
    app = Quart(__name__)
    client = app.test_client()
    assert "X-alpha" not in (await client.get("/")).headers
    app.plugins.enable("alpha")
    assert app.plugins.is_enabled("alpha")
    response = await client.get("/alpha")  # its route, and its hook
    assert await response.get_data(as_text=True) == "alpha"
    assert response.headers["X-alpha"] == "on"


# -- plugin routes never shadow the app's -----------------------------------------
class MetricsRoute:
    """A plugin that adds ``GET /metrics``."""

    @hookimpl
    def quart_app_created(self, app: Quart) -> None:
        async def plugin_metrics() -> str:
            return "plugin"

        app.add_url_rule("/metrics", "plugin_metrics", plugin_metrics)


async def test_plugin_route_then_app_route_is_refused_at_first_request() -> None:
    app = Quart(__name__, plugins=[MetricsRoute()])

    @app.get("/metrics")
    async def metrics() -> str:
        return "app"

    with pytest.raises(PluginError, match=r"'/metrics'.*clashes with the app's"):
        await app.test_client().get("/metrics")


def test_app_route_then_plugin_route_is_refused_at_once() -> None:
    app = Quart(__name__)

    @app.get("/metrics/<int:page>")
    async def metrics(page: int) -> str:
        return "app"

    class PagedMetrics:
        @hookimpl
        def quart_app_created(self, app: Quart) -> None:
            app.add_url_rule("/metrics/<int:n>", "paged", lambda n: "plugin")

    with pytest.raises(PluginError, match=r"endpoint 'paged'.*endpoint 'metrics'"):
        app.plugins.register(PagedMetrics())


async def test_plugin_route_may_share_a_path_on_other_methods() -> None:
    app = Quart(__name__, plugins=[MetricsRoute()])

    @app.post("/metrics")
    async def push() -> str:
        return "pushed"

    @app.websocket("/metrics")
    async def stream() -> None:
        return None

    client = app.test_client()
    assert await (await client.get("/metrics")).get_data(as_text=True) == "plugin"
    assert await (await client.post("/metrics")).get_data(as_text=True) == "pushed"


def test_two_plugins_may_not_claim_one_route() -> None:
    class Other(MetricsRoute):
        @hookimpl
        def quart_app_created(self, app: Quart) -> None:
            app.add_url_rule("/metrics", "other_metrics", lambda: "other")

    with pytest.raises(PluginError, match="the route of plugin"):
        Quart(__name__, plugins=[MetricsRoute(), Other()])


# -- the hook reference -------------------------------------------------------------
def _specs() -> list[str]:
    return [
        name
        for name, value in vars(hookspecs).items()
        if name.startswith("quart_") and inspect.isfunction(value)
    ]


def test_every_hookspec_is_documented() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "plugins.rst").read_text()
    assert ".. automodule:: quart.hookspecs" in docs
    for name in _specs():
        doc = getattr(hookspecs, name).__doc__
        assert doc and len(doc.strip()) > 40, f"{name} needs a real docstring"


def test_per_request_hook_list_matches_specs() -> None:
    per_request = [
        n for n in _specs() if n.startswith(("quart_request_", "quart_websocket_"))
    ]
    assert sorted(per_request) == sorted(hookspecs.PER_REQUEST_HOOKS)


# -- the command line ----------------------------------------------------------------
def _invoke(app: Quart, *args: str) -> Any:
    from click.testing import CliRunner

    from quart.cli import QuartGroup

    return CliRunner().invoke(QuartGroup(create_app=lambda: app), list(args))


def test_plugins_command_lists_plugins_and_hooks() -> None:
    app = Quart(__name__, plugins=[Recorder()])
    result = _invoke(app, "plugins")
    assert result.exit_code == 0, result.output
    assert "quart.sessions (builtin)" in result.output
    assert "    quart_session_interface" in result.output
    assert "test_plugins.Recorder (explicit)" in result.output
    assert "    quart_request_started" in result.output


def test_plugins_command_json() -> None:
    import json

    app = Quart(__name__)
    result = _invoke(app, "plugins", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert rows["quart.serving"] == {
        "name": "quart.serving",
        "distribution": None,
        "version": None,
        "source": "builtin",
        "hooks": ["quart_serve", "quart_server_names"],
    }
    assert "quart_cli_commands" in rows["quart.commands"]["hooks"]


def test_builtin_commands_can_be_left_out() -> None:
    from click.testing import CliRunner

    from quart.cli import QuartGroup

    group = QuartGroup(add_default_commands=False, create_app=lambda: Quart("x"))
    result = CliRunner().invoke(group, ["--help"])
    assert result.exit_code == 0
    assert "routes" not in result.output
    assert "plugins" not in result.output


def test_version_lists_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    from quart.cli import version_lines

    monkeypatch.delenv("QUART_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    lines = version_lines()
    assert lines[-1].startswith("Plugins: quart.sessions, quart.serving")


# -- websocket twins -------------------------------------------------------------------
class WebsocketRecorder:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    @hookimpl
    async def quart_websocket_started(self, websocket: Any) -> None:
        self.calls.append(("started", websocket.path))

    @hookimpl
    def quart_websocket_finished(self, websocket: Any, response: Any) -> None:
        self.calls.append(("finished", websocket.path, response))

    @hookimpl
    def quart_websocket_exception(self, websocket: Any, exception: Any) -> None:
        self.calls.append(("exception", websocket.path, type(exception).__name__))

    @hookimpl
    def quart_websocket_teardown(self, websocket: Any, exception: Any) -> None:
        self.calls.append(("teardown", websocket.path, type(exception).__name__))


async def test_websocket_hooks_called_in_order() -> None:
    from quart import websocket

    recorder = WebsocketRecorder()
    app = Quart(__name__, plugins=[recorder])

    @app.websocket("/ws")
    async def echo() -> None:
        await websocket.send(await websocket.receive())

    async with app.test_client().websocket("/ws") as ws:
        await ws.send("hi")
        assert await ws.receive() == "hi"
    assert recorder.calls == [
        ("started", "/ws"),
        ("finished", "/ws", None),
        ("teardown", "/ws", "NoneType"),
    ]


async def test_websocket_exception_hook() -> None:
    from quart import websocket
    from quart.testing import WebsocketResponseError

    recorder = WebsocketRecorder()
    app = Quart(__name__, plugins=[recorder])

    @app.websocket("/ws")
    async def broken() -> None:
        raise ValueError("nope")

    with pytest.raises(WebsocketResponseError) as info:
        async with app.test_client().websocket("/ws") as ws:
            await ws.receive()
    assert info.value.response.status_code == 500
    assert ("exception", "/ws", "ValueError") in recorder.calls
    assert ("teardown", "/ws", "ValueError") in recorder.calls
    del websocket


async def test_websocket_started_may_refuse() -> None:
    from quart import websocket
    from quart.testing import WebsocketResponseError

    class Refuse:
        @hookimpl
        def quart_websocket_started(self, websocket: Any) -> Any:
            return "no websockets today", 403

    app = Quart(__name__, plugins=[Refuse()])

    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.accept()

    with pytest.raises(WebsocketResponseError) as info:
        async with app.test_client().websocket("/ws") as ws:
            await ws.receive()
    assert info.value.response.status_code == 403
    assert await info.value.response.get_data() == b"no websockets today"
