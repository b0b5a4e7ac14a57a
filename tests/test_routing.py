"""Routing through the public API: rules, converters, methods, automatic
HEAD/OPTIONS, redirects, hosts and subdomains, root paths, trusted hosts.

Where the outcome is easy to get subtly wrong (Allow sets, redirect
locations, host matching) the same scenario also runs in Flask and the two
must agree.
"""

from __future__ import annotations

import contextlib
import uuid
import warnings
from collections.abc import Callable
from typing import Any

import flask
import pytest
from asgi_scopes import http_scope
from werkzeug.routing import BaseConverter

from quart import Quart
from quart import request
from quart import url_for
from quart.testing import QuartClient

METHOD_SHORTCUTS = ["get", "post", "put", "patch", "delete"]


def _allow(header: str | None) -> set[str]:
    assert header is not None, "no Allow header"
    return {item.strip() for item in header.split(",") if item.strip()}


# --- route and the method shortcuts ------------------------------------------


async def test_route_defaults_to_get(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def index() -> str:
        return "index"

    response = await client.get("/")
    assert response.status_code == 200
    assert await response.get_data() == b"index"
    assert (await client.post("/")).status_code == 405


async def test_route_with_methods(app: Quart, client: QuartClient) -> None:
    @app.route("/item", methods=["post", "PUT"])
    async def item() -> str:
        return request.method

    assert await (await client.post("/item")).get_data() == b"POST"
    assert await (await client.put("/item")).get_data() == b"PUT"
    assert (await client.get("/item")).status_code == 405
    assert (await client.delete("/item")).status_code == 405


async def test_route_sync_view(app: Quart, client: QuartClient) -> None:
    @app.route("/sync/<name>")
    def sync_view(name: str) -> str:
        return f"{request.path} {name}"

    response = await client.get("/sync/bob")
    assert await response.get_data() == b"/sync/bob bob"


def test_route_methods_as_string_is_type_error(app: Quart) -> None:
    with pytest.raises(TypeError):

        @app.route("/", methods="POST")
        async def index() -> str:
            return ""


def test_route_returns_the_function(app: Quart) -> None:
    async def index() -> str:
        return ""

    assert app.route("/")(index) is index
    assert app.view_functions["index"] is index


@pytest.mark.parametrize("name", METHOD_SHORTCUTS)
async def test_method_shortcuts(app: Quart, client: QuartClient, name: str) -> None:
    method = name.upper()

    shortcut: Callable[[str], Callable[[Any], Any]] = getattr(app, name)

    @shortcut("/thing")
    async def thing() -> str:
        return f"{request.method} {request.endpoint}"

    response = await client.open("/thing", method=method)
    assert response.status_code == 200
    assert await response.get_data() == f"{method} thing".encode()
    other = "POST" if method == "GET" else "GET"
    response = await client.open("/thing", method=other)
    assert response.status_code == 405
    expected = {method, "OPTIONS"} | ({"HEAD"} if method == "GET" else set())
    assert _allow(response.headers.get("Allow")) == expected


@pytest.mark.parametrize("name", METHOD_SHORTCUTS)
def test_method_shortcuts_reject_methods(app: Quart, name: str) -> None:
    with pytest.raises(TypeError):
        getattr(app, name)("/", methods=["GET"])


async def test_method_shortcuts_accept_options(app: Quart, client: QuartClient) -> None:
    @app.post("/ep", endpoint="named")
    async def view() -> str:
        return request.endpoint or ""

    async with app.test_request_context():
        assert url_for("named") == "/ep"
    assert await (await client.post("/ep")).get_data() == b"named"


# --- add_url_rule, endpoints ---------------------------------------------------


async def test_add_url_rule_with_endpoint(app: Quart, client: QuartClient) -> None:
    async def view() -> str:
        return f"{request.endpoint} {request.url_rule.rule}"  # type: ignore[union-attr]

    app.add_url_rule("/a", "custom", view)
    app.add_url_rule("/b", view_func=view, methods=["POST"])
    assert app.view_functions == {
        "static": app.view_functions["static"],
        "custom": view,
        "view": view,
    }
    assert await (await client.get("/a")).get_data() == b"custom /a"
    assert await (await client.post("/b")).get_data() == b"view /b"
    async with app.test_request_context():
        assert url_for("custom") == "/a"
        assert url_for("view") == "/b"


async def test_same_view_on_two_rules(app: Quart, client: QuartClient) -> None:
    @app.route("/one")
    @app.route("/two")
    async def shared() -> str:
        return request.path

    assert await (await client.get("/one")).get_data() == b"/one"
    assert await (await client.get("/two")).get_data() == b"/two"


def test_duplicate_endpoint_is_assertion_error(app: Quart) -> None:
    @app.route("/a")
    async def view() -> str:
        return "a"

    async def other() -> str:
        return "b"

    with pytest.raises(AssertionError, match="view"):
        app.add_url_rule("/b", "view", other)
    with pytest.raises(AssertionError):

        @app.route("/c", endpoint="view")
        async def third() -> str:
            return "c"

    assert app.view_functions["view"] is view


def test_add_url_rule_without_view_or_endpoint(app: Quart) -> None:
    with pytest.raises(AssertionError):
        app.add_url_rule("/x")


async def test_endpoint_decorator(app: Quart, client: QuartClient) -> None:
    app.add_url_rule("/late", "late")

    @app.endpoint("late")
    async def late() -> str:
        return f"late {request.endpoint}"

    assert app.view_functions["late"] is late
    response = await client.get("/late")
    assert response.status_code == 200
    assert await response.get_data() == b"late late"


async def test_rule_without_view_is_server_error(app: Quart) -> None:
    app.testing = False
    app.add_url_rule("/orphan", "orphan")
    response = await app.test_client().get("/orphan")
    assert response.status_code == 500


# --- converters ----------------------------------------------------------------


async def test_int_converter(app: Quart, client: QuartClient) -> None:
    @app.route("/int/<int:n>")
    async def view(n: int) -> str:
        return repr(n)

    @app.route("/signed/<int(signed=True):n>")
    async def signed(n: int) -> str:
        return repr(n)

    @app.route("/bounded/<int(min=1, max=9):n>")
    async def bounded(n: int) -> str:
        return repr(n)

    assert await (await client.get("/int/42")).get_data() == b"42"
    assert (await client.get("/int/abc")).status_code == 404
    assert (await client.get("/int/-3")).status_code == 404
    assert (await client.get("/int/4.5")).status_code == 404
    assert await (await client.get("/signed/-3")).get_data() == b"-3"
    assert await (await client.get("/bounded/9")).get_data() == b"9"
    assert (await client.get("/bounded/10")).status_code == 404
    async with app.test_request_context():
        assert url_for("view", n=7) == "/int/7"


async def test_float_converter(app: Quart, client: QuartClient) -> None:
    @app.route("/float/<float:x>")
    async def view(x: float) -> str:
        assert isinstance(x, float)
        return repr(x)

    assert await (await client.get("/float/1.5")).get_data() == b"1.5"
    assert (await client.get("/float/2")).status_code == 404
    assert (await client.get("/float/abc")).status_code == 404
    async with app.test_request_context():
        assert url_for("view", x=2.25) == "/float/2.25"


async def test_path_converter(app: Quart, client: QuartClient) -> None:
    @app.route("/files/<path:name>")
    async def view(name: str) -> str:
        return name

    response = await client.get("/files/a/b/c.txt")
    assert await response.get_data() == b"a/b/c.txt"
    async with app.test_request_context():
        assert url_for("view", name="x/y z") == "/files/x/y%20z"


async def test_default_string_converter_rejects_slash(
    app: Quart, client: QuartClient
) -> None:
    @app.route("/s/<name>")
    async def view(name: str) -> str:
        return name

    assert await (await client.get("/s/hello%20world")).get_data() == b"hello world"
    assert (await client.get("/s/a/b")).status_code == 404


async def test_uuid_converter(app: Quart, client: QuartClient) -> None:
    seen: list[Any] = []

    @app.route("/u/<uuid:ident>")
    async def view(ident: uuid.UUID) -> str:
        seen.append(ident)
        return str(ident)

    value = uuid.uuid4()
    response = await client.get(f"/u/{value}")
    assert response.status_code == 200
    assert seen == [value]
    assert isinstance(seen[0], uuid.UUID)
    assert (await client.get("/u/not-a-uuid")).status_code == 404
    async with app.test_request_context():
        assert url_for("view", ident=value) == f"/u/{value}"


async def test_string_converter_length_args(app: Quart, client: QuartClient) -> None:
    @app.route("/code/<string(length=3):code>")
    async def exact(code: str) -> str:
        return code

    @app.route("/name/<string(minlength=2, maxlength=4):name>")
    async def ranged(name: str) -> str:
        return name

    assert await (await client.get("/code/abc")).get_data() == b"abc"
    assert (await client.get("/code/ab")).status_code == 404
    assert (await client.get("/code/abcd")).status_code == 404
    assert (await client.get("/name/a")).status_code == 404
    assert await (await client.get("/name/ab")).get_data() == b"ab"
    assert await (await client.get("/name/abcd")).get_data() == b"abcd"
    assert (await client.get("/name/abcde")).status_code == 404


async def test_any_converter(app: Quart, client: QuartClient) -> None:
    @app.route("/<any(about, help, 'contact-us'):page>")
    async def view(page: str) -> str:
        return page

    for page in ("about", "help", "contact-us"):
        assert await (await client.get(f"/{page}")).get_data() == page.encode()
    assert (await client.get("/other")).status_code == 404
    async with app.test_request_context():
        assert url_for("view", page="help") == "/help"


class ListConverter(BaseConverter):
    """``a,b,c`` in the URL, a list in the view."""

    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, value: Any) -> str:
        base = super().to_url
        return ",".join(base(item) for item in value)


