"""Quart-Rate-Limiter as its documentation shows it: ``rate_limit`` on a
route answers 429 with ``Retry-After`` once the budget is spent and lets
requests through again after that; ``RateLimit-*`` headers; per-key budgets;
default limits with ``rate_exempt``; blueprint limits; skip functions; a
store with serving hooks; and the limit against a real Hypercorn, keyed on
the client's address."""

from __future__ import annotations

import asyncio
from datetime import datetime
from datetime import timedelta

import httpx
import pytest
from quart_rate_limiter import RateLimit
from quart_rate_limiter import RateLimiter
from quart_rate_limiter import limit_blueprint
from quart_rate_limiter import rate_exempt
from quart_rate_limiter import rate_limit
from quart_rate_limiter.store import MemoryStore

from quart import Blueprint
from quart import Quart
from quart import request


async def user_key() -> str:
    return request.headers.get("X-User", "anonymous")


@pytest.fixture
def app() -> Quart:
    app = Quart(__name__)
    RateLimiter(app)

    @app.get("/limited")
    @rate_limit(2, timedelta(seconds=2))  # one request a second
    async def limited() -> str:
        return "ok"

    @app.get("/per-user")
    @rate_limit(1, timedelta(seconds=30), key_function=user_key)
    async def per_user() -> str:
        return f"hi {request.headers.get('X-User')}"

    @app.get("/free")
    async def free() -> str:
        return "free"

    return app


async def test_limit_gives_429_with_retry_after_then_resets(app: Quart) -> None:
    client = app.test_client()
    first = await client.get("/limited")
    assert first.status_code == 200
    assert first.headers["RateLimit-Limit"] == "2"
    assert first.headers["RateLimit-Remaining"] == "1"
    second = await client.get("/limited")
    assert second.status_code == 200
    assert second.headers["RateLimit-Remaining"] == "0"

    third = await client.get("/limited")
    assert third.status_code == 429
    assert set(third.headers.getlist("Retry-After")) == {"1"}
    retry_after = int(third.headers["Retry-After"])

    await asyncio.sleep(retry_after + 0.05)
    again = await client.get("/limited")
    assert again.status_code == 200


async def test_unlimited_route_has_no_headers(app: Quart) -> None:
    response = await app.test_client().get("/free")
    assert response.status_code == 200
    assert "RateLimit-Limit" not in response.headers


async def test_key_function_gives_separate_budgets(app: Quart) -> None:
    client = app.test_client()
    alice = {"X-User": "alice"}
    bob = {"X-User": "bob"}
    assert (await client.get("/per-user", headers=alice)).status_code == 200
    response = await client.get("/per-user", headers=alice)
    assert response.status_code == 429
    assert 29 <= int(response.headers["Retry-After"]) <= 30
    response = await client.get("/per-user", headers=bob)
    assert await response.get_data(as_text=True) == "hi bob"


async def test_default_limits_and_exempt_and_blueprints() -> None:
    app = Quart(__name__)
    RateLimiter(app, default_limits=[RateLimit(1, timedelta(seconds=60))])

    @app.get("/default")
    async def default() -> str:
        return "default"

    @app.get("/exempt")
    @rate_exempt
    async def exempt() -> str:
        return "exempt"

    bp = Blueprint("bp", __name__)
    limit_blueprint(bp, 3, timedelta(seconds=60))

    @bp.get("/bp")
    async def in_blueprint() -> str:
        return "bp"

    app.register_blueprint(bp)
    client = app.test_client()

    assert (await client.get("/default")).status_code == 200
    assert (await client.get("/default")).status_code == 429
    for _ in range(3):
        assert (await client.get("/exempt")).status_code == 200
    # The blueprint's 3/min applies alongside the default 1/min.
    response = await client.get("/bp")
    assert response.status_code == 200
    assert response.headers["RateLimit-Limit"] == "3"
    assert (await client.get("/bp")).status_code == 429


async def test_skip_function() -> None:
    app = Quart(__name__)

    async def skip_admins() -> bool:
        return request.headers.get("X-Admin") == "yes"

    RateLimiter(app, skip_function=skip_admins)

    @app.get("/")
    @rate_limit(1, timedelta(seconds=60))
    async def index() -> str:
        return "ok"

    client = app.test_client()
    assert (await client.get("/")).status_code == 200
    assert (await client.get("/")).status_code == 429
    assert (await client.get("/", headers={"X-Admin": "yes"})).status_code == 200


async def test_store_serving_hooks_run_with_the_lifespan() -> None:
    events: list[str] = []

    class RecordingStore(MemoryStore):
        async def before_serving(self) -> None:
            events.append("before")

        async def after_serving(self) -> None:
            events.append("after")

        async def set(self, key: str, tat: datetime) -> None:
            events.append("set")
            await super().set(key, tat)

    app = Quart(__name__)
    RateLimiter(app, store=RecordingStore())

    @app.get("/")
    @rate_limit(5, timedelta(seconds=60))
    async def index() -> str:
        return "ok"

    async with app.test_app() as test_app:
        assert events == ["before"]
        assert (await test_app.test_client().get("/")).status_code == 200
    assert events == ["before", "set", "after"]


async def test_disabled_by_config(app: Quart) -> None:
    app.config["QUART_RATE_LIMITER_ENABLED"] = False
    client = app.test_client()
    for _ in range(4):
        assert (await client.get("/limited")).status_code == 200


async def test_through_hypercorn(http: httpx.AsyncClient) -> None:
    assert (await http.get("/limited")).status_code == 200
    assert (await http.get("/limited")).status_code == 200
    response = await http.get("/limited")
    assert response.status_code == 429
    # werkzeug's TooManyRequests and the extension both add the header
    # (Flask sends it twice too); every copy says 1 second.
    assert set(response.headers.get_list("Retry-After")) == {"1"}
    assert "Too Many Requests" in response.text
