"""Sessions: the signed-cookie session (compatible with Flask's cookies both
ways), its configuration, failure modes, the replaceable session interface
and the test client's ``session_transaction``."""

from __future__ import annotations

import logging
import re
import secrets
import time
import uuid
import warnings
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import flask
import pytest
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer
from markupsafe import Markup
from werkzeug.http import parse_date

from quart import Quart
from quart import Response
from quart import request
from quart import session
from quart import websocket
from quart.globals import _cv_app
from quart.sessions import NullSession
from quart.sessions import SecureCookieSession
from quart.sessions import SecureCookieSessionInterface
from quart.sessions import SessionInterface
from quart.sessions import SessionMixin
from quart.testing import QuartClient
from quart.testing import WebsocketResponseError
from quart.wrappers import Websocket

SECRET = "test secret key"


@pytest.fixture
def app(app: Quart) -> Quart:
    """The shared app, signing with this file's key (``_signed`` uses it)."""
    app.secret_key = SECRET
    return app


@pytest.fixture
def flask_app(flask_app: flask.Flask) -> flask.Flask:
    flask_app.secret_key = SECRET
    return flask_app


def session_cookie(response: Any, name: str = "session") -> str | None:
    """The Set-Cookie header of the session cookie, or None."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return header  # type: ignore[no-any-return]
    return None


def cookie_value(header: str) -> str:
    return header.split(";", 1)[0].split("=", 1)[1]


def attributes(header: str) -> list[str]:
    """Set-Cookie attributes without the value and the Expires date."""
    return [
        part
        for part in header.split("; ")[1:]
        if not part.startswith(("Expires=", "Max-Age="))
    ]


def add_echo_routes(app: Quart) -> list[dict[str, Any]]:
    """``/set`` stores the JSON body's ``values`` in the session; ``/get``
    records what the session holds."""
    seen: list[dict[str, Any]] = []

    @app.route("/get")
    async def get() -> str:
        seen.append(dict(session))
        return "ok"

    return seen


# -- the basics -----------------------------------------------------------
async def test_session_is_carried_between_requests(
    app: Quart, client: QuartClient
) -> None:
    @app.route("/inc")
    async def inc() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    for expected in (b"1", b"2", b"3"):
        response = await client.get("/inc")
        assert await response.get_data() == expected
    header = session_cookie(response)
    assert header is not None
    assert attributes(header) == ["HttpOnly", "Path=/"]
    assert "Expires=" not in header  # a browser-session cookie by default
    assert response.headers["Vary"] == "Cookie"


async def test_untouched_session_sets_no_cookie_and_no_vary(
    app: Quart, client: QuartClient
) -> None:
    @app.route("/")
    async def index() -> str:
        return "hi"

    @app.route("/set")
    async def set_() -> str:
        session["a"] = 1
        return "set"

    await client.get("/set")
    response = await client.get("/")  # the cookie is sent but not used
    assert session_cookie(response) is None
    assert "Vary" not in response.headers


@pytest.mark.parametrize(
    "read",
    [
        lambda s: s.get("a"),
        lambda s: s["a"],
        lambda s: "a" in s,
        lambda s: list(s),
        lambda s: len(s),
        lambda s: list(s.items()),
        lambda s: list(s.keys()),
        lambda s: list(s.values()),
        lambda s: s.setdefault("a", 1),
        lambda s: s.permanent,
    ],
    ids=[
        "get",
        "getitem",
        "contains",
        "iter",
        "len",
        "items",
        "keys",
        "values",
        "setdefault",
        "permanent",
    ],
)
async def test_reading_adds_vary_cookie_without_setting_it(
    app: Quart, client: QuartClient, read: Any
) -> None:
    flags: list[tuple[bool, bool]] = []

    @app.route("/set")
    async def set_() -> str:
        session["a"] = 1
        return "set"

    @app.route("/read")
    async def read_view() -> str:
        assert not session.accessed
        read(session)
        flags.append((session.accessed, session.modified))
        return "read"

    await client.get("/set")
    response = await client.get("/read")
    assert flags == [(True, False)]
    assert response.headers["Vary"] == "Cookie"
    assert session_cookie(response) is None  # read only: nothing to send back


async def test_flags_and_new_match_flask(
    flask_app: flask.Flask, app: Quart, client: QuartClient
) -> None:
    """Flask's cookie session cannot tell a new session from an empty one,
    so ``new`` is always False; ``modified``/``accessed`` track use."""
    ours: list[tuple[bool, bool, bool]] = []
    theirs: list[tuple[bool, bool, bool]] = []

    @app.route("/")
    async def index() -> str:
        before = (session.new, session.modified, session.accessed)
        session["x"] = 1
        ours.append(before)
        ours.append((session.new, session.modified, session.accessed))
        return "ok"

    @flask_app.route("/")
    def flask_index() -> str:
        s = flask.session._get_current_object()  # type: ignore[attr-defined]
        before = (s.new, s.modified, s.accessed)
        s["x"] = 1
        theirs.append(before)
        theirs.append((s.new, s.modified, s.accessed))
        return "ok"

    await client.get("/")
    await client.get("/")  # now with a cookie
    flask_client = flask_app.test_client()
    flask_client.get("/")
    flask_client.get("/")
    assert [flags[0] for flags in ours] == [False] * 4  # never new
    assert [flags[1] for flags in ours] == [False, True, False, True]
    assert ours[1][2] and ours[3][2]
    # Flask 3.1.3 marks any use of the proxy as an access; compare the rest
    assert [f[:2] for f in ours] == [f[:2] for f in theirs]


async def test_nested_change_needs_modified(app: Quart, client: QuartClient) -> None:
    @app.route("/init")
    async def init() -> str:
        session["cart"] = {"items": []}
        return "ok"

    @app.route("/add/<flag>")
    async def add(flag: str) -> str:
        session["cart"]["items"].append(1)
        if flag == "yes":
            session.modified = True
        return "ok"

    @app.route("/count")
    async def count() -> str:
        return str(len(session["cart"]["items"]))

    await client.get("/init")
    response = await client.get("/add/no")
    assert session_cookie(response) is None  # a nested change is not seen
    assert await (await client.get("/count")).get_data() == b"0"
    response = await client.get("/add/yes")
    assert session_cookie(response) is not None
    assert await (await client.get("/count")).get_data() == b"1"


async def test_emptying_the_session_deletes_the_cookie(
    app: Quart, client: QuartClient
) -> None:
    @app.route("/set")
    async def set_() -> str:
        session["a"] = 1
        return "ok"

    @app.route("/clear")
    async def clear() -> str:
        session.clear()
        return "ok"

    @app.route("/has")
    async def has() -> str:
        return str("a" in session)

    await client.get("/set")
    response = await client.get("/clear")
    header = session_cookie(response)
    assert header is not None
    assert cookie_value(header) == ""
    assert "Max-Age=0" in header and "Expires=Thu, 01 Jan 1970" in header
    assert response.headers["Vary"] == "Cookie"
    assert await (await client.get("/has")).get_data() == b"False"


async def test_session_in_test_request_context(app: Quart) -> None:
    response = app.response_class()
    async with app.test_request_context("/"):
        session["user"] = "alice"
        await app.session_interface.save_session(app, session, response)
    header = session_cookie(response)
    assert header is not None
    async with app.test_request_context(
        "/", headers={"Cookie": f"session={cookie_value(header)}"}
    ):
        assert session["user"] == "alice"
        assert isinstance(session._get_current_object(), SecureCookieSession)  # type: ignore[attr-defined]


# -- compatibility with Flask's cookies -------------------------------------
TAGGED_VALUES: dict[str, Any] = {
    "tuple": (1, "two", (3, 4.5)),
    "bytes": b"\x00\xffbinary",
    "markup": Markup("<b>bold</b> &amp;"),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "datetime": datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
    "tag_like": {" t": "not a tuple", " di": {" b": "not bytes"}, " m": 1},
    "nested": [{"inner": (1, 2)}, Markup("<i>x</i>"), [b"raw"]],
    "text": "héllo ☃ \u2028 </script>",
    "plain": [1, 2.5, None, True, {"k": "v"}],
}


def assert_same(a: Any, b: Any) -> None:
    """Equal values of exactly the same types, all the way down."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            assert_same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same(x, y)
    else:
        assert a == b