async def test_custom_converter(client: QuartClient, app: Quart) -> None:
    app.url_map.converters["list"] = ListConverter

    @app.route("/tags/<list:tags>")
    async def tags(tags: list[str]) -> dict[str, Any]:
        return {"tags": tags}

    response = await client.get("/tags/a,b,c")
    assert await response.get_json() == {"tags": ["a", "b", "c"]}
    async with app.test_request_context():
        assert url_for("tags", tags=["x", "y z"]) == "/tags/x,y%20z"


async def test_view_args_in_test_request_context(app: Quart) -> None:
    @app.route("/int/<int:n>")
    async def view(n: int) -> str:
        return ""

    async with app.test_request_context("/int/5"):
        assert request.view_args == {"n": 5}
        assert request.endpoint == "view"
        assert request.url_rule is not None
        assert request.url_rule.rule == "/int/<int:n>"


# --- defaults ------------------------------------------------------------------


async def test_defaults(
    flask_app: flask.Flask, app: Quart, client: QuartClient
) -> None:
    @app.route("/page/", defaults={"n": 1})
    @app.route("/page/<int:n>")
    async def page(n: int) -> str:
        return f"page {n}"

    assert await (await client.get("/page/")).get_data() == b"page 1"
    assert await (await client.get("/page/2")).get_data() == b"page 2"
    # The default value's own URL redirects to the canonical one, as in Flask.
    response = await client.get("/page/1")
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/page/"
    async with app.test_request_context():
        assert url_for("page") == "/page/"
        assert url_for("page", n=1) == "/page/"
        assert url_for("page", n=3) == "/page/3"

    @flask_app.route("/page/", defaults={"n": 1})
    @flask_app.route("/page/<int:n>")
    def fpage(n: int) -> str:
        return f"page {n}"

    flask_response = flask_app.test_client().get("/page/1")
    assert flask_response.status_code == response.status_code
    assert flask_response.headers["Location"] == response.headers["Location"]


