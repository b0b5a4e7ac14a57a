"""Helpers used inside views: url_for, redirect, abort, make_response,
after_this_request, plus the URL hooks (url_defaults,
url_value_preprocessor, url_build_error_handler).

URL building is compared with Flask running the same scenario.
"""

from __future__ import annotations

import importlib
import inspect
import io
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import flask
import flask.sansio.scaffold as flask_scaffold
import pytest
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound
from werkzeug.routing import BuildError

import quart
import quart.helpers
from quart import Quart
from quart import Response
from quart import abort
from quart import after_this_request
from quart import g
from quart import make_response
from quart import redirect
from quart import request
from quart import send_file
from quart import send_from_directory
from quart import url_for
from quart.helpers import DEFAULT_MIMETYPE
from quart.helpers import find_package
from quart.helpers import get_load_dotenv
from quart.helpers import locked_cached_property
from quart.testing import QuartClient


def _add_url_rules(app: Any) -> None:
    """The same URL rules on a Quart or a Flask app (views are never run)."""

    def view(**kwargs: Any) -> str:
        return ""

    app.add_url_rule("/", "index", view)
    app.add_url_rule("/foo/", "foo", view)
    app.add_url_rule("/user/<name>", "user", view)
    app.add_url_rule("/post/<int:year>/<slug>", "post", view)
    app.add_url_rule("/files/<path:name>", "files", view)
    app.add_url_rule("/item", "item", view, methods=["GET"])
    app.add_url_rule("/item/new", "item", view, methods=["POST"])


URL_FOR_CASES: list[tuple[str, dict[str, Any]]] = [
    ("index", {}),
    ("foo", {}),
    ("user", {"name": "bob"}),
    ("user", {"name": "a b/c"}),
    ("post", {"year": 2024, "slug": "hello"}),
    ("files", {"name": "a/b c.txt"}),
    ("foo", {"q": "a b", "n": [1, 2], "e": "é&x", "none": None}),
    ("foo", {"_anchor": "a b/c?d#e%"}),
    ("foo", {"_anchor": "top", "page": 2}),
    ("foo", {"_external": True}),
    ("foo", {"_external": True, "_scheme": "https"}),
    ("foo", {"_scheme": "https"}),
    ("item", {}),
    ("item", {"_method": "GET"}),
    ("item", {"_method": "POST"}),
]


def _flask_urls(flask_app: flask.Flask, **context: Any) -> list[str]:
    _add_url_rules(flask_app)
    with flask_app.test_request_context(**context):
        return [flask.url_for(endpoint, **values) for endpoint, values in URL_FOR_CASES]


# --- url_for in requests -----------------------------------------------------


@pytest.mark.usefixtures("req_ctx")
async def test_url_for_in_request(app: Quart) -> None:
    _add_url_rules(app)
    assert url_for("index") == "/"
    assert url_for("foo") == "/foo/"
    assert url_for("user", name="bob") == "/user/bob"
    assert url_for("post", year=2024, slug="hello") == "/post/2024/hello"
    assert url_for("foo", page=2, q="x y") == "/foo/?page=2&q=x+y"
    assert url_for("foo", _external=True) == "http://localhost/foo/"
    assert url_for("foo", _scheme="https") == "https://localhost/foo/"
    assert url_for("foo", _scheme="https", _external=True) == "https://localhost/foo/"
    assert url_for("foo", _anchor="a b") == "/foo/#a%20b"
    assert url_for("item", _method="POST") == "/item/new"


async def test_url_for_matches_flask(app: Quart, flask_app: flask.Flask) -> None:
    _add_url_rules(app)
    async with app.test_request_context("/"):
        urls = [url_for(endpoint, **values) for endpoint, values in URL_FOR_CASES]
    assert urls == _flask_urls(flask_app)


async def test_url_for_matches_flask_with_host_header(
    app: Quart, flask_app: flask.Flask
) -> None:
    _add_url_rules(app)
    headers = {"Host": "example.org:8080"}
    async with app.test_request_context("/", headers=headers):
        urls = [url_for(endpoint, **values) for endpoint, values in URL_FOR_CASES]
    assert urls == _flask_urls(flask_app, headers=headers)
    assert "http://example.org:8080/foo/" in urls


