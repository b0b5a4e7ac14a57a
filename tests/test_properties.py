"""Generated input over the request path (hypothesis).

Whatever a client sends, the app answers with a well-formed response, a
client's mistake is never a 5xx, no exception escapes to the server, nothing
is logged as an error, and the next request on the same app still works.

Requests go to the app as a server hands them over (an ASGI scope built the
way Hypercorn builds it, the body split into messages at generated places),
framing disagreements go through a real Hypercorn on raw sockets, and
websocket messages through the test client.

Every property runs a bounded number of derandomized examples, the same on
every run, so CI is repeatable and the file stays well under a minute.
``QUART_PROPERTY_SCALE=10`` multiplies the examples and draws new ones each
run, for a deeper search by hand.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import random
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from urllib.parse import quote
from urllib.parse import unquote
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck
from hypothesis import assume
from hypothesis import event
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from servers import TIMEOUT
from servers import RawHTTP
from servers import RawResponse
from servers import running
from werkzeug.sansio.request import Request as SansIORequest

from quart import Quart
from quart import request
from quart import send_file
from quart import session
from quart import websocket
from quart.typing import ASGIReceiveCallable
from quart.typing import ASGISendCallable
from quart.typing import Scope

_SCALE = os.environ.get("QUART_PROPERTY_SCALE")


def bounded(examples: int) -> settings:
    """Hypothesis settings for ``examples`` examples (times the scale)."""
    return settings(
        max_examples=max(1, round(examples * float(_SCALE or 1))),
        # Only to catch a hang: every exchange has its own timeout as well.
        deadline=TIMEOUT * 2000,
        derandomize=_SCALE is None,
        database=None,
        # The app (and its server) are shared by the examples on purpose:
        # each example is also "the next request" after the previous one.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


# -- the app under test ----------------------------------------------------------

MAX_CONTENT_LENGTH = 64 * 1024
MAX_FORM_MEMORY_SIZE = 2000
MAX_FORM_PARTS = 30
SECRET = b"TOP-SECRET-CONTENT"
STATIC = b"hello from static\n" * 20
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]


@pytest.fixture
def app(app: Quart, tmp_path: Path) -> Quart:
    """The shared app, rooted in ``tmp_path``, with views that read every
    part of a request. Not testing: as a server runs it, an error is logged
    (``FakeServer`` collects the log) rather than raised."""
    root = tmp_path
    (root / "static").mkdir()
    (root / "static" / "hello.txt").write_bytes(STATIC)
    (root / "secret.txt").write_bytes(SECRET)
    app.root_path = str(root)
    app.config.update(
        TESTING=False,
        SECRET_KEY="property secret",
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
        MAX_FORM_MEMORY_SIZE=MAX_FORM_MEMORY_SIZE,
        MAX_FORM_PARTS=MAX_FORM_PARTS,
    )
    app.extensions["smuggled"] = []

    @app.route("/ping")
    async def ping() -> str:
        return "pong"

    @app.route("/inspect", methods=METHODS)
    @app.route("/inspect/<path:rest>", methods=METHODS)
    async def inspect(rest: str = "") -> dict[str, Any]:
        r = request
        return {
            "rest": rest,
            "path": r.path,
            "full_path": r.full_path,
            "url": r.url,
            "base_url": r.base_url,
            "host_url": r.host_url,
            "host": r.host,
            "scheme": r.scheme,
            "is_secure": r.is_secure,
            "remote_addr": r.remote_addr,
            "access_route": list(r.access_route),
            "args": list(r.args.items(multi=True)),
            "cookies": list(r.cookies.items(multi=True)),
            "session": dict(session),
            "content_type": r.content_type,
            "mimetype": r.mimetype,
            "mimetype_params": dict(r.mimetype_params),
            "content_length": r.content_length,
            "content_encoding": r.content_encoding,
            "is_json": r.is_json,
            "accept": r.accept_mimetypes.best,
            "languages": list(r.accept_languages.values()),
            "encodings": list(r.accept_encodings.values()),
            "charsets": list(r.accept_charsets.values()),
            "authorization": r.authorization and r.authorization.type,
            "cache_control": dict(r.cache_control),
            "pragma": list(r.pragma),
            "if_match": sorted(r.if_match.as_set(include_weak=True)),
            "if_none_match": sorted(r.if_none_match.as_set(include_weak=True)),
            "if_range": [r.if_range.etag, str(r.if_range.date)],
            "if_modified_since": str(r.if_modified_since),
            "if_unmodified_since": str(r.if_unmodified_since),
            "date": str(r.date),
            "range": r.range and r.range.ranges,
            "max_forwards": r.max_forwards,
            "origin": r.origin,
            "referrer": r.referrer,
            "user_agent": r.user_agent.string,
        }

    @app.route("/file", methods=["GET", "HEAD"])
    async def file() -> Any:
        return await send_file(root / "static" / "hello.txt")

    @app.route("/p/<name>")
    async def segment(name: str) -> dict[str, str]:
        return {"name": name}

    @app.post("/json")
    async def json_body() -> dict[str, Any]:
        return {"value": await request.get_json()}

    @app.post("/json/silent")
    async def json_silent() -> dict[str, Any]:
        return {"value": await request.get_json(silent=True)}

    @app.post("/json/force")
    async def json_force() -> dict[str, Any]:
        return {"value": await request.get_json(force=True)}

    @app.post("/form")
    async def form() -> dict[str, Any]:
        fields = await request.form
        files = await request.files
        return {
            "form": [list(item) for item in fields.items(multi=True)],
            "files": [
                [name, f.filename, f.content_type, f.stream.read().decode("latin-1")]
                for name, f in files.items(multi=True)
            ],
        }

    @app.post("/len")
    async def length() -> dict[str, int]:
        return {"length": len(await request.get_data())}

    @app.route("/smuggled", methods=METHODS)
    async def smuggled() -> str:
        app.extensions["smuggled"].append(request.full_path)
        return "smuggled"

    @app.route("/login")
    async def login() -> str:
        session["user"] = "ada"
        return "in"

    @app.websocket("/ws")
    async def echo() -> None:
        while True:
            await websocket.send(await websocket.receive())

    @app.websocket("/ws/json")
    async def echo_json() -> None:
        while True:
            await websocket.send_json(await websocket.receive_json())

    return app


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


# -- playing the server ----------------------------------------------------------

TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


@dataclass
class Exchange:
    """What the app sent for one request."""

    method: str
    messages: list[dict[str, Any]]
    #: An exception that escaped ``app(scope, receive, send)``.
    escaped: BaseException | None = None
    #: Records the app logged at ERROR or above meanwhile.
    errors: list[logging.LogRecord] = field(default_factory=list)

    @property
    def status(self) -> int:
        return int(self.messages[0]["status"])

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        return list(self.messages[0].get("headers", []))

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages[1:])

    def json(self) -> Any:
        return json.loads(self.body)

    def check(self, *, answered: bool = True) -> None:
        """The server got a well-formed response (or none, when the client
        left first and ``answered`` is false) and nothing went wrong."""
        assert self.escaped is None, f"escaped to the server: {self.escaped!r}"
        assert not self.errors, [r.getMessage() for r in self.errors]
        if not self.messages and not answered:
            return
        assert self.messages, "no response"
        start, *body = self.messages
        assert start["type"] == "http.response.start", start
        assert isinstance(start["status"], int) and 200 <= start["status"] <= 599
        for name, value in self.headers:
            assert type(name) is bytes and type(value) is bytes, (name, value)
            assert TOKEN.fullmatch(name), name
            assert not {0, 10, 13} & set(value), value
        assert body, "no body message"
        assert all(m["type"] == "http.response.body" for m in body), body
        assert all(m.get("more_body", False) for m in body[:-1])
        assert not body[-1].get("more_body", False)
        lengths = [v for n, v in self.headers if n.lower() == b"content-length"]
        assert len(lengths) <= 1, lengths
        if lengths and self.method != "HEAD" and self.status not in (204, 304):
            assert int(lengths[0]) == len(self.body)


class FakeServer:
    """Hands requests to ``app`` as an ASGI server would, on its own loop."""

    def __init__(self, app: Quart, runner: asyncio.Runner) -> None:
        self.app = app
        self.runner = runner
        self.errors = _Errors()
        app.logger.addHandler(self.errors)

    def request(
        self,
        method: str,
        raw_path: bytes,
        *,
        query: bytes = b"",
        headers: list[tuple[bytes, bytes]] | None = None,
        chunks: list[bytes] | None = None,
        disconnect: bool = False,
        host: bytes = b"localhost",
    ) -> Exchange:
        """``method raw_path?query`` with ``Host: host`` and ``headers``, and
        a body sent as ``chunks``; ``disconnect``: the client leaves after
        the last chunk instead of ending the body."""
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.1"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            # As Hypercorn: percent-decoded, invalid UTF-8 replaced.
            "path": unquote(raw_path.decode("ascii")),
            "raw_path": raw_path,
            "query_string": query,
            "root_path": "",
            "headers": [(b"host", host), *(headers or [])],
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8000),
        }
        return self.runner.run(self._exchange(scope, chunks or [], disconnect))

    async def _exchange(
        self, scope: Scope, chunks: list[bytes], disconnect: bool
    ) -> Exchange:
        inbox: list[dict[str, Any]] = [
            {"type": "http.request", "body": chunk, "more_body": True}
            for chunk in chunks
        ]
        if disconnect:
            inbox.append({"type": "http.disconnect"})
        else:
            inbox.append({"type": "http.request", "body": b"", "more_body": False})
        done = asyncio.Event()
        exchange = Exchange(scope["method"], [])

        async def receive() -> dict[str, Any]:
            if inbox:
                return inbox.pop(0)
            await done.wait()  # a server reports the disconnect after the response
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            exchange.messages.append(message)
            if message["type"] == "http.response.body" and not message.get(
                "more_body", False
            ):
                done.set()

        self.errors.records = exchange.errors
        try:
            async with asyncio.timeout(TIMEOUT):
                await self.app(scope, receive, send)  # type: ignore[arg-type]
        except BaseException as error:  # everything a server would see
            exchange.escaped = error
        return exchange

    def ping(self) -> None:
        """The next request on the same app works."""
        exchange = self.request("GET", b"/ping")
        exchange.check()
        assert (exchange.status, exchange.body) == (200, b"pong")


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as runner:
        yield runner


@pytest.fixture
def server(app: Quart, runner: asyncio.Runner) -> FakeServer:
    return FakeServer(app, runner)


def grouped(pairs: Any) -> dict[str, list[str]]:
    """``(name, value)`` pairs as a multidict holds them: each name's
    values in order (names in any order)."""
    result: dict[str, list[str]] = {}
    for name, value in pairs:
        result.setdefault(name, []).append(value)
    return result


# -- strategies -------------------------------------------------------------------


def split(data: bytes) -> st.SearchStrategy[list[bytes]]:
    """``data`` cut into ASGI body messages at generated places."""
    return st.lists(st.integers(0, len(data)), max_size=6).map(
        lambda cuts: [data[a:b] for a, b in _pairs(sorted({0, *cuts, len(data)}))]
    )


def _pairs(points: list[int]) -> list[tuple[int, int]]:
    return list(itertools.pairwise(points)) or [(0, 0)]


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with a few generated edits: flipped, inserted or deleted
    bytes, a cut, a repeated slice."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["flip", "insert", "delete", "cut", "repeat"]))
        if edit == "flip" and at < len(data):
            data = (
                data[:at]
                + bytes([data[at] ^ draw(st.integers(1, 255))])
                + data[at + 1 :]
            )
        elif edit == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
        elif edit == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 8)) :]
        elif edit == "cut":
            data = data[:at]
        else:
            data = data[:at] + data[at : at + 16] * draw(st.integers(2, 4)) + data[at:]
    return data


#: Pieces of real header values, to build values parsers take seriously.
FRAGMENTS = [
    "text/html",
    "application/json",
    "*/*",
    ";q=0.5",
    ";q=",
    "q=1.5",
    ",",
    ";",
    "=",
    '"',
    "\\",
    " ",
    "\t",
    "bytes=0-1",
    "bytes=",
    "-5",
    "5-",
    "0-",
    "W/",
    '"etag"',
    "*",
    "gzip",
    "deflate",
    "br",
    "identity",
    "en-US",
    "de;q=0.7",
    "Basic ",
    "Bearer ",
    "Digest ",
    "dXNlcjpwYXNz",
    "realm=",
    "charset=utf-8",
    "boundary=",
    "max-age=",
    "no-cache",
    "private",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "1994",
    "GMT",
    "for=",
    "by=",
    "proto=https",
    "host=",
    "127.0.0.1",
    "::1",
    "[::1]",
    "unknown",
    "http://",
    "https://",
    "localhost",
    ":80",
    ":99999",
    "%00",
    "%ff",
    "0",
    "-1",
    "99999999999999999999",
    "\x80",
    "\xff",
    "\xe9",
    "1.5",
]
HEADER_NAMES = [
    "host",
    "content-type",
    "content-length",
    "cookie",
    "authorization",
    "accept",
    "accept-language",
    "accept-encoding",
    "accept-charset",
    "if-none-match",
    "if-match",
    "if-modified-since",
    "if-unmodified-since",
    "if-range",
    "range",
    "origin",
    "referer",
    "user-agent",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "forwarded",
    "connection",
    "upgrade",
    "cache-control",
    "pragma",
    "expect",
    "transfer-encoding",
    "content-encoding",
    "date",
    "max-forwards",
    "x-requested-with",
]
TCHARS = string.ascii_lowercase + string.digits + "!#$%&'*+-.^_`|~"
#: What an HTTP/1.1 server passes on in a header value (no CR, LF or NUL).
VALUE_CHARS = st.sampled_from([chr(c) for c in (9, *range(32, 127), *range(128, 256))])

header_values = st.lists(
    st.sampled_from(FRAGMENTS) | st.text(VALUE_CHARS, max_size=6), max_size=8
).map(lambda parts: "".join(parts).encode("latin-1"))
header_names = st.sampled_from(HEADER_NAMES) | st.text(TCHARS, min_size=1, max_size=12)


# -- headers, hosts, cookies, query strings, paths ----------------------------------


@bounded(150)
@given(
    method=st.sampled_from(METHODS),
    target=st.sampled_from(["/inspect", "/inspect/a", "/file", "/static/hello.txt"]),
    headers=st.lists(
        st.tuples(header_names.map(str.encode), header_values), max_size=8
    ),
)
def test_any_headers(
    server: FakeServer,
    method: str,
    target: str,
    headers: list[tuple[bytes, bytes]],
) -> None:
    exchange = server.request(method, target.encode(), headers=headers)
    exchange.check()
    assert exchange.status < 500
    if exchange.status == 200 and method != "HEAD" and target.startswith("/inspect"):
        exchange.json()
    server.ping()


@bounded(60)
@given(
    host=st.text(VALUE_CHARS, max_size=20) | st.sampled_from(FRAGMENTS),
    marker=st.booleans(),
)
def test_any_host_against_trusted_hosts(
    server: FakeServer, host: str, marker: bool
) -> None:
    server.app.config["TRUSTED_HOSTS"] = ["localhost", ".example.com"]
    if marker:
        host = f"evil-{host}-zq9"
    exchange = server.request("GET", b"/inspect", host=host.encode("latin-1"))
    exchange.check()
    assert exchange.status in (200, 400), exchange.status
    if exchange.status == 400 and marker:
        assert b"zq9" not in exchange.body, "the error page echoes the Host"
    server.ping()


#: Cookie names and values a browser sends as they are (RFC 6265 cookie-octets).
COOKIE_NAME = st.text(
    string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~", min_size=1, max_size=10
)
COOKIE_VALUE = st.text(
    "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '",;\\'), max_size=20
)
#: Anything else a client may put in a Cookie header.
MESSY_COOKIE_PART = st.text(VALUE_CHARS, max_size=20) | st.sampled_from(
    ['"', "\\", ";", ",", "=", " ", '\\"', "\\054", "session=", "$Version=1"]
)


def _printable(value: bytes) -> bytes:
    """``value`` without what no server passes on in a header (CR, LF, NUL)."""
    return value.translate(None, b"\r\n\0")


def _session_cookie(server: FakeServer) -> bytes:
    """A session cookie the app signed (made once per app)."""
    cookie = server.app.extensions.get("signed session")
    if cookie is None:
        exchange = server.request("GET", b"/login")
        exchange.check()
        header = dict(exchange.headers)[b"set-cookie"]
        cookie = header.split(b";")[0].partition(b"=")[2]
        server.app.extensions["signed session"] = cookie
    return cookie  # type: ignore[no-any-return]


@bounded(80)
@given(
    clean=st.lists(st.tuples(COOKIE_NAME, COOKIE_VALUE), max_size=5),
    messy=st.lists(st.lists(MESSY_COOKIE_PART, max_size=4).map("".join), max_size=3),
    session_edit=st.sampled_from(["none", "valid", "mutated", "garbage"]),
    data=st.data(),
)
def test_any_cookies(
    server: FakeServer,
    clean: list[tuple[str, str]],
    messy: list[str],
    session_edit: str,
    data: st.DataObject,
) -> None:
    """Cookies a browser sends round-trip; anything else, and a forged or
    damaged session cookie, is ignored rather than an error."""
    signed = _session_cookie(server)
    if session_edit == "valid":
        session_value: bytes | None = signed
    elif session_edit == "mutated":
        session_value = data.draw(mutated(signed), "mutated session")
    elif session_edit == "garbage":
        session_value = data.draw(st.binary(max_size=40), "garbage session")
    else:
        session_value = None
    # The session cookie first: the first of two same-named cookies wins.
    parts = [] if session_value is None else [b"session=" + _printable(session_value)]
    parts += [f"{name}={value}".encode() for name, value in clean]
    parts += [part.encode("latin-1") for part in messy]
    header = b"; ".join(parts)
    exchange = server.request("GET", b"/inspect", headers=[(b"cookie", header)])
    exchange.check()
    assert exchange.status == 200, exchange.body
    seen = exchange.json()
    if not messy and session_value is None:
        assert grouped(seen["cookies"]) == grouped(clean)
    if session_edit == "valid":
        assert seen["session"] == {"user": "ada"}
    elif session_edit != "none":
        assert seen["session"] in ({}, {"user": "ada"})
    server.ping()


@bounded(80)
@given(
    pairs=st.lists(st.tuples(st.text(max_size=8), st.text(max_size=12)), max_size=6),
    # What an HTTP/1.1 server passes on: visible ASCII (h11 refuses the rest).
    raw=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40),
)
def test_any_query_string(
    server: FakeServer, pairs: list[tuple[str, str]], raw: str
) -> None:
    """An encoded query string round-trips; any other bytes parse too."""
    exchange = server.request("GET", b"/inspect", query=urlencode(pairs).encode())
    exchange.check()
    assert exchange.status == 200
    assert grouped(exchange.json()["args"]) == grouped(pairs)
    exchange = server.request("GET", b"/inspect", query=raw.encode("latin-1"))
    exchange.check()
    assert exchange.status == 200
    werkzeugs = SansIORequest("GET", "http", None, "", "/", raw.encode(), None, None)
    expected = [list(pair) for pair in werkzeugs.args.items(multi=True)]
    assert exchange.json()["args"] == expected
    server.ping()


#: Path segments: percent-escapes good and bad, dot segments, empties.
SEGMENTS = st.one_of(
    st.text(string.ascii_letters + string.digits + "-._~", min_size=1, max_size=6),
    st.text(min_size=1, max_size=6).map(lambda t: quote(t, safe="")),
    st.sampled_from(
        [
            "%",
            "%2",
            "%zz",
            "%e9",
            "%ff",
            "%c3%28",
            "%00",
            "%2f",
            "%2F",
            "%5c",
            "%2e%2e",
            "..",
            ".",
            "",
            "%2e",
            "%252e",
            "%25",
            "static",
            "secret.txt",
            "..%2fsecret.txt",
            "%2e%2e%2fsecret.txt",
            "hello.txt",
            "inspect",
            "p",
        ]
    ),
)


@bounded(120)
@given(
    method=st.sampled_from(["GET", "HEAD", "POST"]),
    segments=st.lists(SEGMENTS, min_size=1, max_size=5),
    name=st.text(min_size=1, max_size=10).filter(lambda t: "/" not in t),
)
def test_any_path(
    server: FakeServer, method: str, segments: list[str], name: str
) -> None:
    """Percent-escaped paths route, 404 or redirect; never an error, and a
    static file never leaks what is outside the static folder."""
    raw = "/" + "/".join(segments)
    exchange = server.request(method, raw.encode())
    exchange.check()
    assert exchange.status < 500
    assert SECRET not in exchange.body
    static = server.request(method, ("/static/" + "/".join(segments)).encode())
    static.check()
    assert static.status < 500
    assert SECRET not in static.body
    # One escaped segment is one view argument, whatever it decodes to.
    exchange = server.request("GET", ("/p/" + quote(name, safe="")).encode())
    exchange.check()
    assert exchange.status == 200
    assert exchange.json() == {"name": name}
    server.ping()


# -- bodies: JSON, urlencoded, multipart --------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=15,
)
#: JSON that parsers find hard: deep nesting, huge numbers, lone surrogates,
#: non-standard literals, wrong encodings.
hostile_json = st.one_of(
    st.integers(1, 30_000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.integers(1, 30_000).map(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth),
    st.integers(1, 30_000).map(lambda depth: b"[" * depth),
    st.integers(4000, 6000).map(lambda digits: b"1" * digits),
    st.sampled_from(
        [
            b'"\\ud800"',
            b'["\\udfff", "\\ud83d"]',
            b"NaN",
            b"[Infinity, -Infinity]",
            b"\xef\xbb\xbf{}",
            b'{"a": 1, "a": 2}',
            b"{} trailing",
            b"",
            b" ",
            b'"\xff\xfe"',
            b"\xff\xfe{\x00}\x00",
            b"1e999999",
            b"-",
            b'{"a"',
            b"\x00",
            '"é"'.encode("utf-16"),
            b"[1,]",
            b"{'a': 1}",
            b'"\\u00"',
            b"[" + b"1," * 5000 + b"1]",
        ]
    ),
)
JSON_TYPES = [
    b"application/json",
    b"application/json; charset=utf-8",
    b"application/vnd.api+json",
    b"application/json; charset=latin-1",
    b"text/plain",
    b"application/x-www-form-urlencoded",
    b"",
]


@bounded(100)
@given(value=json_values, data=st.data())
def test_well_formed_json_round_trips(
    server: FakeServer, value: Any, data: st.DataObject
) -> None:
    body = json.dumps(value).encode()
    chunks = data.draw(split(body), "chunks")
    exchange = server.request(
        "POST",
        b"/json",
        headers=[(b"content-type", b"application/json")],
        chunks=chunks,
    )
    exchange.check()
    assert exchange.status == 200, exchange.body
    assert exchange.json() == {"value": value}
    server.ping()


@bounded(120)
@given(
    body=hostile_json
    | json_values.map(lambda v: json.dumps(v).encode()).flatmap(mutated),
    content_type=st.sampled_from(JSON_TYPES),
    view=st.sampled_from(["/json", "/json/silent", "/json/force"]),
    data=st.data(),
)
def test_any_json_body(
    server: FakeServer, body: bytes, content_type: bytes, view: str, data: st.DataObject
) -> None:
    """Malformed JSON is a 400 (``None`` with ``silent``), a non-JSON
    content type a 415, never an error."""
    headers = [(b"content-type", content_type)] if content_type else []
    chunks = data.draw(split(body), "chunks")
    exchange = server.request("POST", view.encode(), headers=headers, chunks=chunks)
    exchange.check()
    allowed = {"/json": {200, 400, 413, 415}, "/json/silent": {200, 413}}
    assert exchange.status in allowed.get(view, {200, 400, 413}), exchange.body
    if exchange.status == 200:
        exchange.json()
    server.ping()


form_text = st.text(max_size=12) | st.text(max_size=MAX_FORM_MEMORY_SIZE + 200).filter(
    lambda t: len(t) > 50
)


@bounded(100)
@given(
    pairs=st.lists(
        st.tuples(st.text(max_size=8), form_text), max_size=MAX_FORM_PARTS + 5
    ),
    charset=st.sampled_from([b"", b"; charset=utf-8"]),
    data=st.data(),
)
def test_urlencoded_round_trips_within_the_limits(
    server: FakeServer,
    pairs: list[tuple[str, str]],
    charset: bytes,
    data: st.DataObject,
) -> None:
    body = urlencode(pairs).encode()
    chunks = data.draw(split(body), "chunks")
    content_type = b"application/x-www-form-urlencoded" + charset
    exchange = server.request(
        "POST", b"/form", headers=[(b"content-type", content_type)], chunks=chunks
    )
    exchange.check()
    if len(pairs) > MAX_FORM_PARTS or len(body) > MAX_FORM_MEMORY_SIZE:
        assert exchange.status == 413, (len(pairs), len(body))
    else:
        assert exchange.status == 200, exchange.body
        assert grouped(exchange.json()["form"]) == grouped(pairs)
    server.ping()


@bounded(80)
@given(
    body=st.lists(st.tuples(st.text(max_size=8), st.text(max_size=20)), max_size=8)
    .map(lambda pairs: urlencode(pairs).encode())
    .flatmap(mutated)
    | st.binary(max_size=200),
    data=st.data(),
)
def test_any_urlencoded_body(
    server: FakeServer, body: bytes, data: st.DataObject
) -> None:
    chunks = data.draw(split(body), "chunks")
    exchange = server.request(
        "POST",
        b"/form",
        headers=[(b"content-type", b"application/x-www-form-urlencoded")],
        chunks=chunks,
    )
    exchange.check()
    assert exchange.status in (200, 400, 413), exchange.body
    server.ping()


# Multipart: fields and files with names a browser would send.
NAME = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=8)
FILENAME = st.text(
    string.ascii_letters + string.digits + "_-.", min_size=1, max_size=12
)
CONTENT_TYPES = ["text/plain", "application/octet-stream", "image/png", "text/csv"]


@dataclass
class Part:
    name: str
    value: str = ""
    filename: str | None = None
    content_type: str | None = None
    content: bytes = b""

    def encode(self) -> bytes:
        disposition = f'form-data; name="{self.name}"'
        if self.filename is None:
            return (
                f"Content-Disposition: {disposition}\r\n\r\n".encode()
                + self.value.encode()
            )
        head = (
            f'Content-Disposition: {disposition}; filename="{self.filename}"\r\n'
            f"Content-Type: {self.content_type}\r\n\r\n"
        )
        return head.encode() + self.content


fields = st.builds(Part, name=NAME, value=form_text)
files = st.builds(
    Part,
    name=NAME,
    filename=FILENAME,
    content_type=st.sampled_from(CONTENT_TYPES),
    content=st.binary(max_size=300) | st.integers(0, 40_000).map(lambda n: b"x" * n),
)
BOUNDARY = st.text(
    string.ascii_letters + string.digits + "'()+_,-./:=?", min_size=10, max_size=70
).filter(lambda b: not b.endswith(" "))


def encode_multipart(parts: list[Part], boundary: str) -> bytes:
    delimiter = b"--" + boundary.encode()
    body = b"".join(delimiter + b"\r\n" + part.encode() + b"\r\n" for part in parts)
    return body + delimiter + b"--\r\n"


def multipart_type(boundary: str) -> bytes:
    return f'multipart/form-data; boundary="{boundary}"'.encode()


def within_limits(parts: list[Part], body: bytes) -> bool:
    return (
        len(parts) <= MAX_FORM_PARTS
        and len(body) <= MAX_CONTENT_LENGTH
        and all(len(p.value.encode()) <= MAX_FORM_MEMORY_SIZE for p in parts)
    )


@bounded(100)
@given(
    parts=st.lists(fields | files, max_size=8),
    boundary=BOUNDARY,
    data=st.data(),
)
def test_multipart_round_trips_within_the_limits(
    server: FakeServer, parts: list[Part], boundary: str, data: st.DataObject
) -> None:
    body = encode_multipart(parts, boundary)
    assume(all(b"--" + boundary.encode() not in p.content for p in parts))
    chunks = data.draw(split(body), "chunks")
    exchange = server.request(
        "POST",
        b"/form",
        headers=[(b"content-type", multipart_type(boundary))],
        chunks=chunks,
    )
    exchange.check()
    if not within_limits(parts, body):
        assert exchange.status == 413, exchange.body
    else:
        assert exchange.status == 200, exchange.body
        seen = exchange.json()
        expected_fields = [(p.name, p.value) for p in parts if p.filename is None]
        assert grouped(seen["form"]) == grouped(expected_fields)
        expected_files = [
            (p.name, [p.filename, p.content_type, p.content.decode("latin-1")])
            for p in parts
            if p.filename is not None
        ]
        seen_files = [(name, rest) for name, *rest in seen["files"]]
        assert grouped(seen_files) == grouped(expected_files)
    server.ping()


def test_multipart_split_anywhere(server: FakeServer) -> None:
    """Every place one message boundary can fall in a multipart body gives
    the same form (exhaustive, where the property above samples). A cut
    right after "--boundary-" once added a CR to the last part (werkzeug's
    decoder; quart/formparser.py holds that byte back)."""
    parts = [
        Part("field", "value\r\nwith\rbreaks\n"),
        Part("upload", filename="a.txt", content_type="text/plain", content=b"\r\n-\r"),
        Part("last", "end"),
    ]
    body = encode_multipart(parts, "B0123456789")
    headers = [(b"content-type", multipart_type("B0123456789"))]
    wrong = []
    for cut in range(len(body) + 1):
        exchange = server.request(
            "POST", b"/form", headers=headers, chunks=[body[:cut], body[cut:]]
        )
        exchange.check()
        expected = {
            "form": [["field", parts[0].value], ["last", "end"]],
            "files": [["upload", "a.txt", "text/plain", "\r\n-\r"]],
        }
        if exchange.status != 200 or exchange.json() != expected:
            wrong.append((cut, body[cut - 8 : cut], exchange.body))
    assert wrong == []
    server.ping()


@st.composite
def broken_multipart(draw: st.DrawFn) -> tuple[str, bytes, list[bytes], set[int]]:
    """``(kind, content_type, chunks, expected statuses)`` for a multipart
    body that is cut short, damaged, framed by another boundary, or random."""
    parts = draw(st.lists(fields | files, min_size=1, max_size=4))
    boundary = draw(BOUNDARY)
    body = encode_multipart(parts, boundary)
    assume(all(b"--" + boundary.encode() not in p.content for p in parts))
    assume(within_limits(parts, body))
    content_type = multipart_type(boundary)
    kind = draw(
        st.sampled_from(
            ["truncated", "mutated", "no boundary", "other boundary", "random"]
        )
    )
    expected = {400}
    if kind == "truncated":
        # Anywhere before the closing "--" of the last delimiter.
        body = body[: draw(st.integers(1, len(body) - 3))]
    elif kind == "mutated":
        body = draw(mutated(body))
        expected = {200, 400, 413} if body else {200}
    elif kind == "no boundary":
        content_type = draw(
            st.sampled_from(
                [
                    b"multipart/form-data",
                    b"multipart/form-data;",
                    b'multipart/form-data; boundary=""',
                    b"multipart/form-data; charset=utf-8",
                    b"multipart/form-data; boundary",
                ]
            )
        )
    elif kind == "other boundary":
        other = draw(BOUNDARY)
        assume(("--" + other).encode() not in body)
        content_type = multipart_type(other)
    else:
        body = draw(st.binary(min_size=1, max_size=500))
    if len(body) > MAX_FORM_MEMORY_SIZE:
        # What the parser holds before it finds a part (a preamble, part
        # headers) counts toward the memory limit too: 413 may come first.
        expected |= {413}
    return kind, content_type, draw(split(body)), expected


@bounded(150)
@given(case=broken_multipart(), disconnect=st.booleans())
def test_any_multipart_body(
    server: FakeServer, case: tuple[str, bytes, list[bytes], set[int]], disconnect: bool
) -> None:
    """A multipart body that is not a whole form is a 400, however it is
    broken and wherever the messages split it; a client that leaves midway
    gets no response and breaks nothing."""
    kind, content_type, chunks, expected = case
    exchange = server.request(
        "POST",
        b"/form",
        headers=[(b"content-type", content_type)],
        chunks=chunks,
        disconnect=disconnect,
    )
    exchange.check(answered=not disconnect)
    if not disconnect:
        assert exchange.status in expected, (kind, exchange.status, exchange.body)
    server.ping()


# -- framing disagreements through a real Hypercorn -------------------------------

SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n"
TRANSFER_ENCODINGS = [
    b"chunked",
    b"Chunked",
    b"CHUNKED",
    b" chunked",
    b"chunked ",
    b"gzip, chunked",
    b"chunked, gzip",
    b"chunked, chunked",
    b"identity",
    b"identity, chunked",
    b"xchunked",
    b"chunked;q=1",
    b"",
    b"\tchunked",
]


def chunked(payload: bytes, sizes: list[int], extension: bytes = b"") -> bytes:
    out, at = [], 0
    for size in [*sizes, len(payload)]:
        piece = payload[at : at + size]
        at += len(piece)
        if piece:
            out.append(b"%x%s\r\n%s\r\n" % (len(piece), extension, piece))
    return b"".join(out) + b"0\r\n\r\n"


@st.composite
def framed_requests(draw: st.DrawFn) -> tuple[bytes, str, bytes]:
    """``(request, plan, payload)``: a ``POST /len`` carrying ``payload``.

    The plan says how it is framed: ``"length"`` (one right
    ``Content-Length``), ``"chunked"`` (``chunked`` alone, valid chunks),
    ``"both"`` (valid chunks, ``chunked`` and a ``Content-Length`` that
    may lie: RFC 9112 says ignore the length, or refuse the request) or
    ``"any"`` (lengths and codings that disagree, lie or are malformed)."""
    plan = draw(st.sampled_from(["length", "chunked", "both", "any", "any"]))
    if plan == "any":
        encodings = draw(st.lists(st.sampled_from(TRANSFER_ENCODINGS), max_size=2))
    else:
        encodings = [] if plan == "length" else [b"chunked"]
    payload = draw(st.binary(max_size=40))
    if encodings and draw(st.booleans()):
        # A request, were the length trusted (without a coding it would be
        # pipelining, not smuggling).
        payload = SMUGGLED + payload
    sizes = draw(st.lists(st.integers(1, 20), max_size=3))
    if plan == "length":
        style = "raw"
    elif plan in ("chunked", "both"):
        style = draw(st.sampled_from(["chunked", "extension"]))
    else:
        style = draw(
            st.sampled_from(
                ["raw", "chunked", "bad size", "no last chunk", "overflow", "cut"]
            )
        )
    if style == "raw":
        body = payload
    elif style == "chunked":
        body = chunked(payload, sizes)
    elif style == "extension":
        body = chunked(payload, sizes, b";name=value")
    elif style == "bad size":
        body = b"zz\r\n" + payload + b"\r\n0\r\n\r\n"
    elif style == "no last chunk":
        body = chunked(payload, sizes)[: -len(b"0\r\n\r\n")]
    elif style == "overflow":
        body = b"f" * 24 + b"\r\n" + payload + b"\r\n0\r\n\r\n"
    else:
        full = chunked(payload, sizes)
        body = full[: draw(st.integers(0, len(full)))]
    first_line = body.find(b"\r\n") + 2
    some_lengths = st.lists(
        st.sampled_from(
            [
                str(len(body)).encode(),
                str(len(payload)).encode(),
                str(first_line).encode(),
                str(len(body) + 5).encode(),
                b"0",
                b"",
                b"abc",
                b"-1",
                b"+3",
                b"0x10",
                b"1 2",
                b"%d, %d" % (len(body), len(body)),
                b"99999999999999999999999",
            ]
        ),
        min_size=plan == "both",
        max_size=2,
    )
    if plan == "length":
        lengths = [str(len(body)).encode()]
    elif plan == "chunked":
        lengths = []
    else:
        lengths = draw(some_lengths)
    head = b"POST /len HTTP/1.1\r\nHost: localhost\r\n"
    fields = [b"Content-Length: %s\r\n" % value for value in lengths]
    fields += [b"Transfer-Encoding: %s\r\n" % value for value in encodings]
    head += b"".join(draw(st.permutations(fields)))
    return head + b"\r\n" + body, plan, payload


@dataclass
class LiveServer:
    address: str
    escaped: list[BaseException]
    runner: asyncio.Runner


@pytest.fixture
def live(server: FakeServer) -> Iterator[LiveServer]:
    """``server``'s app behind a real Hypercorn on 127.0.0.1, recording any
    exception that escapes the app."""
    escaped: list[BaseException] = []
    app = server.app

    async def guarded(
        scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        try:
            await app(scope, receive, send)
        except Exception as error:
            escaped.append(error)
            raise

    serving = running(guarded)  # type: ignore[arg-type]
    address = server.runner.run(serving.__aenter__())
    try:
        yield LiveServer(address, escaped, server.runner)
    finally:
        server.runner.run(serving.__aexit__(None, None, None))


async def _send_raw(address: str, data: bytes) -> RawResponse | None:
    """Send ``data``; the response, or ``None`` when the server waits for
    more (the request promised more body than it sent)."""
    async with RawHTTP.connect(address) as connection:
        await connection.send(data)
        try:
            return await asyncio.wait_for(connection.read_response(), 0.5)
        except TimeoutError:
            return None
        except (asyncio.IncompleteReadError, ConnectionError):
            return None  # closed without a response


async def _ping(address: str) -> RawResponse:
    async with RawHTTP.connect(address) as connection:
        await connection.send(b"GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n")
        return await connection.read_response()


@bounded(30)
@given(case=framed_requests())
def test_framing_disagreements_through_hypercorn(
    server: FakeServer, live: LiveServer, case: tuple[bytes, str, bytes]
) -> None:
    """Content-Length and Transfer-Encoding that disagree, lie or are
    malformed: a 4xx (or 501 for a coding the server does not implement),
    never a 5xx from the app, never a request smuggled inside a body."""
    data, plan, payload = case
    response = live.runner.run(_send_raw(live.address, data))
    event(f"{plan}: {response and response.status}")
    if plan in ("length", "chunked"):
        assert response is not None and response.status == 200, response
    if response is not None:
        unsupported = b"transfer-encoding:" in data.lower()
        assert response.status < 500 or (response.status == 501 and unsupported), (
            response
        )
        if response.status == 200 and plan != "any":
            assert json.loads(response.body) == {"length": len(payload)}
    assert server.app.extensions["smuggled"] == []
    assert live.escaped == []
    assert not server.errors.records
    pong = live.runner.run(_ping(live.address))
    assert (pong.status, pong.body) == (200, b"pong")


# -- websocket messages through the test client ------------------------------------

#: Sizes around the frame-length encodings (7-bit, 16-bit, 64-bit) and beyond.
MESSAGE_SIZES = st.one_of(
    st.integers(0, 130),
    st.sampled_from([125, 126, 127, 65_535, 65_536, 65_537]),
    st.integers(0, 1 << 20),
)
TEXT_ALPHABET = 'aZ0 \x00\n\t"\\é€😀\u2028\ufeff'


def make_message(kind: str, size: int, seed: int) -> str | bytes:
    rng = random.Random(seed)
    if kind == "bytes":
        return rng.randbytes(size)
    pattern = "".join(rng.choices(TEXT_ALPHABET, k=64))
    return (pattern * (size // 64 + 1))[:size]


ws_messages = st.lists(
    st.tuples(
        st.sampled_from(["text", "bytes"]), MESSAGE_SIZES, st.integers(0, 2**32)
    ).map(lambda spec: make_message(*spec))
    | json_values.map(lambda value: ("json", value)),
    max_size=10,
)
CLOSE_CODES = st.sampled_from(
    [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011, 3000, 4999]
) | st.integers(1000, 4999)


async def _talk(
    server: FakeServer, messages: list[Any], batch: int, ending: str, code: int
) -> None:
    client = server.app.test_client()
    async with client.websocket("/ws") as ws, client.websocket("/ws/json") as ws_json:
        for start in range(0, len(messages), batch):
            sent = messages[start : start + batch]
            for message in sent:
                if isinstance(message, tuple):
                    await ws_json.send_json(message[1])
                else:
                    await ws.send(message)
            for message in sent:
                if isinstance(message, tuple):
                    assert await ws_json.receive_json() == message[1]
                else:
                    echoed = await ws.receive()
                    assert type(echoed) is type(message) and echoed == message
        if ending == "close":
            await ws.close(code, "bye")
            await ws_json.close(code)
        elif ending == "disconnect":
            await ws.disconnect()
            await ws_json.disconnect()
    async with client.websocket("/ws") as ws:  # the next websocket works
        await ws.send("again")
        assert await ws.receive() == "again"


@bounded(40)
@given(
    messages=ws_messages,
    batch=st.integers(1, 4),
    ending=st.sampled_from(["close", "disconnect", "leave"]),
    code=CLOSE_CODES,
)
def test_any_websocket_messages(
    server: FakeServer, messages: list[Any], batch: int, ending: str, code: int
) -> None:
    """Text, binary and JSON messages of every size come back whole and in
    order, however the client leaves, and the next websocket works."""
    server.errors.records = []
    server.runner.run(_talk(server, messages, batch, ending, code))
    assert not server.errors.records, [r.getMessage() for r in server.errors.records]
    server.ping()
