"""Message flashing: ``flash`` stores into the session, ``get_flashed_messages``
reads once per request, categories and filters, the ``message_flashed``
signal; the results and the session cookie agree with Flask's."""

from __future__ import annotations

from typing import Any

import flask
import pytest
from markupsafe import Markup

from quart import Quart
from quart import flash
from quart import get_flashed_messages
from quart import message_flashed
from quart import render_template_string
from quart import session
from quart.testing import QuartClient


@pytest.fixture
def app(app: Quart) -> Quart:
    """The shared app with a ``/flash`` view flashing four messages (its
    secret key is ``flask_app``'s too)."""

    @app.post("/flash")
    async def add() -> str:
        await flash("plain")
        await flash("oops", "error")
        await flash("careful", "warning")
        await flash(Markup("<b>bold</b>"), "info")
        return "ok"

    return app


async def _json(client: QuartClient, path: str) -> Any:
    response = await client.get(path)
    assert response.status_code == 200
    return await response.get_json()


async def test_messages_survive_to_the_next_request_only(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/read")
    async def read() -> Any:
        return {"messages": [str(m) for m in get_flashed_messages()]}

    await client.post("/flash")
    data = await _json(client, "/read")
    assert data == {"messages": ["plain", "oops", "careful", "<b>bold</b>"]}
    assert await _json(client, "/read") == {"messages": []}


async def test_read_once_per_request_and_cached(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/twice")
    async def twice() -> Any:
        first = get_flashed_messages()
        second = get_flashed_messages()
        return {
            "first": len(first),
            "second": len(second),
            "left": "_flashes" in session,
        }

    await client.post("/flash")
    assert await _json(client, "/twice") == {"first": 4, "second": 4, "left": False}


async def test_markup_messages_keep_their_type(app: Quart, client: QuartClient) -> None:
    @app.get("/types")
    async def types() -> Any:
        return {"types": [type(m).__name__ for m in get_flashed_messages()]}

    await client.post("/flash")
    assert await _json(client, "/types") == {"types": ["str", "str", "str", "Markup"]}


def _flask_results(app: flask.Flask) -> dict[str, Any]:
    @app.post("/flash")
    def add() -> str:
        flask.flash("plain")
        flask.flash("oops", "error")
        flask.flash("careful", "warning")
        flask.flash(Markup("<b>bold</b>"), "info")
        return "ok"

    @app.get("/read")
    def read() -> Any:
        return _read(flask.get_flashed_messages)

    client = app.test_client()
    client.post("/flash")
    return client.get("/read").get_json()  # type: ignore[no-any-return]


def _read(getter: Any) -> dict[str, Any]:
    def plain(items: list[Any]) -> list[Any]:
        return [list(i) if isinstance(i, tuple) else str(i) for i in items]

    return {
        "all": plain(getter()),
        "with_categories": plain(getter(with_categories=True)),
        "errors": plain(getter(category_filter=["error"])),
        "errors_and_warnings": plain(
            getter(with_categories=True, category_filter=["error", "warning"])
        ),
        "none": plain(getter(category_filter=["nothing"])),
    }


async def test_categories_and_filters_match_flask(
    app: Quart, client: QuartClient, flask_app: flask.Flask
) -> None:
    @app.get("/read")
    async def read() -> Any:
        return _read(get_flashed_messages)

    await client.post("/flash")
    data = await _json(client, "/read")
    assert data == _flask_results(flask_app)
    assert data["with_categories"][1] == ["error", "oops"]
    assert data["errors_and_warnings"] == [["error", "oops"], ["warning", "careful"]]


async def test_cookie_is_readable_by_flask(
    client: QuartClient, flask_app: flask.Flask
) -> None:
    """A message flashed by Quart is shown by a Flask app with the same key."""
    response = await client.post("/flash")
    cookie = response.headers["Set-Cookie"].split(";", 1)[0]

    @flask_app.get("/read")
    def read() -> Any:
        return {"messages": flask.get_flashed_messages(with_categories=True)}

    flask_client = flask_app.test_client()
    name, value = cookie.split("=", 1)
    flask_client.set_cookie(name, value)
    data = flask_client.get("/read").get_json()
    assert data == {
        "messages": [
            ["message", "plain"],
            ["error", "oops"],
            ["warning", "careful"],
            ["info", "<b>bold</b>"],
        ]
    }


async def test_flashed_messages_in_templates(app: Quart, client: QuartClient) -> None:
    @app.get("/page")
    async def page() -> str:
        return await render_template_string(
            "{% for category, message in get_flashed_messages(with_categories=true) %}"
            "[{{ category }}:{{ message }}]{% endfor %}"
        )

    await client.post("/flash")
    response = await client.get("/page")
    assert await response.get_data(as_text=True) == (
        "[message:plain][error:oops][warning:careful][info:<b>bold</b>]"
    )


async def test_message_flashed_signal(app: Quart) -> None:
    received: list[tuple[Any, str]] = []

    async def on_flash(sender: Quart, message: Any, category: str) -> None:
        received.append((str(message), category))

    message_flashed.connect(on_flash, app)
    try:
        await app.test_client().post("/flash")
    finally:
        message_flashed.disconnect(on_flash, app)
    assert received == [
        ("plain", "message"),
        ("oops", "error"),
        ("careful", "warning"),
        ("<b>bold</b>", "info"),
    ]


async def test_flash_without_secret_key_fails_clearly(app: Quart) -> None:
    app.secret_key = None

    @app.get("/")
    async def index() -> str:
        await flash("x")
        return "never"

    @app.get("/read")
    async def read() -> Any:
        return {"messages": get_flashed_messages()}

    with pytest.raises(RuntimeError, match="secret key"):
        await app.test_client().get("/")
    # Reading works on the empty null session.
    assert await _json(app.test_client(), "/read") == {"messages": []}


async def test_outside_request_context(app: Quart) -> None:
    with pytest.raises(RuntimeError, match="request context"):
        await flash("x")
    async with app.app_context():
        with pytest.raises(RuntimeError, match="request context"):
            get_flashed_messages()
