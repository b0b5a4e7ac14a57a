"""``send_file`` and ``send_from_directory``: headers as Flask sends them,
conditional and range requests, file objects, traversal attempts, and large
files streamed in chunks without blocking the event loop."""

from __future__ import annotations

import asyncio
import io
import os
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import IO
from typing import Any
from typing import cast

import flask
import pytest

from quart import Quart
from quart import send_file
from quart import send_from_directory
from quart.testing import QuartClient

CONTENT = bytes(range(256)) * 4  # 1 KiB

# Headers whose values must equal Flask's; Date and Expires move with the
# clock and are checked for presence only.
COMPARED = (
    "Content-Type",
    "Content-Length",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Range",
    "Cache-Control",
    "ETag",
    "Last-Modified",
    "Accept-Ranges",
)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "data.bin").write_bytes(CONTENT)
    (tmp_path / "page.html").write_text("<p>hi</p>")
    (tmp_path / "style.css").write_text("body{}")
    (tmp_path / "archive.tar.gz").write_bytes(b"\x1f\x8b" + b"0" * 50)
    (tmp_path / "no_extension").write_bytes(b"???")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "nested.txt").write_text("nested")
    return tmp_path


@pytest.fixture
def app(app: Quart, tmp_path: Path) -> Quart:
    """The shared app, rooted in ``tmp_path`` (where ``files`` and ``tree``
    write): relative paths are found there."""
    app.root_path = str(tmp_path)
    return app


@pytest.fixture
def flask_app(flask_app: flask.Flask, tmp_path: Path) -> flask.Flask:
    flask_app.root_path = str(tmp_path)
    return flask_app


async def both(
    app: Quart,
    flask_app: flask.Flask,
    make_arg: Callable[[], Any],
    kwargs: dict[str, Any],
    headers: dict[str, str] | None = None,
    method: str = "GET",
    config: dict[str, Any] | None = None,
) -> tuple[Any, Any, bytes, bytes]:
    """The same send_file call answered by Quart and by Flask."""
    app.config.update(config or {})
    flask_app.config.update(config or {})

    @app.route("/", methods=["GET", "HEAD"])
    async def ours() -> Any:
        return await send_file(make_arg(), **kwargs)

    @flask_app.route("/", methods=["GET", "HEAD"])
    def theirs() -> Any:
        return flask.send_file(make_arg(), **kwargs)

    response = await app.test_client().open("/", method=method, headers=headers)
    flask_response = flask_app.test_client().open("/", method=method, headers=headers)
    return (
        response,
        flask_response,
        await response.get_data(),
        flask_response.get_data(),
    )


def assert_headers_match(ours: Any, theirs: Any) -> None:
    assert ours.status_code == theirs.status_code
    for name in COMPARED:
        assert ours.headers.get(name) == theirs.headers.get(name), name
    for name in ("Date", "Expires"):
        assert (name in ours.headers) == (name in theirs.headers), name


# -- headers compared with Flask --------------------------------------------------
SEND_FILE_CASES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "defaults": ("data.bin", {}, {}),
    "html": ("page.html", {}, {}),
    "css": ("style.css", {}, {}),
    "no-extension": ("no_extension", {}, {}),
    "gzip-encoding": ("archive.tar.gz", {}, {}),
    "gzip-attachment": ("archive.tar.gz", {"as_attachment": True}, {}),
    "attachment": ("data.bin", {"as_attachment": True}, {}),
    "download-name": ("data.bin", {"download_name": "report.csv"}, {}),
    "download-name-attachment": (
        "data.bin",
        {"download_name": "report 2024 (final).pdf", "as_attachment": True},
        {},
    ),
    "non-ascii-name": (
        "data.bin",
        {"download_name": "Ñandú résumé €.pdf", "as_attachment": True},
        {},
    ),
    "non-ascii-rfc5987-specials": (
        "data.bin",
        {"download_name": "ü!#$&+^`|~ ;'\".txt"},
        {},
    ),
    "only-non-ascii": ("data.bin", {"download_name": "日本語.txt"}, {}),
    "mimetype": ("data.bin", {"mimetype": "application/x-custom"}, {}),
    "text-mimetype": ("data.bin", {"mimetype": "text/csv"}, {}),
    "etag-false": ("data.bin", {"etag": False}, {}),
    "etag-string": ("data.bin", {"etag": "my-etag"}, {}),
    "last-modified-datetime": (
        "data.bin",
        {"last_modified": datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)},
        {},
    ),
    "last-modified-int": ("data.bin", {"last_modified": 1_600_000_000}, {}),
    "max-age-0": ("data.bin", {"max_age": 0}, {}),
    "max-age": ("data.bin", {"max_age": 3600}, {}),
    "max-age-callable": ("data.bin", {"max_age": lambda path: 77}, {}),
    "max-age-callable-none": ("data.bin", {"max_age": lambda path: None}, {}),
    "config-max-age": ("data.bin", {}, {"SEND_FILE_MAX_AGE_DEFAULT": 120}),
    "config-max-age-timedelta": (
        "data.bin",
        {},
        {"SEND_FILE_MAX_AGE_DEFAULT": timedelta(hours=1)},
    ),
    "not-conditional": ("data.bin", {"conditional": False}, {}),
}


