"""The test client, ``test_request_context`` and ``test_app``."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncGenerator
from collections.abc import AsyncIterator
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.datastructures import Headers

from quart import Quart
from quart import Response
from quart import redirect
from quart import request
from quart import url_for
from quart.testing import QuartClient
from quart.testing import TestApp
from quart.testing import make_test_body_with_headers
from quart.testing import make_test_headers_path_and_query_string
from quart.testing import make_test_scope
from quart.testing import no_op_push
from quart.testing import sentinel
from quart.wrappers.websocket import WebsocketDisconnect

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"]


@pytest.fixture
def app(app: Quart) -> Quart:
    @app.route("/method", methods=ALL_METHODS)
    async def method() -> str:
        return request.method

    @app.route("/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def echo() -> dict[str, Any]:
        form = await request.form
        files = await request.files
        return {
            "method": request.method,
            "args": request.args.to_dict(flat=False),
            "headers": {key.lower(): value for key, value in request.headers.items()},
            "content_type": request.content_type,
            "data": (await request.get_data(as_text=True)) if not form else None,
            "form": form.to_dict(flat=False),
            "files": {
                name: [
                    {
                        "filename": storage.filename,
                        "content": storage.read().decode(),
                        "content_type": storage.content_type,
                    }
                    for storage in files.getlist(name)
                ]
                for name in files
            },
            "json": await request.get_json(silent=True),
        }

    @app.get("/whoami")
    async def whoami() -> dict[str, Any]:
        auth = request.authorization
        return {
            "type": auth.type if auth else None,
            "username": auth.username if auth else None,
            "password": auth.password if auth else None,
            "header": request.headers.get("Authorization"),
        }

    @app.get("/cookies")
    async def cookies() -> dict[str, str]:
        return dict(request.cookies)

    @app.get("/set/<name>/<value>")
    async def set_cookie(name: str, value: str) -> Response:
        response = Response("set")
        response.set_cookie(name, value)
        return response

    @app.get("/unset/<name>")
    async def unset_cookie(name: str) -> Response:
        response = Response("unset")
        response.delete_cookie(name)
        return response

    @app.route("/redirect/<int:code>", methods=["GET", "POST", "PUT"])
    async def redirector(code: int) -> Response:
        return redirect(url_for("echo", via=str(code)), code)

    @app.get("/chain")
    async def chain() -> Response:
        return redirect("/redirect/302")

    @app.get("/loop")
    async def loop() -> Response:
        return redirect("/loop")

    @app.route("/info", methods=["GET", "POST"])
    async def info() -> dict[str, Any]:
        return {
            "scheme": request.scheme,
            "is_secure": request.is_secure,
            "root_path": request.root_path,
            "path": request.path,
            "full_path": request.full_path,
            "url": request.url,
            "host": request.host,
            "http_version": request.http_version,
            "url_for": url_for("info"),
            "url_for_external": url_for("info", _external=True),
        }

    @app.route("/upper", methods=["POST"])
    async def upper() -> Any:
        body = request.body

        async def generate() -> AsyncIterator[bytes]:
            async for chunk in body:
                yield chunk.upper()

        return generate(), 200, {"X-Streamed": "yes"}

    return app


# -- verbs ----------------------------------------------------------------


@pytest.mark.parametrize(
    "verb", ["get", "post", "put", "patch", "delete", "options", "trace"]
)
async def test_every_verb_method(client: QuartClient, verb: str) -> None:
    response = await getattr(client, verb)("/method")
    assert response.status_code == 200
    assert await response.get_data(as_text=True) == verb.upper()


async def test_head_has_headers_but_no_body(client: QuartClient) -> None:
    response = await client.head("/method")
    assert response.status_code == 200
    assert await response.get_data() == b""
    assert response.headers["Content-Length"] == str(len("HEAD"))


async def test_open_with_method(client: QuartClient) -> None:
    response = await client.open("/method", method="PATCH")
    assert await response.get_data(as_text=True) == "PATCH"


async def test_method_not_allowed(client: QuartClient) -> None:
    response = await client.post("/whoami")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


async def test_not_found(client: QuartClient) -> None:
    response = await client.get("/missing")
    assert response.status_code == 404


# -- query strings, headers, bodies ---------------------------------------


async def test_query_string_dict(client: QuartClient) -> None:
    response = await client.get("/echo", query_string={"a": "1", "b": ["2", "3"]})
    assert (await response.get_json())["args"] == {"a": ["1"], "b": ["2", "3"]}


async def test_query_string_in_path(client: QuartClient) -> None:
    response = await client.get("/echo?a=1&a=2&c=%C3%A9")
    assert (await response.get_json())["args"] == {"a": ["1", "2"], "c": ["é"]}


async def test_query_string_percent_encoding(client: QuartClient) -> None:
    response = await client.get("/echo", query_string={"q": "a b&c=d"})
    assert (await response.get_json())["args"] == {"q": ["a b&c=d"]}


async def test_headers(client: QuartClient) -> None:
    response = await client.get(
        "/echo", headers={"X-Custom": "value", "Accept": "text/plain"}
    )
    headers = (await response.get_json())["headers"]
    assert headers["x-custom"] == "value"
    assert headers["accept"] == "text/plain"
    assert headers["host"] == "localhost"


async def test_headers_as_list_of_tuples(client: QuartClient) -> None:
    response = await client.get("/echo", headers=[("X-A", "1"), ("X-B", "2")])
    headers = (await response.get_json())["headers"]
    assert headers["x-a"] == "1"
    assert headers["x-b"] == "2"


async def test_json(client: QuartClient) -> None:
    payload = {"name": "quart", "items": [1, 2.5, None, True]}
    response = await client.post("/echo", json=payload)
    body = await response.get_json()
    assert body["json"] == payload
    assert body["content_type"] == "application/json"
    assert body["headers"]["content-length"] == str(len(body["data"].encode()))


async def test_json_list_and_falsy_values(client: QuartClient) -> None:
    response = await client.put("/echo", json=[])
    assert (await response.get_json())["json"] == []
    response = await client.put("/echo", json=None)
    assert (await response.get_json())["data"] == "null"


async def test_form(client: QuartClient) -> None:
    response = await client.post("/echo", form={"a": "1", "b": ["2", "3"]})
    body = await response.get_json()
    assert body["form"] == {"a": ["1"], "b": ["2", "3"]}
    assert body["content_type"] == "application/x-www-form-urlencoded"


async def test_files_with_file_storage(client: QuartClient) -> None:
    storage = FileStorage(
        io.BytesIO(b"hello file"), filename="hello.txt", content_type="text/plain"
    )
    response = await client.post("/echo", files={"upload": storage}, form={"a": "b"})
    body = await response.get_json()
    assert body["content_type"].startswith("multipart/form-data; boundary=")
    assert body["form"] == {"a": ["b"]}
    assert body["files"] == {
        "upload": [
            {
                "filename": "hello.txt",
                "content": "hello file",
                "content_type": "text/plain",
            }
        ]
    }


async def test_files_with_tuples(client: QuartClient) -> None:
    response = await client.post(
        "/echo",
        files={
            "one": (io.BytesIO(b"first"), "one.csv"),
            "two": (io.BytesIO(b"second"), "two.bin", "application/x-custom"),
        },
    )
    files = (await response.get_json())["files"]
    assert files["one"][0]["filename"] == "one.csv"
    assert files["one"][0]["content"] == "first"
    assert files["two"][0]["filename"] == "two.bin"
    assert files["two"][0]["content"] == "second"
    assert files["two"][0]["content_type"] == "application/x-custom"


async def test_files_several_under_one_name(client: QuartClient) -> None:
    response = await client.post(
        "/echo",
        files=[
            ("docs", (io.BytesIO(b"a"), "a.txt")),
            ("docs", (io.BytesIO(b"b"), "b.txt")),
        ],
    )
    docs = (await response.get_json())["files"]["docs"]
    assert [doc["filename"] for doc in docs] == ["a.txt", "b.txt"]
    assert [doc["content"] for doc in docs] == ["a", "b"]


async def test_data_bytes(client: QuartClient) -> None:
    response = await client.post("/echo", data=b"\x00raw bytes")
    body = await response.get_json()
    assert body["data"] == "\x00raw bytes"
    assert body["headers"]["content-length"] == "10"


async def test_data_str(client: QuartClient) -> None:
    response = await client.post(
        "/echo", data="héllo", headers={"Content-Type": "text/plain; charset=utf-8"}
    )
    body = await response.get_json()
    assert body["data"] == "héllo"
    assert body["content_type"] == "text/plain; charset=utf-8"
    assert body["headers"]["content-length"] == str(len("héllo".encode()))


async def test_no_body_has_no_content_length(client: QuartClient) -> None:
    response = await client.get("/echo")
    body = await response.get_json()
    assert body["data"] == ""
    assert "content-length" not in body["headers"]


async def test_data_and_json_together_rejected(client: QuartClient) -> None:
    with pytest.raises(ValueError):
        await client.post("/echo", data=b"x", json={"a": 1})


async def test_auth_tuple_becomes_basic_authorization(client: QuartClient) -> None:
    response = await client.get("/whoami", auth=("alice", "s3cret"))
    body = await response.get_json()
    assert body["type"] == "basic"
    assert body["username"] == "alice"
    assert body["password"] == "s3cret"
    assert body["header"] == "Basic YWxpY2U6czNjcmV0"


async def test_no_auth(client: QuartClient) -> None:
    body = await (await client.get("/whoami")).get_json()
    assert body == {"type": None, "username": None, "password": None, "header": None}


# -- cookies ----------------------------------------------------------------


async def test_cookie_set_by_view_is_sent_next_time(client: QuartClient) -> None:
    assert await (await client.get("/cookies")).get_json() == {}
    response = await client.get("/set/flavour/oat")
    assert "flavour=oat" in response.headers["Set-Cookie"]
    assert await (await client.get("/cookies")).get_json() == {"flavour": "oat"}
    await client.get("/set/size/large")
    assert await (await client.get("/cookies")).get_json() == {
        "flavour": "oat",
        "size": "large",
    }


async def test_cookie_deleted_by_view(client: QuartClient) -> None:
    await client.get("/set/flavour/oat")
    await client.get("/unset/flavour")
    assert await (await client.get("/cookies")).get_json() == {}


async def test_use_cookies_false(app: Quart) -> None:
    client = app.test_client(use_cookies=False)
    response = await client.get("/set/flavour/oat")
    assert "flavour=oat" in response.headers["Set-Cookie"]
    assert await (await client.get("/cookies")).get_json() == {}
    # Cookies can still be sent by hand.
    response = await client.get("/cookies", headers={"Cookie": "manual=1"})
    assert await response.get_json() == {"manual": "1"}


async def test_set_and_delete_cookie(client: QuartClient) -> None:
    client.set_cookie("localhost", "token", "abc")
    assert await (await client.get("/cookies")).get_json() == {"token": "abc"}
    client.delete_cookie("localhost", "token")
    assert await (await client.get("/cookies")).get_json() == {}


async def test_set_cookie_path_is_respected(client: QuartClient) -> None:
    client.set_cookie("localhost", "scoped", "1", path="/elsewhere")
    assert await (await client.get("/cookies")).get_json() == {}


async def test_cookies_are_per_client(app: Quart) -> None:
    first = app.test_client()
    second = app.test_client()
    await first.get("/set/flavour/oat")
    assert await (await second.get("/cookies")).get_json() == {}


# -- redirects ------------------------------------------------------------


async def test_redirect_not_followed_by_default(client: QuartClient) -> None:
    response = await client.get("/redirect/302")
    assert response.status_code == 302
    assert response.headers["Location"] == "/echo?via=302"


async def test_follow_redirects_records_history(client: QuartClient) -> None:
    response = await client.get("/chain", follow_redirects=True)
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [302, 302]  # type: ignore[attr-defined]
    assert response.history[0].headers["Location"] == "/redirect/302"  # type: ignore[attr-defined]
    body = await response.get_json()
    assert body["method"] == "GET"
    assert body["args"] == {"via": ["302"]}


async def test_no_history_without_redirect(client: QuartClient) -> None:
    response = await client.get("/method", follow_redirects=True)
    assert response.history == ()  # type: ignore[attr-defined]


async def test_302_becomes_get_without_body(client: QuartClient) -> None:
    response = await client.post(
        "/redirect/302", json={"keep": "me"}, follow_redirects=True
    )
    body = await response.get_json()
    assert body["method"] == "GET"
    assert body["json"] is None
    assert body["data"] == ""


@pytest.mark.parametrize("code", [307, 308])
async def test_307_308_keep_method_and_body(client: QuartClient, code: int) -> None:
    response = await client.put(
        f"/redirect/{code}", json={"keep": "me"}, follow_redirects=True
    )
    assert [r.status_code for r in response.history] == [code]  # type: ignore[attr-defined]
    body = await response.get_json()
    assert body["method"] == "PUT"
    assert body["json"] == {"keep": "me"}
    assert body["args"] == {"via": [str(code)]}


async def test_307_keeps_form_body(client: QuartClient) -> None:
    response = await client.post(
        "/redirect/307", form={"a": "1"}, follow_redirects=True
    )
    body = await response.get_json()
    assert body["method"] == "POST"
    assert body["form"] == {"a": ["1"]}


async def test_redirect_loop_is_bounded(client: QuartClient) -> None:
    async with asyncio.timeout(5):
        with pytest.raises(Exception, match=r"[Rr]edirect"):
            await client.get("/loop", follow_redirects=True)


# -- scope details --------------------------------------------------------


@pytest.mark.parametrize(("scheme", "secure"), [("http", False), ("https", True)])
async def test_scheme(client: QuartClient, scheme: str, secure: bool) -> None:
    body = await (await client.get("/info", scheme=scheme)).get_json()
    assert body["scheme"] == scheme
    assert body["is_secure"] is secure
    assert body["url"] == f"{scheme}://localhost/info"
    assert body["url_for_external"] == f"{scheme}://localhost/info"


async def test_root_path(client: QuartClient) -> None:
    response = await client.get("/mounted/info?x=1", root_path="/mounted")
    body = await response.get_json()
    assert body["root_path"] == "/mounted"
    assert body["path"] == "/info"
    assert body["full_path"] == "/info?x=1"
    assert body["url"] == "http://localhost/mounted/info?x=1"
    assert body["url_for"] == "/mounted/info"


@pytest.mark.parametrize("version", ["1.0", "1.1", "2"])
async def test_http_version(client: QuartClient, version: str) -> None:
    body = await (await client.get("/info", http_version=version)).get_json()
    assert body["http_version"] == version


async def test_subdomain() -> None:
    app = Quart(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.com"

    @app.get("/", subdomain="api")
    async def api() -> str:
        return f"api on {request.host}"

    @app.get("/")
    async def main() -> str:
        return f"main on {request.host}"

    client = app.test_client()
    response = await client.get("/", subdomain="api")
    assert await response.get_data(as_text=True) == "api on api.example.com"
    response = await client.get("/")
    assert await response.get_data(as_text=True) == "main on example.com"


async def test_host_header_overrides(client: QuartClient) -> None:
    body = await (
        await client.get("/info", headers={"Host": "other.test:8080"})
    ).get_json()
    assert body["host"] == "other.test:8080"
    assert body["url"] == "http://other.test:8080/info"


# -- exceptions -----------------------------------------------------------


async def test_exceptions_propagate_in_testing(app: Quart) -> None:
    @app.get("/boom")
    async def boom() -> str:
        raise ValueError("kaboom")

    with pytest.raises(ValueError, match="kaboom"):
        await app.test_client().get("/boom")


async def test_exceptions_become_500_outside_testing(app: Quart) -> None:
    app.testing = False

    @app.get("/boom")
    async def boom() -> str:
        raise ValueError("kaboom")

    response = await app.test_client().get("/boom")
    assert response.status_code == 500


# -- streaming connections ------------------------------------------------


async def test_request_streams_both_ways(client: QuartClient) -> None:
    async with asyncio.timeout(5):
        async with client.request("/upper", method="POST") as connection:
            await connection.send(b"abc")
            assert await connection.receive() == b"ABC"
            assert connection.status_code == 200
            assert connection.headers is not None
            assert connection.headers["X-Streamed"] == "yes"
            await connection.send(b"def")
            assert await connection.receive() == b"DEF"
            await connection.send_complete()
            assert await connection.receive() == b""


async def test_request_as_response(client: QuartClient) -> None:
    async with asyncio.timeout(5):
        async with client.request("/upper", method="POST") as connection:
            await connection.send(b"one ")
            await connection.send(b"two")
            await connection.send_complete()
            response = await connection.as_response()
    assert response.status_code == 200
    assert response.headers["X-Streamed"] == "yes"
    assert await response.get_data() == b"ONE TWO"


async def test_request_sends_headers_and_query(client: QuartClient) -> None:
    async with asyncio.timeout(5):
        async with client.request(
            "/echo",
            method="POST",
            headers={"Content-Type": "application/json", "X-Thing": "1"},
            query_string={"q": "v"},
        ) as connection:
            await connection.send(b'{"a":')
            await connection.send(b" 1}")
            await connection.send_complete()
            response = await connection.as_response()
    body = await response.get_json()
    assert body["json"] == {"a": 1}
    assert body["args"] == {"q": ["v"]}
    assert body["headers"]["x-thing"] == "1"


async def test_request_disconnect_stops_handler(app: Quart) -> None:
    finished: list[str] = []
    started = asyncio.Event()

    @app.get("/forever")
    async def forever() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            try:
                while True:
                    started.set()
                    yield b"tick"
                    await asyncio.sleep(0.01)
            finally:
                finished.append("closed")

        return generate()

    async with asyncio.timeout(5):
        async with app.test_client().request("/forever") as connection:
            await connection.send_complete()
            assert await connection.receive() == b"tick"
            await connection.disconnect()
        assert finished == ["closed"]


async def test_request_sends_cookies(client: QuartClient) -> None:
    client.set_cookie("localhost", "token", "abc")
    async with asyncio.timeout(5):
        async with client.request("/cookies") as connection:
            await connection.send_complete()
            response = await connection.as_response()
    assert await response.get_json() == {"token": "abc"}


# -- test_request_context -------------------------------------------------


async def test_test_request_context_defaults(app: Quart) -> None:
    async with app.test_request_context("/info"):
        assert request.method == "GET"
        assert request.path == "/info"
        assert request.endpoint == "info"
        assert await request.get_data() == b""


async def test_test_request_context_method_and_data(app: Quart) -> None:
    async with app.test_request_context("/echo", method="POST", data=b"payload"):
        assert request.method == "POST"
        assert await request.get_data() == b"payload"
        assert request.content_length == 7


async def test_test_request_context_json(app: Quart) -> None:
    async with app.test_request_context("/echo", method="PUT", json={"a": [1, 2]}):
        assert request.is_json
        assert await request.get_json() == {"a": [1, 2]}
        assert await request.json == {"a": [1, 2]}


async def test_test_request_context_headers_and_query(app: Quart) -> None:
    async with app.test_request_context(
        "/echo?in=path", headers={"X-Key": "v", "Accept": "text/html"}
    ):
        assert request.headers["X-Key"] == "v"
        assert request.accept_mimetypes.best == "text/html"
        assert request.args.to_dict() == {"in": "path"}


async def test_query_string_in_path_and_argument_rejected(app: Quart) -> None:
    # As werkzeug's EnvironBuilder (and so Flask) does.
    with pytest.raises(ValueError):
        app.test_request_context("/echo?in=path", query_string={"b": "2"})


async def test_test_request_context_query_string_dict(app: Quart) -> None:
    async with app.test_request_context("/echo", query_string={"a": ["1", "2"]}):
        assert request.args.getlist("a") == ["1", "2"]
        assert request.full_path == "/echo?a=1&a=2"


async def test_test_request_context_form(app: Quart) -> None:
    async with app.test_request_context("/echo", method="POST", form={"k": "v"}):
        assert (await request.form)["k"] == "v"
        assert (await request.values)["k"] == "v"


async def test_test_request_context_url_for(app: Quart) -> None:
    async with app.test_request_context("/", root_path="/app", scheme="https"):
        assert url_for("info") == "/app/info"
        assert url_for("info", _external=True) == "https://localhost/app/info"


async def test_test_request_context_is_popped(app: Quart) -> None:
    from quart import has_request_context

    async with app.test_request_context("/"):
        assert has_request_context()
    assert not has_request_context()


# -- test_app -------------------------------------------------------------


async def test_test_app_runs_lifespan(app: Quart) -> None:
    events: list[str] = []

    @app.before_serving
    async def startup() -> None:
        events.append("startup")

    @app.while_serving
    async def lifespan() -> AsyncGenerator[None, None]:
        events.append("while-start")
        yield
        events.append("while-end")

    @app.after_serving
    async def shutdown() -> None:
        events.append("shutdown")

    @app.get("/")
    async def index() -> str:
        return ",".join(events)

    async with asyncio.timeout(5):
        async with app.test_app() as test_app:
            assert isinstance(test_app, TestApp)
            assert events == ["startup", "while-start"]
            client = test_app.test_client()
            response = await client.get("/")
            assert await response.get_data(as_text=True) == "startup,while-start"
            assert events == ["startup", "while-start"]
    assert events == ["startup", "while-start", "shutdown", "while-end"]


async def test_test_app_startup_failure(app: Quart) -> None:
    from quart.testing import LifespanError

    app.logger.disabled = True

    @app.before_serving
    async def startup() -> None:
        raise RuntimeError("no database")

    async with asyncio.timeout(5):
        with pytest.raises(LifespanError, match="no database"):
            async with app.test_app():
                pass


async def test_test_app_client_shares_cookies_across_calls(app: Quart) -> None:
    @app.get("/set")
    async def set_() -> Response:
        response = Response("ok")
        response.set_cookie("k", "v")
        return response

    @app.get("/get")
    async def get_() -> str:
        return request.cookies.get("k", "none")

    async with asyncio.timeout(5), app.test_app() as test_app:
        client = test_app.test_client()
        await client.get("/set")
        assert await (await client.get("/get")).get_data(as_text=True) == "v"


# -- root_path (ASGI: the scope's path includes it) --------------------------


async def test_root_path_is_part_of_the_path(app: Quart) -> None:
    seen: list[dict[str, Any]] = []

    @app.get("/")
    async def index() -> str:
        seen.append(
            {
                "scope_path": request.scope["path"],
                "scope_root_path": request.scope["root_path"],
                "path": request.path,
                "root_path": request.root_path,
                "url_for": url_for("index"),
                "url": request.url,
            }
        )
        return "index"

    response = await app.test_client().get("/bob/", root_path="/bob")
    assert response.status_code == 200
    assert seen == [
        {
            "scope_path": "/bob/",
            "scope_root_path": "/bob",
            "path": "/",
            "root_path": "/bob",
            "url_for": "/bob/",
            "url": "http://localhost/bob/",
        }
    ]


async def test_root_path_redirects_are_followed_under_the_mount(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/old")
    async def old() -> Response:
        return redirect(url_for("new"))

    @app.get("/new")
    async def new() -> str:
        return f"{request.root_path} {request.path}"

    response = await client.get("/app/old", root_path="/app", follow_redirects=True)
    assert [r.headers["Location"] for r in response.history] == ["/app/new"]
    assert await response.get_data(as_text=True) == "/app /new"


# -- the pieces the client is built from -------------------------------------


def test_public_names() -> None:
    import quart.testing as testing
    from quart.cli import ScriptInfo
    from quart.testing import app as testing_app
    from quart.testing import connections
    from quart.testing import utils

    assert testing.ScriptInfo is ScriptInfo
    assert testing.sentinel is utils.sentinel
    assert testing.TestHTTPConnection is connections.TestHTTPConnection
    assert testing.TestWebsocketConnection is connections.TestWebsocketConnection
    assert QuartClient.http_connection_class is connections.TestHTTPConnection
    assert QuartClient.websocket_connection_class is connections.TestWebsocketConnection
    assert issubclass(connections.WebsocketDisconnectError, WebsocketDisconnect)
    assert TestApp(Quart(__name__)).startup_timeout == testing_app.DEFAULT_TIMEOUT


def test_make_test_headers_path_and_query_string(app: Quart) -> None:
    app.config["SERVER_NAME"] = "example.com"
    headers, path, query = make_test_headers_path_and_query_string(
        app, "/a%20b/%C3%A9?x=1&y=%20", {"X-A": "1"}, auth=("u", "p")
    )
    assert path == "/a b/é"
    assert query == b"x=1&y=%20"
    assert headers["Host"] == "example.com"
    assert headers["X-A"] == "1"
    assert headers["Authorization"] == "Basic dTpw"
    headers, path, query = make_test_headers_path_and_query_string(
        app, "/", query_string={"q": ["a b", "é"]}, subdomain="api"
    )
    assert (headers["Host"], path, query) == ("api.example.com", "/", b"q=a+b&q=%C3%A9")
    with pytest.raises(ValueError):
        make_test_headers_path_and_query_string(app, "/?a=1", query_string={"b": 2})


def test_make_test_body_with_headers(app: Quart) -> None:
    body, headers = make_test_body_with_headers(json={"a": [1, None]}, app=app)
    assert json.loads(body) == {"a": [1, None]}
    assert headers == Headers(
        {"Content-Type": "application/json", "Content-Length": str(len(body))}
    )
    body, headers = make_test_body_with_headers(data="é")
    assert (body, headers["Content-Length"]) == ("é".encode(), "2")
    assert "Content-Type" not in headers
    body, headers = make_test_body_with_headers(form={"k": ["v", "w"]})
    assert body == b"k=v&k=w"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    body, headers = make_test_body_with_headers(
        form={"k": "v"}, files={"f": FileStorage(io.BytesIO(b"xyz"), "f.txt")}
    )
    assert headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'filename="f.txt"' in body
    assert b"xyz" in body
    assert make_test_body_with_headers() == (b"", Headers())
    with pytest.raises(ValueError):
        make_test_body_with_headers(data=b"x", json=1)


def test_make_test_scope() -> None:
    headers = Headers({"Host": "example.com:8080"})
    scope = make_test_scope(
        "http", "/bob/x", "post", headers, b"a=1", "https", "/bob", "2", None
    )
    assert scope["type"] == "http"
    assert scope["method"] == "POST"
    assert (scope["path"], scope["root_path"]) == ("/bob/x", "/bob")
    assert scope["query_string"] == b"a=1"
    assert scope["headers"] == [(b"host", b"example.com:8080")]
    assert scope["server"] == ("example.com", 8080)
    assert (scope["scheme"], scope["http_version"]) == ("https", "2")
    scope = make_test_scope(
        "websocket", "/ws", "GET", Headers(), b"", "wss", "", "1.1", {"x": 1}
    )
    assert "method" not in scope
    assert scope["subprotocols"] == []
    assert "websocket.http.response" in scope["extensions"]
    assert scope["x"] == 1
    preserving = make_test_scope(
        "http", "/", "GET", Headers(), b"", "http", "", "1.1", None,
        _preserve_context=True,
    )  # fmt: skip
    assert set(preserving) - set(
        make_test_scope("http", "/", "GET", Headers(), b"", "http", "", "1.1", None)
    ) == {"_quart._preserve_context"}


async def test_no_op_push_in_test_request_context(app: Quart) -> None:
    assert await no_op_push("/style.css", Headers()) is None
    async with app.test_request_context("/", http_version="2"):
        await request.send_push_promise("/style.css")  # goes nowhere, no error


async def test_json_default_is_the_shared_sentinel() -> None:
    import inspect

    for function in (QuartClient.open, QuartClient.session_transaction):
        assert inspect.signature(function).parameters["json"].default is sentinel


# -- swapping the connection classes, overriding _make_request ----------------


async def test_client_runs_every_request_on_its_connection_classes(
    app: Quart,
) -> None:
    from quart import websocket
    from quart.testing.connections import TestHTTPConnection
    from quart.testing.connections import TestWebsocketConnection

    made: list[tuple[str, str]] = []

    class RecordingHTTP(TestHTTPConnection):
        def __init__(self, app: Quart, scope: Any, _preserve_context: bool = False):
            made.append(("http", scope["path"]))
            super().__init__(app, scope, _preserve_context)

    class RecordingWebsocket(TestWebsocketConnection):
        def __init__(self, app: Quart, scope: Any) -> None:
            made.append(("websocket", scope["path"]))
            super().__init__(app, scope)

    class Client(QuartClient):
        http_connection_class = RecordingHTTP
        websocket_connection_class = RecordingWebsocket

    @app.websocket("/ws")
    async def say_hi() -> None:
        await websocket.send("hi")

    app.test_client_class = Client
    client = app.test_client()
    assert (await client.get("/method")).status_code == 200
    await client.post("/redirect/302", follow_redirects=True)
    async with client.request("/method") as connection:
        await connection.send_complete()
        assert await connection.receive() == b"GET"
    async with asyncio.timeout(5), client.websocket("/ws") as ws:
        assert await ws.receive() == "hi"
    assert made == [
        ("http", "/method"),
        ("http", "/redirect/302"),
        ("http", "/echo"),
        ("http", "/method"),
        ("websocket", "/ws"),
    ]


async def test_make_request_override_sees_every_request(app: Quart) -> None:
    """The quart-schema pattern: a mixin rewrites ``json=`` (and
    ``form=``/``query_string=``) positionally, then calls super."""
    calls: list[tuple[Any, ...]] = []

    class Upper:
        def __init__(self, text: str) -> None:
            self.text = text

    class Mixin:
        async def _make_request(
            self,
            path: str,
            method: str,
            headers: Any,
            data: Any,
            form: Any,
            files: Any,
            query_string: Any,
            json: Any,
            scheme: Any,
            root_path: Any,
            http_version: str,
            scope_base: Any,
            auth: Any = None,
            subdomain: Any = None,
        ) -> Response:
            calls.append((path, method, json is sentinel))
            if isinstance(json, Upper):
                json = {"text": json.text.upper()}
            if isinstance(query_string, Upper):
                query_string = {"q": query_string.text.upper()}
            return await super()._make_request(  # type: ignore[misc,no-any-return]
                path,
                method,
                headers,
                data,
                form,
                files,
                query_string,
                json,
                scheme,
                root_path,
                http_version,
                scope_base,
                auth,
                subdomain,
            )

    app.test_client_class = type("Client", (Mixin, QuartClient), {})
    client = app.test_client()
    body = await (await client.post("/echo", json=Upper("hi"))).get_json()
    assert body["json"] == {"text": "HI"}
    body = await (await client.get("/echo", query_string=Upper("q"))).get_json()
    assert body["args"] == {"q": ["Q"]}
    await client.get("/chain", follow_redirects=True)
    assert calls == [
        ("/echo", "POST", False),
        ("/echo", "GET", True),
        ("/chain", "GET", True),
        ("/redirect/302", "GET", True),
        ("/echo?via=302", "GET", True),
    ]


# -- preserved contexts (async with client) -----------------------------------


async def test_async_with_client_keeps_the_last_request_context(app: Quart) -> None:
    from quart import g
    from quart import has_request_context
    from quart import session
    from quart.signals import request_tearing_down

    app.secret_key = "not secret"
    teardowns: list[str] = []

    @app.get("/remember/<value>")
    async def remember(value: str) -> str:
        g.value = value
        session["value"] = value
        return value

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        teardowns.append(request.path)

    async with app.test_client() as client:
        await client.get("/remember/one?x=1")
        assert request.path == "/remember/one"
        assert request.args["x"] == "1"
        assert g.value == "one"
        assert session["value"] == "one"
        await client.get("/remember/two")
        assert request.path == "/remember/two"
        assert g.value == "two"
        with pytest.raises(RuntimeError):
            async with client:
                pass
    assert not has_request_context()
    assert not request_tearing_down.receivers  # the client left nothing behind
    # As Flask: the preserved context's teardown runs again when released.
    assert teardowns == ["/remember/one"] * 2 + ["/remember/two"] * 2
    await client.get("/remember/three")
    assert not has_request_context()


# -- leaving blocks early never hangs ---------------------------------------------


@pytest.mark.parametrize("kind", ["receiving", "sending", "waiting"])
async def test_leaving_websocket_block_stops_a_looping_handler(
    app: Quart, kind: str
) -> None:
    from quart import websocket

    ended: list[str] = []

    @app.websocket("/ws")
    async def loop_forever() -> None:
        await websocket.accept()
        try:
            if kind == "receiving":
                while True:
                    await websocket.receive()
            elif kind == "sending":
                while True:
                    await websocket.send("tick")
            else:
                while True:
                    await asyncio.sleep(0.01)
        finally:
            ended.append(kind)

    started = asyncio.get_running_loop().time()
    async with asyncio.timeout(3):
        async with app.test_client().websocket("/ws") as ws:
            if kind == "receiving":
                await ws.send("hello")
            elif kind == "sending":
                assert await ws.receive() == "tick"
    assert ended == [kind]
    assert asyncio.get_running_loop().time() - started < 1


async def test_leaving_cancels_a_handler_that_ignores_the_disconnect(
    app: Quart,
) -> None:
    from quart import websocket

    ended: list[str] = []

    @app.websocket("/ws")
    async def never_reads() -> None:
        await websocket.accept()
        try:
            while True:  # never reads the message waiting for it
                await asyncio.sleep(0.01)
        finally:
            ended.append("cancelled")

    started = asyncio.get_running_loop().time()
    async with asyncio.timeout(3):
        async with app.test_client().websocket("/ws", timeout=0.3) as ws:
            await ws.send("unread")
    assert ended == ["cancelled"]
    assert 0.3 <= asyncio.get_running_loop().time() - started < 2


async def test_websocket_closed_by_app_raises_disconnect_error(app: Quart) -> None:
    from quart import websocket
    from quart.testing import WebsocketDisconnectError

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await websocket.close(4001, "bye")

    async with asyncio.timeout(5), app.test_client().websocket("/ws") as conn:
        with pytest.raises(WebsocketDisconnectError) as info:
            await conn.receive()
        with pytest.raises(WebsocketDisconnectError):
            await conn.send("late")
    assert (info.value.code, info.value.reason) == (4001, "bye")


async def test_leaving_request_block_stops_an_endless_stream(app: Quart) -> None:
    ended: list[str] = []

    @app.get("/endless")
    async def endless() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            try:
                while True:
                    yield b"x" * 1024
            finally:
                ended.append("closed")

        return generate()

    async with asyncio.timeout(3):
        async with app.test_client().request("/endless") as connection:
            await connection.send_complete()
            assert await connection.receive() == b"x" * 1024
    assert ended == ["closed"]


async def test_http_disconnect_error(app: Quart) -> None:
    from quart.testing import HTTPDisconnectError

    @app.post("/slow")
    async def slow() -> str:
        await asyncio.sleep(10)
        return "late"

    async with asyncio.timeout(3):
        async with app.test_client().request("/slow", method="POST") as connection:
            await connection.send(b"part")
            await connection.disconnect()
            with pytest.raises(HTTPDisconnectError):
                await connection.send(b"more")
            with pytest.raises(HTTPDisconnectError):
                await connection.receive()
