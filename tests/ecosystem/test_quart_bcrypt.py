"""Quart-Bcrypt as its documentation shows it: hash a password when a user
registers and check it when they log in, inside views, with the sync and
the async (``quart.utils.run_sync``) methods and the module-level helpers;
the app's ``BCRYPT_*`` configuration is honoured; then the same flow
against a real Hypercorn."""

from __future__ import annotations

import threading

import bcrypt as bcrypt_module
import httpx
import pytest
from quart_bcrypt import Bcrypt
from quart_bcrypt import async_check_password_hash
from quart_bcrypt import async_generate_password_hash
from quart_bcrypt import check_password_hash
from quart_bcrypt import generate_password_hash

from quart import Quart
from quart import request


@pytest.fixture
def app() -> Quart:
    app = Quart(__name__)
    app.config["BCRYPT_LOG_ROUNDS"] = 4  # fast in tests
    hasher = Bcrypt(app)
    users: dict[str, bytes] = {}
    app.extensions["users"] = users

    @app.post("/register")
    async def register() -> tuple[str, int]:
        form = await request.form
        users[form["user"]] = await hasher.async_generate_password_hash(
            form["password"]
        )
        return "registered", 201

    @app.post("/login")
    async def login() -> tuple[str, int]:
        form = await request.form
        stored = users.get(form["user"])
        if stored is not None and await hasher.async_check_password_hash(
            stored, form["password"]
        ):
            return "welcome", 200
        return "denied", 401

    @app.post("/sync-check")
    async def sync_check() -> dict[str, bool]:
        data = await request.get_json()
        pw_hash = hasher.generate_password_hash(data["password"])
        return {
            "right": hasher.check_password_hash(pw_hash, data["password"]),
            "wrong": hasher.check_password_hash(pw_hash, data["password"] + "!"),
        }

    return app


async def test_register_then_login(app: Quart) -> None:
    client = app.test_client()
    form = {"user": "ada", "password": "correct horse"}
    assert (await client.post("/register", form=form)).status_code == 201
    stored = app.extensions["users"]["ada"]
    assert stored.startswith(b"$2b$04$")  # BCRYPT_LOG_ROUNDS and the default prefix
    assert b"correct horse" not in stored

    response = await client.post("/login", form=form)
    assert (response.status_code, await response.get_data(as_text=True)) == (
        200,
        "welcome",
    )
    response = await client.post("/login", form={"user": "ada", "password": "battery"})
    assert response.status_code == 401
    response = await client.post("/login", form={"user": "bob", "password": "x"})
    assert response.status_code == 401


async def test_sync_methods_inside_a_view(app: Quart) -> None:
    response = await app.test_client().post("/sync-check", json={"password": "s3cret"})
    assert await response.get_json() == {"right": True, "wrong": False}


async def test_async_methods_hash_off_the_event_loop(
    app: Quart, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []
    real_hashpw = bcrypt_module.hashpw

    def recording_hashpw(password: bytes, salt: bytes) -> bytes:
        threads.append(threading.get_ident())
        return real_hashpw(password, salt)

    monkeypatch.setattr(bcrypt_module, "hashpw", recording_hashpw)
    client = app.test_client()
    await client.post("/register", form={"user": "ada", "password": "pw"})
    await client.post("/login", form={"user": "ada", "password": "pw"})
    assert len(threads) == 2
    assert threading.get_ident() not in threads


async def test_long_password_handling(app: Quart) -> None:
    base = "x" * 72
    plain = Bcrypt(app)
    with pytest.raises(ValueError, match="72 bytes"):  # bcrypt >= 5 refuses them
        plain.generate_password_hash(base + "a")

    app.config["BCRYPT_HANDLE_LONG_PASSWORDS"] = True
    long_aware = Bcrypt(app)
    pw_hash = long_aware.generate_password_hash(base + "a")
    assert long_aware.check_password_hash(pw_hash, base + "a")
    assert not long_aware.check_password_hash(pw_hash, base + "b")


async def test_module_helpers() -> None:
    # They use no app ("at the expense of the configuration"), nor a context.
    pw_hash = generate_password_hash("pw", 4)
    assert check_password_hash(pw_hash, "pw")
    async_hash = await async_generate_password_hash("pw", 4)
    assert async_hash.startswith(b"$2b$04$")
    assert await async_check_password_hash(async_hash, "pw")
    assert not await async_check_password_hash(async_hash, "nope")


async def test_through_hypercorn(http: httpx.AsyncClient) -> None:
    form = {"user": "grace", "password": "cobol"}
    assert (await http.post("/register", data=form)).status_code == 201
    assert (await http.post("/login", data=form)).text == "welcome"
    form["password"] = "fortran"
    assert (await http.post("/login", data=form)).status_code == 401
