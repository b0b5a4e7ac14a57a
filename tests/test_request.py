"""Tests for the request object, through views and the test client: the
attributes werkzeug derives from the scope, the awaited body API (data,
form, files, values, JSON, streaming) and the body limits (413, 408)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import MutableMapping
from io import BytesIO
from typing import Any

import pytest
from asgi_scopes import http_scope
from werkzeug.datastructures import FileStorage

from quart import Quart
from quart import request
from quart import url_for
from quart.datastructures import FileStorage as QuartFileStorage
from quart.testing import QuartClient

TIMEOUT = 5


async def _as_response(connection: Any) -> Any:
    """The connection's response, bounded so a hang fails instead."""
    return await asyncio.wait_for(connection.as_response(), TIMEOUT)


def _file(data: bytes, filename: str, content_type: str | None = None) -> FileStorage:
    return FileStorage(BytesIO(data), filename=filename, content_type=content_type)


async def _asgi(
    app: Quart,
    path: str,
    *,
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
    body: list[bytes] | None = None,
    complete: bool = True,
) -> tuple[int, bytes]:
    """Call the app as an ASGI server would: ``path`` is the decoded path
    (as servers put it in the scope); returns ``(status, body)``."""
    chunks = list(body or [])
    messages: list[MutableMapping[str, Any]] = []
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if chunks:
            chunk = chunks.pop(0)
            more = bool(chunks) or not complete
            return {"type": "http.request", "body": chunk, "more_body": more}
        if complete and not messages:
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        messages.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    scope = http_scope(path, method=method, headers=headers)
    await asyncio.wait_for(app(scope, receive, send), TIMEOUT)
    assert messages[0]["type"] == "http.response.start"
    data = b"".join(m.get("body", b"") for m in messages[1:])
    return messages[0]["status"], data


# -- attributes derived from the scope ---------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "root_path", "server", "client"),
    [
        ("GET", "/a/b", "", ("127.0.0.1", 8000), ("10.0.0.1", 5000)),
        ("post", "//x", "/root/", None, None),
    ],
)
def test_sansio_attributes_are_werkzeugs(
    method: str,
    path: str,
    root_path: str,
    server: tuple[str, int] | None,
    client: tuple[str, int] | None,
) -> None:
    """The request sets werkzeug's sans-IO attributes itself: the same
    names and values as werkzeug's own ``__init__`` would."""
    from werkzeug.datastructures import Headers
    from werkzeug.sansio.request import Request as SansIORequest

    from quart.wrappers import Request

    headers = Headers([("Host", "example.com")])
    scope: dict[str, Any] = {"server": server, "client": client}
    ours = Request(method, "https", path, b"q=1", headers, root_path, "1.1", scope)
    werkzeugs = SansIORequest(
        method,
        "https",
        server,
        root_path,
        path,
        b"q=1",
        headers,
        client[0] if client else None,
    )
    expected = vars(werkzeugs)
    assert {name: getattr(ours, name) for name in expected} == expected


async def test_headers_as_the_server_sent_them(app: Quart) -> None:
    """Headers from the ASGI scope (decoded when first read) keep their
    order, repeats and latin-1 values, whatever case the server used."""

    @app.get("/")
    async def index() -> Any:
        return {
            "pairs": list(request.headers.items()),
            "custom": request.headers.get("x-custom"),
            "host": request.host,
            "url": url_for("index", _external=True),
        }

    status, body = await _asgi(
        app,
        "/",
        headers=[(b"X-Custom", b"caf\xe9"), (b"x-multi", b"1"), (b"x-multi", b"2")],
    )
    assert status == 200
    assert json.loads(body) == {
        "pairs": [
            ["host", "localhost"],
            ["X-Custom", "caf\u00e9"],
            ["x-multi", "1"],
            ["x-multi", "2"],
        ],
        "custom": "caf\u00e9",
        "host": "localhost",
        "url": "http://localhost/",
    }


async def test_host_matching_with_a_server_host_header(app: Quart) -> None:
    """Routing finds the Host header among the scope's pairs, in any case
    and position, before anything else reads the headers."""
    app.url_map.host_matching = True

    @app.get("/", host="example.com")
    async def index() -> str:
        return "example"

    scope_headers = [(b"accept", b"*/*"), (b"HOST", b"example.com")]
    scope = http_scope("/", headers=scope_headers)
    scope["headers"] = scope_headers  # no other Host header in front
    messages: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        messages.append(message)

    await asyncio.wait_for(app(scope, receive, send), TIMEOUT)
    assert messages[0]["status"] == 200
    assert messages[1]["body"] == b"example"


