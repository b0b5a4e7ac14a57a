"""The session serializer's direct ``dumps``/``loads`` against plain
itsdangerous configured the same way: every cookie, good or bad, must get
the same answer (the same value, or a failure of the same kind)."""

from __future__ import annotations

import base64
import hashlib
import time
import zlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from itsdangerous import BadData
from itsdangerous import BadPayload
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer

from quart import Quart
from quart.sessions import SecureCookieSessionInterface
from quart.sessions import session_json_serializer

MAX_AGE = 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _reference(keys: list[str]) -> URLSafeTimedSerializer:
    """itsdangerous alone, set up as Flask sets up the session serializer."""
    return URLSafeTimedSerializer(
        keys[::-1],
        salt="cookie-session",
        serializer=session_json_serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )


def _ours(app: Quart, keys: list[str]) -> URLSafeTimedSerializer:
    """``app``'s session serializer, once it signs with ``keys``."""
    app.secret_key = keys[0]
    app.config["SECRET_KEY_FALLBACKS"] = keys[1:]
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    return serializer


def _outcome(serializer: URLSafeTimedSerializer, cookie: str) -> Any:
    try:
        return ("ok", serializer.loads(cookie, max_age=MAX_AGE))
    except SignatureExpired:
        return ("expired", None)
    except OverflowError:
        # itsdangerous rejects a timestamp beyond the platform's range while
        # building its SignatureExpired (the session opens empty either way)
        return ("expired", None)
    except BadPayload:
        return ("bad payload", None)
    except BadSignature:
        return ("bad signature", None)


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> int:
    frozen = int(time.time())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: frozen)
    return frozen


VALUES: list[Any] = [
    {},
    {"count": 6},
    {"user": "zoë", "roles": ["a", "b"], "n": 1.5},
    {"big": "x" * 600},  # compresses: the payload gets the "." prefix
    {"t": (1, 2), "b": b"\x00\xff", "nested": {"k": [None, True]}},
    {"random": _b64(bytes(range(256)))},  # does not compress
]


@pytest.mark.parametrize("value", VALUES)
def test_dumps_is_byte_for_byte_itsdangerous(value: Any, now: int, app: Quart) -> None:
    keys = ["current", "old"]
    ours = _ours(app, keys).dumps(value)
    assert ours == _reference(keys).dumps(value)
    assert _reference(keys).loads(ours, max_age=MAX_AGE) == _reference(keys).loads(
        ours, max_age=MAX_AGE
    )


@pytest.mark.parametrize("value", VALUES)
def test_loads_reads_what_itsdangerous_writes(value: Any, now: int, app: Quart) -> None:
    keys = ["current", "old"]
    cookie = _reference(keys).dumps(value)
    assert _outcome(_ours(app, keys), cookie) == _outcome(_reference(keys), cookie)
    assert _outcome(_ours(app, keys), cookie)[0] == "ok"


def test_short_payload_is_not_compressed_and_itsdangerous_reads_it(
    now: int, app: Quart
) -> None:
    """Under ``COMPRESS_FROM`` bytes the payload is stored as it is, even
    where zlib would shorten it (itsdangerous would compress this one);
    from there on, cookies are itsdangerous' again."""
    from quart.sessions import COMPRESS_FROM

    keys = ["current"]
    ours, reference = _ours(app, keys), _reference(keys)
    short = {"a": "x" * 40}
    assert len(session_json_serializer.dumps(short)) < COMPRESS_FROM
    assert reference.dumps(short).startswith(".")  # itsdangerous compresses it
    cookie = ours.dumps(short)
    assert not cookie.startswith(".")
    assert reference.loads(cookie, max_age=MAX_AGE) == short
    assert ours.loads(cookie, max_age=MAX_AGE) == short

    long = {"a": "x" * COMPRESS_FROM}
    assert ours.dumps(long) == reference.dumps(long)
    assert ours.dumps(long).startswith(".")