async def test_url_for_in_view(app: Quart, client: QuartClient) -> None:
    @app.route("/a/<int:n>")
    async def a(n: int) -> str:
        return url_for("a", n=n + 1, _external=True)

    response = await client.get("/a/1", scheme="https", headers={"Host": "x.test"})
    assert await response.get_data() == b"https://x.test/a/2"


async def test_url_for_scheme_without_external_is_value_error(
    flask_app: flask.Flask, app: Quart
) -> None:
    _add_url_rules(app)
    async with app.test_request_context("/"):
        with pytest.raises(ValueError, match="_external"):
            url_for("foo", _scheme="https", _external=False)
    _add_url_rules(flask_app)
    with flask_app.test_request_context(), pytest.raises(ValueError):
        flask.url_for("foo", _scheme="https", _external=False)


async def test_url_for_anchor_quoting(flask_app: flask.Flask, app: Quart) -> None:
    _add_url_rules(app)
    _add_url_rules(flask_app)
    anchors = ["plain", "a b", "ü", "x/y?z=1&w#v", "100%", "<tag>", '"q"']
    async with app.test_request_context("/"):
        ours = [url_for("foo", _anchor=anchor) for anchor in anchors]
    with flask_app.test_request_context():
        theirs = [flask.url_for("foo", _anchor=anchor) for anchor in anchors]
    assert ours == theirs
    assert ours[1] == "/foo/#a%20b"
    assert ours[2] == "/foo/#%C3%BC"


@pytest.mark.usefixtures("req_ctx")
async def test_url_for_extra_values_to_query_string(app: Quart) -> None:
    _add_url_rules(app)
    assert url_for("user", name="bob", tab="posts") == "/user/bob?tab=posts"
    assert url_for("foo", n=[1, 2]) == "/foo/?n=1&n=2"
    assert url_for("foo", skip=None) == "/foo/"


@pytest.mark.usefixtures("req_ctx")
async def test_url_for_method(app: Quart) -> None:
    _add_url_rules(app)
    assert url_for("item", _method="GET") == "/item"
    assert url_for("item", _method="POST") == "/item/new"
    with pytest.raises(BuildError):
        url_for("item", _method="DELETE")


# --- url_for outside requests ----------------------------------------------


async def test_url_for_app_context_with_server_name(
    flask_app: flask.Flask, app: Quart
) -> None:
    _add_url_rules(app)
    app.config.update(
        SERVER_NAME="example.test",
        APPLICATION_ROOT="/root",
        PREFERRED_URL_SCHEME="https",
    )
    _add_url_rules(flask_app)
    flask_app.config.update(
        SERVER_NAME="example.test",
        APPLICATION_ROOT="/root",
        PREFERRED_URL_SCHEME="https",
    )
    calls: list[tuple[str, dict[str, Any]]] = [
        ("foo", {}),
        ("foo", {"_external": False}),
        ("foo", {"_scheme": "http"}),
        ("user", {"name": "bob", "x": 1}),
        ("foo", {"_anchor": "top"}),
    ]
    async with app.app_context():
        ours = [url_for(endpoint, **values) for endpoint, values in calls]
    with flask_app.app_context():
        theirs = [flask.url_for(endpoint, **values) for endpoint, values in calls]
    assert ours == theirs
    assert ours == [
        "https://example.test/root/foo/",
        "/root/foo/",
        "http://example.test/root/foo/",
        "https://example.test/root/user/bob?x=1",
        "https://example.test/root/foo/#top",
    ]


