"""Flask-Session: server-side sessions in a cachelib file store; the cookie
holds only the session id, the data lives on disk, and the interface's
sync methods run in worker threads."""

from __future__ import annotations

from pathlib import Path

import flask
import pytest
from cachelib import FileSystemCache
from flask import session
from flask_session import Session

from quart import Quart


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Quart, FileSystemCache]:
    store = FileSystemCache(str(tmp_path), threshold=100)
    app = flask.Flask(__name__)
    app.config.update(SESSION_TYPE="cachelib", SESSION_CACHELIB=store, SECRET_KEY="k")
    Session(app)

    @app.route("/cart/add/<item>", methods=["POST"])
    async def add(item: str) -> object:
        session.setdefault("cart", [])
        session["cart"] = [*session["cart"], item]
        return {"cart": session["cart"]}

    @app.route("/cart")
    def show() -> object:
        return {"cart": session.get("cart", [])}

    @app.route("/cart/clear", methods=["POST"])
    async def clear() -> str:
        session.clear()
        return "cleared"

    return app, store


async def test_server_side_session(setup: tuple[Quart, FileSystemCache]) -> None:
    app, store = setup
    client = app.test_client()
    response = await client.post("/cart/add/apple")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "apple" not in cookie  # only the id travels
    session_id = cookie.split(";")[0].split("=", 1)[1]
    assert store.get(f"session:{session_id}") is not None
    await client.post("/cart/add/pear")
    assert await (await client.get("/cart")).get_json() == {"cart": ["apple", "pear"]}
    other = app.test_client()
    assert await (await other.get("/cart")).get_json() == {"cart": []}


async def test_clear_deletes_the_stored_session(
    setup: tuple[Quart, FileSystemCache],
) -> None:
    app, store = setup
    client = app.test_client()
    response = await client.post("/cart/add/apple")
    session_id = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    await client.post("/cart/clear")
    assert store.get(f"session:{session_id}") is None
    assert await (await client.get("/cart")).get_json() == {"cart": []}
