"""Sessions: the :class:`SessionInterface` seam and the default signed-cookie
session, cookie-compatible with Flask's (same signer, salt and tagged JSON).
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import zlib
from collections.abc import ItemsView
from collections.abc import Iterator
from collections.abc import KeysView
from collections.abc import MutableMapping
from collections.abc import ValuesView
from datetime import UTC
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any
from typing import cast

from itsdangerous import BadData
from itsdangerous import BadPayload
from itsdangerous import BadSignature
from itsdangerous import BadTimeSignature
from itsdangerous import SignatureExpired
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import bytes_to_int
from itsdangerous.encoding import int_to_bytes
from itsdangerous.encoding import want_bytes
from itsdangerous.signer import HMACAlgorithm
from werkzeug.datastructures import CallbackDict

from .json.tag import TaggedJSONSerializer

if TYPE_CHECKING:
    from .app import Quart
    from .wrappers import Request
    from .wrappers import Response


class SessionMixin(MutableMapping[str, Any]):
    """Session attributes on top of a mutable mapping."""

    @property
    def permanent(self) -> bool:
        """Whether the cookie outlives the browser session."""
        return self.get("_permanent", False)  # type: ignore[no-any-return]

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    #: True for a session created in this request.
    new = False
    #: True when the session was changed (set by the interface for mutations
    #: of the top level; set it yourself after changing nested values).
    modified = True
    #: True when the session was read or written in this request.
    accessed = True


def _mark_modified(session: SecureCookieSession) -> None:
    session.modified = True
    session.accessed = True


class SecureCookieSession(CallbackDict[str, Any], SessionMixin):
    """The session stored in a signed cookie; tracks reads and writes."""

    modified = False
    accessed = False

    def __init__(self, initial: Any = None) -> None:
        super().__init__(initial, _mark_modified)

    def __getitem__(self, key: str) -> Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return super().get(key, default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return super().setdefault(key, default)

    # ``"user" in session`` and friends read the session too: the response
    # then depends on the cookie and gets ``Vary: Cookie`` (as in Flask,
    # which marks any use of the ``session`` proxy as an access).
    def __contains__(self, key: object) -> bool:
        self.accessed = True
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self.accessed = True
        return super().__iter__()

    def __len__(self) -> int:
        self.accessed = True
        return super().__len__()

    def keys(self) -> KeysView[str]:  # type: ignore[override]
        self.accessed = True
        return super().keys()

    def values(self) -> ValuesView[Any]:  # type: ignore[override]
        self.accessed = True
        return super().values()

    def items(self) -> ItemsView[str, Any]:  # type: ignore[override]
        self.accessed = True
        return super().items()


class NullSession(SecureCookieSession):
    """The session used when no ``SECRET_KEY`` is set: readable and empty;
    writing raises a clear error."""

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            "The session is unavailable because no secret key was set. Set the"
            " secret_key on the application to something unique and secret."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail
    __ior__ = _fail
    del _fail

    def __init__(self, initial: Any = None) -> None:
        # Nothing can change it, so it needs no update callback: one made
        # for every request of an app without a secret key stays cheap.
        if initial:
            dict.__init__(self, initial)


class SessionInterface:
    """How the app loads and stores sessions. Subclass it and set
    ``app.session_interface`` (or answer the session plugin hook) to store
    sessions elsewhere. Both I/O methods are coroutines."""

    null_session_class = NullSession
    pickle_based = False

    async def make_null_session(self, app: Quart) -> NullSession:
        """The session to use when loading one failed."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """True for the null session (which is never saved)."""
        # Not isinstance: sessions are mutable mappings, ABCs, whose
        # isinstance check is a Python call whenever the answer is no (each
        # request with a real session asks).
        return self.null_session_class in type(obj).__mro__

    def get_cookie_name(self, app: Quart) -> str:
        """``SESSION_COOKIE_NAME``."""
        return app.config["SESSION_COOKIE_NAME"]  # type: ignore[no-any-return]

    def get_cookie_domain(self, app: Quart) -> str | None:
        """``SESSION_COOKIE_DOMAIN`` (``None``: the exact host only)."""
        return app.config["SESSION_COOKIE_DOMAIN"] or None

    def get_cookie_path(self, app: Quart) -> str:
        """``SESSION_COOKIE_PATH``, else ``APPLICATION_ROOT``."""
        return app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"]  # type: ignore[no-any-return]

    def get_cookie_httponly(self, app: Quart) -> bool:
        """``SESSION_COOKIE_HTTPONLY``."""
        return app.config["SESSION_COOKIE_HTTPONLY"]  # type: ignore[no-any-return]

    def get_cookie_secure(self, app: Quart) -> bool:
        """``SESSION_COOKIE_SECURE``."""
        return app.config["SESSION_COOKIE_SECURE"]  # type: ignore[no-any-return]

    def get_cookie_samesite(self, app: Quart) -> str | None:
        """``SESSION_COOKIE_SAMESITE``."""
        return app.config["SESSION_COOKIE_SAMESITE"]  # type: ignore[no-any-return]

    def get_cookie_partitioned(self, app: Quart) -> bool:
        """``SESSION_COOKIE_PARTITIONED``."""
        return app.config["SESSION_COOKIE_PARTITIONED"]  # type: ignore[no-any-return]

    def get_expiration_time(self, app: Quart, session: SessionMixin) -> datetime | None:
        """When a permanent session's cookie expires (``None``: browser
        session)."""
        if session.permanent:
            return datetime.now(UTC) + app.permanent_session_lifetime
        return None

    def should_set_cookie(self, app: Quart, session: SessionMixin) -> bool:
        """Set the cookie if the session changed, or if it is permanent and
        ``SESSION_REFRESH_EACH_REQUEST`` is on."""
        return session.modified or (
            session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]
        )

    def _cookie_attributes(self, app: Quart) -> dict[str, Any]:
        """The configured attributes of the session cookie, the same when it
        is set and when it is deleted."""
        return {
            "httponly": self.get_cookie_httponly(app),
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "partitioned": self.get_cookie_partitioned(app),
            "samesite": self.get_cookie_samesite(app),
        }

    def _set_session_cookie(
        self, app: Quart, session: SessionMixin, response: Response, value: str
    ) -> None:
        """Set the session cookie to ``value`` with the configured attributes
        and expiry, and vary the response on ``Cookie``."""
        response.set_cookie(
            self.get_cookie_name(app),
            value,
            expires=self.get_expiration_time(app, session),
            **self._cookie_attributes(app),
        )
        _vary_cookie(response)

    def _delete_session_cookie(self, app: Quart, response: Response) -> None:
        """Delete the session cookie (same attributes it was set with), and
        vary the response on ``Cookie``."""
        response.delete_cookie(
            self.get_cookie_name(app), **self._cookie_attributes(app)
        )
        _vary_cookie(response)

    @staticmethod
    def _vary_on_cookie(response: Response) -> None:
        """Add ``Cookie`` to the response's ``Vary`` header."""
        _vary_cookie(response)

    async def open_session(self, app: Quart, request: Request) -> SessionMixin | None:
        """Load the session for ``request``; ``None`` means use a null session."""
        raise NotImplementedError

    async def save_session(
        self, app: Quart, session: SessionMixin, response: Response
    ) -> None:
        """Store ``session`` (typically by setting a cookie on ``response``)."""
        raise NotImplementedError


