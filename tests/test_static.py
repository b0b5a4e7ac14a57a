"""The app's static route and folders, ``send_static_file``,
``SEND_FILE_MAX_AGE_DEFAULT``/``get_send_file_max_age``, resources and the
instance folder."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import flask
import pytest

from quart import Quart
from quart import url_for
from quart.testing import QuartClient

COMPARED = (
    "Content-Type",
    "Content-Length",
    "Content-Disposition",
    "Cache-Control",
    "ETag",
    "Last-Modified",
    "Accept-Ranges",
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "app.js").write_text("console.log(1)")
    (static / "css" / "site.css").write_text("body { color: red }")
    (static / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    (static / "data.json").write_text('{"a": 1}')
    (static / "font.woff2").write_bytes(b"wOF2")
    (static / "unknown.zzz").write_bytes(b"?")
    (static / "café.txt").write_text("accented")
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (x);")
    return tmp_path


@pytest.fixture
def app(app: Quart, root: Path) -> Quart:
    """The shared app, rooted in ``root``. Tests of constructor options
    construct their own."""
    app.root_path = str(root)
    return app


@pytest.fixture
def flask_app(flask_app: flask.Flask, root: Path) -> flask.Flask:
    flask_app.root_path = str(root)
    return flask_app


# -- the static route ------------------------------------------------------------
STATIC_FILES = [
    "app.js",
    "css/site.css",
    "logo.png",
    "data.json",
    "font.woff2",
    "unknown.zzz",
    "café.txt",
]


@pytest.mark.parametrize("name", STATIC_FILES)
async def test_static_route_matches_flask(
    flask_app: flask.Flask, app: Quart, name: str
) -> None:
    response = await app.test_client().get(f"/static/{name}")
    flask_response = flask_app.test_client().get(f"/static/{name}")
    assert response.status_code == flask_response.status_code == 200
    assert await response.get_data() == flask_response.get_data()
    for header in COMPARED:
        assert response.headers.get(header) == flask_response.headers.get(header), (
            header
        )
    flask_response.close()


async def test_static_route_head_and_conditional(
    app: Quart, client: QuartClient
) -> None:
    head = await client.head("/static/app.js")
    assert head.status_code == 200
    assert head.headers["Content-Length"] == str(len("console.log(1)"))
    assert await head.get_data() == b""
    etag = head.headers["ETag"]
    cached = await client.get("/static/app.js", headers={"If-None-Match": etag})
    assert cached.status_code == 304
    partial = await client.get("/static/app.js", headers={"Range": "bytes=0-6"})
    assert partial.status_code == 206
    assert await partial.get_data() == b"console"


async def test_static_route_only_get_head_options(app: Quart) -> None:
    response = await app.test_client().post("/static/app.js")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize(
    "url",
    [
        "/static/../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/%2e%2e%2fsecret.txt",
        "/static/css/..%2f..%2fsecret.txt",
        "/static/..%5csecret.txt",
        "/static/%00",
        "/static//etc/passwd",
        "/static/css",
        "/static/missing.css",
    ],
)
async def test_static_route_refuses_to_leave_the_folder(app: Quart, url: str) -> None:
    response = await app.test_client().get(url, follow_redirects=True)
    assert response.status_code == 404
    assert b"secret" not in await response.get_data()


@pytest.mark.usefixtures("req_ctx")
async def test_url_for_static() -> None:
    assert url_for("static", filename="css/site.css") == "/static/css/site.css"
    assert url_for("static", filename="café.txt") == "/static/caf%C3%A9.txt"


@pytest.mark.parametrize(
    ("kwargs", "url", "expected_rule"),
    [
        ({"static_url_path": "/assets"}, "/assets/app.js", "/assets/<path:filename>"),
        ({"static_url_path": "/a/b/"}, "/a/b/app.js", "/a/b/<path:filename>"),
        ({"static_url_path": ""}, "/app.js", "/<path:filename>"),
    ],
)
async def test_static_url_path(
    root: Path, kwargs: dict[str, Any], url: str, expected_rule: str
) -> None:
    app = Quart(__name__, root_path=str(root), **kwargs)
    flask_app = flask.Flask(__name__, root_path=str(root), **kwargs)
    assert app.static_url_path == flask_app.static_url_path
    rules = {r.endpoint: r.rule for r in app.url_map.iter_rules()}
    assert rules["static"] == expected_rule
    response = await app.test_client().get(url)
    assert response.status_code == 200
    assert await response.get_data() == b"console.log(1)"
    assert (await app.test_client().get("/static/app.js")).status_code == 404 or (
        kwargs["static_url_path"] == ""
    )


async def test_static_folder_other_name(root: Path) -> None:
    public = root / "public"
    public.mkdir()
    (public / "robots.txt").write_text("User-agent: *")
    app = Quart(__name__, root_path=str(root), static_folder="public")
    assert app.static_folder == str(public)
    assert app.static_url_path == "/public"
    response = await app.test_client().get("/public/robots.txt")
    assert await response.get_data() == b"User-agent: *"


async def test_static_folder_can_change_before_serving(app: Quart, root: Path) -> None:
    other = root / "other"
    other.mkdir()
    (other / "app.js").write_text("other")
    app.static_folder = "other"  # the route serves whatever the folder is now
    response = await app.test_client().get("/static/app.js")
    assert await response.get_data() == b"other"


async def test_no_static_folder(root: Path) -> None:
    app = Quart(__name__, root_path=str(root), static_folder=None)
    assert not app.has_static_folder
    assert app.static_url_path is None
    assert "static" not in {r.endpoint for r in app.url_map.iter_rules()}
    assert (await app.test_client().get("/static/app.js")).status_code == 404
    async with app.test_request_context("/"):
        with pytest.raises(RuntimeError, match="static_folder"):
            await app.send_static_file("app.js")


async def test_send_static_file(app: Quart) -> None:
    @app.route("/favicon.ico")
    async def favicon() -> Any:
        return await app.send_static_file("logo.png")

    response = await app.test_client().get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert (await response.get_data()).startswith(b"\x89PNG")
    async with app.test_request_context("/"):
        with pytest.raises(Exception) as info:
            await app.send_static_file("../secret.txt")
        assert getattr(info.value, "code", None) == 404


# -- host matching -----------------------------------------------------------------
async def test_static_host(root: Path) -> None:
    app = Quart(
        __name__,
        root_path=str(root),
        host_matching=True,
        static_host="static.example.test",
    )

    @app.route("/", host="www.example.test")
    async def index() -> str:
        return url_for("static", filename="app.js")

    client = app.test_client()
    served = await client.get("/static/app.js", headers={"Host": "static.example.test"})
    assert served.status_code == 200
    assert await served.get_data() == b"console.log(1)"
    elsewhere = await client.get("/static/app.js", headers={"Host": "www.example.test"})
    assert elsewhere.status_code == 404
    page = await client.get("/", headers={"Host": "www.example.test"})
    assert await page.get_data() == b"http://static.example.test/static/app.js"

    flask_app = flask.Flask(
        __name__,
        root_path=str(root),
        host_matching=True,
        static_host="static.example.test",
    )
    with flask_app.test_request_context("/", headers={"Host": "www.example.test"}):
        assert flask.url_for("static", filename="app.js") == (
            "http://static.example.test/static/app.js"
        )


@pytest.mark.parametrize(
    "kwargs",
    [{"host_matching": True}, {"static_host": "static.example.test"}],
    ids=["host-matching-without-static-host", "static-host-without-host-matching"],
)
def test_static_host_needs_host_matching(root: Path, kwargs: dict[str, Any]) -> None:
    with pytest.raises(AssertionError, match="static_host"):
        Quart(__name__, root_path=str(root), **kwargs)
    with pytest.raises(AssertionError, match="static_host"):
        flask.Flask(__name__, root_path=str(root), **kwargs)


def test_host_matching_without_static_folder_is_fine(root: Path) -> None:
    app = Quart(__name__, root_path=str(root), host_matching=True, static_folder=None)
    assert app.url_map.host_matching


# -- cache lifetime ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "no-cache"),
        (0, "no-cache, max-age=0"),
        (3600, "public, max-age=3600"),
        (timedelta(minutes=5), "public, max-age=300"),
    ],
)
async def test_send_file_max_age_default(
    flask_app: flask.Flask, app: Quart, value: Any, expected: str
) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = value
    flask_app.config["SEND_FILE_MAX_AGE_DEFAULT"] = value
    response = await app.test_client().get("/static/app.js")
    flask_response = flask_app.test_client().get("/static/app.js")
    assert response.headers["Cache-Control"] == expected
    assert flask_response.headers["Cache-Control"] == expected
    assert ("Expires" in response.headers) is (value is not None)
    flask_response.close()


async def test_get_send_file_max_age_override_gets_the_name(root: Path) -> None:
    """As in Flask, the static route asks with the requested name."""
    seen: list[str | None] = []

    class App(Quart):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            seen.append(filename)
            if filename is not None and filename.endswith(".css"):
                return 31536000
            return super().get_send_file_max_age(filename)

    app = App(__name__, root_path=str(root))
    client = app.test_client()
    css = await client.get("/static/css/site.css")
    js = await client.get("/static/app.js")
    assert css.headers["Cache-Control"] == "public, max-age=31536000"
    assert js.headers["Cache-Control"] == "no-cache"
    # a None answer falls back to asking again with the full path, as Flask does
    static = str(root / "static")
    assert seen == ["css/site.css", "app.js", os.path.join(static, "app.js")]

    flask_seen: list[str | None] = []

    class FlaskApp(flask.Flask):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            flask_seen.append(filename)
            if filename is not None and filename.endswith(".css"):
                return 31536000
            return super().get_send_file_max_age(filename)

    flask_client = FlaskApp(__name__, root_path=str(root)).test_client()
    flask_client.get("/static/css/site.css").close()
    flask_client.get("/static/app.js").close()
    assert flask_seen == seen


# -- resources and the instance folder -----------------------------------------------
async def test_open_resource(app: Quart, flask_app: flask.Flask) -> None:
    # A coroutine giving an async file, as Quart's (and QuartTrio's).
    async with await app.open_resource("schema.sql") as f:
        assert await f.read() == b"CREATE TABLE t (x);"
    assert f.closed
    async with await app.open_resource("static/café.txt", "r", encoding="utf-8") as f:
        assert await f.read() == "accented"
    async with await app.open_resource("schema.sql", "rt") as f:
        assert (await f.read()).startswith("CREATE")
    f = await app.open_resource("schema.sql")
    assert await f.read(6) == b"CREATE"
    assert await f.tell() == 6
    await f.close()
    for mode in ("w", "wb", "a", "r+", "x"):
        with pytest.raises(ValueError, match="reading"):
            await app.open_resource("schema.sql", mode)
        with pytest.raises(ValueError):
            flask_app.open_resource("schema.sql", mode)
    with pytest.raises(FileNotFoundError):
        await app.open_resource("missing.sql")


def test_instance_path_default_and_explicit(root: Path, tmp_path: Path) -> None:
    # As in Flask, found from the import name (beside this test module's
    # folder), not from root_path: this module's name, so its own app.
    app = Quart(__name__, root_path=str(root))
    assert app.instance_path == os.path.join(os.path.dirname(__file__), "instance")
    assert app.instance_path == flask.Flask(__name__, root_path=str(root)).instance_path
    instance = tmp_path / "elsewhere"
    app = Quart(__name__, root_path=str(root), instance_path=str(instance))
    assert app.instance_path == str(instance)
    with pytest.raises(ValueError, match="absolute"):
        Quart(__name__, root_path=str(root), instance_path="relative")


async def test_open_instance_resource(root: Path) -> None:
    app = Quart(__name__, root_path=str(root), instance_path=str(root / "instance"))
    os.makedirs(app.instance_path)
    async with await app.open_instance_resource("app.cfg", "w") as f:
        await f.write("SECRET = 'é'\n")  # text mode, UTF-8 by default
    assert (root / "instance" / "app.cfg").read_bytes() == "SECRET = 'é'\n".encode()
    async with await app.open_instance_resource("app.cfg") as f:  # binary
        assert await f.read() == "SECRET = 'é'\n".encode()
    async with await app.open_instance_resource("app.cfg", "r") as f:
        assert [line async for line in f] == ["SECRET = 'é'\n"]
    async with await app.open_instance_resource(
        "app.cfg", "a", encoding="latin-1"
    ) as f:
        await f.write("X = 'ü'\n")
    assert (
        (root / "instance" / "app.cfg").read_bytes().endswith("ü'\n".encode("latin-1"))
    )


def test_instance_relative_config(root: Path) -> None:
    instance = root / "inst"
    instance.mkdir()
    (instance / "settings.py").write_text("ANSWER = 42\n")
    app = Quart(
        __name__,
        root_path=str(root),
        instance_path=str(instance),
        instance_relative_config=True,
    )
    app.config.from_pyfile("settings.py")
    assert app.config["ANSWER"] == 42
