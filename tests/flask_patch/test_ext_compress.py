"""Flask-Compress: compressed bodies chosen by ``Accept-Encoding``, the
minimum size, streamed bodies, ETags, and the per-view decorator."""

from __future__ import annotations

import gzip
import zlib

import flask
import pytest
from flask import Response
from flask_compress import Compress

from quart import Quart

TEXT = "quart and flask extensions " * 100


@pytest.fixture
def app() -> Quart:
    app = flask.Flask(__name__)
    app.config.update(COMPRESS_MIN_SIZE=100, COMPRESS_ALGORITHM=["gzip", "deflate"])
    Compress(app)

    @app.route("/page")
    async def page() -> str:
        return TEXT

    @app.route("/tiny")
    def tiny() -> str:
        return "small"

    @app.route("/stream")
    async def stream() -> Response:
        async def chunks():  # type: ignore[no-untyped-def]
            for _ in range(10):
                yield "streamed chunk " * 20

        return Response(chunks(), mimetype="text/plain")

    @app.route("/tagged")
    async def tagged() -> Response:
        response = Response(TEXT)
        await response.add_etag()
        return response

    return app


async def test_gzip_when_accepted(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/page", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Vary"] == "Accept-Encoding"
    body = await response.get_data()
    assert int(response.headers["Content-Length"]) == len(body) < len(TEXT)
    assert gzip.decompress(body).decode() == TEXT
    plain = await client.get("/page")
    assert "Content-Encoding" not in plain.headers
    assert await plain.get_data(as_text=True) == TEXT


async def test_small_bodies_are_left_alone(app: Quart) -> None:
    response = await app.test_client().get("/tiny", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers
    assert await response.get_data() == b"small"


async def test_streamed_body_is_compressed_as_it_streams(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/stream", headers={"Accept-Encoding": "deflate"})
    assert response.headers["Content-Encoding"] == "deflate"
    assert "Content-Length" not in response.headers or response.status_code == 200
    assert (
        zlib.decompress(await response.get_data()).decode() == "streamed chunk " * 200
    )


async def test_etag_gets_the_encoding_and_304s(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/tagged", headers={"Accept-Encoding": "gzip"})
    etag = response.headers["ETag"]
    assert etag.endswith(':gzip"')
    again = await client.get(
        "/tagged", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
    )
    assert again.status_code == 304
