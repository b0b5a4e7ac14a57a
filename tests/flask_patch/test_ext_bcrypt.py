"""Flask-Bcrypt: hash passwords at sign-up and check them at log-in, with
the rounds taken from the app config."""

from __future__ import annotations

import flask
import pytest
from flask import request
from flask import session
from flask_bcrypt import Bcrypt

from quart import Quart


@pytest.fixture
def app() -> Quart:
    app = flask.Flask(__name__)
    app.config.update(SECRET_KEY="s", BCRYPT_LOG_ROUNDS=4)
    bcrypt = Bcrypt(app)
    accounts: dict[str, bytes] = {}
    app.extensions["accounts"] = accounts

    @app.route("/signup", methods=["POST"])
    def signup() -> tuple[str, int]:
        accounts[request.form["user"]] = bcrypt.generate_password_hash(
            request.form["password"]
        )
        return "created", 201

    @app.route("/login", methods=["POST"])
    async def login() -> tuple[str, int]:
        form = await request.form
        stored = accounts.get(form["user"])
        if stored is None or not bcrypt.check_password_hash(stored, form["password"]):
            return "denied", 401
        session["user"] = form["user"]
        return "welcome", 200

    return app


async def test_sign_up_and_log_in(app: Quart) -> None:
    client = app.test_client()
    response = await client.post("/signup", form={"user": "ann", "password": "pw1"})
    assert response.status_code == 201
    stored = app.extensions["accounts"]["ann"]
    assert stored.startswith(b"$2b$04$")  # BCRYPT_LOG_ROUNDS was used
    assert (
        await client.post("/login", form={"user": "ann", "password": "no"})
    ).status_code == 401
    response = await client.post("/login", form={"user": "ann", "password": "pw1"})
    assert await response.get_data() == b"welcome"
