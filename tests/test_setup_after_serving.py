"""Setting up an app after it served requests (as Quart allows, and tests
rely on): every setup method still works, and whatever the app compiled
for speed (hook chains, remembered route matches, compiled templates) is
compiled again instead of going stale; never an ``AssertionError``."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import DictLoader

from quart import Blueprint
from quart import Quart
from quart import Response
from quart import g
from quart import render_template
from quart import render_template_string
from quart import websocket
from quart.testing import QuartClient


async def _text(client: QuartClient, path: str, **kwargs: Any) -> tuple[int, str]:
    response = await client.get(path, **kwargs)
    return response.status_code, await response.get_data(as_text=True)


@pytest.fixture
async def served(app: Quart, client: QuartClient) -> Quart:
    """The app after it handled a request (its setup compiled)."""

    @app.route("/")
    async def index() -> str:
        return f"index {g.get('mark', '-')}"

    assert await _text(client, "/") == (200, "index -")
    assert app.got_first_request
    return app


async def test_route(served: Quart, client: QuartClient) -> None:
    @served.route("/late")
    async def late() -> str:
        return "late"

    served.add_url_rule("/added", "added", late)
    assert await _text(client, "/late") == (200, "late")
    assert await _text(client, "/added") == (200, "late")


async def test_route_shadowing_a_remembered_match(
    app: Quart, client: QuartClient
) -> None:
    @app.route("/<name>")
    async def by_name(name: str) -> str:
        return f"name {name}"

    for _ in range(2):  # served twice: the match is remembered
        assert await _text(client, "/about") == (200, "name about")

    @app.route("/about")
    async def about() -> str:
        return "about page"

    assert await _text(client, "/about") == (200, "about page")


async def test_before_and_after_request(served: Quart, client: QuartClient) -> None:
    @served.before_request
    async def mark() -> None:
        g.mark = "marked"

    @served.after_request
    async def header(response: Response) -> Response:
        response.headers["X-Late"] = "yes"
        return response

    response = await client.get("/")
    assert await response.get_data(as_text=True) == "index marked"
    assert response.headers["X-Late"] == "yes"


async def test_before_request_that_answers(served: Quart, client: QuartClient) -> None:
    @served.before_request
    async def stop() -> str:
        return "stopped"

    assert await _text(client, "/") == (200, "stopped")


async def test_teardown_request(served: Quart, client: QuartClient) -> None:
    torn: list[BaseException | None] = []

    @served.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        torn.append(exc)

    await client.get("/")
    assert torn == [None]


async def test_error_handler(served: Quart, client: QuartClient) -> None:
    assert (await _text(client, "/missing"))[0] == 404

    @served.errorhandler(404)
    async def not_found(error: Exception) -> tuple[str, int]:
        return "custom not found", 404

    @served.route("/boom")
    async def boom() -> str:
        raise KeyError("boom")

    @served.errorhandler(KeyError)
    async def key_error(error: KeyError) -> tuple[str, int]:
        return f"handled {error.args[0]}", 418

    assert await _text(client, "/missing") == (404, "custom not found")
    assert await _text(client, "/boom") == (418, "handled boom")


async def test_template_filter_test_and_global(
    served: Quart, client: QuartClient
) -> None:
    @served.route("/t")
    async def template() -> str:
        return await render_template_string(
            "{{ 'x' | shout }} {{ 2 is even }} {{ greet() }}"
        )

    served.add_template_filter(lambda s: s.upper() + "!", "shout")
    served.add_template_test(lambda n: n % 2 == 0, "even")
    served.add_template_global(lambda: "hi", "greet")
    assert await _text(client, "/t") == (200, "X! True hi")


async def test_replacing_a_template_filter_recompiles(
    app: Quart, client: QuartClient
) -> None:
    app.jinja_env.filters["mark"] = lambda s: f"<{s}>"
    app.jinja_env.loader = DictLoader({"page.html": "{{ 'x' | mark }}"})

    @app.route("/")
    async def index() -> str:
        return await render_template("page.html")

    assert await _text(client, "/") == (200, "&lt;x&gt;")

    @app.template_filter("mark")
    def mark(s: str) -> str:
        return f"[{s}]"

    assert await _text(client, "/") == (200, "[x]")


async def test_context_processor_and_url_processors(
    served: Quart, client: QuartClient
) -> None:
    @served.context_processor
    async def extra() -> dict[str, str]:
        return {"who": "world"}

    @served.url_value_preprocessor
    def take(endpoint: str | None, values: dict[str, Any] | None) -> None:
        if values is not None and "lang" in values:
            g.lang = values.pop("lang")

    @served.route("/<lang>/hello")
    async def hello() -> str:
        return await render_template_string("{{ g.lang }} hello {{ who }}")

    assert await _text(client, "/fr/hello") == (200, "fr hello world")


async def test_blueprint(served: Quart, client: QuartClient) -> None:
    bp = Blueprint("late", __name__, url_prefix="/bp")

    @bp.before_request
    async def mark() -> None:
        g.mark = "bp"

    @bp.route("/")
    async def bp_index() -> str:
        return f"bp {g.mark}"

    @bp.app_errorhandler(405)
    async def not_allowed(error: Exception) -> tuple[str, int]:
        return "no", 405

    served.register_blueprint(bp)
    assert await _text(client, "/bp/") == (200, "bp bp")
    assert (await client.post("/")).status_code == 405
    assert await (await client.post("/")).get_data(as_text=True) == "no"
    assert await _text(client, "/") == (200, "index -")  # app hooks unchanged


async def test_websocket_hooks(app: Quart, client: QuartClient) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await websocket.send(g.get("mark", "-"))

    async with client.websocket("/ws") as connection:
        assert await connection.receive() == "-"

    @app.before_websocket
    async def mark() -> None:
        g.mark = "marked"

    async with client.websocket("/ws") as connection:
        assert await connection.receive() == "marked"


async def test_overriding_a_pipeline_method_on_the_instance(
    served: Quart, client: QuartClient
) -> None:
    # Which pipeline methods are overridden is compiled too: a setup change
    # compiles it again, so an override made with it is seen.
    original = served.process_response

    async def process_response(response: Response, ctx: Any = None) -> Response:
        response = await original(response, ctx)
        response.headers["X-Processed"] = "1"
        return response

    served.process_response = process_response  # type: ignore[method-assign]

    @served.route("/other")
    async def other() -> str:
        return "other"

    assert (await client.get("/")).headers["X-Processed"] == "1"


async def test_got_first_request_stays_true(served: Quart, client: QuartClient) -> None:
    @served.route("/late")
    async def late() -> str:
        return "late"

    assert served.got_first_request
    await client.get("/late")
    assert served.got_first_request


async def test_blueprint_setup_after_registration_still_raises(app: Quart) -> None:
    # A blueprint's own registries were copied when it was registered, so
    # changing it later would not apply: that stays an error, as in Flask.
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(AssertionError, match="already been registered"):
        bp.before_request(lambda: None)


async def test_after_startup(app: Quart) -> None:
    # Serving (the lifespan) compiles the app as a first request does.
    @app.route("/")
    async def index() -> str:
        return "index"

    async with app.test_app() as test_app:
        client = test_app.test_client()
        assert await _text(client, "/") == (200, "index")

        @app.route("/late")
        async def late() -> str:
            return "late"

        assert await _text(client, "/late") == (200, "late")