@pytest.fixture
def fixed_timestamp(monkeypatch: pytest.MonkeyPatch) -> int:
    """Freeze itsdangerous' clock so both frameworks sign at the same time."""
    now = int(time.time())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now)
    return now


async def test_flask_cookie_is_read_by_quart(
    flask_app: flask.Flask, app: Quart
) -> None:
    @flask_app.route("/set")
    def flask_set() -> str:
        flask.session.update(TAGGED_VALUES)
        return "ok"

    header = session_cookie(flask_app.test_client().get("/set"))
    assert header is not None

    seen = add_echo_routes(app)
    response = await app.test_client().get(
        "/get", headers={"Cookie": f"session={cookie_value(header)}"}
    )
    assert response.status_code == 200
    assert_same(seen[0], TAGGED_VALUES)


async def test_quart_cookie_is_read_by_flask(
    flask_app: flask.Flask, app: Quart
) -> None:
    @app.route("/set")
    async def set_() -> str:
        session.update(TAGGED_VALUES)
        return "ok"

    header = session_cookie(await app.test_client().get("/set"))
    assert header is not None

    seen: list[dict[str, Any]] = []

    @flask_app.route("/get")
    def flask_get() -> str:
        seen.append(dict(flask.session))
        return "ok"

    flask_client = flask_app.test_client()
    flask_client.set_cookie("session", cookie_value(header))
    assert flask_client.get("/get").status_code == 200
    assert_same(seen[0], TAGGED_VALUES)