@pytest.mark.parametrize(
    ("name", "kwargs", "config"), SEND_FILE_CASES.values(), ids=SEND_FILE_CASES.keys()
)
async def test_send_file_path_matches_flask(
    app: Quart,
    flask_app: flask.Flask,
    files: Path,
    name: str,
    kwargs: dict[str, Any],
    config: dict[str, Any],
) -> None:
    ours, theirs, body, flask_body = await both(
        app, flask_app, lambda: str(files / name), kwargs, config=config
    )
    assert ours.status_code == 200
    assert body == flask_body == (files / name).read_bytes()
    assert_headers_match(ours, theirs)


NANDU_DISPOSITION = (
    'attachment; filename="Nandu .pdf";'
    " filename*=UTF-8''%C3%91and%C3%BA%20%E2%82%AC.pdf"
)


async def test_non_ascii_name_is_rfc5987(
    flask_app: flask.Flask, app: Quart, files: Path
) -> None:
    """What the comparison above checks, spelled out once: an NFKD-folded
    ASCII fallback plus the percent-encoded UTF-8 name."""
    async with app.test_request_context("/"):
        response = await send_file(
            str(files / "data.bin"), download_name="Ñandú €.pdf", as_attachment=True
        )
    assert response.headers["Content-Disposition"] == NANDU_DISPOSITION
    with flask_app.test_request_context():
        flask_response = flask.send_file(
            str(files / "data.bin"), download_name="Ñandú €.pdf", as_attachment=True
        )
    assert flask_response.headers["Content-Disposition"] == NANDU_DISPOSITION
    flask_response.close()