session_json_serializer = TaggedJSONSerializer()


class SecureCookieSessionInterface(SessionInterface):
    """The default: the session is tagged JSON in a cookie signed with
    ``SECRET_KEY`` (and verified with ``SECRET_KEY_FALLBACKS`` too)."""

    salt = "cookie-session"
    digest_method = staticmethod(hashlib.sha1)
    key_derivation = "hmac"
    serializer = session_json_serializer
    session_class = SecureCookieSession

    def __init__(self) -> None:
        self._signer_cache: tuple[Any, URLSafeTimedSerializer] | None = None

    def get_signing_serializer(self, app: Quart) -> URLSafeTimedSerializer | None:
        """The serializer for the app's keys, or ``None`` without a key."""
        secret_key = app.secret_key
        if not secret_key:
            return None
        fallbacks = app.config["SECRET_KEY_FALLBACKS"]
        cache_key = (secret_key, *fallbacks) if fallbacks else (secret_key,)
        cached = self._signer_cache
        if cached is not None and cached[0] == cache_key:
            return cached[1]
        signer = _SessionSerializer(
            # itsdangerous signs with the last key
            cast("list[str]", list(cache_key[::-1])),
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )
        self._signer_cache = (cache_key, signer)
        return signer

    async def open_session(
        self, app: Quart, request: Request
    ) -> SecureCookieSession | None:
        return self._load(app, request)

    def _load(self, app: Quart, request: Request) -> SecureCookieSession | None:
        """:meth:`open_session`'s work, which never waits: the session in
        the request's cookie (an empty one if there is none or it does not
        check out), or ``None`` without a secret key."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data = serializer.loads(value, max_age=max_age)
        except BadSignature:
            return self.session_class()
        except Exception:  # malformed payload: treat like a bad signature
            return self.session_class()
        if not isinstance(data, dict):
            return self.session_class()
        return self.session_class(data)

    async def save_session(
        self, app: Quart, session: SessionMixin, response: Response
    ) -> None:
        # read ``accessed`` first: the emptiness checks below count as reads
        accessed = session.accessed
        if not (accessed or session.modified or session):
            return  # an untouched empty session: nothing to do (the common case)

        if not session:
            if session.modified:  # emptied in this request: delete the cookie
                self._delete_session_cookie(app, response)
            elif accessed:
                _vary_cookie(response)
            return

        if not self.should_set_cookie(app, session):
            if accessed:
                _vary_cookie(response)
            return

        serializer = self.get_signing_serializer(app)
        assert serializer is not None
        value: str = serializer.dumps(dict(session))
        self._set_session_cookie(app, session, response, value)


def opener_on_read(
    interface: SessionInterface,
) -> SecureCookieSessionInterface | None:
    """``interface`` if requests may open their session on its first read:
    it is the built-in cookie interface (a subclass too), whose
    :meth:`~SessionInterface.open_session` and
    :meth:`~SessionInterface.make_null_session` are its own, which never
    wait. A request that never reads its session then never opens it (and
    without a secret key never makes a null session). Decided when the app
    starts serving."""
    if not isinstance(interface, SecureCookieSessionInterface):
        return None
    for name, own in (
        ("open_session", SecureCookieSessionInterface.open_session),
        ("make_null_session", SessionInterface.make_null_session),
    ):
        if name in vars(interface) or getattr(type(interface), name) is not own:
            return None
    return interface


def _vary_cookie(response: Response) -> None:
    """Add ``Cookie`` to ``Vary`` (without parsing an absent header; and
    ``getlist`` because werkzeug's ``in`` and ``get`` raise internally on a
    miss, which costs more than the rest of this)."""
    if response.headers.getlist("Vary"):
        response.vary.add("Cookie")
    else:
        response.headers.add("Vary", "Cookie")


#: The shortest session payload (serialized, in bytes) that is offered to
#: zlib. Each ``zlib.compress`` call sets up about 256 KB of state, which
#: cost more than the rest of a request that saves the session, and
#: payloads shorter than this rarely come out shorter (a counter, a CSRF
#: token, a flashed message do not). Shorter ones are stored as they are,
#: which Flask and itsdangerous read as well.
COMPRESS_FROM = 128

_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _b64encode(data: bytes) -> bytes:
    """itsdangerous' ``base64_encode`` (URL-safe, unpadded) for bytes,
    straight from :mod:`binascii` instead of through :mod:`base64`."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=")


