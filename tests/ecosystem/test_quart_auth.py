"""Quart-Auth as its documentation shows it: cookie login and logout,
``login_required`` (401, or a redirect from an ``Unauthorized`` handler),
``current_user`` in views, templates and websockets, remembered logins,
a custom user class, bearer tokens, the testing helpers, and HTTP basic auth;
then a login round trip against a real Hypercorn server."""

from __future__ import annotations

from http.cookies import SimpleCookie

import httpx
import pytest
from quart_auth import AuthUser
from quart_auth import QuartAuth
from quart_auth import Unauthorized
from quart_auth import authenticated_client
from quart_auth import basic_auth_required
from quart_auth import current_user
from quart_auth import generate_auth_token
from quart_auth import login_required
from quart_auth import login_user
from quart_auth import logout_user

from quart import Quart
from quart import redirect
from quart import render_template_string
from quart import websocket

USERS = {"42": "Ada", "7": "Grace"}


class User(AuthUser):
    """The documented pattern: resolve extra data lazily from ``auth_id``."""

    @property
    async def name(self) -> str | None:
        return USERS.get(self.auth_id or "")


def make_app(**auth_options: object) -> Quart:
    app = Quart(__name__)
    app.secret_key = "not so secret"
    app.config["QUART_AUTH_COOKIE_SECURE"] = False  # plain http in tests
    app.config["QUART_AUTH_BASIC_USERNAME"] = "admin"
    app.config["QUART_AUTH_BASIC_PASSWORD"] = "hunter2"
    QuartAuth(app, user_class=User, **auth_options)  # type: ignore[arg-type]

    @app.post("/login/<auth_id>")
    async def login(auth_id: str) -> str:
        login_user(User(auth_id), remember=auth_id == "7")
        return "logged in"

    @app.post("/logout")
    async def logout() -> str:
        logout_user()
        return "logged out"

    @app.get("/private")
    @login_required
    async def private() -> str:
        return f"hello {await current_user.name} ({current_user.auth_id})"

    @app.get("/whoami")
    async def whoami() -> dict[str, object]:
        return {
            "id": current_user.auth_id,
            "authenticated": await current_user.is_authenticated,
        }

    @app.get("/page")
    async def page() -> str:
        return await render_template_string("user={{ current_user.auth_id }}")

    @app.get("/admin")
    @basic_auth_required()
    async def admin() -> str:
        return "admin area"

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.send(str(current_user.auth_id))

    return app


@pytest.fixture
def app() -> Quart:
    return make_app()


def cookie_of(response: object, name: str = "QUART_AUTH") -> SimpleCookie:
    headers = response.headers.getlist("Set-Cookie")  # type: ignore[attr-defined]
    cookie: SimpleCookie = SimpleCookie()
    for header in headers:
        cookie.load(header)
    assert name in cookie, headers
    return cookie


async def test_login_required_is_401_until_login(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/private")
    assert response.status_code == 401

    response = await client.post("/login/42")
    assert response.status_code == 200
    morsel = cookie_of(response)["QUART_AUTH"]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert morsel["path"] == "/"
    assert not morsel["max-age"]  # not remembered: a session cookie

    response = await client.get("/private")
    assert response.status_code == 200
    assert await response.get_data(as_text=True) == "hello Ada (42)"


async def test_logout_deletes_the_cookie(app: Quart) -> None:
    client = app.test_client()
    await client.post("/login/42")
    assert (await client.get("/private")).status_code == 200

    response = await client.post("/logout")
    morsel = cookie_of(response)["QUART_AUTH"]
    assert morsel.value == ""
    assert morsel["max-age"] == "0"
    assert (await client.get("/private")).status_code == 401
    assert await (await client.get("/whoami")).get_json() == {
        "id": None,
        "authenticated": False,
    }


async def test_remembered_login_gets_a_max_age(app: Quart) -> None:
    client = app.test_client()
    response = await client.post("/login/7")
    assert cookie_of(response)["QUART_AUTH"]["max-age"] == str(365 * 24 * 60 * 60)
    response = await client.get("/private")
    assert await response.get_data(as_text=True) == "hello Grace (7)"


async def test_tampered_cookie_is_anonymous(app: Quart) -> None:
    client = app.test_client()
    response = await client.post("/login/42")
    token = cookie_of(response)["QUART_AUTH"].value
    other = app.test_client()
    other.set_cookie("localhost", "QUART_AUTH", token[:-2] + "xx")
    assert (await other.get("/private")).status_code == 401
    other.set_cookie("localhost", "QUART_AUTH", token)
    assert (await other.get("/private")).status_code == 200


async def test_secure_cookie_by_default_over_https() -> None:
    app = Quart(__name__)
    app.secret_key = "not so secret"
    QuartAuth(app)

    @app.post("/login")
    async def login() -> str:
        login_user(AuthUser("1"))
        return ""

    response = await app.test_client().post("/login", scheme="https")
    assert cookie_of(response)["QUART_AUTH"]["secure"] is True


async def test_unauthorized_handler_redirects(app: Quart) -> None:
    @app.errorhandler(Unauthorized)
    async def to_login(error: Unauthorized) -> object:
        return redirect("/login-page")

    response = await app.test_client().get("/private")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login-page"


async def test_current_user_in_templates_and_websockets(app: Quart) -> None:
    client = app.test_client()
    assert await (await client.get("/page")).get_data(as_text=True) == "user=None"
    await client.post("/login/42")
    assert await (await client.get("/page")).get_data(as_text=True) == "user=42"
    async with client.websocket("/ws") as ws:
        assert await ws.receive() == "42"


async def test_authenticated_client_helper(app: Quart) -> None:
    client = app.test_client()
    async with authenticated_client(client, "7"):
        response = await client.get("/private")
        assert response.status_code == 200
        assert await response.get_data(as_text=True) == "hello Grace (7)"
    assert (await client.get("/private")).status_code == 401


async def test_bearer_mode() -> None:
    app = make_app(mode="bearer")
    client = app.test_client()
    token = generate_auth_token(client, "42")
    assert (await client.get("/private")).status_code == 401
    response = await client.get(
        "/private", headers={"Authorization": f"Bearer {token}"}
    )
    assert await response.get_data(as_text=True) == "hello Ada (42)"
    response = await client.get("/private", headers={"Authorization": "Bearer junk"})
    assert response.status_code == 401


async def test_basic_auth(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/admin")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].lower().startswith("basic")
    response = await client.get("/admin", auth=("admin", "wrong"))
    assert response.status_code == 401
    response = await client.get("/admin", auth=("admin", "hunter2"))
    assert response.status_code == 200
    assert await response.get_data(as_text=True) == "admin area"


async def test_through_hypercorn(http: httpx.AsyncClient) -> None:
    assert (await http.get("/private")).status_code == 401
    assert (await http.post("/login/42")).status_code == 200
    assert "QUART_AUTH" in http.cookies
    response = await http.get("/private")
    assert response.status_code == 200
    assert response.text == "hello Ada (42)"
    await http.post("/logout")
    assert "QUART_AUTH" not in http.cookies
    assert (await http.get("/private")).status_code == 401
    response = await http.get("/admin", auth=("admin", "hunter2"))
    assert response.text == "admin area"