def test_fallback_keys_verify_and_unknown_keys_do_not(now: int, app: Quart) -> None:
    old_cookie = _reference(["old"]).dumps({"a": 1})
    assert _outcome(_ours(app, ["new", "old"]), old_cookie) == ("ok", {"a": 1})
    assert _outcome(_ours(app, ["new"]), old_cookie) == ("bad signature", None)


def _signed(keys: list[str], payload: bytes, timestamp: bytes) -> str:
    """A correctly signed cookie around an arbitrary payload and timestamp."""
    signer = _reference(keys).make_signer()
    value = payload + b"." + timestamp
    return (value + b"." + signer.get_signature(value)).decode()


def _ts(seconds: int) -> bytes:
    return _b64(seconds.to_bytes(8, "big").lstrip(b"\x00")).encode()


def _cookies(now: int) -> list[str]:
    keys = ["current"]
    good = _reference(keys).dumps({"k": "v"})
    payload, stamp, signature = good.split(".")
    return [
        good,
        "",
        "no-dots-at-all",
        good + "x",
        good[:-1],
        f"{payload}.{stamp}.!!!!",
        f"{payload}.{signature}",
        f"x{payload}.{stamp}.{signature}",
        good.replace(".", "..", 1),
        "é." + good,
        _signed(keys, _b64(b'{"k":1}').encode(), _ts(now - MAX_AGE - 1)),
        _signed(keys, _b64(b'{"k":1}').encode(), _ts(now - MAX_AGE)),
        _signed(keys, _b64(b'{"k":1}').encode(), _ts(now + 60)),
        _signed(keys, _b64(b'{"k":1}').encode(), b"!!"),
        _signed(keys, _b64(b'{"k":1}').encode(), _ts(2**63)),
        _signed(keys, b"." + _b64(b"not zlib").encode(), _ts(now)),
        _signed(keys, b"." + _b64(zlib.compress(b'{"z":2}')).encode(), _ts(now)),
        _signed(keys, _b64(b"not json").encode(), _ts(now)),
        _signed(keys, _b64(b"\xff\xfe").encode(), _ts(now)),
        _signed(keys, b"%%%", _ts(now)),
        _signed(keys, _b64(b'{"k":1}').encode(), b""),
        _signed(keys, _b64(b"[1, 2]").encode(), _ts(now)),
    ]


def test_every_cookie_gets_itsdangerous_answer(now: int, app: Quart) -> None:
    ours, reference = _ours(app, ["current"]), _reference(["current"])
    outcomes = set()
    for cookie in _cookies(now):
        expected = _outcome(reference, cookie)
        assert _outcome(ours, cookie) == expected, cookie
        outcomes.add(expected[0])
    # the list exercises every kind of answer
    assert outcomes == {"ok", "expired", "bad payload", "bad signature"}


def test_other_uses_go_through_itsdangerous(now: int, app: Quart) -> None:
    ours, reference = _ours(app, ["current"]), _reference(["current"])
    assert ours.dumps({"a": 1}, salt="other") == reference.dumps({"a": 1}, salt="other")
    cookie = reference.dumps({"a": 1})
    value, signed_at = ours.loads(cookie, max_age=MAX_AGE, return_timestamp=True)
    assert value == {"a": 1}
    assert int(signed_at.timestamp()) == now


@given(st.binary(max_size=64))
def test_base64_helpers_are_itsdangerous(data: bytes) -> None:
    """The session's base64 steps give itsdangerous' results: encoding any
    bytes, and decoding any bytes (base64 or not, with its BadData)."""
    from itsdangerous.encoding import base64_decode
    from itsdangerous.encoding import base64_encode

    from quart.sessions import _b64decode
    from quart.sessions import _b64encode

    assert _b64encode(data) == base64_encode(data)
    assert _b64decode(base64_encode(data)) == data
    try:
        expected: bytes | type[BadData] = base64_decode(data)
    except BadData:
        expected = BadData
    try:
        got: bytes | type[BadData] = _b64decode(data)
    except BadData:
        got = BadData
    assert got == expected