def test_request_without_headers_reads_the_scopes() -> None:
    """``headers=None`` takes the scope's headers, decoded on first read;
    headers given, or assigned later, are the request's own."""
    from werkzeug.datastructures import Headers

    from quart.wrappers import Request

    scope: dict[str, Any] = {"headers": [(b"host", b"a.example"), (b"x-n", b"1")]}
    from_scope = Request("GET", "http", "/", b"", None, "", "1.1", scope)
    assert from_scope.headers == Headers([("host", "a.example"), ("x-n", "1")])
    assert from_scope.headers is from_scope.headers  # decoded once
    assert from_scope.host == "a.example"

    given = Headers([("Host", "b.example")])
    explicit = Request("GET", "http", "/", b"", given, "", "1.1", scope)
    assert explicit.headers is given
    assert explicit.host == "b.example"

    replaced = Request("GET", "http", "/", b"", None, "", "1.1", scope)
    replaced.headers = Headers([("Host", "c.example")])
    assert replaced.host == "c.example"


def test_cached_request_properties_compute_once_and_stay_settable() -> None:
    """werkzeug's cached request properties (``cookies``, ``host``, ...)
    are computed on first read and kept, can be assigned, and are computed
    again after ``del``, as werkzeug's ``cached_property`` allows."""
    from werkzeug.datastructures import Headers

    from quart.wrappers import Request

    headers = Headers([("Host", "a.example"), ("Cookie", "a=1")])
    req = Request("GET", "http", "/p", b"x=1", headers, "", "1.1", {})
    assert req.cookies["a"] == "1"
    assert req.cookies is req.cookies
    assert req.args is req.args
    assert req.url == "http://a.example/p?x=1"
    req.host = "b.example"
    assert req.host == "b.example"
    headers["Cookie"] = "a=2"
    assert req.cookies["a"] == "1"  # kept
    del req.cookies
    assert req.cookies["a"] == "2"  # computed again


@pytest.mark.parametrize(
    "query",
    [
        b"",
        b"q=abc",
        b"a",
        b"a=",
        b"=b",
        b"a=b=c",
        b"&&a=1&&b&",
        b"a=1&a=2&b=3",
        b"a=1;b=2",
        b"a+b=c+d",
        b"q=a%20b&r=%26",
        b"bad=%zz&odd=%e9",
        "caf\u00e9=na\u00efve".encode(),
    ],
)
def test_args_parse_as_werkzeugs(query: bytes) -> None:
    """``args`` holds what werkzeug's request parses from the same query
    string, in order, whether or not anything needs unquoting."""
    from werkzeug.sansio.request import Request as SansIORequest

    from quart.wrappers import Request

    ours = Request("GET", "http", "/", query, None, "", "1.1", {"headers": []})
    werkzeugs = SansIORequest("GET", "http", None, "", "/", query, None, None)
    assert type(ours.args) is type(werkzeugs.args)
    assert list(ours.args.items(multi=True)) == list(werkzeugs.args.items(multi=True))


async def test_args_multi_values_and_types(app: Quart, client: QuartClient) -> None:
    @app.get("/")
    async def index() -> Any:
        return {
            "a": request.args.getlist("a"),
            "n": request.args.get("n", type=int),
            "missing": request.args.get("missing", "default"),
        }

    response = await client.get("/", query_string={"a": ["1", "2"], "n": "7"})
    assert await response.get_json() == {
        "a": ["1", "2"],
        "n": 7,
        "missing": "default",
    }


async def test_args_from_the_path_query(app: Quart, client: QuartClient) -> None:
    @app.get("/")
    async def index() -> Any:
        return {"q": request.args["q"], "raw": request.query_string.decode()}

    response = await client.get("/?q=a%20b")
    assert await response.get_json() == {"q": "a b", "raw": "q=a%20b"}


