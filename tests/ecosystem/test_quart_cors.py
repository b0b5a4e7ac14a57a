"""Quart-CORS as its documentation shows it: ``cors(app)`` and
``cors(blueprint)``, ``route_cors`` with its own preflight answer,
``cors_exempt``, ``websocket_cors`` and the origin check on websockets;
then a preflight and a websocket handshake against a real Hypercorn."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from quart_cors import cors
from quart_cors import cors_exempt
from quart_cors import route_cors
from quart_cors import websocket_cors
from servers import TIMEOUT
from servers import running
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from quart import Blueprint
from quart import Quart
from quart import websocket
from quart.testing import WebsocketResponseError

ORIGIN = "https://quart.example"


@pytest.fixture
def app() -> Quart:
    app = Quart(__name__)
    app = cors(
        app,
        allow_origin=ORIGIN,
        allow_headers=["X-Token"],
        expose_headers=["X-Total"],
        max_age=timedelta(minutes=10),
    )

    @app.route("/items", methods=["GET", "POST"])
    async def items() -> tuple[str, int, dict[str, str]]:
        return "items", 200, {"X-Total": "3"}

    @app.get("/open")
    @cors_exempt
    async def open_() -> str:
        return "exempt"

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.send("hello")

    return app


async def test_simple_request_from_allowed_origin(app: Quart) -> None:
    response = await app.test_client().get("/items", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Expose-Headers"] == "X-Total"
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Methods" not in response.headers


async def test_other_origin_gets_no_cors_headers(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/items", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.headers["Vary"]
    response = await client.get("/items")
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_preflight(app: Quart) -> None:
    response = await app.test_client().options(
        "/items",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-Token, X-Other",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    methods = {
        m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")
    }
    assert {"GET", "POST", "OPTIONS"} <= methods
    # Quart-CORS intersects the lower-cased sets (werkzeug HeaderSet.as_set)
    assert response.headers["Access-Control-Allow-Headers"].lower() == "x-token"
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert set(response.allow) == {"GET", "HEAD", "POST", "OPTIONS"}


async def test_cors_exempt(app: Quart) -> None:
    response = await app.test_client().get("/open", headers={"Origin": ORIGIN})
    assert await response.get_data(as_text=True) == "exempt"
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_wildcard_defaults() -> None:
    app = cors(Quart(__name__))

    @app.get("/")
    async def index() -> str:
        return "ok"

    response = await app.test_client().get(
        "/", headers={"Origin": "https://any.example"}
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_route_cors_with_own_preflight() -> None:
    app = Quart(__name__)

    @app.route("/api", methods=["PUT"])
    @route_cors(
        allow_origin=re.compile(r"https://.*\.quart\.example"),
        allow_credentials=True,
        allow_methods=["PUT"],
    )
    async def api() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/plain")
    async def plain() -> str:
        return "plain"

    client = app.test_client()
    origin = "https://app.quart.example"
    response = await client.options(
        "/api", headers={"Origin": origin, "Access-Control-Request-Method": "PUT"}
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Allow-Methods"] == "PUT"
    assert "OPTIONS" in response.allow

    response = await client.put("/api", headers={"Origin": origin})
    assert await response.get_json() == {"ok": True}
    assert response.headers["Access-Control-Allow-Origin"] == origin

    response = await client.put("/api", headers={"Origin": "https://quart.other"})
    assert "Access-Control-Allow-Origin" not in response.headers
    response = await client.get("/plain", headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_blueprint_cors() -> None:
    app = Quart(__name__)
    api = cors(Blueprint("api", __name__), allow_origin=ORIGIN)

    @api.get("/data")
    async def data() -> str:
        return "data"

    app.register_blueprint(api, url_prefix="/api")

    @app.get("/other")
    async def other() -> str:
        return "other"

    client = app.test_client()
    response = await client.get("/api/data", headers={"Origin": ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    response = await client.get("/other", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_websocket_origin_check(app: Quart) -> None:
    client = app.test_client()
    async with client.websocket("/ws", headers={"Origin": ORIGIN}) as ws:
        assert await ws.receive() == "hello"
    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket(
            "/ws", headers={"Origin": "https://evil.example"}
        ) as ws:
            await ws.receive()
    assert info.value.response.status_code == 400


async def test_websocket_cors_decorator() -> None:
    app = Quart(__name__)

    @app.websocket("/ws")
    @websocket_cors(allow_origin=[ORIGIN, "https://other.example"])
    async def echo_origin() -> None:
        await websocket.send(websocket.origin or "")

    client = app.test_client()
    async with client.websocket(
        "/ws", headers={"Origin": "https://other.example"}
    ) as ws:
        assert await ws.receive() == "https://other.example"
    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket(
            "/ws", headers={"Origin": "https://x.example"}
        ) as ws:
            await ws.receive()
    assert info.value.response.status_code == 400


async def test_through_hypercorn(app: Quart) -> None:
    async with running(app) as address:
        async with httpx.AsyncClient(
            base_url=f"http://{address}", timeout=TIMEOUT
        ) as http:
            response = await http.options(
                "/items",
                headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
            )
            assert response.status_code == 200
            assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
            assert "POST" in response.headers["Access-Control-Allow-Methods"]

        async with connect(
            f"ws://{address}/ws",
            origin=ORIGIN,
            proxy=None,
            open_timeout=TIMEOUT,  # type: ignore[arg-type]
        ) as ws:
            assert await ws.recv() == "hello"
        with pytest.raises(InvalidStatus) as info:
            async with connect(
                f"ws://{address}/ws",
                origin="https://evil.example",  # type: ignore[arg-type]
                proxy=None,
                open_timeout=TIMEOUT,
            ):
                pass
        assert info.value.response.status_code == 400
