"""The Quart application: construction, config, hooks, error handling,
sync bridging, lifespan, background tasks, disconnects and concurrency."""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import threading
import time
import warnings
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

import flask
import pytest
from werkzeug.exceptions import BadRequestKeyError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import NotFound

from quart import Quart
from quart import abort
from quart import current_app
from quart import g
from quart import has_app_context
from quart import hookspecs
from quart import render_template_string
from quart import request
from quart.config import DEFAULT_CONFIG
from quart.hookspecs import hookimpl
from quart.serving import ServeOptions
from quart.testing import LifespanError
from quart.testing import QuartClient


# -- construction ----------------------------------------------------------
async def test_static_folder_serves_file(tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "hello.txt").write_text("hello static")
    app = Quart(__name__, root_path=str(tmp_path))
    assert app.static_folder == str(static)
    assert app.static_url_path == "/static"
    rules = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}
    assert rules["/static/<path:filename>"] == "static"
    response = await app.test_client().get("/static/hello.txt")
    assert response.status_code == 200
    assert await response.get_data() == b"hello static"
    assert response.mimetype == "text/plain"
    missing = await app.test_client().get("/static/nope.txt")
    assert missing.status_code == 404


async def test_custom_static_url_path_and_folder(tmp_path: Path) -> None:
    assets = tmp_path / "assets_dir"
    assets.mkdir()
    (assets / "a.css").write_text("body{}")
    app = Quart(
        __name__,
        root_path=str(tmp_path),
        static_folder="assets_dir",
        static_url_path="/assets",
    )
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert "/assets/<path:filename>" in rules
    assert "/static/<path:filename>" not in rules
    client = app.test_client()
    response = await client.get("/assets/a.css")
    assert response.status_code == 200
    assert await response.get_data() == b"body{}"
    assert (await client.get("/static/a.css")).status_code == 404


async def test_static_url_path_defaults_to_folder_name(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "x.txt").write_text("x")
    app = Quart(__name__, root_path=str(tmp_path), static_folder="files")
    assert app.static_url_path == "/files"
    assert (await app.test_client().get("/files/x.txt")).status_code == 200


async def test_static_folder_absolute(tmp_path: Path) -> None:
    (tmp_path / "abs").mkdir()
    (tmp_path / "abs" / "y.txt").write_text("y")
    app = Quart(__name__, static_folder=str(tmp_path / "abs"), static_url_path="/s")
    response = await app.test_client().get("/s/y.txt")
    assert await response.get_data() == b"y"


def test_no_static_folder_no_route() -> None:
    app = Quart(__name__, static_folder=None)
    assert not app.has_static_folder
    assert "static" not in app.view_functions
    assert list(app.url_map.iter_rules()) == []


