"""Flask-Principal: identities stored in the session, needs loaded through
the ``identity_loaded`` signal, and permissions as decorators (on async
views too) and context managers."""

from __future__ import annotations

import flask
import pytest
from flask import current_app
from flask import session
from flask_principal import AnonymousIdentity
from flask_principal import Identity
from flask_principal import Permission
from flask_principal import Principal
from flask_principal import RoleNeed
from flask_principal import UserNeed
from flask_principal import identity_changed
from flask_principal import identity_loaded

from quart import Quart

ROLES = {"ann": ["admin"], "ben": []}


@pytest.fixture
def app() -> Quart:
    app = flask.Flask(__name__)
    app.config["SECRET_KEY"] = "principal"
    Principal(app)
    admin = Permission(RoleNeed("admin"))

    @identity_loaded.connect_via(app)
    def on_identity_loaded(sender: object, identity: Identity) -> None:
        if identity.id in ROLES:
            identity.provides.add(UserNeed(identity.id))
            for role in ROLES[identity.id]:
                identity.provides.add(RoleNeed(role))

    @app.route("/login/<name>")
    def login(name: str) -> str:
        identity_changed.send(
            current_app._get_current_object(), identity=Identity(name)
        )
        return "ok"

    @app.route("/logout")
    def logout() -> str:
        session.pop("identity.id", None)
        identity_changed.send(
            current_app._get_current_object(), identity=AnonymousIdentity()
        )
        return "bye"

    @app.route("/admin")
    @admin.require(http_exception=403)
    async def admin_page() -> str:
        return "admin area"

    @app.route("/reports")
    def reports() -> str:
        with admin.require(http_exception=403):
            return "reports"

    @app.route("/whoami")
    async def whoami() -> object:
        return {"id": flask.g.identity.id, "admin": admin.can()}

    return app


async def test_permissions_follow_the_identity(app: Quart) -> None:
    client = app.test_client()
    assert (await client.get("/admin")).status_code == 403
    assert (await client.get("/reports")).status_code == 403
    assert await (await client.get("/login/ann")).get_data() == b"ok"
    assert await (await client.get("/admin")).get_data() == b"admin area"
    assert await (await client.get("/reports")).get_data() == b"reports"
    assert await (await client.get("/whoami")).get_json() == {
        "id": "ann",
        "admin": True,
    }
    await client.get("/logout")
    assert (await client.get("/admin")).status_code == 403


async def test_user_without_role(app: Quart) -> None:
    client = app.test_client()
    await client.get("/login/ben")
    assert await (await client.get("/whoami")).get_json() == {
        "id": "ben",
        "admin": False,
    }
    assert (await client.get("/admin")).status_code == 403