@pytest.mark.usefixtures("fixed_timestamp")
async def test_cookie_is_byte_for_byte_flasks(
    flask_app: flask.Flask, app: Quart
) -> None:
    values = {**TAGGED_VALUES, "_permanent": True}

    @app.route("/set")
    async def set_() -> str:
        session.update(values)
        return "ok"

    @flask_app.route("/set")
    def flask_set() -> str:
        flask.session.update(values)
        return "ok"

    ours = session_cookie(await app.test_client().get("/set"))
    theirs = session_cookie(flask_app.test_client().get("/set"))
    assert ours is not None and theirs is not None
    assert cookie_value(ours) == cookie_value(theirs)
    assert attributes(ours) == attributes(theirs)


async def test_cookie_from_other_key_is_ignored(
    flask_app: flask.Flask, app: Quart
) -> None:
    flask_app.secret_key = "another key"

    @flask_app.route("/set")
    def flask_set() -> str:
        flask.session["user"] = "mallory"
        return "ok"

    header = session_cookie(flask_app.test_client().get("/set"))
    assert header is not None
    seen = add_echo_routes(app)
    await app.test_client().get(
        "/get", headers={"Cookie": f"session={cookie_value(header)}"}
    )
    assert seen == [{}]


# -- keys -------------------------------------------------------------------
async def alice_cookie_signed_with(key: str) -> str:
    """The session cookie value of ``{"user": "alice"}`` from an app whose
    secret key is ``key``."""
    old = Quart(__name__)
    old.secret_key = key

    @old.route("/set")
    async def set_() -> str:
        session["user"] = "alice"
        return "ok"

    return cookie_value(session_cookie(await old.test_client().get("/set")))  # type: ignore[arg-type]


async def test_secret_key_fallbacks_verify_and_current_key_signs(
    app: Quart, client: QuartClient
) -> None:
    old_cookie = await alice_cookie_signed_with("old key")

    app.secret_key = "new key"
    app.config["SECRET_KEY_FALLBACKS"] = ["older key", "old key"]
    seen = add_echo_routes(app)

    @app.route("/touch")
    async def touch() -> str:
        session["seen"] = True
        return "ok"

    client.set_cookie("localhost", "session", old_cookie)
    await client.get("/get")
    assert seen == [{"user": "alice"}]
    new_cookie = cookie_value(session_cookie(await client.get("/touch")))  # type: ignore[arg-type]

    def loads(key: str, value: str) -> Any:
        serializer = URLSafeTimedSerializer(
            key,
            salt="cookie-session",
            signer_kwargs={"key_derivation": "hmac", "digest_method": "sha1"},
        )
        return serializer.loads(value)

    assert loads("new key", new_cookie) == {"user": "alice", "seen": True}
    with pytest.raises(Exception, match="Signature"):
        loads("old key", new_cookie)

    # without the fallback the old cookie no longer verifies
    app.config["SECRET_KEY_FALLBACKS"] = None
    seen.clear()
    fresh = app.test_client()
    fresh.set_cookie("localhost", "session", old_cookie)
    await fresh.get("/get")
    assert seen == [{}]


async def test_a_fallback_appended_in_place_takes_effect(app: Quart) -> None:
    """The signer is cached by the keys' values: a fallback appended to the
    same list is used at the next request."""
    old_cookie = await alice_cookie_signed_with("old key")
    app.secret_key = "new key"
    app.config["SECRET_KEY_FALLBACKS"] = []
    seen = add_echo_routes(app)
    for _ in range(2):
        client = app.test_client()
        client.set_cookie("localhost", "session", old_cookie)
        await client.get("/get")
        app.config["SECRET_KEY_FALLBACKS"].append("old key")
    assert seen == [{}, {"user": "alice"}]