async def test_url_for_test_request_context_uses_url_config(
    flask_app: flask.Flask, app: Quart
) -> None:
    """As in Flask, a test request defaults to SERVER_NAME, APPLICATION_ROOT
    and PREFERRED_URL_SCHEME for its URL."""
    _add_url_rules(app)
    config = {
        "SERVER_NAME": "example.test",
        "APPLICATION_ROOT": "/root",
        "PREFERRED_URL_SCHEME": "https",
    }
    app.config.update(config)
    _add_url_rules(flask_app)
    flask_app.config.update(config)
    with flask_app.test_request_context():
        expected = (flask.url_for("foo"), flask.url_for("foo", _external=True))
    assert expected == ("/root/foo/", "https://example.test/root/foo/")
    async with app.test_request_context("/"):
        assert (url_for("foo"), url_for("foo", _external=True)) == expected


async def test_app_url_for_without_context(app: Quart) -> None:
    _add_url_rules(app)
    app.config["SERVER_NAME"] = "example.test"
    assert app.url_for("foo") == "http://example.test/foo/"
    assert app.url_for("foo", _external=False) == "/foo/"


@pytest.mark.usefixtures("app_ctx")
async def test_url_for_outside_request_without_server_name(app: Quart) -> None:
    _add_url_rules(app)
    with pytest.raises(RuntimeError, match="SERVER_NAME"):
        url_for("foo")


def test_url_for_without_app_context() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        url_for("foo")


# --- build errors ------------------------------------------------------------


@pytest.mark.usefixtures("req_ctx")
async def test_url_for_unknown_endpoint(app: Quart) -> None:
    _add_url_rules(app)
    with pytest.raises(BuildError):
        url_for("missing")
    with pytest.raises(BuildError):
        url_for("user")  # a required value is missing


async def test_url_build_error_handler(flask_app: flask.Flask, app: Quart) -> None:
    _add_url_rules(app)
    seen: list[tuple[type[BaseException], str, dict[str, Any]]] = []

    @app.url_build_error_handler
    def fallback(error: Exception, endpoint: str, values: dict[str, Any]) -> str | None:
        seen.append((type(error), endpoint, dict(values)))
        if endpoint == "external":
            return f"https://other.test/{values['page']}"
        return None

    async with app.test_request_context("/"):
        assert url_for("external", page=3, _anchor="x") == "https://other.test/3"
        with pytest.raises(BuildError):
            url_for("missing")
        assert url_for("foo") == "/foo/"
    assert seen[0] == (
        BuildError,
        "external",
        {
            "page": 3,
            "_anchor": "x",
            "_method": None,
            "_scheme": None,
            "_external": False,
        },
    )
    assert seen[1][1] == "missing"
    assert len(seen) == 2

    # Flask passes the same values to its handlers.
    flask_seen: list[dict[str, Any]] = []

    def flask_handler(error: Exception, endpoint: str, values: dict[str, Any]) -> str:
        flask_seen.append(dict(values))
        return "/x"

    flask_app.url_build_error_handlers.append(flask_handler)
    with flask_app.test_request_context():
        flask.url_for("external", page=3, _anchor="x")
    assert flask_seen[0] == seen[0][2]


@pytest.mark.usefixtures("req_ctx")
async def test_url_build_error_handler_may_raise(app: Quart) -> None:
    class Custom(BuildError):
        pass

    @app.url_build_error_handler
    def handler(error: Exception, endpoint: str, values: dict[str, Any]) -> str:
        raise Custom(endpoint, values, None)

    with pytest.raises(Custom):
        url_for("missing")


# --- url_defaults / url_value_preprocessor -----------------------------------


@pytest.fixture
def lang_code_routes(app: Quart) -> None:
    """Flask's URL processor pattern on the shared app: a ``lang_code`` URL
    value pulled into ``g`` and put back into built URLs."""

    @app.url_defaults
    def add_language_code(endpoint: str, values: dict[str, Any]) -> None:
        if "lang_code" in values or not g.get("lang_code"):
            return
        if app.url_map.is_endpoint_expecting(endpoint, "lang_code"):
            values["lang_code"] = g.lang_code

    @app.url_value_preprocessor
    def pull_lang_code(endpoint: str | None, values: dict[str, Any] | None) -> None:
        lang_code = values.pop("lang_code", None) if values else None
        g.lang_code = lang_code  # type: ignore[attr-defined]

    @app.route("/<lang_code>/")
    async def index() -> str:
        return f"index {g.lang_code} {url_for('about')} {url_for('plain')}"

    @app.route("/<lang_code>/about")
    async def about() -> str:
        return f"about {g.lang_code} {url_for('index', lang_code='fr')}"

    @app.route("/plain")
    async def plain() -> str:
        return f"plain {g.lang_code} {url_for('index', lang_code='de')}"


