"""Tests for responses, through views and the test client: what views may
return, cookies, the awaited body API, conditional and range requests,
``send_file`` and the response timeout."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import MutableMapping
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from asgi_scopes import http_scope
from werkzeug.exceptions import NotFound
from werkzeug.http import http_date
from werkzeug.wrappers import Response as WerkzeugResponse

from quart import Quart
from quart import Response
from quart import make_response
from quart import request
from quart import send_file
from quart.testing import QuartClient

TIMEOUT = 5
DATA = b"abcdefghijklmnopqrstuvwxyz"
LAST_MODIFIED = datetime(2020, 1, 1, 12, 0, 0, tzinfo=UTC)


async def _receive(connection: Any) -> bytes:
    """The next response chunk, bounded so a hang fails instead."""
    chunk: bytes = await asyncio.wait_for(connection.receive(), TIMEOUT)
    return chunk


# -- what a view may return ----------------------------------------------------


@dataclass
class Returned:
    """What a view returns (made afresh per request) and the response the
    client gets: status, headers, mimetype and body (bytes from
    ``get_data``, or ``json`` from ``get_json``); None is not checked."""

    value: Callable[[], Any]
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    mimetype: str | None = None
    body: bytes | None = None
    json: Any = None
    status_line: str | None = None


async def _chunks(*chunks: Any) -> AsyncIterator[Any]:
    for chunk in chunks:
        yield chunk


def _sync_chunks(*chunks: Any) -> Iterator[Any]:
    yield from chunks


RETURNED = {
    "str": Returned(
        lambda: "héllo",
        200,
        {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Length": str(len("héllo".encode())),
        },
        mimetype="text/html",
        body="héllo".encode(),
    ),
    "bytes": Returned(lambda: b"\x00raw", 200, mimetype="text/html", body=b"\x00raw"),
    "dict-is-json": Returned(
        lambda: {"a": 1, "b": [True, None]},
        200,
        mimetype="application/json",
        json={"a": 1, "b": [True, None]},
    ),
    "list-is-json": Returned(
        lambda: [1, "two", {"three": 3}],
        200,
        mimetype="application/json",
        json=[1, "two", {"three": 3}],
    ),
    "response-object": Returned(
        lambda: Response(
            "made", status=202, headers={"X-A": "b"}, mimetype="text/plain"
        ),
        202,
        {"X-A": "b"},
        mimetype="text/plain",
        body=b"made",
    ),
    "werkzeug-response": Returned(
        lambda: WerkzeugResponse(
            "from werkzeug", status=203, headers={"X-W": "1"}, mimetype="text/plain"
        ),
        203,
        {"X-W": "1"},
        mimetype="text/plain",
        body=b"from werkzeug",
    ),
    "werkzeug-streamed-response": Returned(
        lambda: WerkzeugResponse(_sync_chunks(b"w1", b"w2"), mimetype="text/plain"),
        200,
        body=b"w1w2",
    ),
    "http-exception": Returned(NotFound, 404),
    "async-generator": Returned(lambda: _chunks(b"x", b"y"), 200, body=b"xy"),
    "iterator-of-str": Returned(
        lambda: iter(["one ", "two ", "thrée"]), 200, body="one two thrée".encode()
    ),
    "str-and-status": Returned(lambda: ("created", 201), 201, body=b"created"),
    "dict-and-status": Returned(lambda: ({"ok": False}, 400), 400, json={"ok": False}),
    "response-and-status": Returned(
        lambda: (Response("accepted"), 202), 202, body=b"accepted"
    ),
    "body-and-headers-dict": Returned(
        lambda: ("body", {"X-One": "1", "Content-Type": "text/plain"}),
        200,
        {"X-One": "1", "Content-Type": "text/plain"},
        body=b"body",
    ),
    "body-and-headers-list": Returned(
        lambda: ("body", [("X-One", "1"), ("X-Two", "2")]),
        200,
        {"X-One": "1", "X-Two": "2"},
    ),
    "body-status-headers": Returned(
        lambda: ({"made": True}, 201, {"Location": "/new", "X-Extra": "e"}),
        201,
        {"Location": "/new", "X-Extra": "e"},
        json={"made": True},
    ),
    "status-as-string": Returned(
        lambda: ("made", "201 CREATED"), 201, status_line="201 CREATED"
    ),
    "status-as-string-and-headers": Returned(
        lambda: ("teapot", "418 I'M A TEAPOT", {"X-T": "1"}), 418, {"X-T": "1"}
    ),
    "generator-status-headers": Returned(
        lambda: (_chunks("a", "b"), 206, {"X-G": "1"}), 206, {"X-G": "1"}, body=b"ab"
    ),
}


@pytest.mark.parametrize("returned", RETURNED.values(), ids=RETURNED.keys())
async def test_what_a_view_returns(
    app: Quart, client: QuartClient, returned: Returned
) -> None:
    @app.get("/")
    async def index() -> Any:
        return returned.value()

    response = await client.get("/")
    assert response.status_code == returned.status
    for name, value in returned.headers.items():
        assert response.headers[name] == value, name
    if returned.mimetype is not None:
        assert response.mimetype == returned.mimetype
    if returned.body is not None:
        assert await response.get_data() == returned.body
    if returned.json is not None:
        assert await response.get_json() == returned.json
    if returned.status_line is not None:
        assert response.status == returned.status_line


async def test_make_response_helper(app: Quart, client: QuartClient) -> None:
    @app.get("/")
    async def index() -> Response:
        response = await make_response("body", 201, {"X-Made": "yes"})
        response.headers["X-Later"] = "too"
        return response

    response = await client.get("/")
    assert response.status_code == 201
    assert response.headers["X-Made"] == "yes"
    assert response.headers["X-Later"] == "too"
    assert await response.get_data() == b"body"


async def test_sync_generator(app: Quart, client: QuartClient) -> None:
    @app.get("/")
    def index() -> Any:
        def generate() -> Iterator[str]:
            yield "a"
            yield "b"
            yield "c"

        return generate()

    response = await client.get("/")
    assert response.status_code == 200
    assert await response.get_data() == b"abc"


async def test_client_streamed_response_has_no_content_length(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/")
    async def index() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            yield b"a"
            yield b"b"

        return generate()

    response = await client.get("/")
    assert await response.get_data() == b"ab"
    assert "Content-Length" not in response.headers


async def test_sync_generator_streams_one_chunk_at_a_time(
    app: Quart, client: QuartClient
) -> None:
    """The second chunk is only produced after the client got the first."""
    first_received = threading.Event()
    waited: list[bool] = []

    @app.get("/")
    async def index() -> Any:
        def generate() -> Iterator[bytes]:
            yield b"first"
            waited.append(first_received.wait(TIMEOUT))
            yield b"second"

        return generate()

    async with client.request("/") as connection:
        await connection.send_complete()
        assert await _receive(connection) == b"first"
        assert waited == []
        first_received.set()
        assert await _receive(connection) == b"second"
        assert await _receive(connection) == b""
    assert connection.status_code == 200
    assert waited == [True]


async def test_async_generator_streams_one_chunk_at_a_time(
    app: Quart, client: QuartClient
) -> None:
    release = asyncio.Event()
    produced: list[bytes] = []

    @app.get("/")
    async def index() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            for chunk in (b"one", b"two"):
                produced.append(chunk)
                yield chunk
            await release.wait()
            produced.append(b"three")
            yield b"three"

        return generate()

    async with client.request("/") as connection:
        await connection.send_complete()
        assert await _receive(connection) == b"one"
        assert await _receive(connection) == b"two"
        await asyncio.sleep(0.01)
        assert produced == [b"one", b"two"]
        release.set()
        assert await _receive(connection) == b"three"
        assert await _receive(connection) == b""
    assert connection.status_code == 200
    assert connection.headers is not None
    assert "Content-Length" not in connection.headers


@pytest.mark.parametrize(
    "value",
    [None, 42, ("body", 200, {}, "extra"), ("just one",), 1.5],
    ids=["none", "int", "4-tuple", "1-tuple", "float"],
)
async def test_invalid_return_raises_type_error(
    app: Quart, client: QuartClient, value: Any
) -> None:
    @app.get("/")
    async def index() -> Any:
        return value

    with pytest.raises(TypeError):
        await client.get("/")


async def test_view_without_return_raises_type_error(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/")
    async def index() -> None:
        pass

    with pytest.raises(TypeError, match="index"):
        await client.get("/")


async def test_invalid_return_is_500_when_not_testing(app: Quart) -> None:
    app.testing = False

    @app.get("/")
    async def index() -> Any:
        return None

    @app.get("/ok")
    async def ok() -> str:
        return "ok"

    client = app.test_client()
    response = await client.get("/")
    assert response.status_code == 500
    response = await client.get("/ok")
    assert response.status_code == 200


# -- cookies ---------------------------------------------------------------------


async def test_set_cookie_attributes(app: Quart, client: QuartClient) -> None:
    @app.get("/")
    async def index() -> Response:
        response = Response("cookie")
        response.set_cookie(
            "session_id",
            "abc123",
            max_age=3600,
            secure=True,
            httponly=True,
            samesite="Strict",
            path="/app",
        )
        response.set_cookie("plain", "v")
        return response

    response = await client.get("/")
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 2
    session_cookie = next(c for c in cookies if c.startswith("session_id="))
    parts = [part.strip() for part in session_cookie.split(";")]
    assert parts[0] == "session_id=abc123"
    assert "Secure" in parts
    assert "HttpOnly" in parts
    assert "Max-Age=3600" in parts
    assert "SameSite=Strict" in parts
    assert "Path=/app" in parts
    assert any(part.startswith("Expires=") for part in parts)

    plain = next(c for c in cookies if c.startswith("plain="))
    assert "HttpOnly" not in plain
    assert "Secure" not in plain
    assert "SameSite" not in plain
    assert "Path=/" in plain


async def test_set_cookie_samesite_lax_and_none(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/")
    async def index() -> Response:
        response = Response("")
        response.set_cookie("lax", "1", samesite="Lax")
        response.set_cookie("none", "2", samesite="None", secure=True)
        return response

    response = await client.get("/")
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("lax=1") and "SameSite=Lax" in c for c in cookies)
    assert any(
        c.startswith("none=2") and "SameSite=None" in c and "Secure" in c
        for c in cookies
    )


async def test_delete_cookie(app: Quart, client: QuartClient) -> None:
    @app.get("/set")
    async def set_view() -> Response:
        response = Response("set")
        response.set_cookie("name", "value")
        return response

    @app.get("/read")
    async def read() -> Any:
        return dict(request.cookies)

    @app.get("/delete")
    async def delete() -> Response:
        response = Response("deleted")
        response.delete_cookie("name", samesite="Lax", httponly=True)
        return response

    await client.get("/set")
    assert await (await client.get("/read")).get_json() == {"name": "value"}

    response = await client.get("/delete")
    header = response.headers["Set-Cookie"]
    parts = [part.strip() for part in header.split(";")]
    assert parts[0] == "name="
    assert "Max-Age=0" in parts
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in parts
    assert "HttpOnly" in parts
    assert "SameSite=Lax" in parts

    assert await (await client.get("/read")).get_json() == {}


# -- the body API ---------------------------------------------------------------


async def test_get_data_as_text_and_data_property(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/")
    async def index() -> str:
        return "tëxt"

    response = await client.get("/")
    assert await response.get_data(as_text=True) == "tëxt"
    assert await response.get_data() == "tëxt".encode()
    assert await response.data == "tëxt".encode()


async def test_get_json_of_client_response(app: Quart, client: QuartClient) -> None:
    @app.get("/json")
    async def json_view() -> Any:
        return {"k": [1, 2]}

    @app.get("/text")
    async def text_view() -> str:
        return '{"k": 1}'

    response = await client.get("/json")
    assert await response.get_json() == {"k": [1, 2]}
    assert await response.json == {"k": [1, 2]}

    response = await client.get("/text")
    assert await response.get_json() is None
    assert await response.get_json(force=True) == {"k": 1}


async def test_response_object_body_api() -> None:
    response = Response("hello")
    assert await response.get_data() == b"hello"
    assert await response.data == b"hello"
    assert await response.get_data(as_text=True) == "hello"
    assert response.headers["Content-Length"] == "5"

    response.data = "replaced!"
    assert await response.get_data() == b"replaced!"
    assert response.headers["Content-Length"] == "9"

    response.set_data(b"bytes")
    assert await response.get_data() == b"bytes"
    assert response.content_length == 5


async def test_response_object_streamed_body_read_once() -> None:
    async def generate() -> AsyncIterator[str]:
        yield "a"
        yield "b"

    response = Response(generate())
    assert await response.get_data() == b"ab"
    # The streamed body was kept: reading again gives the same data.
    assert await response.get_data() == b"ab"

    response = Response(iter([b"x", b"y"]))
    assert await response.get_data(as_text=True) == "xy"


async def test_response_object_json() -> None:
    response = Response(b'{"a": [1]}', mimetype="application/json")
    assert response.is_json
    assert await response.get_json() == {"a": [1]}
    assert await response.json == {"a": [1]}

    bad = Response(b"{nope", mimetype="application/json")
    assert await bad.get_json(silent=True) is None
    with pytest.raises(ValueError):
        await bad.get_json()


# -- conditional requests -----------------------------------------------------


def _conditional_app(app: Quart) -> None:
    @app.route("/", methods=["GET", "HEAD", "POST"])
    async def index() -> Response:
        response = await make_response(DATA)
        response.set_etag("v1")
        response.last_modified = LAST_MODIFIED
        return await response.make_conditional(request, accept_ranges=True)

    @app.get("/plain")
    async def plain() -> Response:
        response = await make_response(DATA)
        response.set_etag("v1")
        return await response.make_conditional(request)


async def test_conditional_full_response(app: Quart, client: QuartClient) -> None:
    _conditional_app(app)
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"v1"'
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Last-Modified"] == http_date(LAST_MODIFIED)
    assert "Date" in response.headers
    assert await response.get_data() == DATA


async def test_if_none_match_gives_304(app: Quart, client: QuartClient) -> None:
    _conditional_app(app)
    for value in ('"v1"', 'W/"v1"', '"other", "v1"', "*"):
        response = await client.get("/", headers={"If-None-Match": value})
        assert response.status_code == 304, value
        assert await response.get_data() == b"", value
        assert response.headers["ETag"] == '"v1"'

    response = await client.get("/", headers={"If-None-Match": '"v2"'})
    assert response.status_code == 200
    assert await response.get_data() == DATA


async def test_if_none_match_without_ranges(app: Quart, client: QuartClient) -> None:
    _conditional_app(app)
    response = await client.get("/plain", headers={"If-None-Match": '"v1"'})
    assert response.status_code == 304
    assert await response.get_data() == b""
    assert "Accept-Ranges" not in response.headers


async def test_if_modified_since(app: Quart, client: QuartClient) -> None:
    _conditional_app(app)
    for when in (
        LAST_MODIFIED,
        datetime(2021, 6, 1, tzinfo=UTC),
    ):
        response = await client.get("/", headers={"If-Modified-Since": http_date(when)})
        assert response.status_code == 304
        assert await response.get_data() == b""

    earlier = datetime(2019, 1, 1, tzinfo=UTC)
    response = await client.get("/", headers={"If-Modified-Since": http_date(earlier)})
    assert response.status_code == 200
    assert await response.get_data() == DATA


async def test_if_match_mismatch_gives_412(app: Quart, client: QuartClient) -> None:
    _conditional_app(app)
    response = await client.get("/", headers={"If-Match": '"v2"'})
    assert response.status_code == 412

    response = await client.get("/", headers={"If-Match": '"v1"'})
    assert response.status_code == 200
    assert await response.get_data() == DATA


async def test_conditional_ignored_for_post(app: Quart, client: QuartClient) -> None:
    _conditional_app(app)
    response = await client.post("/", headers={"If-None-Match": '"v1"'})
    assert response.status_code == 200
    assert await response.get_data() == DATA

    response = await client.post("/", headers={"Range": "bytes=0-4"})
    assert response.status_code == 200
    assert await response.get_data() == DATA


async def test_head_conditional(app: Quart, client: QuartClient) -> None:
    _conditional_app(app)
    response = await client.head("/", headers={"If-None-Match": '"v1"'})
    assert response.status_code == 304
    assert await response.get_data() == b""

    response = await client.head("/")
    assert response.status_code == 200
    assert await response.get_data() == b""


@pytest.mark.parametrize(
    ("range_header", "content_range", "body"),
    [
        ("bytes=0-4", "0-4", b"abcde"),
        ("bytes=10-12", "10-12", b"klm"),
        ("bytes=20-", "20-25", b"uvwxyz"),
        ("bytes=24-100", "24-25", b"yz"),  # an end past the length is clamped
        ("bytes=-3", "23-25", b"xyz"),  # a suffix: the last three bytes
    ],
    ids=["first-bytes", "middle", "open-ended", "end-clamped", "suffix"],
)
async def test_satisfiable_range(
    app: Quart, client: QuartClient, range_header: str, content_range: str, body: bytes
) -> None:
    _conditional_app(app)
    response = await client.get("/", headers={"Range": range_header})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes {content_range}/{len(DATA)}"
    assert response.headers["Content-Length"] == str(len(body))
    assert await response.get_data() == body


async def test_unsatisfiable_range_is_416(app: Quart, client: QuartClient) -> None:
    _conditional_app(app)
    response = await client.get("/", headers={"Range": "bytes=100-200"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(DATA)}"

    # The app keeps serving.
    response = await client.get("/")
    assert response.status_code == 200
    assert await response.get_data() == DATA


async def test_if_range(app: Quart, client: QuartClient) -> None:
    _conditional_app(app)
    response = await client.get("/", headers={"Range": "bytes=0-1", "If-Range": '"v1"'})
    assert response.status_code == 206
    assert await response.get_data() == b"ab"

    response = await client.get(
        "/", headers={"Range": "bytes=0-1", "If-Range": '"stale"'}
    )
    assert response.status_code == 200
    assert await response.get_data() == DATA


async def test_range_without_accept_ranges_is_ignored(
    app: Quart, client: QuartClient
) -> None:
    _conditional_app(app)
    response = await client.get("/plain", headers={"Range": "bytes=0-4"})
    assert response.status_code == 200
    assert await response.get_data() == DATA


# -- send_file ------------------------------------------------------------------


async def test_send_file_path(app: Quart, client: QuartClient, tmp_path: Path) -> None:
    target = tmp_path / "data.txt"
    target.write_bytes(DATA)

    @app.get("/")
    async def index() -> Response:
        return await send_file(target)

    response = await client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Length"] == str(len(DATA))
    assert response.headers["Accept-Ranges"] == "bytes"
    assert "ETag" in response.headers
    assert "Last-Modified" in response.headers
    assert "filename=data.txt" in response.headers["Content-Disposition"]
    assert await response.get_data() == DATA


async def test_send_file_path_ranges(
    app: Quart, client: QuartClient, tmp_path: Path
) -> None:
    target = tmp_path / "data.bin"
    target.write_bytes(DATA)

    @app.get("/")
    async def index() -> Response:
        return await send_file(target)

    response = await client.get("/", headers={"Range": "bytes=2-5"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 2-5/{len(DATA)}"
    assert response.headers["Content-Length"] == "4"
    assert await response.get_data() == b"cdef"

    response = await client.get("/", headers={"Range": "bytes=-2"})
    assert response.status_code == 206
    assert await response.get_data() == b"yz"

    response = await client.get("/", headers={"Range": "bytes=500-"})
    assert response.status_code == 416


async def test_send_file_path_if_none_match(
    app: Quart, client: QuartClient, tmp_path: Path
) -> None:
    target = tmp_path / "data.txt"
    target.write_bytes(DATA)

    @app.get("/")
    async def index() -> Response:
        return await send_file(target)

    etag = (await client.get("/")).headers["ETag"]
    response = await client.get("/", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert await response.get_data() == b""

    last_modified = (await client.get("/")).headers["Last-Modified"]
    response = await client.get("/", headers={"If-Modified-Since": last_modified})
    assert response.status_code == 304


async def test_send_file_large_file_in_chunks(
    app: Quart, client: QuartClient, tmp_path: Path
) -> None:
    content = bytes(range(256)) * 1024  # 256 KiB: more than one read
    target = tmp_path / "big.bin"
    target.write_bytes(content)

    @app.get("/")
    async def index() -> Response:
        return await send_file(target)

    response = await client.get("/")
    assert await response.get_data() == content

    response = await client.get("/", headers={"Range": "bytes=100000-200000"})
    assert response.status_code == 206
    assert await response.get_data() == content[100000:200001]


async def test_send_file_bytesio(app: Quart, client: QuartClient) -> None:
    @app.get("/")
    async def index() -> Response:
        return await send_file(
            BytesIO(DATA),
            mimetype="application/octet-stream",
            as_attachment=True,
            download_name="letters.bin",
            etag="letters-v1",
        )

    response = await client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Length"] == str(len(DATA))
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "letters.bin" in response.headers["Content-Disposition"]
    assert response.headers["ETag"] == '"letters-v1"'
    assert await response.get_data() == DATA

    response = await client.get("/", headers={"Range": "bytes=3-7"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 3-7/{len(DATA)}"
    assert await response.get_data() == b"defgh"

    response = await client.get("/", headers={"Range": "bytes=-4"})
    assert response.status_code == 206
    assert await response.get_data() == b"wxyz"

    response = await client.get("/", headers={"If-None-Match": '"letters-v1"'})
    assert response.status_code == 304
    assert await response.get_data() == b""


async def test_send_file_bytesio_from_middle(app: Quart, client: QuartClient) -> None:
    """A file object already advanced is sent from its current position."""

    @app.get("/")
    async def index() -> Response:
        stream = BytesIO(DATA)
        stream.seek(10)
        return await send_file(stream, mimetype="text/plain")

    response = await client.get("/")
    assert await response.get_data() == DATA[10:]

    response = await client.get("/", headers={"Range": "bytes=0-2"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 0-2/{len(DATA) - 10}"
    assert await response.get_data() == DATA[10:13]


async def test_send_file_missing_is_404(
    app: Quart, client: QuartClient, tmp_path: Path
) -> None:
    @app.get("/")
    async def index() -> Response:
        return await send_file(tmp_path / "missing.txt")

    response = await client.get("/")
    assert response.status_code == 404


async def test_send_file_without_mimetype_or_name_raises(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/")
    async def index() -> Response:
        return await send_file(BytesIO(b"data"))

    with pytest.raises(TypeError):
        await client.get("/")


# -- RESPONSE_TIMEOUT -------------------------------------------------------------


async def test_response_timeout_stops_slow_stream(
    app: Quart, client: QuartClient
) -> None:
    app.config["RESPONSE_TIMEOUT"] = 0.2
    cleaned_up: list[bool] = []

    @app.get("/slow")
    async def slow() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            try:
                yield b"start"
                await asyncio.sleep(10)
                yield b"never"
            finally:
                cleaned_up.append(True)

        return generate()

    @app.get("/ok")
    async def ok() -> str:
        return "ok"

    loop = asyncio.get_running_loop()
    started = loop.time()
    chunks: list[bytes] = []
    async with client.request("/slow") as connection:
        await connection.send_complete()
        while chunk := await _receive(connection):
            chunks.append(chunk)
    assert loop.time() - started < 3
    assert connection.status_code == 200
    assert chunks == [b"start"]
    assert cleaned_up == [True]

    response = await client.get("/ok")
    assert response.status_code == 200
    assert await response.get_data() == b"ok"


async def test_response_timeout_leaves_response_incomplete(app: Quart) -> None:
    """At the ASGI level, the final (``more_body=False``) message is never
    sent, so the server knows the response is incomplete."""
    app.config["RESPONSE_TIMEOUT"] = 0.2

    @app.get("/")
    async def index() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            yield b"part"
            await asyncio.sleep(10)
            yield b"rest"

        return generate()

    sent: list[MutableMapping[str, Any]] = []
    finished = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if not sent:
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = http_scope()
    try:
        await asyncio.wait_for(app(scope, receive, send), TIMEOUT)
    finally:
        finished.set()
    assert sent[0]["type"] == "http.response.start"
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert b"".join(m.get("body", b"") for m in bodies) == b"part"
    assert all(m.get("more_body", False) for m in bodies)


async def test_response_timeout_sync_generator(app: Quart, client: QuartClient) -> None:
    app.config["RESPONSE_TIMEOUT"] = 0.2
    closed = threading.Event()
    stop = threading.Event()

    @app.get("/")
    async def index() -> Any:
        def generate() -> Iterator[bytes]:
            try:
                yield b"begin"
                stop.wait(TIMEOUT)
                yield b"late"
            finally:
                closed.set()

        return generate()

    chunks: list[bytes] = []
    try:
        async with client.request("/") as connection:
            await connection.send_complete()
            while chunk := await _receive(connection):
                chunks.append(chunk)
    finally:
        stop.set()
    assert chunks == [b"begin"]
    await asyncio.get_running_loop().run_in_executor(None, closed.wait, TIMEOUT)
    assert closed.is_set()


async def test_response_timeout_per_response(app: Quart, client: QuartClient) -> None:
    app.config["RESPONSE_TIMEOUT"] = 60

    @app.get("/")
    async def index() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            yield b"a"
            await asyncio.sleep(10)
            yield b"b"

        response = await make_response(generate())
        response.timeout = 0.1
        return response

    async with client.request("/") as connection:
        await connection.send_complete()
        assert await _receive(connection) == b"a"
        assert await _receive(connection) == b""


async def test_fast_stream_within_timeout_completes(
    app: Quart, client: QuartClient
) -> None:
    app.config["RESPONSE_TIMEOUT"] = 1

    @app.get("/")
    async def index() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            for i in range(3):
                await asyncio.sleep(0.01)
                yield str(i).encode()

        return generate()

    response = await client.get("/")
    assert response.status_code == 200
    assert await response.get_data() == b"012"


# -- the body API Quart adds: sequences, freeze, iter_encode, body classes ------


async def _gen(*chunks: str | bytes) -> AsyncIterator[str | bytes]:
    for chunk in chunks:
        yield chunk


async def test_iter_encode_gives_bytes_and_closes_the_body() -> None:
    closed: list[bool] = []

    async def body() -> AsyncIterator[str | bytes]:
        try:
            yield "é"
            yield b"b"
        finally:
            closed.append(True)

    response = Response(body())
    assert [chunk async for chunk in response.iter_encode()] == ["é".encode(), b"b"]
    assert closed == [True]


async def test_make_sequence_keeps_a_streamed_body() -> None:
    response = Response(_gen("a", "b"))
    await response.make_sequence()
    assert await response.get_data() == b"ab"
    assert await response.get_data() == b"ab"


async def test_without_implicit_sequence_conversion_a_stream_is_read_once() -> None:
    class OnceResponse(Response):
        implicit_sequence_conversion = False

    response = OnceResponse(_gen("a", "b"))
    assert await response.get_data() == b"ab"
    assert await response.get_data() == b""  # the generator is spent


async def test_freeze_reads_the_body_and_sets_content_length() -> None:
    class OnceResponse(Response):
        implicit_sequence_conversion = False  # freeze ignores it

    response = OnceResponse(_gen("abc", "de"))
    assert "Content-Length" not in response.headers
    await response.freeze()
    assert response.headers["Content-Length"] == "5"
    assert await response.get_data() == b"abcde"
    assert await response.get_data() == b"abcde"


@pytest.mark.parametrize(
    ("begin", "end", "expected"),
    [(0, None, DATA), (2, 5, DATA[2:5]), (-4, None, DATA[-4:]), (20, 100, DATA[20:])],
)
async def test_body_make_conditional(
    tmp_path: Path, begin: int, end: int | None, expected: bytes
) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    stream = BytesIO(b"skip" + DATA)
    stream.seek(4)
    bodies = [
        Response.data_body_class(DATA),
        Response.file_body_class(path, buffer_size=3),
        Response.io_body_class(stream, buffer_size=3),
    ]
    for body in bodies:
        assert await body.make_conditional(begin, end) == len(DATA)
        async with body as chunks:
            assert b"".join([chunk async for chunk in chunks]) == expected, body


async def test_file_and_io_bodies_read_buffer_size_chunks(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    file_body = Response.file_body_class(path, buffer_size=10)
    io_body = Response.io_body_class(BytesIO(DATA), buffer_size=10)
    for body in (file_body, io_body):
        assert body.buffer_size == 10
        async with body as entered:
            assert entered is body
            assert aiter(body) is body
            assert [len(chunk) async for chunk in body] == [10, 10, 6]
    assert Response.file_body_class(path).buffer_size == 64 * 1024


async def test_iterable_body_iterates_inside_its_context() -> None:
    body = Response.iterable_body_class(["a", b"b"])
    async with body as entered:
        assert entered is body
        assert [chunk async for chunk in body] == [b"a", b"b"]


async def test_response_headers_compare_with_plain_headers() -> None:
    from werkzeug.datastructures import Headers

    response = Response("x", headers={"X-A": "1"})
    plain = Headers(list(response.headers))
    assert response.headers == plain
    assert plain == response.headers
    response.headers = plain  # copied into checked headers
    assert response.headers == plain and response.headers is not plain


@pytest.mark.parametrize(
    ("begin", "end", "valid"),
    [(0, 10, True), (2, 5, True), (-4, 10, True), (5, 5, False), (0, 11, False)],
)
def test_raise_if_invalid_range(begin: int, end: int, valid: bool) -> None:
    """The range check server adapters' file bodies use (quart-trio's)."""
    from werkzeug.exceptions import RequestedRangeNotSatisfiable

    from quart.wrappers.response import _raise_if_invalid_range

    if valid:
        _raise_if_invalid_range(begin, end, 10)
    else:
        with pytest.raises(RequestedRangeNotSatisfiable):
            _raise_if_invalid_range(begin, end, 10)


def test_default_timeout_is_ellipsis_as_in_quart() -> None:
    assert Response(b"").timeout is ...


def test_default_mimetype_of_a_subclass_and_after_a_change() -> None:
    """Each class's default Content-Type follows its ``default_mimetype``,
    even when a subclass or a later assignment changes it."""
    from quart import Response

    class TextResponse(Response):
        default_mimetype = "text/plain"

    assert Response("a").headers["Content-Type"] == "text/html; charset=utf-8"
    assert TextResponse("a").headers["Content-Type"] == "text/plain; charset=utf-8"
    assert Response("a").headers["Content-Type"] == "text/html; charset=utf-8"
    TextResponse.default_mimetype = "application/octet-stream"
    assert TextResponse("a").headers["Content-Type"] == "application/octet-stream"
    TextResponse.default_mimetype = None
    assert "Content-Type" not in TextResponse("a").headers
    assert Response("a").headers["Content-Type"] == "text/html; charset=utf-8"
