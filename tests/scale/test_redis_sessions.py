"""Server-side sessions in a real Redis (plugins/quart-redis-backend): the
cookie carries a signed id, the data lives in Redis, apps sharing Redis
share sessions, concurrent requests merge."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import quart_redis_backend
from quart_redis_backend import RedisSession
from quart_redis_backend import RedisSessionInterface
from quart_redis_backend import regenerate_session
from redis.asyncio import Redis
from redis_server import RedisServer
from servers import TIMEOUT

from quart import Quart
from quart import session
from quart.testing import QuartClient

MakeApp = Callable[..., Quart]
COOKIE = "session"


def _routes(app: Quart) -> None:
    @app.post("/set/<key>/<value>")
    async def set_value(key: str, value: str) -> str:
        session[key] = value
        return "ok"

    @app.get("/get/<key>")
    async def get_value(key: str) -> str:
        return str(session.get(key))

    @app.get("/all")
    async def everything() -> dict[str, Any]:
        return dict(session)

    @app.post("/login/<user>")
    async def login(user: str) -> str:
        session["user"] = user
        regenerate_session()
        return "in"

    @app.post("/logout")
    async def logout() -> str:
        session.clear()
        return "out"

    @app.post("/permanent")
    async def permanent() -> str:
        session.permanent = True
        session["p"] = 1
        return "ok"

    @app.get("/plain")
    async def plain() -> str:
        return "no session here"


@pytest.fixture
async def make_app(redis_server: RedisServer) -> AsyncIterator[MakeApp]:
    made: list[Quart] = []

    def factory(**config: Any) -> Quart:
        app = Quart(__name__, plugins=[quart_redis_backend])
        app.secret_key = "secret"
        app.config["REDIS_URL"] = redis_server.url
        app.config.update(config)
        _routes(app)
        made.append(app)
        return app

    yield factory
    for app in made:
        await app.shutdown()


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    async with Redis.from_url(redis_server.url, decode_responses=True) as client:
        yield client


def _cookie(client: QuartClient) -> str | None:
    for cookie in client.cookie_jar:
        if cookie.name == COOKIE:
            return cookie.value
    return None


def _sid(app: Quart, client: QuartClient) -> str:
    """The session id in ``client``'s session cookie (which must be set)."""
    cookie = _cookie(client)
    assert cookie is not None
    interface = app.session_interface
    assert isinstance(interface, RedisSessionInterface)
    signer = interface.get_signer(app)
    assert signer is not None
    return signer.unsign(cookie).decode()


async def test_session_created_in_one_app_is_read_in_another(
    make_app: MakeApp,
) -> None:
    worker_a, worker_b = make_app(), make_app()
    client = worker_a.test_client()
    await client.post("/set/user/ada")
    cookie = _cookie(client)
    assert cookie is not None
    other = worker_b.test_client()
    other.set_cookie("localhost", COOKIE, cookie)
    response = await other.get("/get/user")
    assert await response.get_data(as_text=True) == "ada"
    assert isinstance(worker_a.session_interface, RedisSessionInterface)


async def test_the_cookie_holds_only_a_signed_id_and_redis_the_data(
    make_app: MakeApp, redis: Redis
) -> None:
    app = make_app(PERMANENT_SESSION_LIFETIME=timedelta(minutes=10))
    client = app.test_client()
    await client.post("/set/secret/value-in-redis")
    cookie = _cookie(client)
    assert cookie is not None and "value-in-redis" not in cookie
    sid = _sid(app, client)
    assert len(sid) >= 40
    key = f"quart:session:{sid}"
    assert await redis.hgetall(key) == {"secret": '"value-in-redis"'}
    ttl = await redis.pttl(key)
    assert 9 * 60 * 1000 < ttl <= 10 * 60 * 1000


async def test_tampered_or_unknown_ids_give_an_empty_session(
    make_app: MakeApp, redis: Redis
) -> None:
    app = make_app()
    client = app.test_client()
    await client.post("/set/user/ada")
    cookie = _cookie(client)
    assert cookie is not None
    sid = _sid(app, client)

    tampered = app.test_client()
    tampered.set_cookie("localhost", COOKIE, cookie[:-2] + "xx")
    assert await (await tampered.get("/all")).get_json() == {}

    forged = app.test_client()  # another key signing the same id
    other = Quart(__name__)
    other.secret_key = "not the secret"
    interface = RedisSessionInterface("redis://unused")
    signer = interface.get_signer(other)
    assert signer is not None
    forged.set_cookie("localhost", COOKIE, signer.sign(sid).decode())
    assert await (await forged.get("/all")).get_json() == {}

    await redis.delete(f"quart:session:{sid}")  # expired, or never existed
    assert await (await client.get("/all")).get_json() == {}
    await client.post("/set/user/bob")  # a new id: the client's is not adopted
    assert _sid(app, client) != sid


async def test_regenerate_issues_a_new_id_and_drops_the_old(
    make_app: MakeApp, redis: Redis
) -> None:
    app = make_app()
    client = app.test_client()
    await client.post("/set/cart/3")
    before = _sid(app, client)
    await client.post("/login/ada")
    after = _sid(app, client)
    assert after != before
    assert await redis.exists(f"quart:session:{before}") == 0
    assert await (await client.get("/all")).get_json() == {"cart": "3", "user": "ada"}


async def test_clearing_deletes_the_data_and_the_cookie(
    make_app: MakeApp, redis: Redis
) -> None:
    app = make_app()
    client = app.test_client()
    await client.post("/set/user/ada")
    sid = _sid(app, client)
    response = await client.post("/logout")
    assert "Cookie" in response.headers["Vary"]
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    assert _cookie(client) is None
    assert await redis.exists(f"quart:session:{sid}") == 0


