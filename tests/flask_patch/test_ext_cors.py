"""Flask-CORS: simple and preflight requests through the extension and the
``cross_origin`` decorator, and CORS headers on error responses (which the
extension adds by replacing ``app.handle_exception`` with sync wrappers)."""

from __future__ import annotations

import flask
import pytest
from flask_cors import CORS
from flask_cors import cross_origin

from quart import Quart

ORIGIN = "https://example.com"


@pytest.fixture
def app() -> Quart:
    app = flask.Flask(__name__)
    CORS(
        app,
        resources={r"/api/*": {"origins": ORIGIN}},
        supports_credentials=True,
        expose_headers=["X-Total"],
    )

    @app.route("/api/items", methods=["GET", "POST"])
    async def items() -> object:
        return {"items": [1, 2]}, 200, {"X-Total": "2"}

    @app.route("/api/crash")
    async def crash() -> str:
        raise RuntimeError("boom")

    @app.route("/public", methods=["GET", "PUT"])
    @cross_origin(origins="*", methods=["GET", "PUT"])
    async def public() -> str:  # the decorator is sync, the view async
        return "public"

    @app.route("/legacy")
    @cross_origin()
    def legacy() -> str:
        return "legacy"

    @app.route("/private")
    async def private() -> str:
        return "no cors here"

    return app


async def test_simple_request_gets_cors_headers(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/api/items", headers={"Origin": ORIGIN})
    assert await response.get_json() == {"items": [1, 2]}
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Expose-Headers"] == "X-Total"


async def test_other_origins_and_paths_get_none(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/api/items", headers={"Origin": "https://evil.test"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    response = await client.get("/private", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_preflight(app: Quart) -> None:
    client = app.test_client()
    response = await client.options(
        "/api/items",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"].lower() == "content-type"
    assert set(response.allow) >= {"GET", "POST", "OPTIONS"}


async def test_error_responses_carry_cors_headers(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/api/missing", headers={"Origin": ORIGIN})
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    response = await client.get("/api/crash", headers={"Origin": ORIGIN})
    assert response.status_code == 500
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


async def test_cross_origin_decorator(app: Quart) -> None:
    # (answers checked against the same app on Flask 3.1)
    client = app.test_client()
    response = await client.get("/public", headers={"Origin": "https://any.test"})
    assert await response.get_data() == b"public"
    assert response.headers["Access-Control-Allow-Origin"] == "https://any.test"
    assert response.headers["Vary"] == "Origin"
    preflight = await client.options(
        "/public",
        headers={"Origin": "https://any.test", "Access-Control-Request-Method": "PUT"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, PUT"
    assert set(preflight.allow) == {"GET", "HEAD", "PUT", "OPTIONS"}
    response = await client.get("/legacy", headers={"Origin": "https://x.test"})
    assert await response.get_data() == b"legacy"
    assert response.headers["Access-Control-Allow-Origin"] == "https://x.test"
