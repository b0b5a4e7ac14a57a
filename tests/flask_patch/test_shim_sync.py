"""Sync code sees Flask's sync API, async code keeps Quart's awaitables,
in worker threads (sync views and hooks) and on the event loop thread (sync
code called from async views). Every test runs on asyncio and on uvloop."""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import flask
import pytest
from flask import abort
from flask import current_app
from flask import flash
from flask import get_flashed_messages
from flask import make_response
from flask import render_template
from flask import render_template_string
from flask import request
from flask import send_file
from flask import stream_with_context
from flask import url_for
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import Forbidden

from quart import Quart
from quart_flask_patch import SyncCallError


def _read_request() -> dict[str, Any]:
    """Flask-style code: reads the request without awaiting anything."""
    files = request.files
    return {
        "form": request.form.to_dict(),
        "values": request.values.get("a"),
        "files": {name: file.read().decode() for name, file in files.items()},
        "data_len": len(request.get_data()),
    }


def _read_json() -> Any:
    return {
        "json": request.json,
        "get_json": request.get_json(),
        "data": request.data.decode(),
    }


@pytest.fixture
def app(tmp_path: Path) -> Quart:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "hello.html").write_text(
        "{{ greeting }} {{ name }} from {{ request.path }} ({{ extra }})"
    )
    app = flask.Flask(__name__, root_path=str(tmp_path))
    app.config["SECRET_KEY"] = "sync"

    @app.context_processor
    def sync_processor() -> dict[str, str]:
        return {"greeting": "Hello"}

    @app.context_processor
    async def async_processor() -> dict[str, str]:
        return {"extra": "async"}

    @app.route("/sync-form", methods=["POST"])
    def sync_form() -> Any:
        return _read_request()

    @app.route("/async-form", methods=["POST"])
    async def async_form() -> Any:
        result = _read_request()  # sync code on the loop thread
        result["awaited"] = (await request.form).to_dict()  # awaiting still works
        return result

    @app.route("/json", methods=["POST"])
    async def json_view() -> Any:
        return {**_read_json(), "awaited": await request.get_json()}

    @app.route("/sync-json", methods=["POST"])
    def sync_json() -> Any:
        return _read_json()

    @app.route("/empty")
    async def empty() -> Any:
        def helper() -> Any:
            return {"form": request.form.to_dict(), "data": request.get_data().decode()}

        return helper()

    @app.route("/render/<name>")
    def render(name: str) -> Any:
        return render_template("hello.html", name=name)

    @app.route("/render-inline/<name>")
    async def render_inline(name: str) -> Any:
        def helper() -> str:  # sync helper called from an async view
            return render_template_string("{{ greeting }} {{ name }}!", name=name)

        return helper()

    @app.route("/response")
    def response_view() -> Any:
        response = make_response("made", 201)
        response.headers["X-Made"] = "sync"
        response.set_data(response.get_data() + b"!")
        return response

    @app.route("/async-response")
    async def async_response() -> Any:
        response = await make_response({"a": 1}, 202)
        return response

    @app.route("/file")
    def file_view() -> Any:
        return send_file(BytesIO(b"file body"), mimetype="text/plain")

    @app.route("/flash")
    def flash_view() -> Any:
        flash("saved")
        return flask.redirect(url_for("messages"))

    @app.route("/messages")
    def messages() -> Any:
        return {"messages": get_flashed_messages()}

    @app.route("/ensure-sync")
    def ensure_sync_view() -> Any:
        async def compute(x: int) -> int:
            return x * 2

        return {"value": current_app.ensure_sync(compute)(21)}

    @app.route("/stream")
    def stream() -> Any:
        def generate() -> Iterator[str]:
            yield request.args["word"]
            yield "-"
            yield request.path

        return flask.Response(stream_with_context(generate()))

    @app.route("/forbidden")
    def forbidden() -> Any:
        raise Forbidden("extension says no")

    @app.errorhandler(403)
    def on_forbidden(error: Forbidden) -> Any:
        return f"handled: {error.description}", 403

    return app


async def test_request_body_in_sync_view(app: Quart) -> None:
    files = {"upload": FileStorage(BytesIO(b"content"), filename="a.txt")}
    response = await app.test_client().post(
        "/sync-form?a=query", form={"name": "ann"}, files=files
    )
    result = await response.get_json()
    assert result["form"] == {"name": "ann"}
    assert result["values"] == "query"
    assert result["files"] == {"upload": "content"}
    assert result["data_len"] > 0


async def test_request_body_from_sync_code_in_async_view(app: Quart) -> None:
    response = await app.test_client().post("/async-form", form={"a": "form"})
    result = await response.get_json()
    assert result["form"] == result["awaited"] == {"a": "form"}
    assert result["values"] == "form"


@pytest.mark.parametrize("path", ["/json", "/sync-json"])
async def test_json(app: Quart, path: str) -> None:
    response = await app.test_client().post(path, json={"k": [1, 2]})
    result = await response.get_json()
    assert result["json"] == result["get_json"] == {"k": [1, 2]}
    assert json.loads(result["data"]) == {"k": [1, 2]}
    if path == "/json":
        assert result["awaited"] == {"k": [1, 2]}


async def test_body_less_request(app: Quart) -> None:
    response = await app.test_client().get("/empty")
    assert await response.get_json() == {"form": {}, "data": ""}