async def test_cookie_settings_and_vary_match_the_cookie_session(
    make_app: MakeApp,
) -> None:
    settings = {
        "SESSION_COOKIE_DOMAIN": "example.test",
        "SESSION_COOKIE_PATH": "/app",
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
    }
    redis_app = make_app(**settings)
    cookie_app = Quart(__name__)
    cookie_app.secret_key = "secret"
    cookie_app.config.update(settings)
    _routes(cookie_app)

    def attributes(header: str) -> list[str]:
        return sorted(part.strip() for part in header.split(";")[1:])

    for path in ("/set/a/1", "/permanent"):
        ours = await redis_app.test_client().post(path)
        theirs = await cookie_app.test_client().post(path)
        assert attributes(ours.headers["Set-Cookie"]) == attributes(
            theirs.headers["Set-Cookie"]
        )
        assert ours.headers["Vary"] == theirs.headers["Vary"] == "Cookie"
    plain = await redis_app.test_client().get("/plain")
    assert "Vary" not in plain.headers and "Set-Cookie" not in plain.headers
    read = await redis_app.test_client().get("/get/x")
    assert read.headers["Vary"] == "Cookie" and "Set-Cookie" not in read.headers


async def test_permanent_sessions_refresh_their_expiry(
    make_app: MakeApp, redis: Redis
) -> None:
    app = make_app(PERMANENT_SESSION_LIFETIME=timedelta(seconds=100))
    client = app.test_client()
    await client.post("/permanent")
    key = f"quart:session:{_sid(app, client)}"
    await redis.pexpire(key, 5000)
    response = await client.get("/plain")  # not even read: refreshed anyway
    assert "Expires=" in response.headers["Set-Cookie"]
    assert await redis.pttl(key) > 90_000


async def test_concurrent_requests_setting_different_keys_both_survive(
    make_app: MakeApp,
) -> None:
    """Both requests load the session before either saves: each writes only
    its own key, so neither update is lost."""
    app = make_app()
    arrived = 0
    both_loaded = asyncio.Event()

    @app.post("/slow/<key>")
    async def slow(key: str) -> str:
        nonlocal arrived
        assert key not in session  # loaded before the other saved
        arrived += 1
        if arrived == 2:
            both_loaded.set()
        async with asyncio.timeout(TIMEOUT):
            await both_loaded.wait()
        session[key] = key.upper()
        return "ok"

    client = app.test_client()
    await client.post("/set/start/1")
    cookie = _cookie(client) or ""
    first, second = app.test_client(), app.test_client()
    for each in (first, second):
        each.set_cookie("localhost", COOKIE, cookie)
    await asyncio.gather(first.post("/slow/a"), second.post("/slow/b"))
    assert await (await client.get("/all")).get_json() == {
        "start": "1",
        "a": "A",
        "b": "B",
    }


async def test_nested_changes_need_reassigning_or_modified(make_app: MakeApp) -> None:
    app = make_app()

    @app.post("/cart/<how>")
    async def cart(how: str) -> str:
        items = session.setdefault("cart", [])
        items.append(how)
        if how == "reassign":
            session["cart"] = items
        elif how == "modified":
            session.modified = True
        return "ok"

    client = app.test_client()
    await client.post("/cart/first")  # new key: stored by setdefault
    await client.post("/cart/lost")  # a nested change only: not written
    await client.post("/cart/reassign")
    await client.post("/cart/modified")
    body = await (await client.get("/all")).get_json()
    assert body == {"cart": ["first", "reassign", "modified"]}


async def test_values_keep_their_types(make_app: MakeApp) -> None:
    app = make_app()

    @app.post("/typed")
    async def typed() -> str:
        session["values"] = {"tuple": (1, 2), "bytes": b"\x00", "n": 1.5}
        return "ok"

    @app.get("/typed")
    async def read_typed() -> str:
        return repr(sorted(session["values"].items()))

    client = app.test_client()
    await client.post("/typed")
    text = await (await client.get("/typed")).get_data(as_text=True)
    assert text == repr([("bytes", b"\x00"), ("n", 1.5), ("tuple", (1, 2))])


async def test_rotated_secret_keys_still_read_old_cookies(make_app: MakeApp) -> None:
    app = make_app()
    client = app.test_client()
    await client.post("/set/user/ada")
    app.secret_key = "new secret"
    app.config["SECRET_KEY_FALLBACKS"] = ["secret"]
    assert await (await client.get("/get/user")).get_data(as_text=True) == "ada"


async def test_redis_down_only_views_using_the_session_fail(
    make_app: MakeApp, redis_server: RedisServer
) -> None:
    app = make_app()
    client = app.test_client()
    await client.post("/set/user/ada")
    redis_server.stop()
    assert (await client.get("/plain")).status_code == 200
    assert (await client.get("/get/user")).status_code == 503
    redis_server.start()  # nothing was saved: the session is gone
    assert await (await client.get("/get/user")).get_data(as_text=True) == "None"


async def test_a_session_object_records_what_changed() -> None:
    stored = RedisSession({"a": 1, "b": 2, "c": 3}, sid="x")
    stored["d"] = 4
    del stored["a"]
    stored.pop("b")
    stored.pop("missing", None)
    stored.setdefault("c", 0)  # present: no change
    stored.update({"e": 5})
    assert stored.changed == {"d", "e"}
    assert stored.deleted == {"a", "b"}
    stored.clear()
    assert stored.cleared and not stored.changed and not stored.deleted