async def test_changing_the_key_takes_effect(app: Quart, client: QuartClient) -> None:
    """The signer is cached; a changed key must not reuse the old one."""
    app.secret_key = "first"

    @app.route("/set")
    async def set_() -> str:
        session["a"] = 1
        return "ok"

    seen = add_echo_routes(app)
    await client.get("/set")
    app.config["SECRET_KEY"] = "second"
    await client.get("/get")
    assert seen == [{}]


# -- permanent sessions and expiry --------------------------------------------
@pytest.mark.parametrize("lifetime", [timedelta(hours=2), 7200])
async def test_permanent_session_cookie_expires(app: Quart, lifetime: Any) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = lifetime

    @app.route("/")
    async def index() -> str:
        session.permanent = True
        session["a"] = 1
        return "ok"

    before = datetime.now(UTC).replace(microsecond=0)
    header = session_cookie(await app.test_client().get("/"))
    assert header is not None
    match = re.search(r"Expires=([^;]+)", header)
    assert match is not None
    expires = parse_date(match.group(1))
    assert expires is not None
    expected = before + timedelta(hours=2)
    assert expected <= expires <= expected + timedelta(seconds=5)


async def test_expired_cookie_gives_empty_session(
    app: Quart,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = 60

    @app.route("/set")
    async def set_() -> str:
        session.permanent = True
        session["user"] = "alice"
        return "ok"

    seen = add_echo_routes(app)
    now = int(time.time())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now - 120)
    cookie = cookie_value(session_cookie(await app.test_client().get("/set")))  # type: ignore[arg-type]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now)

    response = await app.test_client().get(
        "/get", headers={"Cookie": f"session={cookie}"}
    )
    assert response.status_code == 200
    assert seen == [{}]

    app.config["PERMANENT_SESSION_LIFETIME"] = 600  # now within its age
    await app.test_client().get("/get", headers={"Cookie": f"session={cookie}"})
    assert seen[1] == {"_permanent": True, "user": "alice"}


@pytest.mark.parametrize("refresh", [True, False])
async def test_refresh_each_request(
    app: Quart, client: QuartClient, refresh: bool
) -> None:
    app.config["SESSION_REFRESH_EACH_REQUEST"] = refresh

    @app.route("/login")
    async def login() -> str:
        session.permanent = True
        session["user"] = "alice"
        return "ok"

    @app.route("/login-temporary")
    async def login_temporary() -> str:
        session["user"] = "alice"
        return "ok"

    @app.route("/read")
    async def read() -> str:
        return str(session.get("user"))

    @app.route("/untouched")
    async def untouched() -> str:
        return "ok"

    await client.get("/login")
    response = await client.get("/read")
    assert await response.get_data() == b"alice"
    assert (session_cookie(response) is not None) is refresh
    if refresh:
        assert "Expires=" in session_cookie(response)  # type: ignore[operator]
    # As in Flask, also when the request never reads the session.
    response = await client.get("/untouched")
    assert (session_cookie(response) is not None) is refresh

    temporary = app.test_client()
    await temporary.get("/login-temporary")
    response = await temporary.get("/read")
    assert session_cookie(response) is None  # only permanent ones refresh


# -- cookie settings ----------------------------------------------------------
COOKIE_CONFIGS = [
    {},
    {"SESSION_COOKIE_NAME": "sid"},
    {"SESSION_COOKIE_DOMAIN": "example.com"},
    {"SESSION_COOKIE_PATH": "/app"},
    {"APPLICATION_ROOT": "/root"},
    {"SESSION_COOKIE_HTTPONLY": False},
    {"SESSION_COOKIE_SECURE": True},
    {"SESSION_COOKIE_SAMESITE": "Lax"},
    {"SESSION_COOKIE_SAMESITE": "Strict", "SESSION_COOKIE_SECURE": True},
    {"SESSION_COOKIE_PARTITIONED": True, "SESSION_COOKIE_SECURE": True},
    {
        "SESSION_COOKIE_NAME": "s",
        "SESSION_COOKIE_DOMAIN": "example.com",
        "SESSION_COOKIE_PATH": "/x",
        "SESSION_COOKIE_HTTPONLY": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_SAMESITE": "None",
        "SESSION_COOKIE_PARTITIONED": True,
    },
]


