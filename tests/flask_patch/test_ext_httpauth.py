"""Flask-HTTPAuth: basic auth with roles, token auth, a custom error
handler, and ``current_user()`` in sync and async views."""

from __future__ import annotations

import flask
import pytest
from flask_httpauth import HTTPBasicAuth
from flask_httpauth import HTTPTokenAuth
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from quart import Quart

USERS = {
    "ann": (generate_password_hash("secret", method="pbkdf2:sha256:1000"), ["admin"]),
    "ben": (generate_password_hash("hunter2", method="pbkdf2:sha256:1000"), []),
}
TOKENS = {"tok-ann": "ann"}


@pytest.fixture
def app() -> Quart:
    app = flask.Flask(__name__)
    basic = HTTPBasicAuth(realm="Staff")
    token = HTTPTokenAuth(scheme="Bearer")

    @basic.verify_password
    def verify_password(username: str, password: str) -> str | None:
        entry = USERS.get(username)
        if entry and check_password_hash(entry[0], password):
            return username
        return None

    @basic.get_user_roles
    def roles(user: str) -> list[str]:
        return USERS[user][1]

    @token.verify_token
    def verify_token(value: str) -> str | None:
        return TOKENS.get(value)

    @token.error_handler
    def token_error(status: int) -> tuple[object, int]:
        return {"error": "bad token", "status": status}, status

    @app.route("/me")
    @basic.login_required
    async def me() -> str:
        return f"hello {basic.current_user()}"

    @app.route("/admin")
    @basic.login_required(role="admin")
    def admin() -> str:
        return f"admin {basic.current_user()}"

    @app.route("/api")
    @token.login_required
    async def api() -> object:
        return {"user": token.current_user()}

    return app


async def test_basic_auth(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Staff"'
    response = await client.get("/me", auth=("ben", "wrong"))
    assert response.status_code == 401
    response = await client.get("/me", auth=("ben", "hunter2"))
    assert await response.get_data() == b"hello ben"


async def test_roles(app: Quart) -> None:
    client = app.test_client()
    assert (await client.get("/admin", auth=("ben", "hunter2"))).status_code == 403
    response = await client.get("/admin", auth=("ann", "secret"))
    assert await response.get_data() == b"admin ann"


async def test_token_auth_and_error_handler(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/api", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert await response.get_json() == {"error": "bad token", "status": 401}
    response = await client.get("/api", headers={"Authorization": "Bearer tok-ann"})
    assert await response.get_json() == {"user": "ann"}