@pytest.mark.usefixtures("lang_code_routes")
async def test_lang_code_pattern(client: QuartClient) -> None:
    response = await client.get("/en/")
    assert response.status_code == 200
    assert await response.get_data() == b"index en /en/about /plain"
    response = await client.get("/it/about")
    assert await response.get_data() == b"about it /fr/"
    response = await client.get("/plain")
    assert await response.get_data() == b"plain None /de/"


async def test_url_value_preprocessor_runs_before_before_request(app: Quart) -> None:
    order: list[str] = []

    @app.url_value_preprocessor
    def preprocess(endpoint: str | None, values: dict[str, Any] | None) -> None:
        order.append(f"pre {endpoint} {values}")
        if values:
            values["n"] = values["n"] * 10

    @app.before_request
    async def before() -> None:
        order.append("before")

    @app.route("/n/<int:n>")
    async def view(n: int) -> str:
        order.append("view")
        return str(n)

    response = await app.test_client().get("/n/4")
    assert await response.get_data() == b"40"
    assert order == ["pre view {'n': 4}", "before", "view"]


async def test_url_defaults_with_app_context(app: Quart) -> None:
    app.config["SERVER_NAME"] = "example.test"

    @app.url_defaults
    def defaults(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("v", "1")

    @app.route("/api")
    async def api() -> str:
        return ""

    async with app.app_context():
        assert url_for("api") == "http://example.test/api?v=1"
        assert url_for("api", v="2") == "http://example.test/api?v=2"


# --- redirect ----------------------------------------------------------------


async def test_redirect_default_302(app: Quart) -> None:
    async with app.app_context():
        response = redirect("/target")
    assert isinstance(response, Response)
    assert response.status_code == 302
    assert response.headers["Location"] == "/target"


@pytest.mark.parametrize("code", [301, 303, 307, 308])
async def test_redirect_custom_code(app: Quart, code: int) -> None:
    async with app.app_context():
        response = redirect("https://example.test/elsewhere?a=1", code)
    assert response.status_code == code
    assert response.headers["Location"] == "https://example.test/elsewhere?a=1"


def test_redirect_without_app_context() -> None:
    response = redirect("/x", 307)
    assert response.status_code == 307
    assert response.headers["Location"] == "/x"


async def test_redirect_from_view_matches_flask(
    flask_app: flask.Flask, app: Quart, client: QuartClient
) -> None:
    targets = ["/target?a=1", "relative/path", "https://example.test/abs", "../up"]

    @app.route("/r/<int:i>")
    async def view(i: int) -> Response:
        return redirect(targets[i])

    flask_app.add_url_rule("/r/<int:i>", "view", lambda i: flask.redirect(targets[i]))
    flask_client = flask_app.test_client()
    for i in range(len(targets)):
        response = await client.get(f"/r/{i}")
        flask_response = flask_client.get(f"/r/{i}")
        assert response.status_code == flask_response.status_code == 302
        assert response.headers["Location"] == flask_response.headers["Location"]
        assert b"Redirecting" in await response.get_data()


@pytest.mark.parametrize("target", ["/ü", "/€uro"])
async def test_redirect_non_ascii_location(
    flask_app: flask.Flask, app: Quart, client: QuartClient, target: str
) -> None:
    @app.route("/")
    async def view() -> Response:
        return redirect(target)

    flask_app.add_url_rule("/", "view", lambda: flask.redirect(target))
    expected = flask_app.test_client().get("/").headers["Location"]
    assert expected.isascii()
    response = await client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == expected


async def test_redirect_to_url_for(app: Quart, client: QuartClient) -> None:
    @app.route("/old")
    async def old() -> Response:
        return redirect(url_for("new", x=1), 301)

    @app.route("/new")
    async def new() -> str:
        return f"new {request.args['x']}"

    response = await client.get("/old")
    assert response.status_code == 301
    assert response.headers["Location"] == "/new?x=1"
    followed = await client.get("/old", follow_redirects=True)
    assert await followed.get_data() == b"new 1"


@pytest.mark.usefixtures("app_ctx")
async def test_redirect_uses_app_response_class(app: Quart) -> None:
    class MyResponse(Response):
        pass

    app.response_class = MyResponse
    assert type(redirect("/x")) is MyResponse


# --- abort -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "status", "text"),
    [
        ((404,), 404, b"Not Found"),
        ((400, "the widget is broken"), 400, b"the widget is broken"),
    ],
    ids=["code", "code-and-description"],
)
async def test_abort(
    app: Quart, client: QuartClient, args: tuple[Any, ...], status: int, text: bytes
) -> None:
    @app.route("/")
    async def index() -> str:
        abort(*args)

    response = await client.get("/")
    assert response.status_code == status
    assert text in await response.get_data()