async def test_defaults_without_variable(app: Quart, client: QuartClient) -> None:
    @app.route("/feed", defaults={"fmt": "rss"})
    async def feed(fmt: str) -> str:
        return fmt

    assert await (await client.get("/feed")).get_data() == b"rss"


# --- automatic HEAD and OPTIONS ----------------------------------------------


async def test_automatic_head(app: Quart, client: QuartClient) -> None:
    calls: list[str] = []

    @app.route("/")
    async def index() -> Any:
        calls.append(request.method)
        return "hello world", 200, {"X-Custom": "yes"}

    get = await client.get("/")
    head = await client.head("/")
    assert head.status_code == 200
    assert await head.get_data() == b""
    assert head.headers["X-Custom"] == "yes"
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert calls == ["GET", "HEAD"]


async def test_automatic_head_asgi_keeps_content_length(app: Quart) -> None:
    """At the ASGI level a HEAD response has the GET headers and no body."""

    @app.route("/")
    async def index() -> Any:
        return "hello world", 200, {"X-Custom": "yes"}

    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = http_scope(method="HEAD")
    await app(scope, receive, send)  # type: ignore[arg-type]
    assert messages[0]["type"] == "http.response.start"
    assert messages[0]["status"] == 200
    headers = dict(messages[0]["headers"])
    assert headers[b"content-length"] == b"11"
    assert headers[b"x-custom"] == b"yes"
    assert b"".join(m.get("body", b"") for m in messages[1:]) == b""


async def test_automatic_head_client_keeps_content_length(
    flask_app: flask.Flask, app: Quart, client: QuartClient
) -> None:
    @app.route("/")
    async def index() -> str:
        return "hello world"

    head = await client.head("/")
    flask_app.add_url_rule("/", "index", lambda: "hello world")
    assert flask_app.test_client().head("/").headers["Content-Length"] == "11"
    assert head.headers.get("Content-Length") == "11"


