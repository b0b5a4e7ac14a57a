"""Templates: the async environment, loaders, autoescaping, the default
context, context processors, filters/tests/globals, ``tojson``, streaming,
signals and auto-reload."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

import flask
import pytest
from jinja2 import FileSystemLoader
from jinja2 import Template
from jinja2 import TemplateNotFound
from markupsafe import Markup

from quart import Blueprint
from quart import Quart
from quart import before_render_template
from quart import g
from quart import get_template_attribute
from quart import render_template
from quart import render_template_string
from quart import session
from quart import stream_template
from quart import stream_template_string
from quart import template_rendered
from quart.json.provider import DefaultJSONProvider
from quart.templating import DispatchingJinjaLoader
from quart.templating import Environment


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text("<p>{{ value }}</p>")
    (templates / "page.txt").write_text("{{ value }}")
    (templates / "loop.html").write_text(
        "{% for item in items %}<li>{{ item }}</li>{% endfor %}{{ title }}"
    )
    (templates / "macros.html").write_text(
        "{% macro hello(name) %}Hello {{ name }}!{% endmacro %}{% set answer = 42 %}"
    )
    (templates / "waits.html").write_text("{% set value = fetch() %}")
    return tmp_path


@pytest.fixture
def app(app: Quart, folder: Path) -> Quart:
    """The shared app, finding its templates in ``folder``."""
    app.root_path = str(folder)
    return app


async def _get(app: Quart, path: str = "/") -> str:
    response = await app.test_client().get(path)
    text: str = await response.get_data(as_text=True)
    assert response.status_code == 200, text
    return text


# -- the environment ------------------------------------------------------------
def test_environment_is_async_and_created_once(app: Quart) -> None:
    env = app.jinja_env
    assert isinstance(env, Environment)
    assert env.is_async
    assert env.app is app
    assert app.jinja_env is env
    assert isinstance(env.loader, DispatchingJinjaLoader)
    for name in ("url_for", "get_flashed_messages", "config", "request", "session"):
        assert name in env.globals
    assert env.globals["config"] is app.config


def test_jinja_options_and_environment_class(folder: Path) -> None:
    class MyEnvironment(Environment):
        pass

    class MyApp(Quart):
        jinja_environment = MyEnvironment
        jinja_options = {"trim_blocks": True, "autoescape": False}

    app = MyApp(__name__, root_path=str(folder))
    assert isinstance(app.jinja_env, MyEnvironment)
    assert app.jinja_env.trim_blocks is True
    assert app.jinja_env.autoescape is False
    assert app.jinja_env.is_async


@pytest.mark.parametrize(
    ("name", "escaped"),
    [
        ("a.html", True),
        ("a.htm", True),
        ("a.xml", True),
        ("a.xhtml", True),
        ("a.svg", True),
        ("a.txt", False),
        ("a.js", False),
        (None, True),
    ],
)
def test_select_jinja_autoescape(app: Quart, name: str | None, escaped: bool) -> None:
    assert app.select_jinja_autoescape(name) is escaped
    assert flask.Flask(__name__).select_jinja_autoescape(name) is escaped


async def test_autoescape_by_extension(app: Quart) -> None:
    @app.route("/")
    async def index() -> str:
        html = await render_template("page.html", value="<b>")
        text = await render_template("page.txt", value="<b>")
        string = await render_template_string("{{ value }}", value="<b>")
        safe = await render_template("page.html", value=Markup("<b>"))
        return "|".join((html, text, string, safe))

    assert await _get(app) == "<p>&lt;b&gt;</p>|<b>|&lt;b&gt;|<p><b></p>"


@pytest.mark.usefixtures("app_ctx")
async def test_template_list_and_template_object(app: Quart) -> None:
    rendered = await render_template(["missing.html", "page.html"], value=1)
    assert rendered == "<p>1</p>"
    template = app.jinja_env.get_template("page.txt")
    assert isinstance(template, Template)
    assert await render_template(template, value=2) == "2"
    with pytest.raises(TemplateNotFound):
        await render_template("missing.html")


async def test_rendering_needs_an_app_context(app: Quart) -> None:
    with pytest.raises(RuntimeError, match="application context"):
        await render_template_string("x")


async def test_render_outside_request(app: Quart) -> None:
    app.config["SERVER_NAME"] = "example.com"

    @app.route("/here")
    async def here() -> str:
        return ""

    async with app.app_context():
        g.name = "ctx"
        rendered = await render_template_string(
            "{{ g.name }} {{ config.SERVER_NAME }} {{ url_for('here') }}"
        )
    assert rendered == "ctx example.com http://example.com/here"


# -- the default context and context processors ---------------------------------
async def test_default_context(app: Quart) -> None:
    app.config["GREETING"] = "hi"

    @app.route("/page")
    async def page() -> str:
        g.user = "ann"
        session["seen"] = True
        return await render_template_string(
            "{{ config.GREETING }} {{ request.path }} {{ request.args.q }}"
            " {{ g.user }} {{ session.seen }} {{ url_for('page', x=1) }}"
            " {{ get_flashed_messages() }}"
        )

    assert await _get(app, "/page?q=z") == "hi /page z ann True /page?x=1 []"


async def test_context_processors_app_and_blueprint(app: Quart) -> None:
    bp = Blueprint("bp", __name__)
    source = "{{ app_value }} {{ bp_value }} {{ shared }} {{ given }}"

    @app.context_processor
    async def app_values() -> dict[str, Any]:
        return {"app_value": "A", "shared": "app", "given": "processor"}

    @bp.context_processor
    def bp_values() -> dict[str, Any]:  # sync processors run too
        return {"bp_value": "B", "shared": "bp"}

    @app.route("/")
    async def index() -> str:
        return await render_template_string(source, given="view")

    @bp.route("/bp")
    async def bp_index() -> str:
        return await render_template_string(source, given="view")

    app.register_blueprint(bp)
    assert await _get(app, "/") == "A  app view"
    assert await _get(app, "/bp") == "A B bp view"


async def test_context_values_override_defaults(app: Quart) -> None:
    @app.route("/")
    async def index() -> str:
        return await render_template_string("{{ g }} {{ request }}", g="G", request="R")

    assert await _get(app) == "G R"

    async def proc() -> dict[str, Any]:
        return {"request": "processor"}

    other = Quart(__name__)
    other.context_processor(proc)

    @other.route("/")
    async def index2() -> str:
        return await render_template_string("{{ request }}")

    assert await _get(other) == "processor"


async def test_template_context_matches_flask(
    app: Quart, flask_app: flask.Flask
) -> None:
    """The same processors and render arguments give the same page."""
    source = "{{ a }} {{ b }} {{ c }} {{ request.path }} {{ g.x }}"
    processors = [lambda: {"a": 1, "b": 1, "c": 1}, lambda: {"b": 2, "c": 2}]

    for p in processors:
        flask_app.context_processor(p)

    @flask_app.route("/")
    def flask_index() -> str:
        flask.g.x = "gx"
        return flask.render_template_string(source, c=3)

    for p in processors:
        app.context_processor(p)

    @app.route("/")
    async def quart_index() -> str:
        g.x = "gx"
        return await render_template_string(source, c=3)

    expected = flask_app.test_client().get("/").text
    assert expected == "1 2 3 / gx"
    assert await _get(app) == expected


# -- filters, tests and globals ---------------------------------------------------
async def test_template_filters_tests_and_globals(app: Quart) -> None:
    @app.template_filter()
    def double(value: int) -> int:
        return value * 2

    @app.template_filter("triple")
    def times_three(value: int) -> int:
        return value * 3

    @app.template_test()
    def even(value: int) -> bool:
        return value % 2 == 0

    @app.template_test("odd_number")
    def odd(value: int) -> bool:
        return value % 2 == 1

    @app.template_global()
    def site() -> str:
        return "Site"

    @app.template_global("version")
    def get_version() -> str:
        return "1.0"

    app.add_template_filter(str.upper)
    app.add_template_filter(str.lower, "down")
    app.add_template_test(str.isalpha, "alpha")
    app.add_template_global(max, "biggest")

    async with app.app_context():
        rendered = await render_template_string(
            "{{ 2|double }} {{ 2|triple }} {{ 4 is even }} {{ 3 is odd_number }}"
            " {{ site() }} {{ version() }} {{ 'a'|upper }} {{ 'B'|down }}"
            " {{ 'ab' is alpha }} {{ biggest(1, 5) }}"
        )
    assert rendered == "4 6 True True Site 1.0 A b True 5"


@pytest.mark.usefixtures("app_ctx")
async def test_globals_layering_matches_jinja(app: Quart) -> None:
    """Render variables win over a template's own globals, which win over
    the environment's; a global changed after the template was loaded is
    seen by its next render; ``{% import ... with context %}`` and includes
    see the same, and an import without context gets the template's own
    globals that the imported template lacks. As plain Jinja (sync, no
    Quart) renders it."""
    from jinja2 import DictLoader
    from jinja2 import Environment as JinjaEnvironment

    sources = {
        "main.html": (
            "{{ a }} {{ b }} {{ c }} {{ d }}|{% include 'part.html' %}|"
            "{% import 'macros.html' as m with context %}{{ m.show() }}|"
            "{% import 'macros.html' as p %}{{ p.show() }}"
        ),
        "part.html": "{{ a }}{{ c }}",
        "macros.html": "{% macro show() %}{{ b }}{{ d }}{% endmacro %}",
    }
    app.jinja_loader = DictLoader(sources)
    reference = JinjaEnvironment(loader=DictLoader(sources))
    for env in (app.jinja_env, reference):
        env.globals.update(a="env-a", b="env-b", c="env-c")
    ours = app.jinja_env.get_template("main.html", globals={"b": "tpl-b", "d": "tpl-d"})
    theirs = reference.get_template("main.html", globals={"b": "tpl-b", "d": "tpl-d"})

    async def both(**context: Any) -> tuple[str, str]:
        return await ours.render_async(**context), theirs.render(**context)

    first, expected = await both(c="var-c")
    assert (
        first == expected == "env-a tpl-b var-c tpl-d|env-avar-c|tpl-btpl-d|env-btpl-d"
    )
    for env in (app.jinja_env, reference):
        env.globals["a"] = "changed-a"
    changed, expected = await both()
    assert (
        changed
        == expected
        == "changed-a tpl-b env-c tpl-d|changed-aenv-c|tpl-btpl-d|env-btpl-d"
    )
    # render_template takes the same (cached) template, its globals kept
    assert await render_template("main.html", d="var-d") == (
        reference.get_template("main.html").render(d="var-d")
    )


@pytest.mark.usefixtures("app_ctx")
async def test_async_globals_are_awaited(app: Quart) -> None:
    @app.template_global()
    async def fetch(name: str) -> str:
        return f"fetched {name}"

    assert await render_template_string("{{ fetch('x') }}") == "fetched x"


# -- tojson ---------------------------------------------------------------------
async def test_tojson_is_safe_in_script_and_matches_flask(app: Quart) -> None:
    data = {"html": "</script><script>alert('x')</script>", "amp": "a & b", "n": [1]}
    source = "<script>var data = {{ data|tojson }};</script>"
    with flask.Flask(__name__).app_context():
        expected = flask.render_template_string(source, data=data)
    async with app.app_context():
        rendered = await render_template_string(source, data=data)
    assert rendered == expected
    assert "</script><script>" not in rendered
    assert "\\u003c/script\\u003e" in rendered
    assert "\\u0027x\\u0027" in rendered


async def test_tojson_uses_the_app_json_provider(folder: Path) -> None:
    class Point:
        def __init__(self, x: int) -> None:
            self.x = x

    class Provider(DefaultJSONProvider):
        @staticmethod
        def default(o: Any) -> Any:
            if isinstance(o, Point):
                return {"x": o.x}
            return DefaultJSONProvider.default(o)

    class MyApp(Quart):
        json_provider_class = Provider

    app = MyApp(__name__, root_path=str(folder))
    async with app.app_context():
        rendered = await render_template_string("{{ p|tojson }}", p=Point(3))
    assert rendered == '{"x": 3}'


# -- streaming --------------------------------------------------------------------
async def test_stream_template_is_a_response_body(app: Quart) -> None:
    chunks: list[str] = []

    @app.route("/")
    async def index() -> Any:
        iterator = await stream_template("loop.html", items=["a", "<b>"], title="t")
        assert hasattr(iterator, "__aiter__")
        return iterator

    @app.route("/string")
    async def string() -> Any:
        return await stream_template_string("{{ request.path }} {{ g.x }}")

    @app.before_request
    async def set_g() -> None:
        g.x = "gx"

    @template_rendered.connect_via(app)
    def rendered(sender: Quart, template: Template, context: dict[str, Any]) -> None:
        chunks.append("rendered")

    try:
        assert await _get(app) == "<li>a</li><li>&lt;b&gt;</li>t"
        # The request context is still there while the body is sent.
        assert await _get(app, "/string") == "/string gx"
    finally:
        template_rendered.disconnect(rendered, app)
    assert chunks == ["rendered", "rendered"]


@pytest.mark.usefixtures("app_ctx")
async def test_stream_template_outside_request() -> None:
    iterator = await stream_template("page.txt", value="v")
    assert [chunk async for chunk in iterator] == ["v"]


# -- get_template_attribute -----------------------------------------------------
@pytest.mark.usefixtures("app_ctx")
async def test_get_template_attribute() -> None:
    hello = get_template_attribute("macros.html", "hello")
    assert await hello("World") == "Hello World!"
    assert get_template_attribute("macros.html", "answer") == 42


@pytest.mark.usefixtures("app_ctx")
async def test_get_template_attribute_refuses_module_code_that_waits(
    app: Quart,
) -> None:
    async def fetch() -> str:
        await asyncio.sleep(0.001)
        return "late"

    app.jinja_env.globals["fetch"] = fetch
    with pytest.raises(RuntimeError, match="make_module_async"):
        get_template_attribute("waits.html", "value")


async def test_get_template_attribute_needs_an_app_context(app: Quart) -> None:
    with pytest.raises(RuntimeError, match="application context"):
        get_template_attribute("macros.html", "hello")


# -- signals ----------------------------------------------------------------------
async def test_render_signals(app: Quart) -> None:
    events: list[tuple[str, str | None, dict[str, Any]]] = []

    def before(sender: Quart, template: Template, context: dict[str, Any]) -> None:
        assert sender is app
        events.append(("before", template.name, dict(context)))

    async def after(sender: Quart, template: Template, context: dict[str, Any]) -> None:
        events.append(("after", template.name, dict(context)))

    before_render_template.connect(before, app)
    template_rendered.connect(after, app)
    try:

        @app.route("/")
        async def index() -> str:
            return await render_template("page.html", value="v")

        assert await _get(app) == "<p>v</p>"
    finally:
        before_render_template.disconnect(before, app)
        template_rendered.disconnect(after, app)
    assert [(kind, name) for kind, name, _ in events] == [
        ("before", "page.html"),
        ("after", "page.html"),
    ]
    context = events[0][2]
    assert context["value"] == "v"
    assert "request" in context and "g" in context


# -- the loader -------------------------------------------------------------------
async def test_loader_runs_once_per_template(app: Quart) -> None:
    calls: list[str] = []
    original = FileSystemLoader.get_source

    class CountingLoader(FileSystemLoader):
        def get_source(self, environment: Any, template: str) -> Any:
            calls.append(template)
            return original(self, environment, template)

    app.__dict__["jinja_loader"] = CountingLoader(
        os.path.join(app.root_path, "templates")
    )
    async with app.app_context():
        for value in range(3):
            assert await render_template("page.txt", value=value) == str(value)
    assert calls == ["page.txt"]


async def test_explain_template_loading(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    bp = Blueprint("bp", __name__, template_folder="templates", root_path=app.root_path)
    app.register_blueprint(bp)
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        async with app.app_context():
            await render_template("page.txt", value=1)
            with pytest.raises(TemplateNotFound):
                await render_template("nope.html")
    messages = [r.getMessage() for r in caplog.records]
    found = next(m for m in messages if "'page.txt'" in m)
    assert "application" in found and "blueprint 'bp'" in found
    assert "found" in found
    assert "multiple loaders" in found
    missing = next(m for m in messages if "'nope.html'" in m)
    assert "could not be found" in missing


def test_templates_auto_reload_follows_debug(app: Quart, folder: Path) -> None:
    assert app.templates_auto_reload is False
    assert app.jinja_env.auto_reload is False
    app.debug = True
    assert app.templates_auto_reload is True
    assert app.jinja_env.auto_reload is True
    app.templates_auto_reload = False
    assert app.config["TEMPLATES_AUTO_RELOAD"] is False
    assert app.jinja_env.auto_reload is False
    app.debug = False
    app.debug = True  # the explicit setting wins over debug now
    assert app.jinja_env.auto_reload is False

    configured = Quart(__name__, root_path=str(folder))
    configured.config["TEMPLATES_AUTO_RELOAD"] = True
    assert configured.jinja_env.auto_reload is True


async def test_auto_reload_picks_up_changes(app: Quart, folder: Path) -> None:
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    path = folder / "templates" / "page.txt"
    async with app.app_context():
        assert await render_template("page.txt", value="x") == "x"
        path.write_text("changed {{ value }}")
        stat = path.stat()
        os.utime(path, (stat.st_atime, stat.st_mtime + 10))
        assert await render_template("page.txt", value="x") == "changed x"


@pytest.mark.usefixtures("app_ctx")
async def test_without_auto_reload_templates_are_cached(
    app: Quart, folder: Path
) -> None:
    path = folder / "templates" / "page.txt"
    assert await render_template("page.txt", value="x") == "x"
    path.write_text("changed {{ value }}")
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 10))
    assert await render_template("page.txt", value="x") == "x"