@pytest.mark.parametrize("config", COOKIE_CONFIGS)
async def test_cookie_settings_match_flask(
    flask_app: flask.Flask, app: Quart, client: QuartClient, config: dict[str, Any]
) -> None:
    app.config.update(config)
    flask_app.config.update(config)
    name = config.get("SESSION_COOKIE_NAME", "session")

    async def set_() -> str:
        session["a"] = 1
        return "ok"

    def flask_set() -> str:
        flask.session["a"] = 1
        return "ok"

    async def clear() -> str:
        session.pop("a", None)
        session.modified = True
        return "ok"

    def flask_clear() -> str:
        flask.session.pop("a", None)
        flask.session.modified = True
        return "ok"

    app.add_url_rule("/set", view_func=set_)
    app.add_url_rule("/clear", view_func=clear)
    flask_app.add_url_rule("/set", view_func=flask_set)
    flask_app.add_url_rule("/clear", view_func=flask_clear)
    flask_client = flask_app.test_client()
    for path in ("/set", "/clear"):
        ours = session_cookie(await client.get(path), name)
        theirs = session_cookie(flask_client.get(path), name)
        assert ours is not None and theirs is not None
        assert attributes(ours) == attributes(theirs)


async def test_custom_cookie_name_is_read_back(app: Quart, client: QuartClient) -> None:
    app.config["SESSION_COOKIE_NAME"] = "sid"

    @app.route("/set")
    async def set_() -> str:
        session["a"] = 1
        return "ok"

    seen = add_echo_routes(app)
    response = await client.get("/set")
    assert session_cookie(response, "sid") is not None
    assert session_cookie(response) is None
    await client.get("/get")
    assert seen == [{"a": 1}]