async def test_abort_reaches_error_handler(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def index() -> str:
        abort(400, description="nope")

    @app.errorhandler(400)
    async def handler(error: BadRequest) -> Any:
        return {"error": error.description}, 400

    response = await client.get("/")
    assert response.status_code == 400
    assert await response.get_json() == {"error": "nope"}


async def test_abort_with_response(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def index() -> str:
        abort(await make_response("custom body", 418, {"X-A": "1"}))

    response = await client.get("/")
    assert response.status_code == 418
    assert await response.get_data() == b"custom body"
    assert response.headers["X-A"] == "1"


async def test_abort_with_response_raises_http_exception(app: Quart) -> None:
    async with app.app_context():
        response = Response("x", 401)
        with pytest.raises(HTTPException) as info:
            abort(response)
    assert info.value.response is response


async def test_abort_custom_code(app: Quart, client: QuartClient) -> None:
    class Custom(HTTPException):
        code = 499
        description = "custom thing"

    app.aborter.mapping[499] = Custom

    @app.route("/")
    async def index() -> str:
        abort(499)

    response = await client.get("/")
    assert response.status_code == 499
    assert b"custom thing" in await response.get_data()


async def test_abort_custom_code_error_handler(app: Quart, client: QuartClient) -> None:
    class Custom(HTTPException):
        code = 499
        description = "custom thing"

    app.aborter.mapping[499] = Custom

    @app.errorhandler(Custom)
    async def handler(error: Custom) -> Any:
        return f"handled {error.code}", 200

    @app.route("/")
    async def index() -> str:
        abort(499)

    response = await client.get("/")
    assert response.status_code == 200
    assert await response.get_data() == b"handled 499"


@pytest.mark.usefixtures("app_ctx")
async def test_abort_unknown_code() -> None:
    with pytest.raises(LookupError):
        abort(799)


def test_abort_without_app_context() -> None:
    with pytest.raises(NotFound):
        abort(404)


# --- make_response -----------------------------------------------------------


async def test_make_response_no_args(app: Quart) -> None:
    async with app.test_request_context("/"):
        response = await make_response()
    assert isinstance(response, Response)
    assert response.status_code == 200
    assert await response.get_data() == b""


async def test_make_response_forms(app: Quart) -> None:
    async with app.test_request_context("/"):
        text = await make_response("text")
        raw = await make_response(b"raw")
        status = await make_response("x", 201)
        status_str = await make_response("x", "202 ACCEPTED")
        headers_dict = await make_response("x", {"X-A": "1"})
        headers_list = await make_response("x", [("X-B", "2")])
        full = await make_response("x", 404, {"X-C": "3"})
        as_tuple = await make_response(("x", 418, [("X-D", "4")]))
        json_dict = await make_response({"a": 1}, 201)
        json_list = await make_response([1, 2], {"X-E": "5"})
        existing = Response("y", 203)
        same = await make_response(existing)
        existing_status = await make_response(Response("z"), 410)

    assert await text.get_data() == b"text"
    assert text.status_code == 200
    assert text.mimetype == "text/html"
    assert await raw.get_data() == b"raw"
    assert status.status_code == 201
    assert status_str.status == "202 ACCEPTED"
    assert headers_dict.status_code == 200
    assert headers_dict.headers["X-A"] == "1"
    assert headers_list.headers["X-B"] == "2"
    assert full.status_code == 404
    assert full.headers["X-C"] == "3"
    assert as_tuple.status_code == 418
    assert as_tuple.headers["X-D"] == "4"
    assert json_dict.status_code == 201
    assert json_dict.mimetype == "application/json"
    assert await json_dict.get_json() == {"a": 1}
    assert await json_list.get_json() == [1, 2]
    assert json_list.headers["X-E"] == "5"
    assert same is existing
    assert same.status_code == 203
    assert existing_status.status_code == 410


@pytest.mark.usefixtures("req_ctx")
async def test_make_response_generator(app: Quart) -> None:
    def gen() -> Iterator[str]:
        yield "a"
        yield "b"

    response = await make_response(gen())
    assert await response.get_data() == b"ab"


@pytest.mark.usefixtures("req_ctx")
async def test_make_response_invalid() -> None:
    with pytest.raises(TypeError):
        await make_response(None)
    with pytest.raises(TypeError):
        await make_response(1.5)
    with pytest.raises(TypeError):
        await make_response(("a", 200, {}, "extra"))


async def test_make_response_in_view(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def index() -> Response:
        response = await make_response("body", 202)
        response.headers["X-Extra"] = "yes"
        response.set_cookie("k", "v")
        return response

    response = await client.get("/")
    assert response.status_code == 202
    assert response.headers["X-Extra"] == "yes"
    assert "k=v" in response.headers["Set-Cookie"]
    assert await response.get_data() == b"body"


async def test_make_response_matches_flask(flask_app: flask.Flask, app: Quart) -> None:
    cases: list[tuple[Any, ...]] = [
        ("x",),
        ("x", 201),
        ("x", "299 CUSTOM"),
        ("x", {"X-A": "1"}),
        ("x", 404, [("X-B", "2")]),
        ({"a": [1]},),
        ([1, "b"], 202),
    ]
    with flask_app.test_request_context():
        expected = []
        for args in cases:
            frv = flask.make_response(*args)
            expected.append(
                (frv.status, frv.mimetype, frv.get_data(), frv.headers.get("X-A"))
            )
    async with app.test_request_context("/"):
        actual = []
        for args in cases:
            rv = await make_response(*args)
            actual.append(
                (rv.status, rv.mimetype, await rv.get_data(), rv.headers.get("X-A"))
            )
    assert actual == expected


# --- after_this_request ------------------------------------------------------


async def test_after_this_request(app: Quart, client: QuartClient) -> None:
    order: list[str] = []

    @app.after_request
    async def after(response: Response) -> Response:
        order.append("after_request")
        return response

    @app.route("/")
    async def index() -> str:
        @after_this_request
        async def add_header(response: Response) -> Response:
            order.append("after_this_request")
            response.headers["X-Foo"] = "bar"
            return response

        @after_this_request
        def sync_hook(response: Response) -> Response:
            order.append("sync")
            response.headers["X-Sync"] = "1"
            return response

        return "index"

    response = await client.get("/")
    assert response.headers["X-Foo"] == "bar"
    assert response.headers["X-Sync"] == "1"
    assert order == ["after_this_request", "sync", "after_request"]
    order.clear()
    response = await client.get("/")
    assert order == ["after_this_request", "sync", "after_request"]


async def test_after_this_request_only_for_that_request(
    app: Quart, client: QuartClient
) -> None:
    @app.route("/")
    async def index() -> str:
        if request.args.get("hook"):

            @after_this_request
            async def hook(response: Response) -> Response:
                response.headers["X-Hook"] = "1"
                return response

        return "x"

    assert (await client.get("/?hook=1")).headers.get("X-Hook") == "1"
    assert "X-Hook" not in (await client.get("/")).headers


async def test_after_this_request_can_replace_response(
    app: Quart, client: QuartClient
) -> None:
    @app.route("/")
    async def index() -> str:
        @after_this_request
        async def replace(response: Response) -> Response:
            return Response("replaced", 201)

        return "original"

    response = await client.get("/")
    assert response.status_code == 201
    assert await response.get_data() == b"replaced"


async def test_after_this_request_in_test_request_context(app: Quart) -> None:
    async with app.test_request_context("/"):

        @after_this_request
        def hook(response: Response) -> Response:
            response.headers["X-T"] = "t"
            return response

        response = await app.process_response(Response("x"))
    assert response.headers["X-T"] == "t"


async def test_after_this_request_outside_request(app: Quart) -> None:
    def hook(response: Response) -> Response:
        return response

    with pytest.raises(RuntimeError, match="request context"):
        after_this_request(hook)
    async with app.app_context():
        with pytest.raises(RuntimeError):
            after_this_request(hook)


# -- files with only an app context -------------------------------------------
@pytest.mark.usefixtures("app_ctx")
async def test_send_file_with_only_an_app_context(app: Quart, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    response = await send_file(tmp_path / "notes.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert await response.get_data() == b"hello"
    assert "ETag" in response.headers
    # No request: nothing to be conditional on, the whole file is sent.
    assert "Accept-Ranges" not in response.headers

    response = await send_from_directory(tmp_path, "notes.txt", as_attachment=True)
    assert response.headers["Content-Disposition"] == ("attachment; filename=notes.txt")
    assert await response.get_data() == b"hello"

    response = await send_file(io.BytesIO(b"%PDF"), mimetype="application/pdf")
    assert await response.get_data() == b"%PDF"

    with pytest.raises(NotFound):
        await send_from_directory(tmp_path, "../notes.txt")


@pytest.mark.usefixtures("app_ctx")
async def test_send_file_quart_argument_names(app: Quart, tmp_path: Path) -> None:
    (tmp_path / "data.bin").write_bytes(b"0123456789")
    response = await send_file(
        tmp_path / "data.bin",
        as_attachment=True,
        attachment_filename="report.csv",
        add_etags=False,
        cache_timeout=60,
    )
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=report.csv"
    )
    assert response.mimetype == "text/csv"
    assert "ETag" not in response.headers
    assert response.cache_control.max_age == 60
    response = await send_from_directory(tmp_path, file_name="data.bin")
    assert await response.get_data() == b"0123456789"
    assert response.mimetype == DEFAULT_MIMETYPE == "application/octet-stream"
    with pytest.raises(TypeError, match="path"):
        await send_from_directory(tmp_path)


# -- packages and the instance folder -----------------------------------------
@pytest.fixture
def importable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder for throw-away modules; they are forgotten afterwards."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        filename = getattr(sys.modules[name], "__file__", None) or ""
        if filename.startswith(str(tmp_path)):
            del sys.modules[name]


def _write(path: Path, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _on_path(folder: Path) -> None:
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()


def _flask_find_package(name: str) -> tuple[Path | None, Path]:
    prefix, path = flask_scaffold.find_package(name)
    return (None if prefix is None else Path(prefix)), Path(path)


def test_find_package_not_installed(importable: Path) -> None:
    src = importable / "src"
    _write(src / "fp_module.py")
    _write(src / "fp_package" / "__init__.py")
    _write(src / "fp_package" / "views.py")
    _on_path(src)
    for name in ("fp_module", "fp_package", "fp_package.views"):
        assert find_package(name) == (None, src) == _flask_find_package(name)


def test_find_package_namespace_package(importable: Path) -> None:
    first, second = importable / "a", importable / "b"
    _write(first / "fp_ns" / "one.py")
    _write(second / "fp_ns" / "two" / "__init__.py")
    _on_path(second)
    _on_path(first)
    assert find_package("fp_ns.two") == (None, second)
    assert find_package("fp_ns.two") == _flask_find_package("fp_ns.two")
    assert find_package("fp_ns.one") == (None, first)


@pytest.mark.parametrize(
    "layout",
    ["lib/python3.11/site-packages", "Lib/site-packages", "site-packages"],
    ids=["unix-venv", "windows-venv", "flat"],
)
def test_find_package_installed_in_a_virtualenv(importable: Path, layout: str) -> None:
    prefix = importable / "env"
    site = prefix / layout
    _write(site / "fp_installed" / "__init__.py")
    _on_path(site)
    expected = (prefix, site)
    assert find_package("fp_installed") == expected
    assert _flask_find_package("fp_installed") == expected


def test_find_package_installed_in_the_system(
    importable: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = importable / "usr"
    site = prefix / "lib" / "python3" / "dist-packages"
    _write(site / "fp_system.py")
    _on_path(site)
    monkeypatch.setattr(sys, "prefix", str(prefix))
    assert find_package("fp_system") == (prefix, site)
    assert _flask_find_package("fp_system") == (prefix, site)


@pytest.mark.parametrize("name", ["fp_does_not_exist", "sys"])
def test_find_package_unknown_is_the_working_directory(name: str) -> None:
    assert find_package(name) == (None, Path.cwd())


def test_find_package_of_main_is_that_of_the_script() -> None:
    # ``python -m pytest`` gives __main__ a spec; the ``pytest`` script not.
    assert find_package("__main__") == _flask_find_package("__main__")


def test_instance_path_of_a_package_app_is_beside_the_package(
    importable: Path,
) -> None:
    src = importable / "src"
    _write(
        src / "fp_app" / "__init__.py",
        "from quart import Quart\napp = Quart(__name__)\n",
    )
    _write(src / "fp_module_app.py", "from quart import Quart\napp = Quart(__name__)\n")
    _on_path(src)
    package_app = importlib.import_module("fp_app").app
    module_app = importlib.import_module("fp_module_app").app
    assert package_app.root_path == str(src / "fp_app")
    assert package_app.instance_path == str(src / "instance")
    assert module_app.instance_path == str(src / "instance")
    assert package_app.instance_path == flask.Flask("fp_app").instance_path


def test_instance_path_of_an_installed_app(importable: Path) -> None:
    prefix = importable / "env"
    site = prefix / "lib" / "python3.11" / "site-packages"
    _write(site / "fp_app_installed" / "__init__.py")
    _on_path(site)
    app = Quart("fp_app_installed")
    assert app.instance_path == str(prefix / "var" / "fp_app_installed-instance")
    assert app.instance_path == flask.Flask("fp_app_installed").instance_path


# -- small helpers ------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        (None, True, True),
        (None, False, False),
        ("", True, True),
        ("1", True, False),
        ("yes", True, False),
        ("0", True, True),
        ("False", False, True),
        ("no", True, True),
    ],
)
def test_get_load_dotenv(
    monkeypatch: pytest.MonkeyPatch, value: str | None, default: bool, expected: bool
) -> None:
    if value is None:
        monkeypatch.delenv("QUART_SKIP_DOTENV", raising=False)
    else:
        monkeypatch.setenv("QUART_SKIP_DOTENV", value)
    assert get_load_dotenv(default) is expected


def test_locked_cached_property_computes_once_across_threads() -> None:
    calls: list[int] = []
    started = threading.Barrier(8)

    class Thing:
        @locked_cached_property
        def value(self) -> int:
            """The answer."""
            calls.append(1)
            time.sleep(0.05)  # the other threads arrive meanwhile
            return 42

    thing = Thing()

    def read() -> int:
        started.wait(timeout=5)
        return thing.value

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: read(), range(8)))
    assert results == [42] * 8
    assert calls == [1]
    assert isinstance(Thing.__dict__["value"], locked_cached_property)
    assert Thing.value.__doc__ == "The answer."
    thing.value = 7
    assert thing.value == 7
    del thing.value
    assert thing.value == 42
    assert calls == [1, 1]


def test_get_template_attribute_is_sync_and_top_level() -> None:
    assert quart.get_template_attribute is quart.helpers.get_template_attribute
    assert not inspect.iscoroutinefunction(quart.get_template_attribute)
