"""Blueprints: registration, nesting, naming, hook order, error handlers, URL
processors, static and template folders. Where behaviour is subtle the same
setup runs in Flask and the results are compared."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import flask
import pytest
from werkzeug.exceptions import NotFound

import quart
from quart import Blueprint
from quart import Quart
from quart import abort
from quart import g
from quart import render_template
from quart import render_template_string
from quart import request
from quart import url_for
from quart.blueprints import BlueprintSetupState
from quart.testing import QuartClient


async def _text(app: Quart, path: str, **kwargs: Any) -> tuple[int, str]:
    response = await app.test_client().get(path, **kwargs)
    return response.status_code, await response.get_data(as_text=True)


# -- construction and names ---------------------------------------------------
def test_name_rules() -> None:
    with pytest.raises(ValueError, match="empty"):
        Blueprint("", __name__)
    with pytest.raises(ValueError, match="dot"):
        Blueprint("a.b", __name__)
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="dot"):
        bp.add_url_rule("/", "a.b", lambda: "x")

    def dotted() -> str:
        return "x"

    dotted.__name__ = "a.b"
    with pytest.raises(ValueError, match="dot"):
        bp.add_url_rule("/", view_func=dotted)
    with pytest.raises(ValueError, match="itself"):
        bp.register_blueprint(bp)


def test_constructor_attributes(tmp_path: Path) -> None:
    bp = Blueprint(
        "bp",
        __name__,
        static_folder="static",
        static_url_path="/assets",
        template_folder="templates",
        url_prefix="/p",
        subdomain="api",
        url_defaults={"lang": "en"},
        root_path=str(tmp_path),
        cli_group="tools",
    )
    assert bp.name == "bp"
    assert bp.import_name == __name__
    assert bp.url_prefix == "/p"
    assert bp.subdomain == "api"
    assert bp.url_values_defaults == {"lang": "en"}
    assert bp.root_path == str(tmp_path)
    assert bp.static_folder == str(tmp_path / "static")
    assert bp.static_url_path == "/assets"
    assert bp.template_folder == "templates"
    assert bp.cli_group == "tools"
    assert isinstance(bp.cli, click.Group)
    assert bp.cli.name == "bp"
    assert repr(bp) == "<Blueprint 'bp'>"


async def test_routes_endpoints_and_request_attributes(
    app: Quart, client: QuartClient
) -> None:
    bp = Blueprint("shop", __name__, url_prefix="/shop")

    @bp.route("/")
    async def index() -> dict[str, Any]:
        return {
            "endpoint": request.endpoint,
            "blueprint": request.blueprint,
            "blueprints": request.blueprints,
            "self": url_for(".index"),
            "item": url_for(".item", item_id=3),
            "absolute": url_for("shop.item", item_id=4),
            "app": url_for("home"),
        }

    @bp.get("/items/<int:item_id>")
    async def item(item_id: int) -> str:
        return f"item {item_id}"

    @bp.post("/items")
    async def create() -> tuple[str, int]:
        return "created", 201

    @app.route("/")
    async def home() -> str:
        return f"home {request.blueprint}"

    app.register_blueprint(bp)
    data = await (await client.get("/shop/")).get_json()
    assert data == {
        "endpoint": "shop.index",
        "blueprint": "shop",
        "blueprints": ["shop"],
        "self": "/shop/",
        "item": "/shop/items/3",
        "absolute": "/shop/items/4",
        "app": "/",
    }
    assert await _text(app, "/shop/items/7") == (200, "item 7")
    assert (await client.post("/shop/items")).status_code == 201
    assert (await client.get("/shop/items")).status_code == 405
    assert await _text(app, "/") == (200, "home None")
    assert set(app.blueprints) == {"shop"}
    assert list(app.iter_blueprints()) == [bp]


async def test_add_url_rule_and_endpoint_options(app: Quart) -> None:
    bp = Blueprint("bp", __name__)

    async def page(name: str) -> str:
        return f"page {name}"

    bp.add_url_rule("/page/<name>", "named", page, defaults=None)
    bp.add_url_rule("/home", view_func=page, defaults={"name": "home"})
    app.register_blueprint(bp, url_prefix="/x")
    assert await _text(app, "/x/page/a") == (200, "page a")
    assert await _text(app, "/x/home") == (200, "page home")
    async with app.test_request_context("/"):
        assert url_for("bp.named", name="b") == "/x/page/b"
        assert url_for("bp.page") == "/x/home"


# -- registering twice, record, record_once -----------------------------------
async def test_register_twice_needs_a_new_name(app: Quart) -> None:
    bp = Blueprint("bp", __name__)
    seen: list[tuple[str, bool, Any]] = []

    @bp.record
    def every(state: BlueprintSetupState) -> None:
        seen.append(("every", state.first_registration, state.options.get("x")))

    @bp.record_once
    def once(state: BlueprintSetupState) -> None:
        seen.append(("once", state.first_registration, state.options.get("x")))

    @bp.route("/")
    async def index() -> str:
        return f"{request.blueprint} {url_for('.index')}"

    app.register_blueprint(bp, url_prefix="/one", x=1)
    with pytest.raises(ValueError, match="already registered for this blueprint"):
        app.register_blueprint(bp, url_prefix="/two")
    other = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="a different blueprint"):
        app.register_blueprint(other)
    app.register_blueprint(bp, url_prefix="/two", name="second", x=2)
    assert seen == [
        ("every", True, 1),
        ("once", True, 1),
        ("every", False, 2),
    ]
    assert await _text(app, "/one/") == (200, "bp /one/")
    assert await _text(app, "/two/") == (200, "second /two/")
    assert list(app.blueprints) == ["bp", "second"]


async def test_setup_methods_close_after_registration(app: Quart) -> None:
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(AssertionError, match="already been registered"):

        @bp.route("/late")
        async def late() -> str:
            return "late"

    with pytest.raises(AssertionError, match="already been registered"):
        bp.before_request(lambda: None)


async def test_register_after_first_request(app: Quart, client: QuartClient) -> None:
    # As in Quart: the app's setup may go on after it served requests.

    @app.route("/")
    async def index() -> str:
        return "ok"

    assert (await client.get("/")).status_code == 200
    late = Blueprint("late", __name__, url_prefix="/late")

    @late.before_request
    async def mark() -> None:
        g.late = True

    @late.route("/")
    async def late_index() -> str:
        return f"late {g.get('late')}"

    app.register_blueprint(late)
    assert await _text(app, "/late/") == (200, "late True")
    assert await _text(app, "/") == (200, "ok")


def test_setup_state_attributes(app: Quart) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp", url_defaults={"a": 1})
    states: list[BlueprintSetupState] = []
    bp.record(states.append)
    app.register_blueprint(bp, subdomain="s", url_defaults={"b": 2}, flag=True)
    (state,) = states
    assert state.app is app
    assert state.blueprint is bp
    assert state.url_prefix == "/bp"
    assert state.subdomain == "s"
    assert state.name == "bp"
    assert state.name_prefix == ""
    assert state.url_defaults == {"a": 1, "b": 2}
    assert state.options["flag"] is True


# -- URL rules compared with Flask ---------------------------------------------
def _rules(url_map: Any) -> list[tuple[str, str, str | None, Any]]:
    return sorted(
        (r.rule, r.endpoint, r.subdomain, sorted((r.defaults or {}).items()))
        for r in url_map.iter_rules()
    )


def _nested_setup(
    fw: Any,
    app: Any,
    parent_kw: dict[str, Any],
    child_kw: dict[str, Any],
    register_kw: dict[str, Any],
) -> None:
    parent = fw.Blueprint("parent", __name__, **parent_kw)
    child = fw.Blueprint("child", __name__, **child_kw)
    grandchild = fw.Blueprint("grandchild", __name__, url_prefix="/g")

    def index() -> str:
        return "x"

    def item(item_id: int, lang: str = "en") -> str:
        return "x"

    for bp in (parent, child, grandchild):
        bp.add_url_rule("/", "index", index)
        bp.add_url_rule("/items/<int:item_id>", "item", item)
    grandchild.add_url_rule("", "bare", index)  # the prefix itself
    child.register_blueprint(grandchild)
    parent.register_blueprint(child, **register_kw)
    app.register_blueprint(parent)
    app.register_blueprint(parent, name="again", url_prefix="/again")


@pytest.mark.parametrize(
    ("parent_kw", "child_kw", "register_kw"),
    [
        ({}, {}, {}),
        ({"url_prefix": "/p"}, {}, {}),
        ({}, {"url_prefix": "/c"}, {}),
        ({"url_prefix": "/p/"}, {"url_prefix": "c/"}, {}),
        ({"url_prefix": "/p"}, {"url_prefix": "/c"}, {"url_prefix": "/o"}),
        ({"url_prefix": "/p"}, {"url_prefix": "/c"}, {"url_prefix": "/"}),
        ({"subdomain": "api"}, {"subdomain": "v1"}, {}),
        ({"subdomain": "api"}, {}, {"subdomain": "v2"}),
        ({}, {"subdomain": "v1"}, {}),
        ({"url_defaults": {"lang": "fr"}}, {"url_defaults": {"lang": "de"}}, {}),
        ({}, {}, {"url_defaults": {"lang": "it"}, "name": "renamed"}),
    ],
)
def test_nested_url_rules_match_flask(
    app: Quart,
    flask_app: flask.Flask,
    parent_kw: dict[str, Any],
    child_kw: dict[str, Any],
    register_kw: dict[str, Any],
) -> None:
    quart_app = app
    _nested_setup(quart, quart_app, parent_kw, child_kw, register_kw)
    _nested_setup(flask, flask_app, parent_kw, child_kw, register_kw)
    assert _rules(quart_app.url_map) == _rules(flask_app.url_map)
    assert list(quart_app.blueprints) == list(flask_app.blueprints)


async def test_url_for_matches_flask(app: Quart, flask_app: flask.Flask) -> None:
    quart_app = app
    kw: dict[str, Any] = {"url_prefix": "/p"}
    _nested_setup(quart, quart_app, kw, {"url_prefix": "/c"}, {})
    _nested_setup(flask, flask_app, kw, {"url_prefix": "/c"}, {})
    path = "/again/c/g/items/5"
    endpoints: list[tuple[str, dict[str, Any]]] = [
        (".index", {}),
        (".item", {"item_id": 1}),
        (".item", {"item_id": 2, "lang": "xx", "q": "1"}),
        ("parent.child.index", {}),
        ("again.child.grandchild.item", {"item_id": 9}),
        ("parent.child.grandchild.bare", {}),
        ("static", {"filename": "a.css"}),
    ]
    with flask_app.test_request_context(path):
        assert flask.request.blueprint == "again.child.grandchild"
        expected: list[Any] = [flask.url_for(e, **v) for e, v in endpoints]
        expected.append(flask.request.blueprints)
    async with quart_app.test_request_context(path):
        got: list[Any] = [url_for(e, **v) for e, v in endpoints]
        got.append(request.blueprints)
    assert got == expected
    assert expected[0] == "/again/c/g/"


# -- hook order compared with Flask --------------------------------------------
def _hooked_setup(fw: Any, app: Any, calls: list[str]) -> None:
    """The same hooks on a Flask or Quart app (sync functions work in both)."""

    def record(label: str, rv: Any = None) -> Any:
        def func(*args: Any) -> Any:
            calls.append(label)
            if args and hasattr(args[0], "status_code"):
                return args[0]  # an after-request function
            return rv

        return func

    def scoped(scaffold: Any, name: str) -> None:
        scaffold.url_value_preprocessor(record(f"{name}:url_value_preprocessor"))
        scaffold.before_request(record(f"{name}:before1"))
        scaffold.before_request(record(f"{name}:before2"))
        scaffold.after_request(record(f"{name}:after1"))
        scaffold.after_request(record(f"{name}:after2"))
        scaffold.teardown_request(record(f"{name}:teardown1"))
        scaffold.teardown_request(record(f"{name}:teardown2"))
        scaffold.context_processor(record(f"{name}:context", {"who": name}))

    parent = fw.Blueprint("parent", __name__, url_prefix="/parent")
    child = fw.Blueprint("child", __name__, url_prefix="/child")
    for scaffold, name in ((app, "app"), (parent, "parent"), (child, "child")):
        scoped(scaffold, name)
    for bp, name in ((parent, "parent"), (child, "child")):
        bp.before_app_request(record(f"{name}:before_app"))
        bp.after_app_request(record(f"{name}:after_app"))
        bp.teardown_app_request(record(f"{name}:teardown_app"))
        bp.app_url_value_preprocessor(record(f"{name}:app_url_value_preprocessor"))
        bp.app_context_processor(record(f"{name}:app_context", {"app_ctx": name}))

    source = "{{ who }} {{ app_ctx }}"
    if fw is flask:

        def view() -> str:
            calls.append("view")
            return flask.render_template_string(source)

    else:

        async def view() -> str:  # type: ignore[misc]
            calls.append("view")
            return await render_template_string(source)

    for scaffold in (app, parent, child):
        scaffold.add_url_rule("/", "view", view)
    parent.register_blueprint(child)
    app.register_blueprint(parent)


@pytest.mark.parametrize("path", ["/", "/parent/", "/parent/child/", "/missing"])
async def test_hook_order_matches_flask(
    app: Quart, flask_app: flask.Flask, path: str
) -> None:
    flask_calls: list[str] = []
    _hooked_setup(flask, flask_app, flask_calls)
    flask_response = flask_app.test_client().get(path)
    quart_calls: list[str] = []
    _hooked_setup(quart, app, quart_calls)
    status, body = await _text(app, path)
    assert quart_calls == flask_calls
    assert (status, body) == (flask_response.status_code, flask_response.text)
    if path == "/parent/child/":
        assert body == "child child"
        assert flask_calls.index("app:before1") < flask_calls.index("parent:before1")
        assert flask_calls.index("child:after2") < flask_calls.index("child:after1")


async def test_before_request_response_short_circuits_inner_blueprints(
    app: Quart,
) -> None:
    calls: list[str] = []
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)

    @parent.before_request
    async def stop() -> str:
        calls.append("parent")
        return "stopped"

    @child.before_request
    async def inner() -> None:
        calls.append("child")

    @child.route("/")
    async def view() -> str:
        calls.append("view")
        return "view"

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert await _text(app, "/") == (200, "stopped")
    assert calls == ["parent"]


# -- error handlers ---------------------------------------------------------------
class ParentError(Exception):
    pass


class ChildError(Exception):
    pass


class AppError(Exception):
    pass


def _error_setup(fw: Any, app: Any) -> None:
    """The same error handlers and raising views on a Flask or Quart app."""
    parent = fw.Blueprint("parent", __name__, url_prefix="/parent")
    child = fw.Blueprint("child", __name__, url_prefix="/child")
    other = fw.Blueprint("other", __name__, url_prefix="/other")

    def handler(label: str) -> Any:
        def handle(error: Exception) -> tuple[str, int]:
            return f"{label}:{type(error).__name__}", 500

        return handle

    app.register_error_handler(AppError, handler("app"))
    app.register_error_handler(404, handler("app404"))
    parent.register_error_handler(ParentError, handler("parent"))
    parent.register_error_handler(ChildError, handler("parent"))
    parent.register_error_handler(404, handler("parent404"))
    child.register_error_handler(ChildError, handler("child"))
    other.app_errorhandler(LookupError)(handler("other-app"))

    errors = {"app": AppError, "parent": ParentError, "child": ChildError}

    def raising(kind: str) -> str:
        if kind == "404":
            fw.abort(404)
        if kind == "key":
            raise KeyError(kind)
        raise errors[kind]()

    for scaffold in (app, parent, child, other):
        scaffold.add_url_rule("/raise/<kind>", "raising", raising)
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    app.register_blueprint(other)


@pytest.mark.parametrize("prefix", ["", "/parent", "/parent/child", "/other"])
@pytest.mark.parametrize("kind", ["app", "parent", "child", "404", "key"])
async def test_error_handler_scopes_match_flask(
    app: Quart, flask_app: flask.Flask, prefix: str, kind: str
) -> None:
    path = f"{prefix}/raise/{kind}"
    _error_setup(quart, app)
    _error_setup(flask, flask_app)
    quart_app = app
    try:
        flask_response = flask_app.test_client().get(path)
    except Exception as error:
        with pytest.raises(type(error)):
            await quart_app.test_client().get(path)
        return
    status, body = await _text(quart_app, path)
    assert (status, body) == (flask_response.status_code, flask_response.text)


async def test_routing_404_uses_app_handler_not_blueprint(app: Quart) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.errorhandler(404)
    async def bp_404(error: NotFound) -> tuple[str, int]:
        return "blueprint 404", 404

    @app.errorhandler(404)
    async def app_404(error: NotFound) -> tuple[str, int]:
        return "app 404", 404

    @bp.route("/gone")
    async def gone() -> str:
        abort(404)

    app.register_blueprint(bp)
    assert await _text(app, "/bp/nothing-here") == (404, "app 404")
    assert await _text(app, "/bp/gone") == (404, "blueprint 404")


# -- URL processors -----------------------------------------------------------------
async def test_url_processors_language_pattern(app: Quart) -> None:
    bp = Blueprint("frontend", __name__, url_prefix="/<lang_code>")
    seen: list[str] = []

    @bp.url_defaults
    def add_language(endpoint: str, values: dict[str, Any]) -> None:
        if "lang_code" not in values and "lang_code" in g:
            values.setdefault("lang_code", g.lang_code)

    @bp.url_value_preprocessor
    def pull_language(endpoint: str | None, values: dict[str, Any] | None) -> None:
        assert values is not None
        g.lang_code = values.pop("lang_code")

    @bp.route("/")
    async def index() -> str:
        seen.append(g.lang_code)
        return url_for(".about")

    @bp.route("/about")
    async def about() -> str:
        return "about"

    @app.route("/plain")
    async def plain() -> str:
        return "yes" if "lang_code" in g else "no"

    app.register_blueprint(bp)
    assert await _text(app, "/fr/") == (200, "/fr/about")
    assert seen == ["fr"]
    assert await _text(app, "/plain") == (200, "no")


async def test_app_url_defaults_and_preprocessors_apply_everywhere(app: Quart) -> None:
    bp = Blueprint("bp", __name__)
    processed: list[str | None] = []

    @bp.app_url_defaults
    def add_version(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("v", "2")

    @bp.app_url_value_preprocessor
    def note(endpoint: str | None, values: dict[str, Any] | None) -> None:
        processed.append(endpoint)

    @app.route("/")
    async def index() -> str:
        return url_for("index")

    app.register_blueprint(bp)
    assert await _text(app, "/") == (200, "/?v=2")
    assert processed == ["index"]


async def test_url_defaults_reach_views(app: Quart) -> None:
    bp = Blueprint("bp", __name__, url_defaults={"page": 1, "size": 10})

    @bp.route("/list")
    async def listing(page: int, size: int) -> str:
        return f"{page} {size}"

    app.register_blueprint(bp, url_defaults={"size": 50})
    assert await _text(app, "/list") == (200, "1 50")


# -- app-wide registration from blueprints -------------------------------------------
async def test_app_template_helpers_from_blueprint(app: Quart) -> None:
    bp = Blueprint("bp", __name__)

    @bp.app_template_filter()
    def shout(value: str) -> str:
        return value.upper()

    @bp.app_template_filter("rev")
    def reverse(value: str) -> str:
        return value[::-1]

    @bp.app_template_test()
    def short(value: str) -> bool:
        return len(value) < 3

    @bp.app_template_global()
    def answer() -> int:
        return 42

    bp.add_app_template_filter(str.title, name="title_case")
    bp.add_app_template_test(str.isdigit, name="number")
    bp.add_app_template_global(len, name="length")

    @app.route("/")
    async def index() -> str:
        return await render_template_string(
            "{{ 'hi'|shout }} {{ 'abc'|rev }} {{ 'ab' is short }} {{ answer() }}"
            " {{ 'ab cd'|title_case }} {{ '12' is number }} {{ length('abc') }}"
        )

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="again")  # record_once: no double work
    assert await _text(app, "/") == (200, "HI cba True 42 Ab Cd True 3")


async def test_serving_hooks_from_blueprint(app: Quart) -> None:
    bp = Blueprint("bp", __name__)
    calls: list[str] = []

    @bp.before_app_serving
    async def start() -> None:
        calls.append("before")

    @bp.while_app_serving
    async def lifetime() -> AsyncGenerator[None, None]:
        calls.append("while-start")
        yield
        calls.append("while-end")

    @bp.after_app_serving
    async def stop() -> None:
        calls.append("after")

    app.register_blueprint(bp)
    async with app.test_app():
        assert calls == ["before", "while-start"]
    assert calls == ["before", "while-start", "after", "while-end"]


def test_websocket_routes_get_the_prefix(app: Quart) -> None:
    bp = Blueprint("live", __name__, url_prefix="/live")

    @bp.websocket("/ws")
    async def feed() -> None:
        return None

    app.register_blueprint(bp)
    (rule,) = [r for r in app.url_map.iter_rules() if r.endpoint == "live.feed"]
    assert rule.rule == "/live/ws"
    assert rule.websocket is True
    assert app.view_functions["live.feed"] is feed


def test_websocket_hooks_are_merged(app: Quart) -> None:
    bp = Blueprint("bp", __name__)

    async def hook(*args: Any) -> None:
        return None

    bp.before_websocket(hook)
    bp.after_websocket(hook)
    bp.teardown_websocket(hook)
    bp.before_app_websocket(hook)
    bp.after_app_websocket(hook)
    bp.teardown_app_websocket(hook)
    app.register_blueprint(bp)
    for registry in (
        app.before_websocket_funcs,
        app.after_websocket_funcs,
        app.teardown_websocket_funcs,
    ):
        assert registry["bp"] == [hook]
        assert registry[None] == [hook]


def test_cli_commands_join_the_app_group(app: Quart) -> None:
    app_cli = app.cli
    grouped = Blueprint("grouped", __name__)
    merged = Blueprint("merged", __name__, cli_group=None)
    renamed = Blueprint("renamed", __name__)
    empty = Blueprint("empty", __name__)

    for bp in (grouped, merged, renamed):
        bp.cli.add_command(click.Command("hello", callback=lambda: click.echo("hi")))

    app.register_blueprint(grouped)
    app.register_blueprint(merged)
    app.register_blueprint(renamed, cli_group="tools")
    app.register_blueprint(empty)
    assert app_cli.commands["grouped"] is grouped.cli
    assert app_cli.commands["tools"] is renamed.cli
    assert "hello" in app_cli.commands
    assert "empty" not in app_cli.commands
    assert "cli" not in empty.__dict__  # no group made for a blueprint without


# -- static and template folders ------------------------------------------------------
async def test_blueprint_static_folder(
    app: Quart, client: QuartClient, tmp_path: Path
) -> None:
    (tmp_path / "bp_static").mkdir()
    (tmp_path / "bp_static" / "app.js").write_text("console.log(1)")
    app.root_path = str(tmp_path)
    bp = Blueprint(
        "admin",
        __name__,
        url_prefix="/admin",
        static_folder="bp_static",
        root_path=str(tmp_path),
    )
    app.register_blueprint(bp)
    response = await client.get("/admin/bp_static/app.js")
    assert response.status_code == 200
    assert await response.get_data() == b"console.log(1)"
    assert response.mimetype in {"text/javascript", "application/javascript"}
    assert (await client.get("/admin/bp_static/missing.js")).status_code == 404
    assert (await client.get("/admin/bp_static/../secret")).status_code == 404
    async with app.test_request_context("/"):
        assert url_for("admin.static", filename="app.js") == ("/admin/bp_static/app.js")


async def test_blueprint_static_max_age_uses_blueprint_method(
    app: Quart, tmp_path: Path
) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.txt").write_text("a")

    class CachedBlueprint(Blueprint):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            return 600

    app.static_folder = None
    bp = CachedBlueprint(
        "bp", __name__, static_folder="static", root_path=str(tmp_path)
    )
    app.register_blueprint(bp, url_prefix="/bp")
    response = await app.test_client().get("/bp/static/a.txt")
    assert response.status_code == 200
    assert response.cache_control.max_age == 600


async def test_send_static_file_without_folder_raises() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(RuntimeError, match="static_folder"):
        await bp.send_static_file("x")


async def test_blueprint_template_folder_after_app_folder(
    app: Quart, tmp_path: Path
) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "bp" / "templates").mkdir(parents=True)
    (tmp_path / "templates" / "shared.html").write_text("app version")
    (tmp_path / "bp" / "templates" / "shared.html").write_text("bp version")
    (tmp_path / "bp" / "templates" / "only_bp.html").write_text("only {{ x }}")
    app.root_path = str(tmp_path)
    bp = Blueprint(
        "bp", __name__, template_folder="templates", root_path=str(tmp_path / "bp")
    )

    @bp.route("/")
    async def index() -> str:
        shared = await render_template("shared.html")
        only = await render_template("only_bp.html", x="bp")
        return f"{shared}|{only}"

    app.register_blueprint(bp)
    assert await _text(app, "/") == (200, "app version|only bp")
    assert sorted(app.jinja_env.list_templates()) == ["only_bp.html", "shared.html"]


async def test_blueprint_open_resource(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("resource")
    bp = Blueprint("bp", __name__, root_path=str(tmp_path))
    async with await bp.open_resource("data.txt", "r") as f:
        assert await f.read() == "resource"
    assert f.closed


# -- nested blueprints with subdomains, served ------------------------------------
def _subdomain_setup(fw: Any, app: Any) -> None:
    parent = fw.Blueprint("parent", __name__, subdomain="parent")
    child = fw.Blueprint("child", __name__, subdomain="child")
    grandchild = fw.Blueprint("grandchild", __name__, subdomain="g")
    plain = fw.Blueprint("plain", __name__)

    def view(name: str) -> Callable[[], str]:
        def answer() -> str:
            return f"{name} {fw.request.blueprint}"

        return answer

    parent.add_url_rule("/", "index", view("parent"))
    child.add_url_rule("/", "index", view("child"))
    grandchild.add_url_rule("/", "index", view("grandchild"))
    plain.add_url_rule("/", "index", view("plain"))
    child.register_blueprint(grandchild)
    parent.register_blueprint(child)
    parent.register_blueprint(plain)
    app.config["SERVER_NAME"] = "example.test"
    app.register_blueprint(parent)
    app.register_blueprint(parent, name="other", subdomain="other")


async def test_nested_subdomains_combine_as_in_flask(
    app: Quart, flask_app: flask.Flask
) -> None:
    quart_app = app
    for fw, each in ((quart, app), (flask, flask_app)):
        each.subdomain_matching = True
        _subdomain_setup(fw, each)
    assert _rules(quart_app.url_map) == _rules(flask_app.url_map)
    subdomains = {r.endpoint: r.subdomain for r in quart_app.url_map.iter_rules()}
    assert subdomains["parent.child.index"] == "child.parent"
    assert subdomains["parent.child.grandchild.index"] == "g.child.parent"
    assert subdomains["parent.plain.index"] == "parent"
    assert subdomains["other.child.index"] == "child.other"
    client = quart_app.test_client()
    flask_client = flask_app.test_client()
    for host in (
        "parent.example.test",
        "child.parent.example.test",
        "g.child.parent.example.test",
        "child.other.example.test",
        "example.test",
        "child.example.test",
    ):
        response = await client.get("/", headers={"Host": host})
        flask_response = flask_client.get("/", headers={"Host": host})
        assert response.status_code == flask_response.status_code, host
        assert await response.get_data() == flask_response.data, host
    async with quart_app.test_request_context("/"):
        built = url_for("parent.child.grandchild.index")
    with flask_app.test_request_context("/"):
        assert built == flask.url_for("parent.child.grandchild.index")
    assert built == "http://g.child.parent.example.test/"