REQUEST_CASES: dict[str, tuple[str, dict[str, str]]] = {
    "range-start": ("GET", {"Range": "bytes=0-9"}),
    "range-middle": ("GET", {"Range": "bytes=100-199"}),
    "range-suffix": ("GET", {"Range": "bytes=-5"}),
    "range-open": ("GET", {"Range": "bytes=1000-"}),
    "range-past-end": ("GET", {"Range": "bytes=1000-5000"}),
    "range-unsatisfiable": ("GET", {"Range": "bytes=5000-6000"}),
    "range-multiple": ("GET", {"Range": "bytes=0-1,5-6"}),
    "range-malformed": ("GET", {"Range": "bytes=abc"}),
    "range-other-unit": ("GET", {"Range": "items=0-1"}),
    "if-modified-since-future": (
        "GET",
        {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"},
    ),
    "if-modified-since-past": (
        "GET",
        {"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"},
    ),
    "if-none-match-other": ("GET", {"If-None-Match": '"other"'}),
    "if-none-match-star": ("GET", {"If-None-Match": "*"}),
    "if-match-other": ("GET", {"If-Match": '"other"'}),
    "head": ("HEAD", {}),
    "head-range": ("HEAD", {"Range": "bytes=0-9"}),
    "post-ignores-conditions": ("POST", {"If-None-Match": "*"}),
}


@pytest.mark.parametrize(
    ("method", "headers"), REQUEST_CASES.values(), ids=REQUEST_CASES.keys()
)
async def test_conditional_requests_match_flask(
    flask_app: flask.Flask,
    app: Quart,
    files: Path,
    method: str,
    headers: dict[str, str],
) -> None:
    path = str(files / "data.bin")

    @app.route("/", methods=["GET", "HEAD", "POST"])
    async def ours() -> Any:
        return await send_file(path)

    @flask_app.route("/", methods=["GET", "HEAD", "POST"])
    def theirs() -> Any:
        return flask.send_file(path)

    response = await app.test_client().open("/", method=method, headers=headers)
    flask_response = flask_app.test_client().open("/", method=method, headers=headers)
    assert response.status_code == flask_response.status_code
    for name in COMPARED:
        if name == "Content-Length" and response.status_code not in (200, 206):
            continue  # error pages differ in wording
        assert response.headers.get(name) == flask_response.headers.get(name), name
    if response.status_code in (200, 206):
        assert await response.get_data() == flask_response.get_data()
        assert (
            response.headers["Content-Length"]
            == flask_response.headers["Content-Length"]
        )


async def test_etag_round_trip_gives_304_and_if_range(
    app: Quart, client: QuartClient, files: Path
) -> None:
    @app.route("/")
    async def index() -> Any:
        return await send_file(str(files / "data.bin"))

    first = await client.get("/")
    etag = first.headers["ETag"]
    not_modified = await client.get("/", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert await not_modified.get_data() == b""
    assert not_modified.headers["ETag"] == etag
    by_date = await client.get(
        "/", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert by_date.status_code == 304
    partial = await client.get("/", headers={"Range": "bytes=0-3", "If-Range": etag})
    assert partial.status_code == 206
    assert await partial.get_data() == CONTENT[:4]
    stale = await client.get("/", headers={"Range": "bytes=0-3", "If-Range": '"old"'})
    assert stale.status_code == 200
    assert await stale.get_data() == CONTENT


async def test_if_match_failure_is_412(app: Quart, files: Path) -> None:
    @app.route("/")
    async def index() -> Any:
        return await send_file(str(files / "data.bin"))

    response = await app.test_client().get("/", headers={"If-Match": '"nope"'})
    assert response.status_code == 412


# -- file objects and bytes ----------------------------------------------------------
FILE_OBJECT_CASES: dict[str, dict[str, Any]] = {
    "mimetype": {"mimetype": "application/octet-stream"},
    "download-name": {"download_name": "x.txt"},
    "attachment": {"download_name": "x.csv", "as_attachment": True},
    "etag-string": {"mimetype": "text/plain", "etag": "abc"},
    "last-modified": {"mimetype": "text/plain", "last_modified": 1_600_000_000},
    "max-age": {"mimetype": "text/plain", "max_age": 10},
}


@pytest.mark.parametrize(
    "kwargs", FILE_OBJECT_CASES.values(), ids=FILE_OBJECT_CASES.keys()
)
async def test_bytesio_matches_flask(
    app: Quart, flask_app: flask.Flask, kwargs: dict[str, Any]
) -> None:
    ours, theirs, body, flask_body = await both(
        app, flask_app, lambda: io.BytesIO(CONTENT), kwargs
    )
    assert body == flask_body == CONTENT
    assert_headers_match(ours, theirs)
    assert "ETag" not in ours.headers or kwargs.get("etag")


async def test_bytesio_range_matches_flask(app: Quart, flask_app: flask.Flask) -> None:
    ours, theirs, body, flask_body = await both(
        app,
        flask_app,
        lambda: io.BytesIO(CONTENT),
        {"mimetype": "application/octet-stream"},
        headers={"Range": "bytes=10-19"},
    )
    assert ours.status_code == 206
    assert body == flask_body == CONTENT[10:20]
    assert_headers_match(ours, theirs)


async def test_file_object_from_current_position(
    app: Quart, client: QuartClient
) -> None:
    @app.route("/")
    async def index() -> Any:
        stream = io.BytesIO(b"headerPAYLOAD")
        stream.seek(6)
        return await send_file(stream, mimetype="text/plain")

    response = await client.get("/")
    assert await response.get_data() == b"PAYLOAD"
    assert response.headers["Content-Length"] == "7"
    partial = await client.get("/", headers={"Range": "bytes=1-2"})
    assert await partial.get_data() == b"AY"


@pytest.mark.parametrize(
    ("kwargs", "request_headers", "status", "headers", "body"),
    [
        (
            {"download_name": "data.bin"},
            {},
            200,
            {"Content-Type": "application/octet-stream"},
            CONTENT,
        ),
        (
            {"mimetype": "text/plain"},
            {"Range": "bytes=9000-"},
            416,
            {"Content-Range": f"bytes */{len(CONTENT)}"},
            None,
        ),
        (
            {"mimetype": "text/plain", "etag": "v1"},
            {"If-None-Match": '"v1"'},
            304,
            {"Content-Type": None},  # None: the header is absent
            None,
        ),
    ],
    ids=["sent", "unsatisfiable-range", "not-modified"],
)
async def test_real_file_object_is_closed(
    app: Quart,
    files: Path,
    kwargs: dict[str, Any],
    request_headers: dict[str, str],
    status: int,
    headers: dict[str, str | None],
    body: bytes | None,
) -> None:
    """Whatever the answer, the file object the view opened is closed."""
    opened: list[Any] = []

    @app.route("/")
    async def index() -> Any:
        handle = (files / "data.bin").open("rb")
        opened.append(handle)
        return await send_file(handle, **kwargs)

    response = await app.test_client().get("/", headers=request_headers)
    assert response.status_code == status
    for name, value in headers.items():
        assert response.headers.get(name) == value, name
    if body is not None:
        assert await response.get_data() == body
    assert opened[0].closed


async def test_bytes(app: Quart) -> None:
    @app.route("/")
    async def index() -> Any:
        return await send_file(b"raw bytes", download_name="r.txt")

    response = await app.test_client().get("/")
    assert await response.get_data() == b"raw bytes"
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"] == "inline; filename=r.txt"
    partial = await app.test_client().get("/", headers={"Range": "bytes=4-"})
    assert partial.status_code == 206
    assert await partial.get_data() == b"bytes"


class Unseekable(io.RawIOBase):
    """A pipe-like stream: readable, not seekable."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        return self._data.readinto(buffer)


async def test_unseekable_file_is_streamed(app: Quart) -> None:
    streams: list[Unseekable] = []
    data = os.urandom(200_000)

    @app.route("/")
    async def index() -> Any:
        stream = Unseekable(data)
        streams.append(stream)
        return await send_file(
            cast(IO[bytes], stream), mimetype="application/octet-stream"
        )

    response = await app.test_client().get("/", headers={"Range": "bytes=0-9"})
    assert response.status_code == 200  # length unknown: no ranges
    assert await response.get_data() == data
    assert streams[0].closed


@pytest.mark.parametrize(
    ("arg", "kwargs", "error", "match"),
    [
        (lambda: io.BytesIO(b"x"), {}, TypeError, "Unable to detect the MIME type"),
        (lambda: b"x", {}, TypeError, "Unable to detect the MIME type"),
        (
            lambda: io.BytesIO(b"x"),
            {"mimetype": "text/plain", "as_attachment": True},
            TypeError,
            "No name provided for attachment",
        ),
        (
            lambda: io.StringIO("text"),
            {"mimetype": "text/plain"},
            ValueError,
            "binary mode",
        ),
    ],
    ids=["file-no-name", "bytes-no-name", "attachment-no-name", "text-mode"],
)
async def test_send_file_usage_errors(
    flask_app: flask.Flask,
    app: Quart,
    arg: Any,
    kwargs: dict[str, Any],
    error: type[Exception],
    match: str,
) -> None:
    async with app.test_request_context("/"):
        with pytest.raises(error, match=match):
            await send_file(arg(), **kwargs)
    if not isinstance(arg(), bytes):  # Flask takes no bytes
        with flask_app.test_request_context(), pytest.raises(error, match=match):
            flask.send_file(arg(), **kwargs)


@pytest.mark.usefixtures("files")
async def test_relative_path_is_relative_to_root_path(app: Quart) -> None:
    @app.route("/")
    async def index() -> Any:
        return await send_file("sub/nested.txt")

    response = await app.test_client().get("/")
    assert await response.get_data() == b"nested"
    assert response.headers["Content-Disposition"] == "inline; filename=nested.txt"


async def test_pathlib_path(app: Quart, files: Path) -> None:
    @app.route("/")
    async def index() -> Any:
        return await send_file(files / "style.css")

    response = await app.test_client().get("/")
    assert response.mimetype == "text/css"
    assert await response.get_data() == b"body{}"


@pytest.mark.parametrize("name", ["missing.txt", "sub"])
async def test_missing_path_or_directory_is_404(
    app: Quart, files: Path, name: str
) -> None:
    """Flask lets ``FileNotFoundError`` become a 500; a 404 is kinder."""

    @app.route("/")
    async def index() -> Any:
        return await send_file(files / name)

    assert (await app.test_client().get("/")).status_code == 404


async def test_max_age_callable_gets_the_path(app: Quart, files: Path) -> None:
    seen: list[str | None] = []

    def max_age(path: str | None) -> int:
        seen.append(path)
        return 5

    @app.route("/<which>")
    async def index(which: str) -> Any:
        if which == "path":
            return await send_file(files / "data.bin", max_age=max_age)
        return await send_file(io.BytesIO(b"x"), mimetype="text/plain", max_age=max_age)

    response = await app.test_client().get("/path")
    assert response.headers["Cache-Control"] == "public, max-age=5"
    await app.test_client().get("/object")
    assert seen == [str(files / "data.bin"), None]


async def test_get_send_file_max_age_override(files: Path) -> None:
    seen: list[str | None] = []

    class App(Quart):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            seen.append(filename)
            if filename is not None and filename.endswith(".css"):
                return 600
            return None

    app = App(__name__, root_path=str(files), static_folder=None)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 9999  # the override wins

    @app.route("/<name>")
    async def index(name: str) -> Any:
        return await send_file(files / name)

    client = app.test_client()
    css = await client.get("/style.css")
    assert css.headers["Cache-Control"] == "public, max-age=600"
    assert "Expires" in css.headers
    data = await client.get("/data.bin")
    assert data.headers["Cache-Control"] == "no-cache"
    assert "Expires" not in data.headers
    assert seen == [str(files / "style.css"), str(files / "data.bin")]


# -- send_from_directory -------------------------------------------------------------
@pytest.fixture
def tree(tmp_path: Path) -> Path:
    public = tmp_path / "public"
    (public / "sub").mkdir(parents=True)
    (public / "index.txt").write_text("index")
    (public / "sub" / "deep.txt").write_text("deep")
    (public / "%2e%2e").mkdir()  # a real folder with that odd name
    (public / "%2e%2e" / "odd.txt").write_text("odd")
    (tmp_path / "secret.txt").write_text("secret")
    return tmp_path


@pytest.mark.usefixtures("tree")
@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("index.txt", b"index"),
        ("sub/deep.txt", b"deep"),
        ("sub/../index.txt", b"index"),  # stays inside: allowed, as in Flask
        ("./index.txt", b"index"),
        ("%2e%2e/odd.txt", b"odd"),  # not decoded again: a literal name
    ],
)
async def test_send_from_directory_serves_inside(
    flask_app: flask.Flask, app: Quart, name: str, body: bytes
) -> None:
    async with app.test_request_context("/"):
        response = await send_from_directory("public", name)
        assert await response.get_data() == body
    with flask_app.test_request_context():
        flask_response = flask.send_from_directory("public", name)
        flask_response.direct_passthrough = False
        assert flask_response.get_data() == body
        flask_response.close()


TRAVERSALS = [
    "../secret.txt",
    "..",
    "sub/../../secret.txt",
    "sub/../../public/../secret.txt",
    "/etc/passwd",
    "//etc/passwd",
    "..\\secret.txt",
    "sub\\..\\..\\secret.txt",
    "index.txt\x00.png",
    "\x00",
    "%2e%2e/secret.txt",  # a literal name that does not exist
    "..%2fsecret.txt",
    "",
    ".",
    "sub",
    "sub/",
    "missing.txt",
]


@pytest.mark.usefixtures("tree")
@pytest.mark.parametrize("name", TRAVERSALS)
async def test_send_from_directory_traversal_is_404(app: Quart, name: str) -> None:
    async with app.test_request_context("/"):
        with pytest.raises(Exception) as info:
            await send_from_directory("public", name)
    assert getattr(info.value, "code", None) == 404


async def test_send_from_directory_absolute_secret_path_is_404(
    app: Quart, tree: Path
) -> None:
    async with app.test_request_context("/"):
        with pytest.raises(Exception) as info:
            await send_from_directory(tree / "public", str(tree / "secret.txt"))
    assert getattr(info.value, "code", None) == 404


ROUTE_TRAVERSALS = [
    "/files/../secret.txt",
    "/files/%2e%2e/secret.txt",
    "/files/%2E%2E/secret.txt",
    "/files/%2e%2e%2fsecret.txt",
    "/files/.%2e/secret.txt",
    "/files/sub/%2e%2e/%2e%2e/secret.txt",
    "/files/..%5csecret.txt",
    "/files/%5c..%5csecret.txt",
    "/files/%00",
    "/files/index.txt%00.png",
    "/files//etc/passwd",
    "/files/%2fetc%2fpasswd",
    "/files/%252e%252e/secret.txt",
]


@pytest.mark.usefixtures("tree")
@pytest.mark.parametrize("url", ROUTE_TRAVERSALS)
async def test_traversal_through_a_route_is_404(app: Quart, url: str) -> None:
    @app.route("/files/<path:name>")
    async def files_view(name: str) -> Any:
        return await send_from_directory("public", name)

    response = await app.test_client().get(url, follow_redirects=True)
    assert response.status_code == 404
    assert b"secret" not in await response.get_data()


async def test_send_from_directory_passes_options(app: Quart, tree: Path) -> None:
    @app.route("/dl/<path:name>")
    async def download(name: str) -> Any:
        return await send_from_directory(
            tree / "public", name, as_attachment=True, max_age=30
        )

    response = await app.test_client().get("/dl/sub/deep.txt")
    assert await response.get_data() == b"deep"
    assert response.headers["Content-Disposition"] == "attachment; filename=deep.txt"
    assert response.headers["Cache-Control"] == "public, max-age=30"


# -- large files -----------------------------------------------------------------
async def test_large_file_streams_in_chunks_with_bounded_memory(
    app: Quart,
    client: QuartClient,
    tmp_path: Path,
) -> None:
    size = 8 * 1024 * 1024
    big = tmp_path / "big.bin"
    block = os.urandom(1024 * 1024)
    big.write_bytes(block * 8)

    @app.route("/big")
    async def big_view() -> Any:
        return await send_file(big)

    tracemalloc.start()
    try:
        async with client.request("/big") as connection:
            await connection.send_complete()
            chunks = 0
            received = 0
            largest = 0
            first = b""
            while chunk := await connection.receive():
                if not first:
                    first = chunk[:16]
                chunks += 1
                received += len(chunk)
                largest = max(largest, len(chunk))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert connection.status_code == 200
    assert connection.headers is not None
    assert connection.headers["Content-Length"] == str(size)
    assert received == size
    assert first == block[:16]
    assert chunks >= 16  # many body messages, not one
    assert largest <= 1024 * 1024
    assert peak < size // 4  # never the whole file in memory


class SlowFile(io.BytesIO):
    """A file whose reads block, as a slow disk or network share would."""

    delay = 0.02

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads = 0

    def read(self, size: int | None = -1) -> bytes:
        time.sleep(self.delay)
        self.reads += 1
        return super().read(size)


async def test_slow_reads_do_not_block_the_loop(app: Quart) -> None:
    slow = SlowFile(os.urandom(256 * 1024))

    @app.route("/slow")
    async def slow_view() -> Any:
        return await send_file(slow, mimetype="application/octet-stream")

    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            await asyncio.sleep(0.002)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        async with app.test_client().request("/slow") as connection:
            await connection.send_complete()
            received = 0
            chunks = 0
            while chunk := await connection.receive():
                received += len(chunk)
                chunks += 1
    finally:
        stop.set()
        await task
    assert received == 256 * 1024
    assert chunks > 1
    assert slow.reads >= 4
    # Each blocking read takes 20 ms; run on the loop they would allow about
    # one tick per read. In worker threads the ticker keeps going meanwhile.
    assert ticks >= 3 * slow.reads


async def test_large_file_range_reads_only_the_range(
    app: Quart, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    data = os.urandom(3 * 1024 * 1024)
    big.write_bytes(data)

    @app.route("/big")
    async def big_view() -> Any:
        return await send_file(big)

    start = 1024 * 1024 + 5
    response = await app.test_client().get(
        "/big", headers={"Range": f"bytes={start}-{start + 199_999}"}
    )
    assert response.status_code == 206
    assert response.headers["Content-Range"] == (
        f"bytes {start}-{start + 199_999}/{len(data)}"
    )
    assert await response.get_data() == data[start : start + 200_000]