async def test_unread_body_on_the_loop_thread_is_a_clear_error(app: Quart) -> None:
    app.config["QUART_FLASK_PRELOAD_BODY"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = True
    client = app.test_client()
    with pytest.raises(SyncCallError, match=r"Use 'await request\.files'"):
        await client.post("/async-form", form={"a": "b"})
    # a sync view runs in a worker thread: it can wait for the body there
    response = await client.post("/sync-form", form={"name": "ann"})
    assert (await response.get_json())["form"] == {"name": "ann"}


async def test_render_template_sync(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/render/ann")
    assert await response.get_data() == b"Hello ann from /render/ann (async)"
    response = await client.get("/render-inline/bob")
    assert await response.get_data() == b"Hello bob!"


async def test_make_response_sync_and_awaited(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/response")
    assert response.status_code == 201
    assert response.headers["X-Made"] == "sync"
    assert await response.get_data() == b"made!"
    response = await client.get("/async-response")
    assert response.status_code == 202
    assert await response.get_json() == {"a": 1}


async def test_send_file_flash_and_ensure_sync(app: Quart) -> None:
    client = app.test_client()
    assert await (await client.get("/file")).get_data() == b"file body"
    response = await client.get("/flash")
    assert response.headers["Location"] == "/messages"
    assert await (await client.get("/messages")).get_json() == {"messages": ["saved"]}
    assert await (await client.get("/ensure-sync")).get_json() == {"value": 42}


async def test_stream_with_context_sync_generator(app: Quart) -> None:
    response = await app.test_client().get("/stream?word=hi")
    assert await response.get_data() == b"hi-/stream"


async def test_werkzeug_http_exceptions_are_handled(app: Quart) -> None:
    response = await app.test_client().get("/forbidden")
    assert response.status_code == 403
    assert await response.get_data() == b"handled: extension says no"


def test_sync_contexts(app: Quart) -> None:
    """Sync code with no event loop (a script, a CLI command, a sync test)."""
    with app.app_context():
        assert (
            flask.current_app is app or flask.current_app._get_current_object() is app
        )
        flask.g.value = 1
        assert flask.g.value == 1
    assert not flask.has_app_context()
    with app.test_request_context("/?a=1", method="POST", data={"f": "v"}):
        assert request.args["a"] == "1"
        assert request.form["f"] == "v"
        assert make_response("x").status_code == 200
    assert not flask.has_request_context()


async def test_sync_error_path_replacements(app: Quart) -> None:
    """Extensions replace ``handle_user_exception``/``handle_exception``
    with sync functions that call the original and return its value."""
    calls = []
    original_user = app.handle_user_exception
    original = app.handle_exception

    def user_handler(error: Exception) -> Any:
        calls.append("user")
        response = app.make_response(original_user(error))
        response.headers["X-Wrapped"] = "yes"
        return response

    def handler(error: Exception) -> Any:
        calls.append("unhandled")
        return original(error)

    app.handle_user_exception = user_handler  # type: ignore[method-assign]
    app.handle_exception = handler  # type: ignore[method-assign]

    @app.route("/boom")
    async def boom() -> str:
        raise ValueError("boom")

    client = app.test_client()
    response = await client.get("/forbidden")
    assert response.headers["X-Wrapped"] == "yes"
    assert await response.get_data() == b"handled: extension says no"
    response = await client.get("/boom")
    assert response.status_code == 500
    assert calls == ["user", "user", "unhandled"]


async def test_default_options_response_from_sync_code(app: Quart) -> None:
    @app.route("/opts", methods=["GET", "OPTIONS"], provide_automatic_options=False)
    def opts() -> Any:
        if request.method == "OPTIONS":
            response = current_app.make_default_options_response()
            response.headers["X-Sync"] = "1"
            return response
        return "get"

    response = await app.test_client().options("/opts")
    assert response.headers["X-Sync"] == "1"
    assert set(response.allow) == {"GET", "HEAD", "OPTIONS"}


async def test_sync_decorator_around_async_view(app: Quart) -> None:
    def decorate(func: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return func(*args, **kwargs)  # returns the view's coroutine

        wrapper.__name__ = func.__name__
        return wrapper

    @app.route("/decorated")
    @decorate
    async def decorated() -> str:
        return f"async {request.path}"

    response = await app.test_client().get("/decorated")
    assert await response.get_data() == b"async /decorated"


async def test_macro_called_from_python_code(app: Quart) -> None:
    def shout(caller: Any) -> str:
        return caller().upper()  # a sync extension calls the block

    app.jinja_env.globals["shout"] = shout

    @app.route("/macro")
    async def macro() -> Any:
        return await render_template_string(
            "{% call shout() %}quiet {{ 1 + 1 }}{% endcall %}"
        )

    assert await (await app.test_client().get("/macro")).get_data() == b"QUIET 2"


async def test_abort_in_sync_code(app: Quart) -> None:
    @app.route("/abort")
    def abort_view() -> Any:
        abort(409)

    assert (await app.test_client().get("/abort")).status_code == 409


async def test_await_sync_bridge_in_the_core() -> None:
    import asyncio
    import threading

    from quart.sync import await_sync
    from quart.sync import run_sync

    async def double(value: int) -> int:
        await asyncio.sleep(0)
        return value * 2

    def in_worker() -> int:
        return await_sync(double(21))

    assert await run_sync(in_worker)() == 42
    with pytest.raises(RuntimeError, match="event loop's own thread"):
        await_sync(double(1))
    errors: list[BaseException] = []

    def foreign_thread() -> None:
        try:
            await_sync(double(1))
        except RuntimeError as error:
            errors.append(error)

    thread = threading.Thread(target=foreign_thread)
    thread.start()
    thread.join()
    assert "worker thread started by run_sync" in str(errors[0])
