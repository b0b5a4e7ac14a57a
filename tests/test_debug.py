"""quart.debug: the traceback page of debug mode, and never outside it."""

from __future__ import annotations

import logging

import pytest

from quart import Quart
from quart.debug import TEMPLATE
from quart.debug import render_traceback
from quart.debug import traceback_response
from quart.testing import QuartClient
from quart.testing import WebsocketResponseError


class ShowMe(Exception):
    pass


@pytest.fixture
def app(app: Quart) -> Quart:
    """The shared app, not testing (testing raises errors into the test),
    with a view that fails."""
    app.testing = False

    @app.route("/")
    async def index() -> str:
        marker = "frame-local"  # noqa: F841 - shows the source line
        raise ShowMe("<b>bold</b> & 'quoted'")

    return app


async def test_debug_answers_with_the_traceback_page(
    app: Quart,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app.debug = True
    with caplog.at_level(logging.ERROR):
        response = await app.test_client().get("/")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    body = await response.get_data(as_text=True)
    assert "ShowMe" in body
    # The message is escaped, never markup.
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &#39;quoted&#39;" in body
    assert "<b>bold</b>" not in body
    # The frames: this file, the view's name and its source line.
    assert __file__ in body
    assert "in <strong>index</strong>" in body
    assert "raise ShowMe(" in body
    assert "marker = &#34;frame-local&#34;" in body
    # The error is still logged, as any unhandled error.
    assert any(record.exc_info for record in caplog.records)


async def test_no_traceback_outside_debug(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    app.debug = False
    with caplog.at_level(logging.ERROR):
        response = await app.test_client().get("/")
    assert response.status_code == 500
    body = await response.get_data(as_text=True)
    assert "Internal Server Error" in body
    for leak in ("ShowMe", "bold", "Traceback", __file__, "index"):
        assert leak not in body


async def test_toggling_debug_on_one_app(app: Quart, client: QuartClient) -> None:
    app.debug = False
    assert "ShowMe" not in await (await client.get("/")).get_data(as_text=True)
    app.debug = True
    response = await client.get("/")
    assert response.status_code == 500
    assert "ShowMe" in await response.get_data(as_text=True)
    app.debug = False
    response = await client.get("/")
    assert response.status_code == 500
    assert "ShowMe" not in await response.get_data(as_text=True)


async def test_debug_skips_the_500_handler(app: Quart) -> None:
    # As with Flask's debugger: debug mode shows the error itself.
    app.debug = True

    @app.errorhandler(500)
    async def handler(error: Exception) -> tuple[str, int]:
        return "handled", 500

    body = await (await app.test_client().get("/")).get_data(as_text=True)
    assert "ShowMe" in body
    app.debug = False
    body = await (await app.test_client().get("/")).get_data(as_text=True)
    assert body == "handled"


@pytest.mark.parametrize(
    ("testing", "propagate"), [(True, None), (False, True), (True, True)]
)
async def test_raised_when_testing_or_propagating(
    app: Quart, testing: bool, propagate: bool | None
) -> None:
    app.debug = True
    app.testing = testing
    app.config["PROPAGATE_EXCEPTIONS"] = propagate
    with pytest.raises(ShowMe):
        await app.test_client().get("/")


async def test_propagate_false_gives_the_plain_page(app: Quart) -> None:
    app.debug = True
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = await app.test_client().get("/")
    assert response.status_code == 500
    assert "ShowMe" not in await response.get_data(as_text=True)


async def test_websocket_refused_with_the_page(app: Quart) -> None:
    app.debug = True

    @app.websocket("/ws")
    async def ws() -> None:
        raise ShowMe("before accepting")

    with pytest.raises(WebsocketResponseError) as info:
        async with app.test_client().websocket("/ws") as connection:
            await connection.receive()
    assert info.value.response.status_code == 500
    assert "before accepting" in await info.value.response.get_data(as_text=True)


async def test_chained_exceptions() -> None:
    try:
        try:
            {}["missing"]
        except KeyError as error:
            raise ValueError("while looking up") from error
    except ValueError as error:
        page = render_traceback(error)
    assert page.index("<h2>KeyError") < page.index("<h2>ValueError: while looking up")
    assert "direct cause of the following exception" in page


async def test_traceback_response_outside_a_context() -> None:
    try:
        raise ShowMe("<i>")
    except ShowMe as error:
        response = await traceback_response(error)
    assert response.status_code == 500
    assert response.content_type == "text/html; charset=utf-8"
    body = await response.get_data(as_text=True)
    assert "&lt;i&gt;" in body
    assert "<i>" not in body
    assert "{{" in TEMPLATE  # the template the page is rendered from