async def test_headers_case_insensitive_and_multi(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/")
    async def index() -> Any:
        return {
            "single": request.headers["x-custom"],
            "upper": request.headers.get("X-CUSTOM"),
            "multi": request.headers.getlist("X-Multi"),
            "absent": request.headers.get("X-Absent"),
        }

    response = await client.get(
        "/", headers=[("X-Custom", "v"), ("X-Multi", "1"), ("X-Multi", "2")]
    )
    assert await response.get_json() == {
        "single": "v",
        "upper": "v",
        "multi": ["1", "2"],
        "absent": None,
    }


async def test_cookies_from_header_and_client_jar(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/")
    async def index() -> Any:
        return dict(request.cookies)

    response = await client.get("/", headers={"Cookie": "a=1; b=two"})
    assert await response.get_json() == {"a": "1", "b": "two"}

    client.set_cookie("localhost", "jar", "value")
    response = await client.get("/")
    assert await response.get_json() == {"jar": "value"}


async def test_host_url_and_roots(app: Quart, client: QuartClient) -> None:
    @app.get("/path/sub")
    async def index() -> Any:
        return {
            "host": request.host,
            "url": request.url,
            "base_url": request.base_url,
            "url_root": request.url_root,
            "host_url": request.host_url,
            "full_path": request.full_path,
            "path": request.path,
            "scheme": request.scheme,
            "is_secure": request.is_secure,
            "remote_addr": request.remote_addr,
        }

    response = await client.get("/path/sub?x=1&y=2")
    assert await response.get_json() == {
        "host": "localhost",
        "url": "http://localhost/path/sub?x=1&y=2",
        "base_url": "http://localhost/path/sub",
        "url_root": "http://localhost/",
        "host_url": "http://localhost/",
        "full_path": "/path/sub?x=1&y=2",
        "path": "/path/sub",
        "scheme": "http",
        "is_secure": False,
        "remote_addr": "127.0.0.1",
    }


async def test_full_path_without_query(app: Quart, client: QuartClient) -> None:
    @app.get("/p")
    async def index() -> Any:
        return {"full_path": request.full_path, "url": request.url}

    response = await client.get("/p")
    # As werkzeug/Flask: the "?" is kept even without a query string.
    assert await response.get_json() == {
        "full_path": "/p?",
        "url": "http://localhost/p",
    }


async def test_https_scheme_and_host_header(app: Quart, client: QuartClient) -> None:
    @app.get("/")
    async def index() -> Any:
        return {
            "host": request.host,
            "url": request.url,
            "scheme": request.scheme,
            "is_secure": request.is_secure,
        }

    response = await client.get(
        "/", scheme="https", headers={"Host": "example.com:8443"}
    )
    assert await response.get_json() == {
        "host": "example.com:8443",
        "url": "https://example.com:8443/",
        "scheme": "https",
        "is_secure": True,
    }


async def test_root_path_moves_into_script_root(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/page")
    async def index() -> Any:
        return {
            "path": request.path,
            "script_root": request.script_root,
            "url_root": request.url_root,
            "url": request.url,
        }

    # ASGI: the scope path includes root_path, so the client is given both.
    response = await client.get("/prefix/page", root_path="/prefix")
    assert response.status_code == 200
    assert await response.get_json() == {
        "path": "/page",
        "script_root": "/prefix",
        "url_root": "http://localhost/prefix/",
        "url": "http://localhost/prefix/page",
    }


async def test_unicode_path_from_server_scope(app: Quart) -> None:
    """Servers put the decoded path in the scope; routes match it."""

    @app.get("/café/<name>")
    async def index(name: str) -> Any:
        return {"path": request.path, "name": name, "url": request.url}

    status, body = await _asgi(app, "/café/a bü")
    assert status == 200
    assert json.loads(body) == {
        "path": "/café/a bü",
        "name": "a bü",
        # As werkzeug/Flask: non-ASCII stays as an IRI, spaces are quoted.
        "url": "http://localhost/café/a%20bü",
    }


async def test_unicode_and_percent_encoded_path_via_client(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/café/<name>")
    async def index(name: str) -> Any:
        return {"path": request.path, "name": name}

    response = await client.get("/caf%C3%A9/a%20b%C3%BC")
    assert response.status_code == 200
    assert await response.get_json() == {"path": "/café/a bü", "name": "a bü"}

    response = await client.get("/café/ü")
    assert response.status_code == 200
    assert (await response.get_json())["name"] == "ü"


async def test_percent_encoded_ascii_path_via_client(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/<name>")
    async def index(name: str) -> Any:
        return {"path": request.path, "name": name, "url": request.url}

    response = await client.get("/a%20b%21")
    assert await response.get_json() == {
        "path": "/a b!",
        "name": "a b!",
        "url": "http://localhost/a%20b!",
    }


async def test_accept_mimetypes(app: Quart, client: QuartClient) -> None:
    @app.get("/")
    async def index() -> Any:
        accept = request.accept_mimetypes
        return {
            "best": accept.best_match(["text/html", "application/json"]),
            "json_quality": accept["application/json"],
            "xml_quality": accept["application/xml"],
            "accepts_json": accept.accept_json,
        }

    response = await client.get(
        "/", headers={"Accept": "text/html;q=0.5, application/json"}
    )
    assert await response.get_json() == {
        "best": "application/json",
        "json_quality": 1,
        "xml_quality": 0,
        "accepts_json": True,
    }


async def test_authorization_basic_via_client_auth(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/")
    async def index() -> Any:
        auth = request.authorization
        if auth is None:
            return {"auth": None}
        return {"type": auth.type, "user": auth.username, "pw": auth.password}

    response = await client.get("/", auth=("alice", "s3cret"))
    assert await response.get_json() == {
        "type": "basic",
        "user": "alice",
        "pw": "s3cret",
    }

    response = await client.get("/")
    assert await response.get_json() == {"auth": None}


async def test_authorization_bearer_header(app: Quart, client: QuartClient) -> None:
    @app.get("/")
    async def index() -> Any:
        auth = request.authorization
        assert auth is not None
        return {"type": auth.type, "token": auth.token}

    response = await client.get("/", headers={"Authorization": "Bearer abc.def"})
    assert await response.get_json() == {"type": "bearer", "token": "abc.def"}


async def test_content_type_and_mimetype(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def index() -> Any:
        return {
            "content_type": request.content_type,
            "mimetype": request.mimetype,
            "params": request.mimetype_params,
            "length": request.content_length,
            "is_json": request.is_json,
        }

    response = await client.post(
        "/", data=b"hello", headers={"Content-Type": "Text/Plain; charset=utf-8"}
    )
    assert await response.get_json() == {
        "content_type": "Text/Plain; charset=utf-8",
        "mimetype": "text/plain",
        "params": {"charset": "utf-8"},
        "length": 5,
        "is_json": False,
    }

    response = await client.post("/", json={"a": 1})
    data = await response.get_json()
    assert data["mimetype"] == "application/json"
    assert data["is_json"] is True


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
async def test_method(app: Quart, client: QuartClient, method: str) -> None:
    @app.route("/", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def index() -> str:
        return request.method

    response = await client.open("/", method=method)
    assert await response.get_data(as_text=True) == method


async def test_method_not_allowed(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def index() -> str:
        return "post"

    response = await client.get("/")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


# -- the body -----------------------------------------------------------------


async def test_get_data_cached_and_as_text(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def index() -> Any:
        first = await request.get_data()
        second = await request.get_data()
        text = await request.get_data(as_text=True)
        via_property = await request.data
        return {
            "first": first.decode(),
            "same": first == second == via_property,
            "text": text,
            "text_is_str": isinstance(text, str),
            "bytes": isinstance(first, bytes),
        }

    response = await client.post("/", data="héllo".encode())
    assert await response.get_json() == {
        "first": "héllo",
        "same": True,
        "text": "héllo",
        "text_is_str": True,
        "bytes": True,
    }


async def test_get_data_without_cache(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def index() -> Any:
        return await request.get_data(cache=False)

    response = await client.post("/", data=b"raw body")
    assert await response.get_data() == b"raw body"


async def test_get_data_empty_body(app: Quart, client: QuartClient) -> None:
    @app.get("/")
    async def index() -> Any:
        return {
            "data": (await request.get_data()).decode(),
            "form": dict(await request.form),
        }

    response = await client.get("/")
    assert await response.get_json() == {"data": "", "form": {}}


async def test_get_data_parse_form_data(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def index() -> Any:
        await request.get_data(parse_form_data=True)
        form = await request.form
        return {"form": form.to_dict(flat=False)}

    response = await client.post("/", form={"a": ["1", "2"], "b": "x"})
    assert await response.get_json() == {"form": {"a": ["1", "2"], "b": ["x"]}}


async def test_form_urlencoded(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def index() -> Any:
        form = await request.form
        return {
            "a": form.getlist("a"),
            "text": form["text"],
            "mimetype": request.mimetype,
            "again": (await request.form) is form,
        }

    response = await client.post("/", form={"a": ["1", "2"], "text": "é & =?"})
    assert await response.get_json() == {
        "a": ["1", "2"],
        "text": "é & =?",
        "mimetype": "application/x-www-form-urlencoded",
        "again": True,
    }


async def test_form_raw_urlencoded_body(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def index() -> Any:
        return (await request.form).to_dict()

    response = await client.post(
        "/",
        data=b"x=1&y=hello+world",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert await response.get_json() == {"x": "1", "y": "hello world"}


async def test_form_and_files_multipart(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def index() -> Any:
        form = await request.form
        files = await request.files
        upload = files["upload"]
        return {
            "field": form["field"],
            "mimetype": request.mimetype,
            "filename": upload.filename,
            "content": upload.read().decode(),
            "content_type": upload.content_type,
            "file_in_form": "upload" in form,
            "names": sorted(files.keys()),
            "multi": [f.filename for f in files.getlist("many")],
        }

    response = await client.post(
        "/",
        form={"field": "value"},
        files={
            "upload": _file(b"file content", "hello.txt", "text/plain"),
            "many": [_file(b"1", "one.bin"), _file(b"2", "two.bin")],
        },
    )
    assert response.status_code == 200
    assert await response.get_json() == {
        "field": "value",
        "mimetype": "multipart/form-data",
        "filename": "hello.txt",
        "content": "file content",
        "content_type": "text/plain",
        "file_in_form": False,
        "names": ["many", "upload"],
        "multi": ["one.bin", "two.bin"],
    }


async def test_file_storage_save(
    app: Quart, client: QuartClient, tmp_path: Any
) -> None:
    target = tmp_path / "saved.bin"

    @app.post("/")
    async def index() -> str:
        upload = (await request.files)["f"]
        assert isinstance(upload, FileStorage)  # werkzeug's, for Flask code
        assert isinstance(upload, QuartFileStorage)
        await upload.save(target)
        return "ok"

    response = await client.post("/", files={"f": _file(b"\x00\x01bin", "x.bin")})
    assert response.status_code == 200
    assert target.read_bytes() == b"\x00\x01bin"


async def test_files_empty_for_urlencoded(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def index() -> Any:
        return {"files": len(await request.files), "form": (await request.form)["a"]}

    response = await client.post("/", form={"a": "b"})
    assert await response.get_json() == {"files": 0, "form": "b"}


async def test_values_get_ignores_body(app: Quart, client: QuartClient) -> None:
    @app.route("/", methods=["GET", "POST"])
    async def index() -> Any:
        return (await request.values).to_dict(flat=False)

    response = await client.get("/", query_string={"q": "1"})
    assert await response.get_json() == {"q": ["1"]}

    response = await client.open(
        "/", method="GET", query_string={"q": "1"}, form={"f": "2"}
    )
    assert await response.get_json() == {"q": ["1"]}


async def test_values_post_combines_args_and_form(
    app: Quart, client: QuartClient
) -> None:
    @app.post("/")
    async def index() -> Any:
        values = await request.values
        return {
            "q": values["q"],
            "f": values["f"],
            "both": values.getlist("both"),
        }

    response = await client.post(
        "/",
        query_string={"q": "1", "both": "arg"},
        form={"f": "2", "both": "form"},
    )
    assert await response.get_json() == {"q": "1", "f": "2", "both": ["arg", "form"]}


# -- JSON -----------------------------------------------------------------------


async def test_json_and_get_json(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def index() -> Any:
        return {"json": await request.json, "get_json": await request.get_json()}

    response = await client.post("/", json={"a": [1, 2, {"b": None}]})
    assert await response.get_json() == {
        "json": {"a": [1, 2, {"b": None}]},
        "get_json": {"a": [1, 2, {"b": None}]},
    }


async def test_json_with_charset_and_plus_json(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def index() -> Any:
        return {"is_json": request.is_json, "data": await request.get_json()}

    for content_type in (
        "application/json; charset=utf-8",
        "application/vnd.api+json",
    ):
        response = await client.post(
            "/", data=b'{"x": 1}', headers={"Content-Type": content_type}
        )
        assert await response.get_json() == {"is_json": True, "data": {"x": 1}}


async def test_get_json_cache(app: Quart) -> None:
    async with app.test_request_context("/", method="POST", json={"a": 1}):
        first = await request.get_json()
        assert first == {"a": 1}
        assert await request.get_json() is first
        assert await request.json is first
        uncached = await request.get_json(cache=False)
        assert uncached == first
        assert uncached is not first


async def test_get_json_without_cache_over_the_wire(
    app: Quart, client: QuartClient
) -> None:
    @app.post("/")
    async def index() -> Any:
        return {"data": await request.get_json(cache=False)}

    response = await client.post("/", json=[1, "two"])
    assert await response.get_json() == {"data": [1, "two"]}


async def test_get_json_force_ignores_content_type(
    app: Quart, client: QuartClient
) -> None:
    @app.post("/")
    async def index() -> Any:
        return {"data": await request.get_json(force=True)}

    response = await client.post(
        "/", data=b'{"k": "v"}', headers={"Content-Type": "text/plain"}
    )
    assert await response.get_json() == {"data": {"k": "v"}}

    response = await client.post("/", data=b"[1, 2]")
    assert await response.get_json() == {"data": [1, 2]}


@pytest.mark.parametrize(
    ("via_property", "body"),
    [(False, b"{not json"), (True, b"[1, 2")],
    ids=["get_json", "json-property"],
)
async def test_bad_json_is_400(
    app: Quart, client: QuartClient, via_property: bool, body: bytes
) -> None:
    @app.post("/")
    async def index() -> Any:
        return {"data": await (request.json if via_property else request.get_json())}

    response = await client.post(
        "/", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


async def test_non_json_content_type_is_415(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def index() -> Any:
        return {"data": await request.get_json()}

    response = await client.post(
        "/", data=b'{"a": 1}', headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415

    response = await client.post("/", form={"a": "1"})
    assert response.status_code == 415


async def test_json_property_on_non_json_is_415(
    app: Quart, client: QuartClient
) -> None:
    @app.post("/")
    async def index() -> Any:
        return {"data": await request.json}

    response = await client.post("/", data=b"plain")
    assert response.status_code == 415


async def test_get_json_silent_returns_none(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def index() -> Any:
        return {"data": await request.get_json(silent=True)}

    bad = await client.post(
        "/", data=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert bad.status_code == 200
    assert await bad.get_json() == {"data": None}

    not_json = await client.post(
        "/", data=b'{"a": 1}', headers={"Content-Type": "text/plain"}
    )
    assert not_json.status_code == 200
    assert await not_json.get_json() == {"data": None}

    good = await client.post("/", json={"a": 1})
    assert await good.get_json() == {"data": {"a": 1}}


async def test_bad_json_handled_by_error_handler(
    app: Quart, client: QuartClient
) -> None:
    @app.errorhandler(400)
    async def bad_request(error: Exception) -> Any:
        return {"error": "bad"}, 400

    @app.post("/")
    async def index() -> Any:
        return {"data": await request.get_json()}

    response = await client.post(
        "/", data=b"nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert await response.get_json() == {"error": "bad"}


# -- streaming the body -------------------------------------------------------


async def test_stream_body_chunks_arrive_separately_in_order(
    app: Quart, client: QuartClient
) -> None:
    @app.post("/")
    async def index() -> Any:
        chunks = [chunk.decode() async for chunk in request.body]
        return {"chunks": chunks}

    async with client.request("/", method="POST") as connection:
        for part in (b"first", b"second", b"third", b"fourth"):
            await connection.send(part)
        await connection.send_complete()
        response = await _as_response(connection)
    assert response.status_code == 200
    assert await response.get_json() == {
        "chunks": ["first", "second", "third", "fourth"]
    }


async def test_stream_body_is_read_as_it_arrives(
    app: Quart, client: QuartClient
) -> None:
    """The view sees chunk N before the client has sent chunk N+1."""
    seen: list[bytes] = []
    got_chunk = asyncio.Event()

    @app.post("/")
    async def index() -> Any:
        async for chunk in request.body:
            seen.append(chunk)
            got_chunk.set()
        return {"count": len(seen)}

    async with client.request("/", method="POST") as connection:
        for part in (b"a", b"bb", b"ccc"):
            got_chunk.clear()
            await connection.send(part)
            await asyncio.wait_for(got_chunk.wait(), TIMEOUT)
            assert seen[-1] == part
        await connection.send_complete()
        response = await _as_response(connection)
    assert seen == [b"a", b"bb", b"ccc"]
    assert await response.get_json() == {"count": 3}


async def test_streamed_body_then_get_data_after_chunks(
    app: Quart, client: QuartClient
) -> None:
    @app.post("/")
    async def index() -> Any:
        return await request.get_data()

    async with client.request("/", method="POST") as connection:
        await connection.send(b"ab")
        await connection.send(b"cd")
        await connection.send_complete()
        response = await _as_response(connection)
    assert await response.get_data() == b"abcd"


async def test_body_not_read_unless_asked(app: Quart, client: QuartClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/")
    async def index() -> str:
        return "ignored"

    response = await client.post("/", data=b"x" * 100_000)
    assert response.status_code == 200
    assert await response.get_data() == b"ignored"


async def test_unread_streamed_body_does_not_block_response(
    app: Quart, client: QuartClient
) -> None:
    @app.post("/")
    async def index() -> str:
        return "done"

    async with client.request(
        "/", method="POST", headers={"Content-Length": "1000000"}
    ) as connection:
        await connection.send(b"x" * 1000)
        response = await _as_response(connection)
    assert response.status_code == 200
    assert await response.get_data() == b"done"


# -- limits ---------------------------------------------------------------------


async def test_max_content_length_by_header(app: Quart, client: QuartClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100

    @app.post("/")
    async def index() -> Any:
        return {"size": len(await request.get_data())}

    response = await client.post("/", data=b"x" * 101)
    assert response.status_code == 413

    response = await client.post("/", data=b"x" * 100)
    assert response.status_code == 200
    assert await response.get_json() == {"size": 100}


async def test_max_content_length_by_header_before_body_arrives(app: Quart) -> None:
    """A too-large Content-Length is refused without waiting for the body."""
    app.config["MAX_CONTENT_LENGTH"] = 100
    app.config["BODY_TIMEOUT"] = 2

    @app.post("/")
    async def index() -> Any:
        return {"size": len(await request.get_data())}

    status, _ = await _asgi(
        app,
        "/",
        method="POST",
        headers=[(b"content-length", b"5000")],
        body=[b"x" * 10],
        complete=False,
    )
    assert status == 413


async def test_client_request_keeps_content_length_header(
    app: Quart, client: QuartClient
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100
    app.config["BODY_TIMEOUT"] = 0.5

    @app.post("/")
    async def index() -> Any:
        return {
            "length": request.content_length,
            "size": len(await request.get_data()),
        }

    async with client.request(
        "/", method="POST", headers={"Content-Length": "5000"}
    ) as connection:
        await connection.send(b"x" * 10)
        response = await _as_response(connection)
    assert response.status_code == 413


async def test_max_content_length_by_streamed_size(
    app: Quart, client: QuartClient
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100

    @app.post("/")
    async def index() -> Any:
        return {"size": len(await request.get_data())}

    async with client.request("/", method="POST") as connection:
        for _ in range(5):
            await connection.send(b"y" * 30)
        await connection.send_complete()
        response = await _as_response(connection)
    assert response.status_code == 413

    async with client.request("/", method="POST") as connection:
        for _ in range(3):
            await connection.send(b"y" * 30)
        await connection.send_complete()
        response = await _as_response(connection)
    assert response.status_code == 200
    assert await response.get_json() == {"size": 90}


async def test_max_content_length_lying_content_length(
    app: Quart, client: QuartClient
) -> None:
    """More bytes than a small Content-Length announced still hit the limit."""
    app.config["MAX_CONTENT_LENGTH"] = 50

    @app.post("/")
    async def index() -> Any:
        return {"size": len(await request.get_data())}

    async with client.request(
        "/", method="POST", headers={"Content-Length": "10"}
    ) as connection:
        await connection.send(b"z" * 40)
        await connection.send(b"z" * 40)
        await connection.send_complete()
        response = await _as_response(connection)
    assert response.status_code == 413


async def test_max_content_length_streaming_iteration(
    app: Quart, client: QuartClient
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/")
    async def index() -> Any:
        return {"chunks": [c.decode() async for c in request.body]}

    async with client.request("/", method="POST") as connection:
        await connection.send(b"123456")
        await connection.send(b"789012")
        await connection.send_complete()
        response = await _as_response(connection)
    assert response.status_code == 413


async def test_max_content_length_per_request_in_view(
    app: Quart, client: QuartClient
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1000

    @app.post("/small")
    async def small() -> Any:
        request.max_content_length = 10
        assert request.max_content_length == 10
        return {"size": len(await request.get_data())}

    @app.post("/big")
    async def big() -> Any:
        request.max_content_length = None
        return {"size": len(await request.get_data())}

    response = await client.post("/small", data=b"x" * 11)
    assert response.status_code == 413
    response = await client.post("/small", data=b"x" * 10)
    assert response.status_code == 200

    response = await client.post("/big", data=b"x" * 2000)
    assert response.status_code == 200
    assert await response.get_json() == {"size": 2000}


async def test_max_content_length_per_request_in_before_request(
    app: Quart, client: QuartClient
) -> None:
    @app.before_request
    async def limit() -> None:
        if request.path == "/limited":
            request.max_content_length = 5

    @app.post("/limited")
    async def limited() -> Any:
        return {"size": len(await request.get_data())}

    @app.post("/open")
    async def unlimited() -> Any:
        return {"size": len(await request.get_data())}

    response = await client.post("/limited", data=b"123456")
    assert response.status_code == 413
    response = await client.post("/open", data=b"123456")
    assert response.status_code == 200
    assert await response.get_json() == {"size": 6}


async def test_max_content_length_default_from_config(app: Quart) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1234
    async with app.test_request_context("/", method="POST"):
        assert request.max_content_length == 1234
        request.max_content_length = 7
        assert request.max_content_length == 7


async def test_max_content_length_applies_to_form(
    app: Quart, client: QuartClient
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 50

    @app.post("/")
    async def index() -> Any:
        return (await request.form).to_dict()

    response = await client.post("/", form={"a": "x" * 100})
    assert response.status_code == 413


async def test_body_timeout_is_408(app: Quart, client: QuartClient) -> None:
    app.config["BODY_TIMEOUT"] = 0.2

    @app.post("/")
    async def index() -> Any:
        return {"size": len(await request.get_data())}

    loop = asyncio.get_running_loop()
    start = loop.time()
    async with client.request("/", method="POST") as connection:
        await connection.send(b"partial")
        response = await _as_response(connection)
    assert response.status_code == 408
    assert loop.time() - start < 3


async def test_body_timeout_per_request(app: Quart, client: QuartClient) -> None:
    app.config["BODY_TIMEOUT"] = 60

    @app.post("/")
    async def index() -> Any:
        request.body_timeout = 0.1
        return {"size": len(await request.get_data())}

    async with client.request("/", method="POST") as connection:
        await connection.send(b"partial")
        response = await _as_response(connection)
    assert response.status_code == 408


async def test_body_within_timeout_is_fine(app: Quart, client: QuartClient) -> None:
    app.config["BODY_TIMEOUT"] = 2

    @app.post("/")
    async def index() -> Any:
        return {"size": len(await request.get_data())}

    async with client.request("/", method="POST") as connection:
        await connection.send(b"abc")
        await asyncio.sleep(0.05)
        await connection.send(b"def")
        await connection.send_complete()
        response = await _as_response(connection)
    assert response.status_code == 200
    assert await response.get_json() == {"size": 6}


async def test_max_form_memory_size_multipart_field(
    app: Quart, client: QuartClient
) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 1000

    @app.post("/")
    async def index() -> Any:
        form = await request.form
        files = await request.files
        return {"field": len(form["field"]), "file": len(files["f"].read())}

    response = await client.post(
        "/", form={"field": "x" * 5000}, files={"f": _file(b"ok", "f.txt")}
    )
    assert response.status_code == 413

    response = await client.post(
        "/", form={"field": "x" * 50}, files={"f": _file(b"ok", "f.txt")}
    )
    assert response.status_code == 200
    assert await response.get_json() == {"field": 50, "file": 2}


async def test_max_form_memory_size_per_request(
    app: Quart, client: QuartClient
) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 100_000

    @app.post("/")
    async def index() -> Any:
        request.max_form_memory_size = 10
        assert request.max_form_memory_size == 10
        return (await request.form).to_dict()

    response = await client.post(
        "/", form={"field": "x" * 50}, files={"f": _file(b"ok", "f.txt")}
    )
    assert response.status_code == 413


async def test_max_form_parts(app: Quart, client: QuartClient) -> None:
    app.config["MAX_FORM_PARTS"] = 5

    @app.post("/")
    async def index() -> Any:
        return {"count": len(await request.form)}

    too_many = {f"field{i}": "v" for i in range(10)}
    response = await client.post("/", form=too_many, files={"f": _file(b"x", "f.txt")})
    assert response.status_code == 413

    few = {f"field{i}": "v" for i in range(3)}
    response = await client.post("/", form=few, files={"f": _file(b"x", "f.txt")})
    assert response.status_code == 200
    assert await response.get_json() == {"count": 3}


async def test_app_serves_normally_after_each_error(
    app: Quart, client: QuartClient
) -> None:
    app.config.update(
        MAX_CONTENT_LENGTH=100,
        BODY_TIMEOUT=0.2,
        MAX_FORM_MEMORY_SIZE=20,
        MAX_FORM_PARTS=3,
    )

    @app.post("/data")
    async def data() -> Any:
        return {"size": len(await request.get_data())}

    @app.post("/form")
    async def form() -> Any:
        return (await request.form).to_dict()

    @app.post("/json")
    async def json_view() -> Any:
        return {"data": await request.get_json()}

    async def check_ok() -> None:
        response = await client.post("/data", data=b"fine")
        assert response.status_code == 200
        assert await response.get_json() == {"size": 4}
        response = await client.post("/json", json={"ok": True})
        assert await response.get_json() == {"data": {"ok": True}}

    assert (await client.post("/data", data=b"x" * 200)).status_code == 413
    await check_ok()

    async with client.request("/data", method="POST") as connection:
        for _ in range(3):
            await connection.send(b"x" * 50)
        await connection.send_complete()
        assert (await _as_response(connection)).status_code == 413
    await check_ok()

    async with client.request("/data", method="POST") as connection:
        await connection.send(b"partial")
        assert (await _as_response(connection)).status_code == 408
    await check_ok()

    response = await client.post(
        "/form", form={"a": "x" * 50}, files={"f": _file(b"x", "f.txt")}
    )
    assert response.status_code == 413
    await check_ok()

    parts = {f"p{i}": "v" for i in range(6)}
    response = await client.post("/form", form=parts, files={"f": _file(b"x", "f.txt")})
    assert response.status_code == 413
    await check_ok()

    response = await client.post(
        "/json", data=b"{bad", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert (await client.post("/json", data=b"x")).status_code == 415
    await check_ok()


async def test_request_in_test_request_context(app: Quart) -> None:
    async with app.test_request_context(
        "/x?y=1",
        method="POST",
        form={"a": "b"},
        headers={"X-H": "v"},
    ):
        assert request.method == "POST"
        assert request.path == "/x"
        assert request.args["y"] == "1"
        assert request.headers["X-H"] == "v"
        assert (await request.form)["a"] == "b"
        assert (await request.values).to_dict() == {"y": "1", "a": "b"}


# -- using a body value without await ----------------------------------------------

MISUSES = {
    "form item": (lambda: request.form["x"], "(await request.form)['x']"),
    "form get": (lambda: request.form.get("x"), "(await request.form).get"),
    "form in": (lambda: "x" in request.form, "'x' in (await request.form)"),
    "files truth": (lambda: bool(request.files), "if (await request.files):"),
    "values iter": (lambda: list(request.values), "for item in (await request.values)"),
    "json item": (lambda: request.json["a"], "(await request.json)['a']"),
    "data decode": (lambda: request.data.decode(), "(await request.data).decode"),
}


@pytest.mark.parametrize(("misuse", "fix"), list(MISUSES.values()), ids=list(MISUSES))
async def test_body_value_without_await_says_what_to_write(
    app: Quart, client: QuartClient, misuse: Any, fix: str
) -> None:
    import gc
    import warnings

    @app.post("/")
    async def index() -> Any:
        return misuse()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TypeError) as error:
            await client.post("/", json={"a": 1})
        gc.collect()
    assert f'"{fix}"' in str(error.value)
    assert "must be awaited" in str(error.value)
    assert not [w for w in caught if "never awaited" in str(w.message)]


async def test_awaited_body_values_are_unchanged(app: Quart) -> None:
    async with app.test_request_context("/", method="POST", form={"x": "1"}):
        value = request.form
        assert "await request.form" in repr(value)
        assert not hasattr(value, "get")  # duck typing sees no mapping
        assert (await value)["x"] == "1"
        assert (await request.values)["x"] == "1"
        assert await request.data == b"x=1"
