"""Flask-Caching: cached views (async and sync, keyed by the query string),
memoized functions, the cache object in views, and template fragments."""

from __future__ import annotations

import flask
import pytest
from flask import render_template_string
from flask import request
from flask_caching import Cache

from quart import Quart


@pytest.fixture
def setup() -> tuple[Quart, Cache, dict[str, int]]:
    app = flask.Flask(__name__)
    cache = Cache(app, config={"CACHE_TYPE": "SimpleCache"})
    calls = {"report": 0, "search": 0, "price": 0}

    @app.route("/report")
    @cache.cached(timeout=60)
    async def report() -> object:
        calls["report"] += 1
        return {"report": calls["report"]}

    @app.route("/search")
    @cache.cached(timeout=60, query_string=True)
    def search() -> str:
        calls["search"] += 1
        return f"results for {request.args['q']} (#{calls['search']})"

    @cache.memoize(timeout=60)
    def price(item: str) -> int:
        calls["price"] += 1
        return len(item) * 10

    @app.route("/price/<item>")
    def show_price(item: str) -> str:
        return str(price(item))

    @app.route("/counter", methods=["POST"])
    async def counter() -> str:
        value = (cache.get("counter") or 0) + 1
        cache.set("counter", value)
        return str(value)

    @app.route("/fragment/<name>")
    async def fragment(name: str) -> str:
        return await render_template_string(
            "{% cache 60, 'greeting' %}Hello {{ name }}{% endcache %}", name=name
        )

    return app, cache, calls


async def test_cached_async_view(setup: tuple[Quart, Cache, dict[str, int]]) -> None:
    app, cache, calls = setup
    client = app.test_client()
    first = await (await client.get("/report")).get_json()
    second = await (await client.get("/report")).get_json()
    assert first == second == {"report": 1}
    assert calls["report"] == 1
    cache.clear()
    assert await (await client.get("/report")).get_json() == {"report": 2}


async def test_cached_sync_view_by_query_string(
    setup: tuple[Quart, Cache, dict[str, int]],
) -> None:
    app, _, calls = setup
    client = app.test_client()
    assert await (await client.get("/search?q=a")).get_data() == b"results for a (#1)"
    assert await (await client.get("/search?q=a")).get_data() == b"results for a (#1)"
    assert await (await client.get("/search?q=b")).get_data() == b"results for b (#2)"
    assert calls["search"] == 2


async def test_memoize(setup: tuple[Quart, Cache, dict[str, int]]) -> None:
    app, _, calls = setup
    client = app.test_client()
    assert await (await client.get("/price/tea")).get_data() == b"30"
    assert await (await client.get("/price/tea")).get_data() == b"30"
    assert await (await client.get("/price/coffee")).get_data() == b"60"
    assert calls["price"] == 2


async def test_cache_object_in_views(
    setup: tuple[Quart, Cache, dict[str, int]],
) -> None:
    app, cache, _ = setup
    client = app.test_client()
    assert await (await client.post("/counter")).get_data() == b"1"
    assert await (await client.post("/counter")).get_data() == b"2"
    assert cache.get("counter") == 2


async def test_template_fragment_cache(
    setup: tuple[Quart, Cache, dict[str, int]],
) -> None:
    app, _, _ = setup
    client = app.test_client()
    assert await (await client.get("/fragment/ann")).get_data() == b"Hello ann"
    # the fragment is cached: a later name does not show
    assert await (await client.get("/fragment/bob")).get_data() == b"Hello ann"