def _b64decode(data: bytes) -> bytes:
    """itsdangerous' ``base64_decode`` for bytes, straight from
    :mod:`binascii` (non-strict, as :mod:`base64` calls it): ``BadData`` if
    it is not base64."""
    try:
        return binascii.a2b_base64(
            data.translate(_FROM_URLSAFE) + b"=" * (-len(data) % 4)
        )
    except (TypeError, ValueError) as error:
        raise BadData("Invalid base64-encoded data") from error


class _SessionSerializer(URLSafeTimedSerializer):
    """itsdangerous' URL-safe timed serializer, with the session's two
    calls (``dumps(obj)`` and ``loads(s, max_age=...)``) done in a few steps.

    The format is itsdangerous' own, ``payload.timestamp.signature``, with
    the payload zlib-compressed when that is shorter, so cookies stay
    byte-for-byte Flask's, except that a payload shorter than
    :data:`COMPRESS_FROM` is not offered to zlib. itsdangerous builds it
    through a dozen layered calls per step, which cost more than the rest
    of a request; here the keys are derived (by itsdangerous) and keyed
    into HMACs once, and each call is a straight line over itsdangerous'
    integer helpers and its base64 encoding done with :mod:`binascii`.
    Any other use, or a customised signer, goes through itsdangerous
    unchanged.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        signer = cast("TimestampSigner", self.make_signer())
        self._signer = signer
        self._macs: list[Any] | None = None
        if (
            type(signer.algorithm) is HMACAlgorithm
            and signer.sep == b"."
            and not self.fallback_signers
            and not self.serializer_kwargs
            and self.is_text_serializer
        ):
            # The signing key first, then the fallbacks (as itsdangerous
            # verifies: newest key first).
            self._macs = [
                hmac.new(signer.derive_key(key), digestmod=signer.digest_method)
                for key in reversed(signer.secret_keys)
            ]

    def dumps(self, obj: Any, salt: str | bytes | None = None) -> str:
        macs = self._macs
        if macs is None or salt is not None:
            return super().dumps(obj, salt)
        data = self.serializer.dumps(obj).encode()
        compressed = zlib.compress(data) if len(data) >= COMPRESS_FROM else data
        if len(compressed) < len(data) - 1:
            payload = b"." + _b64encode(compressed)
        else:
            payload = _b64encode(data)
        timestamp = _b64encode(int_to_bytes(self._signer.get_timestamp()))
        value = payload + b"." + timestamp
        mac = macs[0].copy()
        mac.update(value)
        return (value + b"." + _b64encode(mac.digest())).decode()

    def loads(  # type: ignore[override]
        self,
        s: str | bytes,
        max_age: int | None = None,
        return_timestamp: bool = False,
        salt: str | bytes | None = None,
    ) -> Any:
        macs = self._macs
        if macs is None or salt is not None or return_timestamp:
            return super().loads(s, max_age, return_timestamp, salt)
        value, sep, signature = want_bytes(s).rpartition(b".")
        if not sep:
            raise BadSignature("No '.' found in value")
        try:
            digest = _b64decode(signature)
        except BadData:
            raise BadSignature("Invalid signature encoding", payload=value) from None
        for template in macs:
            mac = template.copy()
            mac.update(value)
            if hmac.compare_digest(digest, mac.digest()):
                break
        else:
            raise BadSignature("Signature does not match", payload=value)
        payload, sep, timestamp = value.rpartition(b".")
        if not sep:
            raise BadTimeSignature("timestamp missing", payload=value)
        try:
            signed_at = bytes_to_int(_b64decode(timestamp))
        except Exception:
            raise BadTimeSignature("Malformed timestamp", payload=payload) from None
        if max_age is not None:
            age = self._signer.get_timestamp() - signed_at
            if age > max_age or age < 0:
                raise SignatureExpired(
                    f"Signature age {age} outside 0 to {max_age} seconds",
                    payload=payload,
                )
        try:
            if payload.startswith(b"."):
                data = zlib.decompress(_b64decode(payload[1:]))
            else:
                data = _b64decode(payload)
            return self.serializer.loads(data.decode())
        except Exception as error:
            raise BadPayload(
                "Could not load the payload", original_error=error
            ) from error