async def test_static_path_traversal_is_404(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    app = Quart(__name__, root_path=str(tmp_path))
    response = await app.test_client().get("/static/../secret.txt")
    assert response.status_code == 404
    response = await app.test_client().get("/static/%2e%2e/secret.txt")
    assert response.status_code == 404


def test_instance_path_must_be_absolute(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="absolute"):
        Quart(__name__, instance_path="relative/instance")
    app = Quart(__name__, instance_path=str(tmp_path))
    assert app.instance_path == str(tmp_path)


def test_default_instance_path_beside_root(tmp_path: Path) -> None:
    # As Flask: beside the module's package, whatever root_path says.
    app = Quart(__name__, root_path=str(tmp_path))
    assert app.root_path == str(tmp_path)
    assert app.instance_path == os.path.join(os.path.dirname(__file__), "instance")
    assert (
        app.instance_path
        == flask.Flask(__name__, root_path=str(tmp_path)).instance_path
    )


def test_root_path_defaults_to_module_folder() -> None:
    app = Quart(__name__)
    assert app.root_path == os.path.dirname(os.path.abspath(__file__))


def test_instance_relative_config(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text("FOO = 'bar'\n")
    app = Quart(__name__, instance_path=str(tmp_path), instance_relative_config=True)
    assert app.config.from_pyfile("settings.py")
    assert app.config["FOO"] == "bar"


# -- config and attributes ---------------------------------------------------
def test_config_defaults_match_default_config() -> None:
    app = Quart(__name__)
    for key, value in DEFAULT_CONFIG.items():
        if key == "DEBUG":
            continue
        assert app.config[key] == value, key
    assert set(app.config) == set(DEFAULT_CONFIG)
    # DEBUG is resolved at construction (None in the defaults, like Flask).
    assert app.config["DEBUG"] is False


def test_config_includes_all_flask_defaults() -> None:
    app = Quart(__name__)
    missing = set(flask.Flask.default_config) - set(app.config)
    assert not missing
    assert set(flask.Flask.default_config) <= set(DEFAULT_CONFIG)


def test_debug_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUART_DEBUG", "1")
    assert Quart(__name__).debug is True
    monkeypatch.setenv("QUART_DEBUG", "0")
    assert Quart(__name__).debug is False


def test_attributes_map_to_config() -> None:
    app = Quart(__name__)
    assert app.debug is False
    assert app.testing is False
    assert app.secret_key is None
    app.debug = True
    app.testing = True
    app.secret_key = "s3cret"
    assert app.config["DEBUG"] is True
    assert app.config["TESTING"] is True
    assert app.config["SECRET_KEY"] == "s3cret"
    app.config["DEBUG"] = False
    app.config["TESTING"] = False
    app.config["SECRET_KEY"] = b"other"
    assert app.debug is False
    assert app.testing is False
    assert app.secret_key == b"other"


def test_name_and_logger() -> None:
    app = Quart(__name__)
    assert app.name == __name__
    assert app.logger.name == __name__
    assert app.logger is app.logger
    other = Quart("some.module.name")
    assert other.name == "some.module.name"
    assert other.logger.name == "some.module.name"


async def test_unhandled_exception_logged(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False

    @app.route("/fail/here", methods=["POST"])
    async def fail() -> str:
        raise RuntimeError("logged failure")

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = await app.test_client().post("/fail/here")
    assert response.status_code == 500
    records = [r for r in caplog.records if r.name == app.logger.name]
    assert len(records) == 1
    message = records[0].getMessage()
    assert "/fail/here" in message
    assert "POST" in message
    assert records[0].exc_info is not None
    assert isinstance(records[0].exc_info[1], RuntimeError)


# -- request hooks -----------------------------------------------------------
async def test_before_request_order_and_short_circuit(app: Quart) -> None:
    calls: list[str] = []

    @app.before_request
    async def first() -> None:
        calls.append("first")

    @app.before_request
    def second() -> Any:
        calls.append("second")
        if request.args.get("stop"):
            return "stopped", 203
        return None

    @app.before_request
    async def third() -> None:
        calls.append("third")

    @app.after_request
    async def after(response: Any) -> Any:
        calls.append("after")
        response.headers["X-After"] = "yes"
        return response

    @app.route("/")
    async def index() -> str:
        calls.append("view")
        return "view"

    client = app.test_client()
    response = await client.get("/")
    assert await response.get_data() == b"view"
    assert calls == ["first", "second", "third", "view", "after"]

    calls.clear()
    response = await client.get("/", query_string={"stop": "1"})
    assert response.status_code == 203
    assert await response.get_data() == b"stopped"
    assert response.headers["X-After"] == "yes"
    assert calls == ["first", "second", "after"]


async def test_after_request_reverse_order_and_replace(app: Quart) -> None:
    calls: list[str] = []

    @app.after_request
    async def registered_first(response: Any) -> Any:
        calls.append("first")
        response.headers["X-Seen"] = response.headers.get("X-Seen", "") + "1"
        return response

    @app.after_request
    def registered_second(response: Any) -> Any:
        calls.append("second")
        new = app.response_class("replaced", status=202)
        new.headers["X-Seen"] = "2"
        return new

    @app.route("/")
    async def index() -> str:
        return "original"

    response = await app.test_client().get("/")
    assert calls == ["second", "first"]
    assert response.status_code == 202
    assert await response.get_data() == b"replaced"
    assert response.headers["X-Seen"] == "21"


async def test_teardown_request_receives_exception_or_none(
    app: Quart, client: QuartClient
) -> None:
    app.testing = False
    seen: list[BaseException | None] = []
    order: list[str] = []

    @app.teardown_request
    async def td1(exc: BaseException | None) -> None:
        order.append("td1")
        seen.append(exc)

    @app.teardown_request
    def td2(exc: BaseException | None) -> None:
        order.append("td2")

    @app.route("/ok")
    async def ok() -> str:
        return "ok"

    @app.route("/fail")
    async def fail() -> str:
        raise ValueError("teardown sees me")

    assert (await client.get("/ok")).status_code == 200
    assert seen == [None]
    assert order == ["td2", "td1"]
    assert (await client.get("/fail")).status_code == 500
    assert isinstance(seen[1], ValueError)
    assert str(seen[1]) == "teardown sees me"


async def test_teardown_request_runs_when_exception_propagates(app: Quart) -> None:
    seen: list[BaseException | None] = []

    @app.teardown_request
    async def td(exc: BaseException | None) -> None:
        seen.append(exc)

    @app.route("/")
    async def fail() -> str:
        raise KeyError("propagated")

    with pytest.raises(KeyError):
        await app.test_client().get("/")
    assert len(seen) == 1
    assert isinstance(seen[0], KeyError)


async def test_teardown_request_none_when_error_handled(app: Quart) -> None:
    seen: list[BaseException | None] = []

    @app.teardown_request
    async def td(exc: BaseException | None) -> None:
        seen.append(exc)

    @app.errorhandler(ValueError)
    async def handle(e: ValueError) -> tuple[str, int]:
        return "handled", 418

    @app.route("/")
    async def fail() -> str:
        raise ValueError()

    response = await app.test_client().get("/")
    assert response.status_code == 418
    assert seen == [None]


async def test_teardown_appcontext(app: Quart) -> None:
    seen: list[Any] = []

    @app.teardown_appcontext
    def td_first(exc: BaseException | None) -> None:
        seen.append(("first", exc))

    @app.teardown_appcontext
    async def td_second(exc: BaseException | None) -> None:
        seen.append(("second", exc))

    @app.route("/")
    async def index() -> str:
        return "ok"

    await app.test_client().get("/")
    assert seen == [("second", None), ("first", None)]

    seen.clear()
    error = RuntimeError("ctx")
    with pytest.raises(RuntimeError):
        async with app.app_context():
            raise error
    assert seen == [("second", error), ("first", error)]


# -- error handlers ----------------------------------------------------------
async def test_error_handler_by_code(app: Quart) -> None:
    @app.errorhandler(404)
    async def not_found(e: NotFound) -> tuple[str, int]:
        assert isinstance(e, NotFound)
        return f"custom 404 {request.path}", 404

    @app.route("/abort")
    async def aborting() -> str:
        abort(404)

    client = app.test_client()
    response = await client.get("/missing")
    assert response.status_code == 404
    assert await response.get_data() == b"custom 404 /missing"
    response = await client.get("/abort")
    assert await response.get_data() == b"custom 404 /abort"


async def test_error_handler_500_for_abort(app: Quart) -> None:
    received: list[Any] = []

    @app.errorhandler(500)
    async def server_error(e: InternalServerError) -> tuple[str, int]:
        received.append(e)
        return "custom 500", 500

    @app.route("/")
    async def index() -> str:
        abort(500)

    response = await app.test_client().get("/")
    assert response.status_code == 500
    assert await response.get_data() == b"custom 500"
    assert isinstance(received[0], InternalServerError)
    assert received[0].original_exception is None


async def test_500_handler_receives_original_exception(
    app: Quart,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app.testing = False
    received: list[Any] = []
    error = ZeroDivisionError("original")

    @app.errorhandler(500)
    async def server_error(e: InternalServerError) -> tuple[str, int]:
        received.append(e)
        return "handled 500", 500

    @app.route("/")
    async def index() -> str:
        raise error

    with caplog.at_level(logging.ERROR):
        response = await app.test_client().get("/")
    assert response.status_code == 500
    assert await response.get_data() == b"handled 500"
    assert len(received) == 1
    assert type(received[0]) is InternalServerError
    assert received[0].original_exception is error
    # handle_exception logged it before calling the handler.
    assert any(r.exc_info and r.exc_info[1] is error for r in caplog.records)


async def test_error_handler_most_specific_by_mro(app: Quart) -> None:
    class Parent(Exception):
        pass

    class Child(Parent):
        pass

    class GrandChild(Child):
        pass

    class Other(Parent):
        pass

    @app.errorhandler(Exception)
    async def base(e: Exception) -> str:
        return "exception"

    @app.errorhandler(Parent)
    async def parent(e: Exception) -> str:
        return "parent"

    @app.errorhandler(Child)
    async def child(e: Exception) -> str:
        return "child"

    errors: dict[str, Exception] = {
        "grandchild": GrandChild(),
        "child": Child(),
        "other": Other(),
        "parent": Parent(),
        "plain": RuntimeError(),
    }

    @app.route("/<name>")
    async def raiser(name: str) -> str:
        raise errors[name]

    client = app.test_client()
    expected = {
        "grandchild": b"child",
        "child": b"child",
        "other": b"parent",
        "parent": b"parent",
        "plain": b"exception",
    }
    for name, body in expected.items():
        response = await client.get(f"/{name}")
        assert await response.get_data() == body, name


async def test_register_error_handler(app: Quart) -> None:
    class MyError(Exception):
        pass

    def handler(e: MyError) -> tuple[str, int]:
        return f"my error {e}", 409

    app.register_error_handler(MyError, handler)

    @app.route("/")
    async def index() -> str:
        raise MyError("x")

    response = await app.test_client().get("/")
    assert response.status_code == 409
    assert await response.get_data() == b"my error x"


def test_register_error_handler_rejects_bad_arguments(app: Quart) -> None:
    with pytest.raises(ValueError):
        app.register_error_handler(999, lambda e: "x")
    with pytest.raises(TypeError):
        app.register_error_handler(ValueError(), lambda e: "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        app.register_error_handler(KeyboardInterrupt, lambda e: "x")


async def test_http_exception_base_handler(app: Quart) -> None:
    @app.errorhandler(HTTPException)
    async def any_http(e: HTTPException) -> tuple[str, int]:
        return f"http {e.code}", e.code or 500

    @app.route("/only-get")
    async def only_get() -> str:
        return "x"

    @app.route("/teapot")
    async def teapot() -> str:
        abort(418)

    client = app.test_client()
    response = await client.get("/nowhere")
    assert (response.status_code, await response.get_data()) == (404, b"http 404")
    response = await client.post("/only-get")
    assert (response.status_code, await response.get_data()) == (405, b"http 405")
    response = await client.get("/teapot")
    assert (response.status_code, await response.get_data()) == (418, b"http 418")


async def test_code_handler_preferred_over_base_class(app: Quart) -> None:
    @app.errorhandler(HTTPException)
    async def any_http(e: HTTPException) -> str:
        return "base"

    @app.errorhandler(404)
    async def nf(e: HTTPException) -> tuple[str, int]:
        return "code", 404

    response = await app.test_client().get("/nowhere")
    assert await response.get_data() == b"code"


async def test_handle_exception_returns_500_when_not_testing(
    app: Quart,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app.testing = False

    @app.route("/")
    async def index() -> str:
        raise RuntimeError("not testing")

    with caplog.at_level(logging.ERROR):
        response = await app.test_client().get("/")
    assert response.status_code == 500
    assert b"Internal Server Error" in await response.get_data()
    assert any(
        isinstance(r.exc_info[1], RuntimeError) for r in caplog.records if r.exc_info
    )


async def test_exception_propagates_when_testing(app: Quart) -> None:
    @app.route("/")
    async def index() -> str:
        raise RuntimeError("testing propagates")

    with pytest.raises(RuntimeError, match="testing propagates"):
        await app.test_client().get("/")


@pytest.mark.parametrize("debug", [False, True], ids=["not-debug", "debug"])
async def test_propagate_exceptions_true(app: Quart, debug: bool) -> None:
    # Debug mode answers with the traceback page (tests/test_debug.py)
    # unless PROPAGATE_EXCEPTIONS asks for the exception.
    app.testing = False
    app.debug = debug
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.route("/")
    async def index() -> str:
        raise LookupError("propagated")

    with pytest.raises(LookupError, match="propagated"):
        await app.test_client().get("/")


async def test_propagate_exceptions_false_overrides_testing(
    app: Quart,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app.testing = True
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    async def index() -> str:
        raise LookupError("propagate false")

    with caplog.at_level(logging.CRITICAL + 1):
        response = await app.test_client().get("/")
    assert response.status_code == 500


async def test_trap_http_exceptions(app: Quart) -> None:
    @app.route("/")
    async def index() -> str:
        abort(404)

    client = app.test_client()
    assert (await client.get("/")).status_code == 404
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    with pytest.raises(NotFound):
        await client.get("/")
    with pytest.raises(NotFound):
        await client.get("/no-such-route")


async def test_trap_http_exceptions_still_uses_handler(app: Quart) -> None:
    app.config["TRAP_HTTP_EXCEPTIONS"] = True

    @app.errorhandler(404)
    async def nf(e: NotFound) -> tuple[str, int]:
        return "handled", 404

    response = await app.test_client().get("/missing")
    assert await response.get_data() == b"handled"


@pytest.fixture
def form_route(app: Quart) -> None:
    """A view on the shared app that reads a form key the tests never send."""

    @app.route("/", methods=["POST"])
    async def index() -> str:
        form = await request.form
        return form["missing"]


@pytest.mark.usefixtures("form_route")
async def test_missing_form_key_is_400(app: Quart) -> None:
    response = await app.test_client().post("/", form={"present": "1"})
    assert response.status_code == 400


@pytest.mark.usefixtures("form_route")
async def test_trap_bad_request_errors(app: Quart) -> None:
    app.config["TRAP_BAD_REQUEST_ERRORS"] = True
    with pytest.raises(BadRequestKeyError):
        await app.test_client().post("/", form={"present": "1"})


@pytest.mark.usefixtures("form_route")
async def test_bad_request_key_error_trapped_in_debug(app: Quart) -> None:
    app.debug = True
    with pytest.raises(BadRequestKeyError) as info:
        await app.test_client().post("/", form={"present": "1"})
    assert info.value.show_exception is True
    app.config["TRAP_BAD_REQUEST_ERRORS"] = False
    response = await app.test_client().post("/", form={"present": "1"})
    assert response.status_code == 400


async def test_error_in_error_handler(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False

    @app.errorhandler(ValueError)
    async def broken(e: ValueError) -> str:
        raise RuntimeError("handler broke")

    @app.route("/")
    async def index() -> str:
        raise ValueError("first")

    with caplog.at_level(logging.ERROR):
        response = await app.test_client().get("/")
    assert response.status_code == 500
    logged = [r.exc_info[1] for r in caplog.records if r.exc_info]
    assert any(isinstance(e, RuntimeError) for e in logged)


async def test_error_in_error_handler_propagates_when_testing(app: Quart) -> None:
    @app.errorhandler(ValueError)
    async def broken(e: ValueError) -> str:
        raise RuntimeError("handler broke")

    @app.route("/")
    async def index() -> str:
        raise ValueError("first")

    with pytest.raises(RuntimeError, match="handler broke"):
        await app.test_client().get("/")


async def test_error_in_after_request(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False
    teardown: list[BaseException | None] = []

    @app.after_request
    async def broken(response: Any) -> Any:
        raise ValueError("after broke")

    @app.teardown_request
    async def td(exc: BaseException | None) -> None:
        teardown.append(exc)

    @app.route("/")
    async def index() -> str:
        return "ok"

    with caplog.at_level(logging.ERROR):
        response = await app.test_client().get("/")
    assert response.status_code == 500
    logged = [r.exc_info[1] for r in caplog.records if r.exc_info]
    assert any(isinstance(e, ValueError) for e in logged)
    assert isinstance(teardown[0], ValueError)


# -- sync functions run in threads -------------------------------------------
async def test_sync_view_hooks_and_handlers_run_in_thread(app: Quart) -> None:
    loop_thread = threading.current_thread()
    threads: dict[str, threading.Thread] = {}

    @app.before_request
    def before() -> None:
        threads["before"] = threading.current_thread()
        g.from_before = request.args.get("v", "")

    @app.route("/")
    def view() -> str:
        threads["view"] = threading.current_thread()
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
        return f"{g.from_before}-{request.path}-{request.method}"

    @app.after_request
    def after(response: Any) -> Any:
        threads["after"] = threading.current_thread()
        response.headers["X-G"] = g.from_before
        return response

    class Oops(Exception):
        pass

    @app.errorhandler(Oops)
    def handle(e: Oops) -> tuple[str, int]:
        threads["handler"] = threading.current_thread()
        return f"handled {request.path} {g.from_before}", 400

    @app.route("/oops")
    def oops() -> str:
        raise Oops()

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        threads["teardown"] = threading.current_thread()

    client = app.test_client()
    response = await client.get("/", query_string={"v": "val"})
    assert await response.get_data() == b"val-/-GET"
    assert response.headers["X-G"] == "val"
    response = await client.get("/oops", query_string={"v": "w"})
    assert response.status_code == 400
    assert await response.get_data() == b"handled /oops w"
    assert set(threads) == {"before", "view", "after", "handler", "teardown"}
    for name, thread in threads.items():
        assert thread is not loop_thread, name


async def test_sync_view_does_not_block_loop(app: Quart) -> None:
    @app.route("/slow")
    def slow() -> str:
        time.sleep(0.2)
        return "slow"

    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        response = await app.test_client().get("/slow")
    finally:
        task.cancel()
    assert await response.get_data() == b"slow"
    assert ticks >= 5


# -- lifespan ----------------------------------------------------------------
async def test_serving_functions_run_in_order(app: Quart) -> None:
    calls: list[str] = []

    @app.before_serving
    async def startup_async() -> None:
        calls.append("before-async")
        assert current_app.name == app.name

    @app.before_serving
    def startup_sync() -> None:
        calls.append("before-sync")

    @app.while_serving
    async def lifespan() -> AsyncGenerator[None, None]:
        calls.append("while-start")
        yield
        calls.append("while-end")

    @app.after_serving
    async def shutdown() -> None:
        calls.append("after")

    @app.route("/")
    async def index() -> str:
        calls.append("request")
        return "ok"

    async with app.test_app() as test_app:
        assert calls == ["before-async", "before-sync", "while-start"]
        response = await test_app.test_client().get("/")
        assert response.status_code == 200
    assert calls == [
        "before-async",
        "before-sync",
        "while-start",
        "request",
        "after",
        "while-end",
    ]


async def test_failing_before_serving_raises_lifespan_error(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    @app.before_serving
    async def startup() -> None:
        raise RuntimeError("startup exploded")

    with caplog.at_level(logging.CRITICAL + 1), pytest.raises(LifespanError) as info:
        async with app.test_app():
            pytest.fail("the block must not run")
    assert "startup exploded" in str(info.value)


async def test_asgi_lifespan_startup_failed(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    @app.before_serving
    async def startup() -> None:
        raise ValueError("no database")

    incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outgoing: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {
        "type": "lifespan",
        "asgi": {"version": "3.0", "spec_version": "2.0"},
        "state": {},
    }
    await incoming.put({"type": "lifespan.startup"})
    with caplog.at_level(logging.CRITICAL + 1):
        await asyncio.wait_for(app(scope, incoming.get, outgoing.put), timeout=2)
    message = outgoing.get_nowait()
    assert message["type"] == "lifespan.startup.failed"
    assert "no database" in message["message"]


async def test_asgi_lifespan_startup_and_shutdown_complete(app: Quart) -> None:
    calls: list[str] = []

    @app.before_serving
    async def startup() -> None:
        calls.append("start")

    @app.after_serving
    async def shutdown() -> None:
        calls.append("stop")

    incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outgoing: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, incoming.get, outgoing.put))
    await incoming.put({"type": "lifespan.startup"})
    message = await asyncio.wait_for(outgoing.get(), timeout=2)
    assert message == {"type": "lifespan.startup.complete"}
    assert calls == ["start"]
    await incoming.put({"type": "lifespan.shutdown"})
    message = await asyncio.wait_for(outgoing.get(), timeout=2)
    assert message == {"type": "lifespan.shutdown.complete"}
    await asyncio.wait_for(task, timeout=2)
    assert calls == ["start", "stop"]


# -- background tasks ------------------------------------------------------
async def test_background_task_runs_in_app_context(app: Quart) -> None:
    done = asyncio.Event()
    seen: dict[str, Any] = {}

    async def background(value: str, *, key: str) -> None:
        seen["has_app_context"] = has_app_context()
        seen["app"] = current_app._get_current_object()  # type: ignore[attr-defined]
        seen["args"] = (value, key)
        done.set()

    def sync_background() -> None:
        seen["sync_thread"] = threading.current_thread()
        seen["sync_app"] = current_app.name

    @app.route("/")
    async def index() -> str:
        app.add_background_task(background, "v", key="k")
        app.add_background_task(sync_background)
        return "ok"

    async with app.test_app() as test_app:
        response = await test_app.test_client().get("/")
        assert response.status_code == 200
        await asyncio.wait_for(done.wait(), timeout=2)
    assert seen["has_app_context"] is True
    assert seen["app"] is app
    assert seen["args"] == ("v", "k")
    assert seen["sync_app"] == app.name
    assert seen["sync_thread"] is not threading.current_thread()
    assert not app.background_tasks


async def test_slow_background_task_cancelled_after_timeout(app: Quart) -> None:
    app.config["BACKGROUND_TASK_SHUTDOWN_TIMEOUT"] = 0.2
    events: list[str] = []
    started = asyncio.Event()

    async def slow() -> None:
        started.set()
        try:
            await asyncio.sleep(30)
            events.append("finished")
        except asyncio.CancelledError:
            events.append("cancelled")
            raise

    async def quick() -> None:
        await asyncio.sleep(0.05)
        events.append("quick done")

    async with app.test_app():
        app.add_background_task(slow)
        app.add_background_task(quick)
        await asyncio.wait_for(started.wait(), timeout=2)
        begin = time.monotonic()
    elapsed = time.monotonic() - begin
    assert 0.15 <= elapsed < 2
    assert sorted(events) == ["cancelled", "quick done"]
    assert not app.background_tasks


async def test_background_task_finishing_within_timeout_not_cancelled(
    app: Quart,
) -> None:
    app.config["BACKGROUND_TASK_SHUTDOWN_TIMEOUT"] = 2
    events: list[str] = []

    async def task() -> None:
        try:
            await asyncio.sleep(0.1)
            events.append("finished")
        except asyncio.CancelledError:
            events.append("cancelled")
            raise

    async with app.test_app():
        app.add_background_task(task)
        begin = time.monotonic()
    assert events == ["finished"]
    assert time.monotonic() - begin < 1.5


async def test_background_exception_logged(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    done = asyncio.Event()

    async def failing() -> None:
        try:
            raise RuntimeError("background boom")
        finally:
            done.set()

    with caplog.at_level(logging.ERROR):
        async with app.test_app():
            app.add_background_task(failing)
            await asyncio.wait_for(done.wait(), timeout=2)
    errors = [
        r
        for r in caplog.records
        if r.exc_info and isinstance(r.exc_info[1], RuntimeError)
    ]
    assert len(errors) == 1
    assert str(errors[0].exc_info[1]) == "background boom"  # type: ignore[index]
    assert errors[0].name == app.logger.name


# -- disconnects -----------------------------------------------------------
def _http_scope(path: str = "/", method: str = "GET") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 5000),
        "server": ("localhost", 80),
        "extensions": {},
        "state": {},
    }


async def test_client_disconnect_cancels_view(app: Quart) -> None:
    events: list[str] = []
    view_started = asyncio.Event()
    teardown_exc: list[BaseException | None] = []

    @app.route("/slow")
    async def slow() -> str:
        events.append("view start")
        view_started.set()
        try:
            await asyncio.sleep(30)
            events.append("view finished")
        finally:
            events.append("view finally")
        return "too late"

    @app.teardown_request
    async def td(exc: BaseException | None) -> None:
        events.append("teardown")
        teardown_exc.append(exc)

    messages = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await view_started.wait()
        return {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    task = asyncio.create_task(app(_http_scope("/slow"), receive, send))
    begin = time.monotonic()
    done, _ = await asyncio.wait({task}, timeout=1)
    elapsed = time.monotonic() - begin
    if not done:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        pytest.fail("app() did not return after the client disconnected")
    assert elapsed < 1
    assert task.exception() is None
    assert "view finished" not in events
    assert events == ["view start", "view finally", "teardown"]
    assert sent == []


async def test_outer_cancellation_is_not_swallowed(app: Quart) -> None:
    started = asyncio.Event()

    @app.route("/slow")
    async def slow() -> str:
        started.set()
        await asyncio.sleep(30)
        return "x"

    never = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await never.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        pass

    task = asyncio.create_task(app(_http_scope("/slow"), receive, send))
    await asyncio.wait_for(started.wait(), timeout=1)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=1)
    assert done
    assert task.cancelled()


# -- concurrency -------------------------------------------------------------
async def test_concurrent_requests_are_isolated(app: Quart) -> None:
    @app.before_request
    async def before() -> None:
        g.ident = request.args["i"]

    @app.route("/item/<int:number>")
    async def item(number: int) -> dict[str, Any]:
        # Interleave with the other requests before reading the values back.
        for _ in range(number % 5 + 1):
            await asyncio.sleep(0)
        g.double = number * 2
        await asyncio.sleep(0.001 * (number % 3))
        return {
            "g": g.ident,
            "arg": request.args["i"],
            "path": request.path,
            "double": g.double,
            "number": number,
        }

    client = app.test_client()
    responses = await asyncio.wait_for(
        asyncio.gather(
            *(client.get(f"/item/{i}", query_string={"i": str(i)}) for i in range(100))
        ),
        timeout=5,
    )
    for i, response in enumerate(responses):
        assert response.status_code == 200
        data = await response.get_json()
        assert data == {
            "g": str(i),
            "arg": str(i),
            "path": f"/item/{i}",
            "double": i * 2,
            "number": i,
        }


async def test_streamed_response_uses_default_timeout(app: Quart) -> None:
    @app.route("/stream")
    async def stream() -> Any:
        async def chunks() -> AsyncGenerator[bytes, None]:
            yield b"a"
            await asyncio.sleep(0)
            yield b"b"

        return chunks()

    response = await app.test_client().get("/stream")
    assert await response.get_data() == b"ab"


async def test_replaced_pipeline_steps_are_still_called() -> None:
    """Steps skipped when they have nothing to do run when a subclass
    replaces them, even with no hooks registered."""
    calls: list[str] = []

    class Custom(Quart):
        async def preprocess_request(self, request_context: Any = None) -> Any:
            calls.append("preprocess")
            return await super().preprocess_request(request_context)

        async def do_teardown_request(self, exc: Any = None) -> None:
            calls.append("teardown_request")
            await super().do_teardown_request(exc)

        async def do_teardown_appcontext(self, exc: Any = None) -> None:
            calls.append("teardown_appcontext")
            await super().do_teardown_appcontext(exc)

        async def make_response(self, rv: Any) -> Any:
            calls.append("make_response")
            return await super().make_response(rv)

        async def process_response(
            self, response: Any, request_context: Any = None
        ) -> Any:
            calls.append("process_response")
            return await super().process_response(response, request_context)

    app = Custom(__name__)

    @app.get("/")
    async def index() -> str:
        return "ok"

    client = app.test_client()
    for _ in range(2):  # before and after the app froze
        assert (await client.get("/")).status_code == 200
    assert (
        calls
        == [
            "preprocess",
            "make_response",
            "process_response",
            "teardown_request",
            "teardown_appcontext",
        ]
        * 2
    )


async def test_replaced_steps_are_called_before_the_first_request() -> None:
    """A subclass's ``make_response`` and ``process_response`` are used when
    a test runs the pipeline by hand, before any request froze the app."""
    calls: list[str] = []

    class Custom(Quart):
        async def make_response(self, rv: Any) -> Any:
            calls.append("make_response")
            response = await super().make_response(rv)
            response.headers["X-Made"] = "custom"
            return response

        async def process_response(
            self, response: Any, request_context: Any = None
        ) -> Any:
            calls.append("process_response")
            return await super().process_response(response, request_context)

    app = Custom(__name__)

    @app.get("/")
    async def index() -> str:
        return "ok"

    async with app.test_request_context("/") as ctx:
        response = await app.full_dispatch_request(ctx)
    assert not app.got_first_request
    assert response.headers["X-Made"] == "custom"
    assert calls == ["make_response", "process_response"]


# -- class attributes another event loop library replaces --------------------
def test_event_and_lock_classes() -> None:
    assert Quart.event_class is asyncio.Event
    assert Quart.lock_class is asyncio.Lock

    class Other(Quart):
        event_class = threading.Event
        lock_class = threading.Lock

    app = Other(__name__)
    assert isinstance(app.event_class(), threading.Event)


# -- run_task ----------------------------------------------------------------
async def test_run_task_returns_the_serving_coroutine(app: Quart) -> None:
    """As Quart's: a plain method giving the coroutine to await or to make
    a task of (so QuartTrio and others can override it the same way)."""
    received: list[ServeOptions] = []

    class Server:
        @hookimpl
        def quart_server_names(self) -> list[str]:
            return ["fake"]

        @hookimpl
        async def quart_serve(self, app: Quart, options: ServeOptions) -> bool:
            received.append(options)
            assert options.shutdown_trigger is not None
            await options.shutdown_trigger()
            return True

    app.plugins.register(Server())
    assert not inspect.iscoroutinefunction(Quart.run_task)
    stop = asyncio.Event()
    coroutine = app.run_task(
        "127.0.0.1", 9, True, "ca.pem", server="fake", shutdown_trigger=stop.wait
    )
    assert inspect.iscoroutine(coroutine)
    assert app.debug
    task = asyncio.ensure_future(coroutine)
    await asyncio.sleep(0.01)
    assert not task.done()
    stop.set()
    await asyncio.wait_for(task, 5)
    (options,) = received
    assert (options.host, options.port, options.debug) == ("127.0.0.1", 9, True)
    assert options.server_options == {"ca_certs": "ca.pem"}


# -- bad return values -------------------------------------------------------
async def test_unawaited_coroutine_says_forgot_await(app: Quart) -> None:
    @app.route("/")
    async def index() -> Any:
        return render_template_string("hi")  # missing await

    @app.route("/tuple")
    async def in_a_tuple() -> Any:
        return render_template_string("hi"), 201

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the coroutine is closed: no warning
        for path in ("/", "/tuple"):
            with pytest.raises(TypeError, match="did you forget `await`") as info:
                await app.test_client().get(path)
            assert "render_template_string" in str(info.value)
    assert "'index'" in str(
        (await _error_of(app, "/")).args[0]
    )  # names the view's endpoint


async def _error_of(app: Quart, path: str) -> BaseException:
    try:
        await app.test_client().get(path)
    except TypeError as error:
        return error
    raise AssertionError("no error")


async def test_invalid_return_value_message_unchanged(app: Quart) -> None:
    @app.route("/")
    async def index() -> Any:
        return object()

    with pytest.raises(TypeError, match="it was a object") as info:
        await app.test_client().get("/")
    assert "await" not in str(info.value)


# -- untrusted hosts ---------------------------------------------------------
async def test_untrusted_host_is_refused_without_echoing_it(
    app: Quart, client: QuartClient
) -> None:
    app.testing = False

    @app.route("/")
    async def index() -> str:
        return request.host

    @app.route("/later")
    async def later() -> str:
        return "not reached"

    evil = "evil-<script>-name.test"
    # Set after the app served: checked on every request all the same.
    assert (await client.get("/", headers={"Host": evil})).status_code == 200
    app.config["TRUSTED_HOSTS"] = ["good.test"]
    for path in ("/", "/later", "/missing"):
        response = await client.get(path, headers={"Host": evil})
        assert response.status_code == 400
        body = await response.get_data(as_text=True)
        assert "evil" not in body
        assert "script" not in body
        assert "not trusted" in body
    response = await client.get("/", headers={"Host": "good.test"})
    assert await response.get_data(as_text=True) == "good.test"


async def test_untrusted_host_reached_by_user_code_is_not_echoed(app: Quart) -> None:
    # The host may first be checked where a hook reads it.
    app.testing = False

    @app.before_request
    async def check() -> None:
        request.trusted_hosts = ["good.test"]
        request.__dict__.pop("host", None)
        request.host  # noqa: B018 - raises for an untrusted host

    @app.route("/")
    async def index() -> str:
        return "ok"

    response = await app.test_client().get("/", headers={"Host": "evil.test"})
    assert response.status_code == 400
    assert "evil" not in await response.get_data(as_text=True)


# -- the per-request "started" plugin hooks answer once ----------------------
def test_started_hooks_are_firstresult() -> None:
    for name in ("quart_request_started", "quart_websocket_started"):
        spec = getattr(hookspecs, name).quart_spec  # pluggy's spec options
        assert spec["firstresult"] is True, name


async def test_first_started_answer_wins_through_pluggy(app: Quart) -> None:
    calls: list[str] = []

    class First:
        @hookimpl(tryfirst=True)
        def quart_request_started(self) -> str:
            calls.append("first")
            return "short-circuited"

    class Second:
        @hookimpl
        def quart_request_started(self) -> str:
            calls.append("second")
            return "second"

    app.plugins.register(First())
    app.plugins.register(Second())

    @app.route("/")
    async def index() -> str:
        return "view"

    response = await app.test_client().get("/")
    assert await response.get_data(as_text=True) == "short-circuited"
    assert calls == ["first"]
