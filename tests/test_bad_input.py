"""Malformed or oversized input gets a clear 4xx, never a 500, an empty
form that hides the problem, or bytes on the wire that should not be there.

The table at the end runs every body limit against every way of reading a
body, through the test client."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import MutableMapping
from io import BytesIO
from typing import Any

import pytest
from asgi_scopes import http_scope
from werkzeug.datastructures import FileStorage
from werkzeug.datastructures import Headers

from quart import Blueprint
from quart import Quart
from quart import Response
from quart import request
from quart.testing import QuartClient

TIMEOUT = 5
BOUNDARY = "b0undary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def _multipart(*parts: tuple[str, bytes, str | None]) -> bytes:
    """A multipart body of ``(name, data, filename)`` parts."""
    out = []
    for name, data, filename in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out.append(
            f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    return b"".join(out) + f"--{BOUNDARY}--\r\n".encode()


@pytest.fixture
def form_app(app: Quart) -> Quart:
    @app.post("/form")
    async def form() -> Any:
        return {"form": (await request.form).to_dict()}

    @app.post("/files")
    async def files() -> Any:
        return {"files": sorted((await request.files).keys())}

    return app


# -- malformed multipart --------------------------------------------------------

MALFORMED_MULTIPART = {
    "other boundary": (
        MULTIPART,
        b'--other\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
        b"--other--\r\n",
    ),
    "no boundary parameter": (
        "multipart/form-data",
        _multipart(("a", b"1", None)),
    ),
    "empty boundary parameter": (
        'multipart/form-data; boundary=""',
        _multipart(("a", b"1", None)),
    ),
    "cut off mid-part": (
        MULTIPART,
        _multipart(("a", b"1", None), ("f", b"x" * 500, "f.txt"))[:-60],
    ),
    "cut off in part headers": (
        MULTIPART,
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"'.encode(),
    ),
    "part without content-disposition": (
        MULTIPART,
        f"--{BOUNDARY}\r\nX-Other: 1\r\n\r\n1\r\n--{BOUNDARY}--\r\n".encode(),
    ),
    "random bytes": (MULTIPART, random.Random(7).randbytes(3000)),
}


@pytest.mark.parametrize("path", ["/form", "/files"])
@pytest.mark.parametrize(
    ("content_type", "body"),
    list(MALFORMED_MULTIPART.values()),
    ids=list(MALFORMED_MULTIPART),
)
async def test_malformed_multipart_is_400(
    form_app: Quart, client: QuartClient, path: str, content_type: str, body: bytes
) -> None:
    response = await client.post(
        path, data=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 400


async def test_malformed_multipart_explains_itself(
    form_app: Quart, client: QuartClient
) -> None:
    response = await client.post(
        "/form", data=b"x", headers={"Content-Type": "multipart/form-data"}
    )
    assert response.status_code == 400
    assert b"boundary" in await response.get_data()


async def test_well_formed_multipart_still_parses(
    form_app: Quart, client: QuartClient
) -> None:
    body = _multipart(("a", b"1", None), ("f", b"data", "f.txt"))
    response = await client.post(
        "/form", data=body, headers={"Content-Type": MULTIPART}
    )
    assert response.status_code == 200
    assert await response.get_json() == {"form": {"a": "1"}}


async def test_empty_multipart_body_is_an_empty_form(
    form_app: Quart, client: QuartClient
) -> None:
    response = await client.post("/form", headers={"Content-Type": MULTIPART})
    assert response.status_code == 200
    assert await response.get_json() == {"form": {}}


async def test_mutated_multipart_bodies_are_never_a_server_error(
    form_app: Quart, client: QuartClient
) -> None:
    """Bytes deleted, inserted or changed anywhere in a valid body: each
    answer is a parsed form, a 400 or a 413, never a 500."""
    form_app.config["MAX_FORM_PARTS"] = 10
    valid = _multipart(("a", b"1", None), ("f", b"hello", "f.txt"))
    rng = random.Random(3)
    statuses = set()
    for _ in range(150):
        data = bytearray(valid)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(data))
            roll = rng.random()
            if roll < 0.3:
                del data[pos : pos + rng.randint(1, 8)]
            elif roll < 0.6:
                data[pos:pos] = bytes(rng.choice(b"\r\n-b0:;= \x00") for _ in range(3))
            else:
                data[pos] = rng.randrange(256)
        response = await client.post(
            "/files", data=bytes(data), headers={"Content-Type": MULTIPART}
        )
        statuses.add(response.status_code)
    assert statuses <= {200, 400, 413}
    assert 400 in statuses


async def test_non_utf8_urlencoded_body_is_400(
    form_app: Quart, client: QuartClient
) -> None:
    response = await client.post(
        "/form",
        data=b"a=\xff\xfe",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400


# -- form limits ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "limit", "within", "over"),
    [
        (
            "MAX_FORM_PARTS",
            3,
            {"a": "1", "b": "2", "c": "3"},
            {"a": "1", "b": "2", "c": "3", "d": "4"},
        ),
        ("MAX_FORM_MEMORY_SIZE", 100, {"a": "x" * 90}, {"a": "x" * 200}),
    ],
    ids=["max-form-parts", "max-form-memory-size"],
)
async def test_urlencoded_honours_the_form_limit(
    form_app: Quart,
    client: QuartClient,
    key: str,
    limit: int,
    within: dict[str, str],
    over: dict[str, str],
) -> None:
    form_app.config[key] = limit
    response = await client.post("/form", form=within)
    assert response.status_code == 200
    response = await client.post("/form", form=over)
    assert response.status_code == 413


async def test_chunked_urlencoded_over_max_form_memory_size(
    form_app: Quart, client: QuartClient
) -> None:
    form_app.config["MAX_FORM_MEMORY_SIZE"] = 100
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    async with client.request("/form", method="POST", headers=headers) as connection:
        await connection.send(b"a=" + b"x" * 80)
        await connection.send(b"x" * 80)
        await connection.send_complete()
        response = await asyncio.wait_for(connection.as_response(), TIMEOUT)
    assert response.status_code == 413


async def test_file_part_counts_toward_max_content_length_only(
    form_app: Quart, client: QuartClient
) -> None:
    """A file may be larger than MAX_FORM_MEMORY_SIZE (it is spooled, not
    held as a field); it is bounded by MAX_CONTENT_LENGTH."""
    form_app.config["MAX_FORM_MEMORY_SIZE"] = 1000
    form_app.config["MAX_CONTENT_LENGTH"] = 300_000
    upload = FileStorage(BytesIO(b"f" * 200_000), filename="big.bin")
    response = await client.post("/files", files={"upload": upload})
    assert response.status_code == 200
    assert await response.get_json() == {"files": ["upload"]}

    too_big = FileStorage(BytesIO(b"f" * 400_000), filename="big.bin")
    response = await client.post("/files", files={"upload": too_big})
    assert response.status_code == 413

    # A non-file field of the same size is over MAX_FORM_MEMORY_SIZE.
    body = _multipart(("field", b"v" * 2000, None))
    response = await client.post(
        "/form", data=body, headers={"Content-Type": MULTIPART}
    )
    assert response.status_code == 413


async def test_uploaded_file_saves_without_blocking(
    form_app: Quart, client: QuartClient, tmp_path: Any
) -> None:
    target = tmp_path / "out.bin"

    @form_app.post("/save")
    async def save() -> str:
        await (await request.files)["upload"].save(target)
        return "saved"

    upload = FileStorage(BytesIO(b"\x00" * 100_000), filename="big.bin")
    response = await client.post("/save", files={"upload": upload})
    assert response.status_code == 200
    assert target.read_bytes() == b"\x00" * 100_000


# -- JSON -------------------------------------------------------------------------

DEEP_JSON = b"[" * 200_000 + b"]" * 200_000


async def test_deeply_nested_json_is_400(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def index() -> Any:
        return {"value": await request.get_json()}

    response = await client.post(
        "/", data=DEEP_JSON, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


async def test_deeply_nested_json_silent_is_none(
    app: Quart, client: QuartClient
) -> None:
    @app.post("/")
    async def index() -> Any:
        return {"value": await request.get_json(silent=True)}

    response = await client.post(
        "/", data=DEEP_JSON, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200
    assert await response.get_json() == {"value": None}


# -- header injection --------------------------------------------------------------

BAD_NAMES = ["X-A\r\nX-Injected", "X-A\nB", "X-A\rB", "X-A\x00B"]
BAD_VALUES = ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\x00b"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_header_names_are_refused_where_set(name: str) -> None:
    response = Response("x")
    with pytest.raises(ValueError, match="Header names"):
        response.headers[name] = "1"
    with pytest.raises(ValueError, match="Header names"):
        response.headers.add(name, "1")
    with pytest.raises(ValueError, match="Header names"):
        response.headers.setdefault(name, "1")
    with pytest.raises(ValueError, match="Header names"):
        response.headers.extend({name: "1"})
    with pytest.raises(ValueError, match="Header names"):
        response.headers[0] = (name, "1")
    with pytest.raises(ValueError, match="Header names"):
        Response("x", headers={name: "1"})
    with pytest.raises(ValueError, match="Header names"):
        Response(b"x", status=201, headers=[(name, "1")])
    assert all(name not in key for key, _ in response.headers)


@pytest.mark.parametrize("value", BAD_VALUES)
def test_bad_header_values_are_refused_where_set(value: str) -> None:
    response = Response("x")
    with pytest.raises(ValueError, match="Header values"):
        response.headers["X-A"] = value
    with pytest.raises(ValueError, match="Header values"):
        response.headers.add("X-A", value)
    with pytest.raises(ValueError, match="Header values"):
        response.headers.set("X-A", value)
    with pytest.raises(ValueError, match="Header values"):
        response.headers[0] = ("X-A", value)
    with pytest.raises(ValueError, match="Header values"):
        Response("x", headers={"X-A": value})
    with pytest.raises(ValueError, match="Header values"):
        Response("x", mimetype=f"text/plain{value}")
    with pytest.raises(ValueError, match="Header values"):
        response.mimetype = f"text/plain{value}"
    assert "X-A" not in response.headers


async def test_bad_header_from_a_view_never_reaches_the_wire(app: Quart) -> None:
    """Swapping in a plain werkzeug ``Headers`` (which checks neither names
    nor NUL) is checked too: the view fails, the app answers 500."""

    @app.get("/")
    async def index() -> Response:
        response = Response("x")
        plain = Headers()
        plain.add("X-A\x00B", "1")
        response.headers = plain
        return response

    app.testing = False
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(TIMEOUT)
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(app(http_scope("/"), receive, send), TIMEOUT)
    assert sent[0]["status"] == 500
    for message in sent:
        for name, value in message.get("headers", []):
            assert b"\x00" not in name + value


async def test_bad_websocket_accept_headers_are_refused(
    app: Quart, client: QuartClient
) -> None:
    seen: list[str] = []

    @app.websocket("/ws")
    async def ws() -> None:
        from quart import websocket

        try:
            await websocket.accept(headers={"X-A\r\nB": "1"})
        except ValueError as error:
            seen.append(str(error))
        await websocket.accept()
        await websocket.send("ok")

    async with client.websocket("/ws") as connection:
        assert await asyncio.wait_for(connection.receive(), TIMEOUT) == "ok"
    assert seen and "Header names" in seen[0]


# -- every limit against every way of reading a body -----------------------------

#: How each entry point reads the body, and a body it accepts.
READERS: dict[str, tuple[Callable[[], Awaitable[Any]], str]] = {
    "get_data": (lambda: request.get_data(), "raw"),
    "form": (lambda: request.form, "form"),
    "files": (lambda: request.files, "files"),
    "get_json": (lambda: request.get_json(), "json"),
    "stream": (lambda: _stream(), "raw"),
}


async def _stream() -> int:
    return sum([len(chunk) async for chunk in request.body])


def _body(kind: str, size: int) -> tuple[bytes, str]:
    """A body of about ``size`` bytes that the ``kind`` of reader accepts."""
    if kind == "form":
        return (f"field={'v' * size}".encode(), "application/x-www-form-urlencoded")
    if kind == "files":
        return (_multipart(("upload", b"u" * size, "u.bin")), MULTIPART)
    if kind == "json":
        return (f'{{"v": "{"j" * size}"}}'.encode(), "application/json")
    return (b"r" * size, "application/octet-stream")


def _table_routes(app: Quart, reader: str, limit: str, value: Any) -> None:
    """A POST view on ``app`` reading the body with ``reader``, under the
    ``limit`` (a config key, or set per request or per route) of ``value``."""
    read = READERS[reader][0]
    routes = Blueprint("routes", __name__)

    if limit == "MAX_CONTENT_LENGTH per route":

        @routes.before_request
        async def per_route() -> None:
            request.max_content_length = value

    else:
        app.config[limit] = value

    @routes.post("/")
    async def index() -> Any:
        if limit == "MAX_CONTENT_LENGTH per request":
            request.max_content_length = value
        await read()
        return "read"

    app.register_blueprint(routes)


async def _post(app: Quart, body: bytes, content_type: str) -> int:
    client = app.test_client()
    response = await client.post("/", data=body, headers={"Content-Type": content_type})
    return response.status_code


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize(
    "limit",
    [
        "MAX_CONTENT_LENGTH",
        "MAX_CONTENT_LENGTH per request",
        "MAX_CONTENT_LENGTH per route",
    ],
)
async def test_table_max_content_length(reader: str, limit: str, app: Quart) -> None:
    kind = READERS[reader][1]
    small, content_type = _body(kind, 100)
    big, _ = _body(kind, 5000)
    _table_routes(app, reader, limit, 1000)
    assert await _post(app, small, content_type) == 200
    assert await _post(app, big, content_type) == 413


@pytest.mark.parametrize("reader", list(READERS))
async def test_table_max_content_length_chunked(reader: str, app: Quart) -> None:
    """Without a Content-Length the limit is found while reading."""
    kind = READERS[reader][1]
    body, content_type = _body(kind, 5000)
    _table_routes(app, reader, "MAX_CONTENT_LENGTH", 1000)
    client = app.test_client()
    headers = {"Content-Type": content_type}
    async with client.request("/", method="POST", headers=headers) as connection:
        for start in range(0, len(body), 500):
            await connection.send(body[start : start + 500])
        await connection.send_complete()
        response = await asyncio.wait_for(connection.as_response(), TIMEOUT)
    assert response.status_code == 413


@pytest.mark.parametrize("reader", list(READERS))
async def test_table_body_timeout(reader: str, app: Quart) -> None:
    kind = READERS[reader][1]
    body, content_type = _body(kind, 100)
    _table_routes(app, reader, "BODY_TIMEOUT", 0.2)
    client = app.test_client()
    headers = {"Content-Type": content_type}
    async with client.request("/", method="POST", headers=headers) as connection:
        await connection.send(body[:10])  # and never the rest
        response = await asyncio.wait_for(connection.as_response(), TIMEOUT)
    assert response.status_code == 408

    assert await _post(app, body, content_type) == 200


@pytest.mark.parametrize("reader", list(READERS))
async def test_table_max_form_memory_size(reader: str, app: Quart) -> None:
    """Applies to form fields (urlencoded and multipart), not to files nor
    to bodies read as data, JSON or a stream."""
    kind = READERS[reader][1]
    body, content_type = _body(kind, 5000)
    _table_routes(app, reader, "MAX_FORM_MEMORY_SIZE", 1000)
    expected = 413 if kind == "form" else 200
    assert await _post(app, body, content_type) == expected
    if reader == "get_json":
        return
    multipart_field = _multipart(("field", b"v" * 5000, None))
    expected = 413 if reader in {"form", "files"} else 200
    assert await _post(app, multipart_field, MULTIPART) == expected


@pytest.mark.parametrize("reader", list(READERS))
async def test_table_max_form_parts(reader: str, app: Quart) -> None:
    _table_routes(app, reader, "MAX_FORM_PARTS", 3)
    expected = 413 if reader in {"form", "files"} else 200
    many_fields = "&".join(f"f{i}=1" for i in range(10)).encode()
    many_parts = _multipart(*[(f"f{i}", b"1", None) for i in range(10)])
    if reader == "get_json":
        assert await _post(app, b"[1, 2, 3, 4, 5]", "application/json") == 200
        return
    assert (
        await _post(app, many_fields, "application/x-www-form-urlencoded") == expected
    )
    assert await _post(app, many_parts, MULTIPART) == expected
    few_parts = _multipart(*[(f"f{i}", b"1", None) for i in range(3)])
    assert await _post(app, few_parts, MULTIPART) == 200


# -- a chunked body stops being read at the limit ---------------------------------


def _endless(kind: str) -> Iterator[bytes]:
    """The chunks of a body the ``kind`` of reader accepts, 1000 bytes each
    (after a short head), for ever."""
    if kind == "files":
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="u";'
            ' filename="u.bin"\r\n\r\n'
        ).encode()
    elif kind == "form":
        yield b"a="
    elif kind == "json":
        yield b'{"v": "'
    while True:
        yield b"x" * 1000


@pytest.mark.parametrize("reader", list(READERS))
async def test_chunked_body_over_the_limit_stops_being_read(
    reader: str, app: Quart
) -> None:
    """The server is asked for no more body once the limit is passed: at most
    the chunk that crossed it, not the megabytes that follow."""
    kind = READERS[reader][1]
    _, content_type = _body(kind, 0)
    _table_routes(app, reader, "MAX_CONTENT_LENGTH", 10_000)
    chunks = _endless(kind)
    received = 0
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received >= 10_000_000 or sent:
            await asyncio.sleep(TIMEOUT)
            return {"type": "http.disconnect"}
        chunk = next(chunks)
        received += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = http_scope(
        "/", method="POST", headers=[(b"content-type", content_type.encode())]
    )
    await asyncio.wait_for(app(scope, receive, send), TIMEOUT)
    assert sent[0]["status"] == 413
    assert 10_000 < received <= 11_100
