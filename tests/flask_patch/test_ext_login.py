"""Flask-Login: log in, ``current_user``, ``login_required`` redirects,
logout, remember-me, and the request loader, in sync and async views."""

from __future__ import annotations

import flask
import pytest
from flask import flash
from flask import get_flashed_messages
from flask import redirect
from flask import request
from flask import url_for
from flask_login import LoginManager
from flask_login import UserMixin
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user

from quart import Quart


class User(UserMixin):
    def __init__(self, user_id: str, password: str) -> None:
        self.id = user_id
        self.password = password


USERS = {"alice": User("alice", "wonderland"), "bob": User("bob", "builder")}
API_KEYS = {"key-123": "bob"}


@pytest.fixture
def app() -> Quart:
    app = flask.Flask(__name__)
    app.config.update(SECRET_KEY="test secret", TESTING=True)
    login_manager = LoginManager(app)
    login_manager.login_view = "login"
    login_manager.login_message = "Please log in."

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return USERS.get(user_id)

    @login_manager.request_loader
    def load_from_header(req: flask.Request) -> User | None:
        name = API_KEYS.get(req.headers.get("X-Api-Key", ""))
        return USERS.get(name) if name else None

    @app.route("/login", methods=["GET", "POST"])
    def login() -> object:  # a Flask-style sync view
        if request.method == "POST":
            user = USERS.get(request.form["username"])
            if user is None or user.password != request.form["password"]:
                flash("Bad credentials.")
                return redirect(url_for("login"))
            login_user(user, remember=request.form.get("remember") == "yes")
            return redirect(request.args.get("next") or url_for("profile"))
        messages = get_flashed_messages()
        return {"messages": messages, "anonymous": current_user.is_anonymous}

    @app.route("/profile")
    @login_required
    async def profile() -> object:  # an async view behind a sync decorator
        return {"user": current_user.id, "auth": current_user.is_authenticated}

    @app.route("/settings")
    @login_required
    def settings() -> str:
        return f"settings of {current_user.id}"

    @app.route("/logout", methods=["POST"])
    async def logout() -> object:
        logout_user()
        return redirect(url_for("login"))

    return app


async def _login(client: object, username: str, password: str, **extra: str) -> object:
    return await client.post(  # type: ignore[attr-defined,no-any-return]
        "/login?next=/settings",
        form={"username": username, "password": password, **extra},
    )


async def test_login_required_redirects_with_next_and_flash(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fprofile"
    page = await client.get("/login")
    assert await page.get_json() == {"messages": ["Please log in."], "anonymous": True}


async def test_login_then_current_user_in_sync_and_async_views(app: Quart) -> None:
    client = app.test_client()
    response = await _login(client, "alice", "wonderland")
    assert response.status_code == 302
    assert response.headers["Location"] == "/settings"
    settings = await client.get("/settings")
    assert await settings.get_data() == b"settings of alice"
    profile = await client.get("/profile")
    assert await profile.get_json() == {"user": "alice", "auth": True}


async def test_bad_password_is_rejected(app: Quart) -> None:
    client = app.test_client()
    response = await _login(client, "alice", "nope")
    assert response.headers["Location"] == "/login"
    page = await client.get("/login")
    assert (await page.get_json())["messages"] == ["Bad credentials."]
    assert (await client.get("/profile")).status_code == 302


async def test_logout_makes_user_anonymous(app: Quart) -> None:
    client = app.test_client()
    await _login(client, "bob", "builder")
    assert (await client.get("/settings")).status_code == 200
    response = await client.post("/logout")
    assert response.status_code == 302
    assert (await client.get("/settings")).status_code == 302
    assert (await (await client.get("/login")).get_json())["anonymous"] is True


async def test_remember_me_cookie_restores_the_login(app: Quart) -> None:
    client = app.test_client()
    response = await _login(client, "alice", "wonderland", remember="yes")
    cookies = response.headers.getlist("Set-Cookie")
    assert any(cookie.startswith("remember_token=") for cookie in cookies)
    # a new browser session: only the remember cookie survives
    client.delete_cookie("localhost", "session")
    profile = await client.get("/profile")
    assert profile.status_code == 200
    assert (await profile.get_json())["user"] == "alice"


async def test_request_loader_authenticates_api_calls(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/profile", headers={"X-Api-Key": "key-123"})
    assert (await response.get_json())["user"] == "bob"
    response = await client.get("/profile", headers={"X-Api-Key": "wrong"})
    assert response.status_code == 302