async def test_head_not_allowed_without_get(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def index() -> str:
        return "x"

    response = await client.head("/")
    assert response.status_code == 405


async def test_automatic_options(
    flask_app: flask.Flask, app: Quart, client: QuartClient
) -> None:
    called = False

    @app.route("/", methods=["GET", "POST"])
    async def index() -> str:
        nonlocal called
        called = True
        return "index"

    response = await client.options("/")
    assert response.status_code == 200
    assert _allow(response.headers.get("Allow")) == {"GET", "HEAD", "POST", "OPTIONS"}
    assert await response.get_data() == b""
    assert not called

    flask_app.add_url_rule("/", "index", lambda: "index", methods=["GET", "POST"])
    flask_allow = flask_app.test_client().options("/").headers.get("Allow")
    assert _allow(response.headers.get("Allow")) == _allow(flask_allow)


async def test_automatic_options_lists_all_rules_for_path(
    app: Quart, client: QuartClient
) -> None:
    @app.get("/x")
    async def read() -> str:
        return "r"

    @app.delete("/x")
    async def remove() -> str:
        return "d"

    response = await client.options("/x")
    assert response.status_code == 200
    assert _allow(response.headers.get("Allow")) == {"GET", "HEAD", "DELETE", "OPTIONS"}


async def test_provide_automatic_options_false(
    flask_app: flask.Flask, app: Quart, client: QuartClient
) -> None:
    async def view() -> str:
        return "x"

    app.add_url_rule("/", "index", view, provide_automatic_options=False)
    response = await client.options("/")
    assert response.status_code == 405
    assert _allow(response.headers.get("Allow")) == {"GET", "HEAD"}

    flask_app.add_url_rule("/", "index", lambda: "x", provide_automatic_options=False)
    flask_response = flask_app.test_client().options("/")
    assert flask_response.status_code == response.status_code
    assert _allow(flask_response.headers.get("Allow")) == _allow(
        response.headers.get("Allow")
    )


async def test_provide_automatic_options_view_attribute(
    app: Quart, client: QuartClient
) -> None:
    async def view() -> str:
        return "x"

    view.provide_automatic_options = False  # type: ignore[attr-defined]
    app.add_url_rule("/", "index", view)
    assert (await client.options("/")).status_code == 405


async def test_explicit_options_method_calls_view(
    app: Quart, client: QuartClient
) -> None:
    @app.route("/", methods=["GET", "OPTIONS"])
    async def index() -> Any:
        return "custom", 200, {"Allow": "GET"}

    response = await client.options("/")
    assert await response.get_data() == b"custom"
    assert response.headers["Allow"] == "GET"


async def test_provide_automatic_options_config(
    app: Quart, client: QuartClient
) -> None:
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False

    @app.route("/")
    async def index() -> str:
        return "x"

    response = await client.options("/")
    assert response.status_code == 405
    assert "OPTIONS" not in _allow(response.headers.get("Allow"))


async def test_provide_automatic_options_config_override(
    flask_app: flask.Flask, app: Quart, client: QuartClient
) -> None:
    """As in Flask, an explicit ``provide_automatic_options=True`` answers
    OPTIONS automatically but only adds it to the methods if the config
    does; so with the config off OPTIONS must be listed."""
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    called = False

    async def view() -> str:
        nonlocal called
        called = True
        return "x"

    app.add_url_rule("/", "index", view, provide_automatic_options=True)
    app.add_url_rule(
        "/o", "listed", view, provide_automatic_options=True, methods=["GET", "OPTIONS"]
    )
    implicit = await client.options("/")
    listed = await client.options("/o")
    assert listed.status_code == 200
    assert await listed.get_data() == b""
    assert _allow(listed.headers.get("Allow")) == {"GET", "HEAD", "OPTIONS"}
    assert not called

    flask_app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    flask_app.add_url_rule("/", "index", lambda: "x", provide_automatic_options=True)
    flask_app.add_url_rule(
        "/o",
        "listed",
        lambda: "x",
        provide_automatic_options=True,
        methods=["GET", "OPTIONS"],
    )
    flask_client = flask_app.test_client()
    assert flask_client.options("/").status_code == implicit.status_code
    assert flask_client.options("/o").status_code == listed.status_code


# --- 405 and 404 ---------------------------------------------------------------


async def test_405_allow_header(
    flask_app: flask.Flask, app: Quart, client: QuartClient
) -> None:
    @app.route("/", methods=["GET", "POST"])
    async def index() -> str:
        return "x"

    @app.put("/")
    async def replace() -> str:
        return "y"

    response = await client.delete("/")
    assert response.status_code == 405
    allow = _allow(response.headers.get("Allow"))
    assert allow == {"GET", "HEAD", "POST", "PUT", "OPTIONS"}

    flask_app.add_url_rule("/", "index", lambda: "x", methods=["GET", "POST"])
    flask_app.add_url_rule("/", "replace", lambda: "y", methods=["PUT"])
    flask_response = flask_app.test_client().delete("/")
    assert flask_response.status_code == 405
    assert _allow(flask_response.headers.get("Allow")) == allow


async def test_405_error_handler(app: Quart, client: QuartClient) -> None:
    @app.post("/")
    async def index() -> str:
        return "x"

    @app.errorhandler(405)
    async def not_allowed(error: Any) -> Any:
        return f"nope {sorted(error.valid_methods)}", 405

    response = await client.get("/")
    assert response.status_code == 405
    assert await response.get_data() == b"nope ['OPTIONS', 'POST']"


async def test_404(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def index() -> str:
        return "x"

    response = await client.get("/missing")
    assert response.status_code == 404
    assert b"Not Found" in await response.get_data()
    assert (await client.post("/missing")).status_code == 404


async def test_404_error_handler(app: Quart, client: QuartClient) -> None:
    @app.errorhandler(404)
    async def not_found(error: Any) -> Any:
        return f"missing {request.path}", 404

    response = await client.get("/nowhere")
    assert response.status_code == 404
    assert await response.get_data() == b"missing /nowhere"


# --- strict slashes ------------------------------------------------------------


async def test_strict_slash_redirect(
    flask_app: flask.Flask, app: Quart, client: QuartClient
) -> None:
    @app.route("/foo/")
    async def foo() -> str:
        return "foo"

    response = await client.get("/foo")
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/foo/"

    flask_app.add_url_rule("/foo/", "foo", lambda: "foo")
    flask_response = flask_app.test_client().get("/foo")
    assert flask_response.status_code == 308
    assert flask_response.headers["Location"] == response.headers["Location"]

    followed = await client.get("/foo", follow_redirects=True)
    assert followed.status_code == 200
    assert await followed.get_data() == b"foo"
    assert [r.status_code for r in followed.history] == [308]  # type: ignore[attr-defined]
    assert (await client.get("/foo/")).status_code == 200


async def test_strict_slash_redirect_keeps_method(
    app: Quart, client: QuartClient
) -> None:
    @app.route("/form/", methods=["POST"])
    async def form() -> str:
        data: bytes = await request.get_data()
        return data.decode()

    response = await client.post("/form", data=b"body")
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/form/"
    followed = await client.post("/form", data=b"body", follow_redirects=True)
    assert await followed.get_data() == b"body"


async def test_strict_slash_redirect_keeps_query_string(
    flask_app: flask.Flask, app: Quart, client: QuartClient
) -> None:
    @app.route("/foo/")
    async def foo() -> str:
        return f"foo {request.query_string.decode()}"

    response = await client.get("/foo", query_string={"x": "1", "y": "a b"})
    assert response.status_code == 308

    flask_app.add_url_rule("/foo/", "foo", lambda: "foo")
    flask_response = flask_app.test_client().get(
        "/foo", query_string={"x": "1", "y": "a b"}
    )
    assert flask_response.headers["Location"] == "http://localhost/foo/?x=1&y=a+b"
    assert response.headers["Location"] == flask_response.headers["Location"]

    followed = await client.get("/foo?x=1", follow_redirects=True)
    assert followed.status_code == 200
    assert await followed.get_data() == b"foo x=1"


@pytest.mark.parametrize(
    ("query_string", "location"),
    [("x=1", "http://localhost/r/foo/?x=1"), (None, "http://localhost/r/foo/")],
    ids=["with-query", "without-query"],
)
async def test_strict_slash_redirect_keeps_root_path(
    app: Quart, client: QuartClient, query_string: str | None, location: str
) -> None:
    @app.route("/foo/")
    async def foo() -> str:
        return "foo"

    response = await client.get("/foo", query_string=query_string, root_path="/r")
    assert response.status_code == 308
    assert response.headers["Location"] == location


async def test_strict_slash_redirect_is_to_the_requests_own_host(
    flask_app: flask.Flask, app: Quart, client: QuartClient
) -> None:
    """Requests are matched with one adapter for the app, but a redirect
    is built from the request's own host, scheme and root path, whichever
    request came first."""

    @app.route("/foo/")
    async def foo() -> str:
        return "foo"

    flask_app.add_url_rule("/foo/", "foo", lambda: "foo")
    flask_client = flask_app.test_client()
    for host, scheme, root in [
        ("a.example", "http", ""),
        ("b.example:8080", "https", "/r"),
        ("a.example", "https", ""),
    ]:
        response = await client.get(
            "/foo", headers={"Host": host}, scheme=scheme, root_path=root
        )
        expected = flask_client.get(
            "/foo", headers={"Host": host}, base_url=f"{scheme}://{host}{root}"
        )
        assert response.status_code == 308
        assert response.headers["Location"] == f"{scheme}://{host}{root}/foo/"
        assert response.headers["Location"] == expected.headers["Location"]


async def test_the_requests_url_adapter_is_its_own(
    app: Quart, client: QuartClient
) -> None:
    """``request_ctx.url_adapter`` is bound to the request's host, scheme
    and root path when read, as Flask binds it for every request."""
    from quart.globals import request_ctx

    @app.get("/where")
    async def where() -> str:
        adapter = request_ctx.url_adapter
        assert adapter is not None
        return f"{adapter.url_scheme} {adapter.server_name} {adapter.script_name}"

    response = await client.get("/where", headers={"Host": "a.example"})
    assert await response.get_data() == b"http a.example /"
    response = await client.get(
        "/r/where", headers={"Host": "b.example"}, scheme="https", root_path="/r"
    )
    assert await response.get_data() == b"https b.example /r/"


async def test_create_url_adapter_replaced_after_serving_is_called(
    app: Quart, client: QuartClient
) -> None:
    """A ``create_url_adapter`` replaced on the app, even after it served,
    is called for every request, as it may decide the match."""

    @app.get("/")
    async def index() -> str:
        return "index"

    assert (await client.get("/")).status_code == 200
    seen: list[str | None] = []
    create = app.create_url_adapter

    def create_url_adapter(request: Any) -> Any:
        seen.append(None if request is None else request.path)
        return create(request)

    app.create_url_adapter = create_url_adapter  # type: ignore[method-assign]
    assert (await client.get("/")).status_code == 200
    assert (await client.get("/missing")).status_code == 404
    assert seen == ["/", "/missing"]


async def test_no_redirect_for_rule_without_slash(
    app: Quart, client: QuartClient
) -> None:
    @app.route("/bar")
    async def bar() -> str:
        return "bar"

    assert (await client.get("/bar/")).status_code == 404


async def test_strict_slashes_false(
    flask_app: flask.Flask, app: Quart, client: QuartClient
) -> None:
    @app.route("/foo/", strict_slashes=False)
    async def foo() -> str:
        return "foo"

    @app.route("/bar", strict_slashes=False)
    async def bar() -> str:
        return "bar"

    for path, body in [("/foo", b"foo"), ("/foo/", b"foo"), ("/bar", b"bar")]:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert await response.get_data() == body

    flask_app.add_url_rule("/bar", "bar", lambda: "bar", strict_slashes=False)
    flask_status = flask_app.test_client().get("/bar/").status_code
    assert (await client.get("/bar/")).status_code == flask_status


async def test_map_strict_slashes_false(app: Quart, client: QuartClient) -> None:
    app.url_map.strict_slashes = False

    @app.route("/foo/")
    async def foo() -> str:
        return "foo"

    response = await client.get("/foo")
    assert response.status_code == 200
    assert await response.get_data() == b"foo"


# --- host matching -------------------------------------------------------------


def _host_views(
    url_for_: Callable[..., str], request_: Any
) -> list[tuple[str, str, Callable[..., Any]]]:
    """The same views for both frameworks (bodies are plain strings)."""

    def a_view() -> str:
        return (
            f"a {url_for_('b_view')} {url_for_('c_view', sub='x')} {url_for_('a_view')}"
        )

    def b_view() -> str:
        return f"b {request_.host}"

    def c_view(sub: str) -> str:
        return f"c {sub}"

    return [
        ("a.test", "/", a_view),
        ("b.test", "/", b_view),
        ("<sub>.c.test", "/c", c_view),
    ]


async def test_host_matching() -> None:
    # host_matching is a constructor option: these apps are its subject.
    app = Quart(__name__, host_matching=True, static_folder=None)
    app.testing = True
    flask_app = flask.Flask(__name__, host_matching=True, static_folder=None)
    flask_app.testing = True
    for host, rule, view in _host_views(url_for, request):
        app.add_url_rule(rule, view.__name__, view, host=host)
    for host, rule, view in _host_views(flask.url_for, flask.request):
        flask_app.add_url_rule(rule, view.__name__, view, host=host)
    client = app.test_client()
    flask_client = flask_app.test_client()

    cases = [
        ("/", "a.test"),
        ("/", "b.test"),
        ("/c", "zz.c.test"),
        ("/", "zz.c.test"),
        ("/", "unknown.test"),
        ("/c", "a.test"),
    ]
    for path, host in cases:
        response = await client.get(path, headers={"Host": host})
        flask_response = flask_client.get(path, headers={"Host": host})
        assert response.status_code == flask_response.status_code, (path, host)
        if response.status_code == 200:
            assert await response.get_data() == flask_response.data, (path, host)

    response = await client.get("/", headers={"Host": "a.test"})
    assert await response.get_data() == b"a http://b.test/ http://x.c.test/c /"
    response = await client.get("/c", headers={"Host": "zz.c.test"})
    assert await response.get_data() == b"c zz"


async def test_host_matching_static_host() -> None:
    app = Quart(__name__, host_matching=True, static_host="static.test")
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "static")
    assert rule.host == "static.test"
    with pytest.raises(AssertionError):
        Quart(__name__, host_matching=True)


# --- subdomain matching --------------------------------------------------------


@pytest.fixture
def subdomain_routes(app: Quart) -> None:
    """Subdomain matching on the shared app: views on the bare domain, on
    ``api`` and on any ``<user>``."""
    app.subdomain_matching = True
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/")
    async def root() -> str:
        return f"root {url_for('api')} {url_for('user', user='bob')} {url_for('root')}"

    @app.route("/", subdomain="api")
    async def api() -> str:
        return f"api {url_for('root')}"

    @app.route("/u", subdomain="<user>")
    async def user(user: str) -> str:
        return f"user {user}"


@pytest.mark.usefixtures("subdomain_routes")
async def test_subdomain_matching_with_client_subdomain(client: QuartClient) -> None:
    response = await client.get("/")
    assert await response.get_data() == (
        b"root http://api.example.test/ http://bob.example.test/u /"
    )
    response = await client.get("/", subdomain="api")
    assert await response.get_data() == b"api http://example.test/"
    response = await client.get("/u", subdomain="alice")
    assert await response.get_data() == b"user alice"
    assert (await client.get("/u")).status_code == 404
    assert (await client.get("/", subdomain="other")).status_code == 404


@pytest.mark.usefixtures("subdomain_routes")
async def test_subdomain_matching_with_host_header(
    client: QuartClient, flask_app: flask.Flask
) -> None:
    flask_app.subdomain_matching = True
    flask_app.config["SERVER_NAME"] = "example.test"
    flask_app.add_url_rule("/", "root", lambda: "root")
    flask_app.add_url_rule("/", "api", lambda: "api", subdomain="api")
    flask_client = flask_app.test_client()

    for host in ["example.test", "api.example.test", "API.Example.Test", "x.y.test"]:
        response = await client.get("/", headers={"Host": host})
        with (
            pytest.warns(UserWarning)
            if host == "x.y.test"
            else contextlib.nullcontext()
        ):
            flask_response = flask_client.get("/", headers={"Host": host})
        assert response.status_code == flask_response.status_code, host
    response = await client.get("/", headers={"Host": "api.example.test"})
    assert await response.get_data() == b"api http://example.test/"
    assert (await client.get("/", headers={"Host": "other.org"})).status_code == 404


@pytest.mark.usefixtures("subdomain_routes", "app_ctx")  # routes, then the push
async def test_subdomain_url_for_in_app_context() -> None:
    assert url_for("api") == "http://api.example.test/"
    assert url_for("root") == "http://example.test/"
    assert url_for("user", user="z") == "http://z.example.test/u"


async def test_server_name_without_subdomain_matching(
    app: Quart, client: QuartClient, flask_app: flask.Flask
) -> None:
    """Flask 3.1: SERVER_NAME no longer restricts which hosts are routed."""
    app.testing = True
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/")
    async def index() -> str:
        return f"{request.host} {url_for('index', _external=True)}"

    response = await client.get("/")
    assert response.status_code == 200
    assert await response.get_data() == b"example.test http://example.test/"
    response = await client.get("/", headers={"Host": "other.org"})
    assert response.status_code == 200
    assert await response.get_data() == b"other.org http://example.test/"
    response = await client.get("/", headers={"Host": "sub.example.test"})
    assert response.status_code == 200

    flask_app.config["SERVER_NAME"] = "example.test"
    flask_app.add_url_rule(
        "/",
        "index",
        lambda: f"{flask.request.host} {flask.url_for('index', _external=True)}",
    )
    flask_response = flask_app.test_client().get("/", headers={"Host": "other.org"})
    assert flask_response.status_code == 200
    assert flask_response.data == b"other.org http://example.test/"


# --- registration after the first request ------------------------------------


async def test_route_after_first_request(app: Quart, client: QuartClient) -> None:
    # As in Quart: routes may be added after the app served requests, and
    # remembered matches do not hide them (see test_setup_after_serving.py).
    @app.route("/<path:anything>")
    async def catch_all(anything: str) -> str:
        return f"catch {anything}"

    assert not app.got_first_request
    assert await (await client.get("/late")).get_data(as_text=True) == "catch late"
    assert app.got_first_request

    @app.route("/late")
    async def late() -> str:
        return "late"

    async def other() -> str:
        return "other"

    app.add_url_rule("/other", "other", other)
    assert await (await client.get("/late")).get_data(as_text=True) == "late"
    assert await (await client.get("/other")).get_data(as_text=True) == "other"
    assert app.got_first_request


# --- root_path -------------------------------------------------------------------


async def test_root_path(app: Quart, client: QuartClient) -> None:
    @app.route("/page")
    async def page() -> dict[str, Any]:
        return {
            "path": request.path,
            "root_path": request.root_path,
            "script_root": request.script_root,
            "full_path": request.full_path,
            "url": request.url,
            "url_for": url_for("page"),
            "external": url_for("page", _external=True),
        }

    # ASGI: the scope's path includes root_path, so the client is given both.
    response = await client.get("/app/page", root_path="/app", query_string={"q": "1"})
    assert response.status_code == 200
    assert await response.get_json() == {
        "path": "/page",
        "root_path": "/app",
        "script_root": "/app",
        "full_path": "/page?q=1",
        "url": "http://localhost/app/page?q=1",
        "url_for": "/app/page",
        "external": "http://localhost/app/page",
    }
    outside = await client.get("/page", root_path="/app")
    assert outside.status_code == 404


async def test_root_path_in_test_request_context(app: Quart) -> None:
    @app.route("/page")
    async def page() -> str:
        return ""

    async with app.test_request_context("/page", root_path="/mount"):
        assert request.path == "/page"
        assert request.endpoint == "page"
        assert url_for("page") == "/mount/page"


# --- trusted hosts -------------------------------------------------------------


async def test_trusted_hosts(
    flask_app: flask.Flask, app: Quart, client: QuartClient
) -> None:
    app.config["TRUSTED_HOSTS"] = ["good.test", ".corp.test"]

    @app.route("/")
    async def index() -> str:
        return request.host

    response = await client.get("/", headers={"Host": "good.test"})
    assert response.status_code == 200
    assert await response.get_data() == b"good.test"
    assert (await client.get("/", headers={"Host": "corp.test"})).status_code == 200
    assert (await client.get("/", headers={"Host": "a.corp.test"})).status_code == 200
    assert (await client.get("/", headers={"Host": "evil.test"})).status_code == 400
    assert (
        await client.get("/", headers={"Host": "good.test.evil"})
    ).status_code == 400

    flask_app.config["TRUSTED_HOSTS"] = ["good.test", ".corp.test"]
    flask_app.add_url_rule("/", "index", lambda: "x")
    assert (
        flask_app.test_client().get("/", headers={"Host": "evil.test"}).status_code
        == 400
    )


async def test_trusted_hosts_none_allows_any(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def index() -> str:
        return request.host

    response = await client.get("/", headers={"Host": "anything.test:8080"})
    assert response.status_code == 200
    assert await response.get_data() == b"anything.test:8080"


async def test_remembered_matches_give_each_request_its_own_values(
    app: Quart, client: QuartClient
) -> None:
    seen: list[dict[str, Any]] = []

    @app.url_value_preprocessor
    def pop_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
        assert values is not None
        seen.append(dict(values))
        values.pop("lang")

    @app.get("/<lang>/page/<int:number>")
    async def page(number: int) -> str:
        return str(number)

    for _ in range(3):  # the same URL, matched from the cache after the first
        response = await client.get("/en/page/7")
        assert await response.get_data() == b"7"
    assert seen == [{"lang": "en", "number": 7}] * 3


async def test_custom_converters_run_for_every_request(
    app: Quart, client: QuartClient
) -> None:
    from werkzeug.routing import BaseConverter

    calls: list[str] = []

    class LookupConverter(BaseConverter):
        def to_python(self, value: str) -> str:
            calls.append(value)  # e.g. a database lookup: must not be cached
            return value.upper()

    app.url_map.converters["lookup"] = LookupConverter

    @app.get("/item/<lookup:name>")
    async def item(name: str) -> str:
        return name

    for _ in range(3):
        assert await (await client.get("/item/abc")).get_data() == b"ABC"
    assert calls == ["abc", "abc", "abc"]


async def test_remembered_matches_are_bounded(app: Quart) -> None:
    @app.get("/n/<int:number>")
    async def number(number: int) -> str:
        return str(number)

    await app.test_client().get("/n/1")  # the app now serves: matches are kept
    assert app._match_cache is not None
    adapter = app.url_map.bind("localhost")
    for value in range(5000):  # as many distinct URLs as a client likes
        _rule, values = app.match_url(adapter, f"/n/{value}", "GET", b"")
        assert values == {"number": value}
    assert 0 < len(app._match_cache) <= 4096


@pytest.mark.usefixtures("subdomain_routes")
async def test_remembered_adapters_follow_host_and_config(
    app: Quart, client: QuartClient
) -> None:
    """The URL adapter remembered per Host header must give the same answers
    as a fresh one: per host, per SERVER_NAME, and with TRUSTED_HOSTS set
    later (checked on every request, never remembered)."""
    root = b"root http://api.example.test/ http://bob.example.test/u /"
    for _ in range(2):  # the second round is answered from remembered adapters
        assert await (await client.get("/")).get_data() == root
        response = await client.get("/", headers={"Host": "api.example.test"})
        assert await response.get_data() == b"api http://example.test/"
        response = await client.get("/", headers={"Host": "example.test:80"})
        assert await response.get_data() == root

    app.config["SERVER_NAME"] = "other.test"
    response = await client.get("/", headers={"Host": "api.other.test"})
    assert await response.get_data() == b"api http://other.test/"
    response = await client.get("/", headers={"Host": "api.example.test"})
    assert response.status_code == 404

    app.config["TRUSTED_HOSTS"] = ["other.test"]
    for _ in range(2):
        response = await client.get("/", headers={"Host": "api.other.test"})
        assert response.status_code == 400
        response = await client.get("/", headers={"Host": "other.test"})
        assert response.status_code == 200


# --- QuartMap.bind_to_request ---------------------------------------------------


@pytest.mark.parametrize(
    ("host", "server_name", "subdomain", "expected"),
    [
        ("sub.example.test", "example.test", None, "sub"),
        ("a.b.example.test", "example.test", None, "a.b"),
        ("example.test", "example.test", None, ""),
        ("Sub.Example.test:80", "example.test:80", None, "sub"),
        ("other.test", "example.test", None, "<invalid>"),
        ("sub.example.test", None, None, ""),
        ("sub.example.test", "example.test", "given", "given"),
    ],
)
async def test_bind_to_request_subdomain(
    app: Quart, host: str, server_name: str | None, subdomain: str | None, expected: str
) -> None:
    # The same answers werkzeug's bind_to_environ gives Flask.
    async with app.test_request_context(
        "/page?q=1", method="POST", headers={"Host": host}, root_path="/app"
    ) as ctx:
        adapter = app.url_map.bind_to_request(ctx.request, subdomain, server_name)
    assert adapter.subdomain == expected
    assert (adapter.default_method, adapter.path_info) == ("POST", "/page")
    assert (adapter.script_name, adapter.query_args) == ("/app/", "q=1")
    environ = {
        "wsgi.url_scheme": "http",
        "HTTP_HOST": host,
        "SERVER_NAME": "ignored",
        "SERVER_PORT": "80",
        "PATH_INFO": "/page",
        "SCRIPT_NAME": "/app",
        "REQUEST_METHOD": "POST",
        "QUERY_STRING": "q=1",
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # werkzeug warns of a foreign host
        flask_adapter = flask.Flask(__name__).url_map.bind_to_environ(
            environ, server_name=server_name, subdomain=subdomain
        )
    assert flask_adapter.subdomain == expected
    assert flask_adapter.server_name == adapter.server_name


async def test_bind_to_request_matches_and_builds(app: Quart) -> None:
    @app.route("/items/<int:number>")
    async def item(number: int) -> str:
        return str(number)

    @app.websocket("/ws")
    async def ws() -> None:
        return None

    async with app.test_request_context("/items/3") as ctx:
        adapter = app.url_map.bind_to_request(ctx.request, None, None)
    assert adapter.match() == ("item", {"number": 3})
    assert adapter.build("item", {"number": 4}) == "/items/4"
    async with app.test_websocket_context("/ws") as ws_ctx:
        adapter = app.url_map.bind_to_request(ws_ctx.websocket, None, None)
    assert adapter.websocket
    assert adapter.match()[0] == "ws"


async def test_server_name_with_default_port_and_subdomains(
    app: Quart, flask_app: flask.Flask
) -> None:
    # SERVER_NAME may carry the scheme's default port; hosts never do.
    for a in (app, flask_app):
        a.subdomain_matching = True
        a.config["SERVER_NAME"] = "Example.test:80"
    app.add_url_rule("/", "index", lambda sub: sub, subdomain="<sub>")
    flask_app.add_url_rule("/", "index", lambda sub: sub, subdomain="<sub>")
    for host in ("api.example.test", "api.example.test:80"):
        response = await app.test_client().get("/", headers={"Host": host})
        flask_response = flask_app.test_client().get("/", headers={"Host": host})
        assert response.status_code == flask_response.status_code == 200
        assert await response.get_data() == flask_response.data == b"api"


async def test_adapters_by_host_are_bounded(app: Quart) -> None:
    @app.get("/")
    async def index() -> str:
        return url_for("index", _external=True)  # binds the request's adapter

    client = app.test_client()
    for value in range(300):  # as many Host headers as a client likes
        response = await client.get("/", headers={"Host": f"h{value}.example"})
        assert await response.get_data() == f"http://h{value}.example/".encode()
    assert 0 < len(app._request_adapters) <= 256
    assert 0 < len(app._url_adapters) <= 256
