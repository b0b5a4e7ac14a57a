"""Flask-Limiter: default and per-route limits, 429 responses with rate-limit
headers, exemptions, and limits on async views."""

from __future__ import annotations

import flask
import pytest
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from quart import Quart


@pytest.fixture
def app() -> Quart:
    app = flask.Flask(__name__)
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    limiter = Limiter(
        get_remote_address,
        app=app,
        default_limits=["3 per minute"],
        storage_uri="memory://",
    )

    @app.route("/")
    async def index() -> str:
        return "home"

    @app.route("/login", methods=["POST"])
    @limiter.limit("1 per minute")
    async def login() -> str:
        return "tried"

    @app.route("/health")
    @limiter.exempt
    def health() -> str:
        return "ok"

    @app.errorhandler(429)
    async def too_many(error: Exception) -> tuple[object, int]:
        return {"error": "slow down"}, 429

    return app


async def test_default_limit_and_headers(app: Quart) -> None:
    client = app.test_client()
    for remaining in ("2", "1", "0"):
        response = await client.get("/")
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert response.headers["X-RateLimit-Remaining"] == remaining
    response = await client.get("/")
    assert response.status_code == 429
    assert await response.get_json() == {"error": "slow down"}
    assert "Retry-After" in response.headers


async def test_route_limit_on_async_view(app: Quart) -> None:
    client = app.test_client()
    assert (await client.post("/login")).status_code == 200
    assert (await client.post("/login")).status_code == 429
    assert (await client.get("/")).status_code == 200  # a separate limit


async def test_exempt_route(app: Quart) -> None:
    client = app.test_client()
    for _ in range(5):
        response = await client.get("/health")
        assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response.headers