async def test_too_large_cookie_warns_with_app_limit(
    app: Quart, client: QuartClient
) -> None:
    @app.route("/store/<int:size>")
    async def store(size: int) -> str:
        session["blob"] = secrets.token_hex(size // 2)  # incompressible
        return "ok"

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        await client.get("/store/1000")  # well under the default 4093
    app.config["MAX_COOKIE_SIZE"] = 200
    with pytest.warns(UserWarning, match=r"'session' cookie is too large.*200 bytes"):
        response = await client.get("/store/300")
    assert session_cookie(response) is not None  # warned, still sent


# -- without a secret key ----------------------------------------------------
async def test_no_secret_key_reading_works(app: Quart) -> None:
    app.secret_key = None
    kinds: list[Any] = []

    @app.route("/")
    async def index() -> str:
        kinds.append(type(session._get_current_object()))  # type: ignore[attr-defined]
        return f"{session.get('user')} {'user' in session} {dict(session)}"

    response = await app.test_client().get("/", headers={"Cookie": "session=anything"})
    assert response.status_code == 200
    assert await response.get_data() == b"None False {}"
    assert kinds == [NullSession]
    assert session_cookie(response) is None


async def test_no_secret_key_null_session_is_made_only_when_read(app: Quart) -> None:
    """Without a secret key, the built-in interface's null session is made
    when a request reads the session, not for every request."""
    app.secret_key = None
    made: list[str] = []

    class Counted(NullSession):
        def __init__(self, initial: Any = None) -> None:
            made.append(request.path)
            super().__init__(initial)

    app.session_interface.null_session_class = Counted  # type: ignore[assignment]
    kinds = session_types_seen_at_root(app)

    @app.route("/untouched")
    async def untouched() -> str:
        return "ok"

    client = app.test_client()
    for _ in range(2):
        assert (await client.get("/untouched")).status_code == 200
        assert (await client.get("/")).status_code == 200
    assert made == ["/", "/"]
    assert kinds == [Counted, Counted]


@pytest.mark.parametrize(
    "write",
    [
        lambda s: s.__setitem__("a", 1),
        lambda s: s.update(a=1),
        lambda s: s.setdefault("a", 1),
        lambda s: s.pop("a", None),
        lambda s: s.clear(),
        lambda s: setattr(s, "permanent", True),
        lambda s: s.__ior__({"a": 1}),
        lambda s: s.popitem(),
    ],
    ids=[
        "setitem",
        "update",
        "setdefault",
        "pop",
        "clear",
        "permanent",
        "ior",
        "popitem",
    ],
)
async def test_no_secret_key_writing_raises(app: Quart, write: Any) -> None:
    app.secret_key = None

    @app.route("/")
    async def index() -> str:
        write(session)
        return "ok"

    with pytest.raises(RuntimeError, match="no secret key was set"):
        await app.test_client().get("/")


async def test_no_secret_key_writing_is_500_when_not_testing(
    app: Quart,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app.secret_key = None
    app.testing = False

    @app.route("/")
    async def index() -> str:
        session["a"] = 1
        return "ok"

    with caplog.at_level(logging.ERROR):
        response = await app.test_client().get("/")
    assert response.status_code == 500
    assert any(
        r.exc_info and "secret key" in str(r.exc_info[1]) for r in caplog.records
    )


# -- bad cookies ----------------------------------------------------------------
def _signed(payload: str) -> str:
    """A correctly signed cookie carrying ``payload`` (already base64)."""
    serializer = URLSafeTimedSerializer(
        SECRET,
        salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": "sha1"},
    )
    return serializer.make_signer(serializer.salt).sign(payload).decode()


async def _good_cookie(app: Quart) -> str:
    """A valid session cookie from ``app`` (call it after adding routes:
    it makes the app's first request)."""

    @app.route("/set")
    async def set_() -> str:
        session["user"] = "alice"
        return "ok"

    return cookie_value(session_cookie(await app.test_client().get("/set")))  # type: ignore[arg-type]


BAD_COOKIES = {
    "tampered-payload": lambda good: "X" + good[1:],
    "tampered-signature": lambda good: (
        good[:-2] + ("AA" if good[-2:] != "AA" else "BB")
    ),
    "truncated": lambda good: good[: len(good) // 2],
    "no-signature": lambda good: good.split(".")[0],
    "garbage": lambda good: "%%%not a cookie at all%%%",
    "dots": lambda good: "...",
    "latin-1": lambda good: "ünïcödé.ß.é",
    "huge": lambda good: "A" * 5000,
    "signed-not-json": lambda good: _signed("bm90IGpzb24"),  # "not json"
    "signed-list": lambda good: _signed("WzEsMl0"),  # [1,2]
    "signed-bad-tag": lambda good: _signed("eyIgdCI6NX0"),  # {" t":5}
    "signed-bad-date": lambda good: _signed("eyIgZCI6ImdhcmJhZ2UtZGF0ZSJ9"),
    "signed-bad-zlib": lambda good: _signed(".bm90IHpsaWI"),  # "not zlib"
    "signed-bad-base64": lambda good: _signed("!!!!"),
}


@pytest.mark.parametrize("make_bad", BAD_COOKIES.values(), ids=BAD_COOKIES.keys())
async def test_bad_cookie_gives_empty_session(
    app: Quart, client: QuartClient, make_bad: Any
) -> None:
    app.testing = False  # a 500 would not raise here
    seen = add_echo_routes(app)

    @app.route("/write")
    async def write() -> str:
        session["fresh"] = True
        return "written"

    bad = make_bad(await _good_cookie(app))

    response = await client.get("/get", headers={"Cookie": f"session={bad}"})
    assert response.status_code == 200
    assert seen == [{}]
    response = await client.get("/write", headers={"Cookie": f"session={bad}"})
    assert response.status_code == 200
    assert session_cookie(response) is not None  # a fresh, valid cookie


async def test_good_cookie_helper_is_valid(app: Quart) -> None:
    """Guards the test above: the unmodified cookie does load."""
    seen = add_echo_routes(app)
    good = await _good_cookie(app)
    await app.test_client().get("/get", headers={"Cookie": f"session={good}"})
    assert seen == [{"user": "alice"}]


# -- a replaceable interface ----------------------------------------------------
class MemorySession(dict[str, Any], SessionMixin):
    def __init__(self, sid: str, data: dict[str, Any], new: bool) -> None:
        super().__init__(data)
        self.sid = sid
        self.new = new  # a server-side store can tell


class MemorySessionInterface(SessionInterface):
    """Sessions kept in a dict on the server; the cookie holds an id."""

    def __init__(self) -> None:
        self.store: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []

    async def open_session(self, app: Quart, request: Any) -> MemorySession:
        self.calls.append("open")
        sid = request.cookies.get("sid")
        if sid in self.store:
            return MemorySession(sid, self.store[sid], new=False)
        return MemorySession(uuid.uuid4().hex, {}, new=True)

    async def save_session(
        self, app: Quart, session: SessionMixin, response: Response
    ) -> None:
        self.calls.append("save")
        assert isinstance(session, MemorySession)
        self.store[session.sid] = dict(session)
        response.set_cookie("sid", session.sid, httponly=True)


async def test_custom_session_interface(app: Quart, client: QuartClient) -> None:
    app.secret_key = None  # the memory store needs no key
    interface = MemorySessionInterface()
    app.session_interface = interface

    @app.route("/inc")
    async def inc() -> str:
        session["n"] = session.get("n", 0) + 1
        return f"{session['n']} {session.new}"

    assert await (await client.get("/inc")).get_data() == b"1 True"
    assert await (await client.get("/inc")).get_data() == b"2 False"
    assert interface.calls == ["open", "save", "open", "save"]
    assert list(interface.store.values()) == [{"n": 2}]
    response = await client.get("/inc")
    assert "session=" not in (response.headers.get("Set-Cookie") or "")

    async with client.session_transaction() as sess:
        assert isinstance(sess, MemorySession)
        assert sess["n"] == 3
        sess["n"] = 10
    assert await (await client.get("/inc")).get_data() == b"11 False"


async def test_custom_cookie_interface_subclass(
    app: Quart, client: QuartClient
) -> None:
    """Subclassing the default: another salt makes cookies incompatible."""

    class Salted(SecureCookieSessionInterface):
        salt = "another-salt"

    app.session_interface = Salted()

    @app.route("/set")
    async def set_() -> str:
        session["a"] = 1
        return "ok"

    seen = add_echo_routes(app)
    cookie = cookie_value(session_cookie(await client.get("/set")))  # type: ignore[arg-type]
    await client.get("/get")
    assert seen == [{"a": 1}]

    default = Quart(__name__)  # the default interface, with the same key
    default.secret_key = SECRET
    default_seen = add_echo_routes(default)
    await default.test_client().get("/get", headers={"Cookie": f"session={cookie}"})
    assert default_seen == [{}]


def session_types_seen_at_root(app: Quart) -> list[Any]:
    """Add a ``/`` route that records the type of each request's session."""
    kinds: list[Any] = []

    @app.route("/")
    async def index() -> str:
        kinds.append(type(session._get_current_object()))  # type: ignore[attr-defined]
        return "ok"

    return kinds


async def test_open_session_returning_none_gives_null_session(app: Quart) -> None:
    class Refusing(SecureCookieSessionInterface):
        async def open_session(self, app: Quart, request: Any) -> None:
            return None

    app.session_interface = Refusing()
    kinds = session_types_seen_at_root(app)

    response = await app.test_client().get("/")
    assert kinds == [NullSession]
    assert session_cookie(response) is None


async def test_replaced_null_session_and_open_session_are_called_each_request(
    app: Quart,
) -> None:
    """An ``open_session`` or ``make_null_session`` that a subclass or the
    instance replaced is awaited on every request, not only the first."""
    app.secret_key = None
    made: list[str] = []

    class Marked(NullSession):
        pass

    class CustomNull(SecureCookieSessionInterface):
        async def make_null_session(self, app: Quart) -> NullSession:
            made.append("null")
            return Marked()

    app.session_interface = CustomNull()
    kinds = session_types_seen_at_root(app)

    client = app.test_client()
    await client.get("/")
    await client.get("/")
    assert made == ["null", "null"] and kinds == [Marked, Marked]

    plain = SecureCookieSessionInterface()
    opened: list[str] = []

    async def open_session(app: Quart, request: Any) -> None:
        opened.append(request.path)
        return None

    plain.open_session = open_session  # type: ignore[method-assign]
    app.session_interface = plain
    await client.get("/")
    assert opened == ["/"] and kinds[-1] is NullSession


async def test_interface_replaced_after_serving_is_used(
    app: Quart, client: QuartClient
) -> None:
    """Replacing ``app.session_interface`` after requests were served
    takes effect on the next request."""

    @app.route("/inc")
    async def inc() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    assert await (await client.get("/inc")).get_data() == b"1"
    interface = MemorySessionInterface()
    app.session_interface = interface
    assert await (await client.get("/inc")).get_data() == b"1"
    assert await (await client.get("/inc")).get_data() == b"2"
    assert interface.calls == ["open", "save", "open", "save"]


# -- the test client's session_transaction ---------------------------------------
async def test_session_transaction_round_trip(app: Quart, client: QuartClient) -> None:
    @app.route("/whoami")
    async def whoami() -> str:
        return str(session.get("user"))

    @app.route("/rename")
    async def rename() -> str:
        session["user"] = "bob"
        return "ok"

    async with client.session_transaction() as sess:
        assert dict(sess) == {}
        sess["user"] = "alice"
        sess["roles"] = ("admin",)
    assert await (await client.get("/whoami")).get_data() == b"alice"
    await client.get("/rename")
    async with client.session_transaction() as sess:
        assert dict(sess) == {"user": "bob", "roles": ("admin",)}
        sess.clear()
    assert await (await client.get("/whoami")).get_data() == b"None"


async def test_session_transaction_unchanged_keeps_cookie(client: QuartClient) -> None:
    async with client.session_transaction() as sess:
        sess["a"] = 1
    assert client.cookie_jar is not None
    before = [c.value for c in client.cookie_jar]
    async with client.session_transaction() as sess:
        assert sess["a"] == 1
    assert [c.value for c in client.cookie_jar] == before


async def test_session_transaction_uses_request_kwargs(app: Quart) -> None:
    """Cookies are scoped by path: the transaction opens at ``path``."""
    app.config["SESSION_COOKIE_PATH"] = "/admin"

    @app.route("/admin/who")
    async def who() -> str:
        return str(session.get("user"))

    client = app.test_client()
    async with client.session_transaction("/admin/") as sess:
        sess["user"] = "root"
    assert await (await client.get("/admin/who")).get_data() == b"root"
    async with client.session_transaction("/") as sess:
        assert "user" not in sess  # the cookie is not sent outside /admin
    async with client.session_transaction("/admin/x") as sess:
        assert sess["user"] == "root"


async def test_session_transaction_errors(app: Quart) -> None:
    app.secret_key = None
    with pytest.raises(RuntimeError, match="did not open a session"):
        async with app.test_client().session_transaction():
            pass
    app.secret_key = SECRET
    with pytest.raises(TypeError, match="Cookies are disabled"):
        async with app.test_client(use_cookies=False).session_transaction():
            pass


async def test_session_transaction_reads_flask_style_usage(
    app: Quart, client: QuartClient
) -> None:
    """The common Flask test idiom: log in through the session, then hit a
    view that checks ``"user_id" in session``."""

    @app.route("/private")
    async def private() -> Any:
        if "user_id" not in session:
            return "login required", 401
        return f"hello {session['user_id']} from {request.path}"

    assert (await client.get("/private")).status_code == 401
    async with client.session_transaction() as sess:
        sess["user_id"] = 7
    response = await client.get("/private")
    assert response.status_code == 200
    assert await response.get_data() == b"hello 7 from /private"
    assert response.headers["Vary"] == "Cookie"


async def test_signed_helper_makes_valid_cookies(app: Quart) -> None:
    """Guards the bad-cookie cases: ``_signed`` output verifies and loads."""
    seen = add_echo_routes(app)
    cookie = _signed("eyJhIjoxfQ")  # {"a":1}
    await app.test_client().get("/get", headers={"Cookie": f"session={cookie}"})
    assert seen == [{"a": 1}]


# -- websockets use the session interface too ------------------------------------
class RecordingInterface(SecureCookieSessionInterface):
    """The cookie interface, recording what it opened and saved sessions for."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[Any] = []
        self.saved: list[int] = []

    async def open_session(self, app: Quart, request: Any) -> SessionMixin | None:
        self.opened.append(request)
        return await super().open_session(app, request)

    async def save_session(
        self, app: Quart, session: SessionMixin, response: Response
    ) -> None:
        self.saved.append(response.status_code)
        await super().save_session(app, session, response)


async def test_websocket_session_opened_by_the_interface(
    app: Quart, client: QuartClient
) -> None:
    interface = RecordingInterface()
    app.session_interface = interface

    @app.get("/login")
    async def login() -> str:
        session["user"] = "ada"
        return "ok"

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        same = _cv_app.get().session is session._get_current_object()  # type: ignore[attr-defined]
        await websocket.send(f"{session.get('user')} {same}")

    await client.get("/login")
    async with client.websocket("/ws") as connection:
        assert await connection.receive() == "ada True"
    assert isinstance(interface.opened[-1], Websocket)
    assert interface.saved == [200]  # an accepted websocket has no response


async def test_websocket_session_saved_into_a_refusal(
    app: Quart, client: QuartClient
) -> None:
    interface = RecordingInterface()
    app.session_interface = interface

    @app.websocket("/ws")
    async def ws() -> tuple[str, int]:
        session["seen"] = True
        return "go away", 403

    @app.get("/check")
    async def check() -> str:
        return str(session.get("seen"))

    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/ws") as connection:
            await connection.receive()
    assert info.value.response.status_code == 403
    assert session_cookie(info.value.response) is not None
    assert interface.saved == [403]


async def test_websocket_context_session_without_secret(app: Quart) -> None:
    app.secret_key = None

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await websocket.send(type(session._get_current_object()).__name__)  # type: ignore[attr-defined]

    async with app.test_client().websocket("/ws") as connection:
        assert await connection.receive() == "NullSession"
