"""Server-side sessions in Redis, through Quart's ``quart_session_interface``
hook.

The cookie carries only a random session id, signed with ``SECRET_KEY``
(and verified with ``SECRET_KEY_FALLBACKS``); the data is a Redis hash,
``<prefix>session:<id>``, one field per top-level key, each value in
Quart's tagged JSON (never pickle), expiring ``PERMANENT_SESSION_LIFETIME``
after the last write. The cookie's name, domain, path, flags and expiry,
and ``Vary: Cookie``, are the cookie session's.

Concurrent requests of one client merge: a request writes only the keys it
set or deleted (``HSET``/``HDEL`` in one ``MULTI``), so two requests that
set different keys both keep theirs; for one key the last writer wins.
Changing a nested value (``session["cart"].append(x)``) is not seen:
assign the key again (``session["cart"] = cart``), or set
``session.modified = True``, which rewrites every key this request loaded.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from typing import TYPE_CHECKING
from typing import Any
from typing import NoReturn
from typing import cast

from itsdangerous import BadSignature
from itsdangerous import Signer
from redis.asyncio import Redis
from werkzeug.exceptions import ServiceUnavailable

from quart.globals import session as session_proxy
from quart.sessions import SecureCookieSession
from quart.sessions import SessionInterface
from quart.sessions import SessionMixin
from quart.sessions import session_json_serializer

from .broadcast import UNREACHABLE
from .broadcast import command
from .broadcast import connect

if TYPE_CHECKING:
    from quart import Quart
    from quart.wrappers import Request
    from quart.wrappers import Response


class SessionUnavailable(ServiceUnavailable):
    """Redis could not be reached to load this request's session: using
    the session answers ``503 Service Unavailable`` (views that do not
    touch it keep working)."""

    description = "Sessions are unavailable right now; try again shortly."


class RedisSession(SecureCookieSession):
    """A session whose data lives in Redis. It records which top-level
    keys this request set or deleted, so that only those are written."""

    def __init__(self, initial: Any = None, sid: str | None = None) -> None:
        super().__init__(initial)
        #: The session id (``None`` until the session is first saved).
        self.sid = sid
        self.new = sid is None
        #: Keys set in this request.
        self.changed: set[str] = set()
        #: Keys deleted in this request.
        self.deleted: set[str] = set()
        #: ``clear()`` was called: the stored hash is replaced.
        self.cleared = False
        #: :meth:`regenerate` was called.
        self.regenerate_requested = False

    def regenerate(self) -> None:
        """Give this session a new id when the response is saved (the data
        moves to the new id, the old one is deleted): call it when a user
        logs in, against session fixation."""
        self.regenerate_requested = True
        self.modified = True

    def _set(self, key: str) -> None:
        self.changed.add(key)
        self.deleted.discard(key)

    def _unset(self, key: str) -> None:
        self.deleted.add(key)
        self.changed.discard(key)

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._set(key)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._unset(key)

    def pop(self, key: str, *default: Any) -> Any:
        present = dict.__contains__(self, key)
        value = super().pop(key, *default)
        if present:
            self._unset(key)
        return value

    def popitem(self) -> tuple[str, Any]:
        key, value = super().popitem()
        self._unset(key)
        return key, value

    def setdefault(self, key: str, default: Any = None) -> Any:
        present = dict.__contains__(self, key)
        value = super().setdefault(key, default)
        if not present:
            self._set(key)
        return value

    def update(self, *args: Any, **kwargs: Any) -> None:
        values = dict(*args, **kwargs)
        super().update(values)
        for key in values:
            self._set(key)

    def clear(self) -> None:
        super().clear()
        self.cleared = True
        self.changed.clear()
        self.deleted.clear()


def _unavailable(*args: Any, **kwargs: Any) -> NoReturn:
    raise SessionUnavailable()


class UnavailableSession(RedisSession):
    """The session of a request whose session data could not be loaded
    (Redis unreachable): any use raises :class:`SessionUnavailable`; it is
    never saved."""

    __getitem__ = __setitem__ = __delitem__ = __contains__ = _unavailable
    __iter__ = __len__ = get = keys = values = items = _unavailable
    pop = popitem = setdefault = update = clear = regenerate = _unavailable


def regenerate_session() -> None:
    """Give the current request's session a new id when it is saved (on
    login). Does nothing for sessions without an id (the cookie session,
    whose data is the cookie itself)."""
    current = session_proxy._get_current_object()  # type: ignore[attr-defined]
    if isinstance(current, RedisSession):
        current.regenerate()


class RedisSessionInterface(SessionInterface):
    """Sessions in Redis (see the module's description).

    :param url: the Redis URL.
    :param prefix: prefix of every key.
    """

    salt = "quart-redis-backend-session"
    digest_method = staticmethod(hashlib.sha1)
    serializer = session_json_serializer
    session_class = RedisSession

    def __init__(
        self, url: str, prefix: str = "quart:", logger: logging.Logger | None = None
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.logger = logger or logging.getLogger("quart_redis_backend")
        self._clients: dict[int, Redis] = {}
        self._signer_cache: tuple[Any, Signer] | None = None

    def client(self) -> Redis:
        """The Redis client of the running event loop."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(id(loop))
        if client is None:
            client = self._clients[id(loop)] = connect(self.url)
        return client

    async def aclose(self) -> None:
        """Close the client of the running event loop."""
        client = self._clients.pop(id(asyncio.get_running_loop()), None)
        if client is not None:
            await client.aclose()

    def key(self, sid: str) -> str:
        """The Redis key of session ``sid``."""
        return f"{self.prefix}session:{sid}"

    def get_signer(self, app: Quart) -> Signer | None:
        """The signer of session ids for the app's keys (``None`` without a
        secret key)."""
        if not app.secret_key:
            return None
        fallbacks = app.config["SECRET_KEY_FALLBACKS"] or ()
        keys: list[str | bytes] = [*fallbacks, app.secret_key]
        cache_key = tuple(keys)
        cached = self._signer_cache
        if cached is not None and cached[0] == cache_key:
            return cached[1]
        signer = Signer(
            cast("list[str]", keys),
            salt=self.salt,
            key_derivation="hmac",
            digest_method=self.digest_method,
        )
        self._signer_cache = (cache_key, signer)
        return signer

    def ttl_ms(self, app: Quart) -> int:
        """How long session data lives after its last write."""
        return max(1, int(app.permanent_session_lifetime.total_seconds() * 1000))

    async def open_session(self, app: Quart, request: Request) -> RedisSession | None:
        signer = self.get_signer(app)
        if signer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            sid = signer.unsign(value).decode("ascii")
        except (BadSignature, UnicodeDecodeError):
            return self.session_class()  # tampered: a fresh session
        try:
            stored = await command(self.client(), "HGETALL", self.key(sid))
        except UNREACHABLE as error:
            self.logger.warning("Redis unreachable loading a session: %s", error)
            return UnavailableSession(sid=sid)
        if not stored:
            # Unknown or expired: a fresh session, which gets a new id (an
            # id chosen by the client is never adopted).
            return self.session_class()
        try:
            data = {
                name.decode(): self.serializer.loads(raw.decode())
                for name, raw in stored.items()
            }
        except Exception:
            self.logger.warning("Unreadable session data in %s", self.key(sid))
            return self.session_class()
        return self.session_class(data, sid=sid)

    async def save_session(
        self, app: Quart, session: SessionMixin, response: Response
    ) -> None:
        if not isinstance(session, RedisSession) or isinstance(
            session, UnavailableSession
        ):
            return
        accessed = session.accessed
        if not (accessed or session.modified or dict.__len__(session)):
            return  # untouched and empty: the common case, nothing to do
        if not dict.__len__(session):
            if session.modified and session.sid is not None:
                await self._run(["DEL", self.key(session.sid)])
                self._delete_session_cookie(app, response)
            elif session.modified or accessed:
                self._vary_on_cookie(response)
            return
        if session.sid is None or session.regenerate_requested:
            old = session.sid
            session.sid = secrets.token_urlsafe(32)
            commands: list[list[Any]] = []
            if old is not None:
                commands.append(["DEL", self.key(old)])
            commands.extend(self._write(app, session, dict(session)))
            await self._run(*commands)
            self._set_cookie(app, session, response)
            return
        if not self.should_set_cookie(app, session):
            if accessed:
                self._vary_on_cookie(response)
            return
        if session.cleared:
            commands = [["DEL", self.key(session.sid)]]
            values = dict(session)
        elif session.changed or session.deleted:
            commands = []
            values = {key: dict.__getitem__(session, key) for key in session.changed}
        elif session.modified:
            commands = []
            values = dict(session)  # modified by hand: rewrite what was loaded
        else:
            commands, values = [], {}  # a permanent session's refresh
        if session.deleted and not session.cleared:
            commands.append(["HDEL", self.key(session.sid), *session.deleted])
        commands.extend(self._write(app, session, values))
        await self._run(*commands)
        self._set_cookie(app, session, response)

    def _write(
        self, app: Quart, session: RedisSession, values: dict[str, Any]
    ) -> list[list[Any]]:
        assert session.sid is not None
        key = self.key(session.sid)
        commands: list[list[Any]] = []
        if values:
            fields: list[Any] = []
            for name, value in values.items():
                fields.extend((name, self.serializer.dumps(value)))
            commands.append(["HSET", key, *fields])
        commands.append(["PEXPIRE", key, self.ttl_ms(app)])
        return commands

    async def _run(self, *commands: list[Any]) -> None:
        """Run ``commands`` atomically (``MULTI``/``EXEC``)."""
        pipeline = self.client().pipeline(transaction=True)
        for args in commands:
            pipeline.execute_command(*args)
        try:
            await pipeline.execute()
        except UNREACHABLE as error:
            raise SessionUnavailable() from error

    def _set_cookie(
        self, app: Quart, session: RedisSession, response: Response
    ) -> None:
        signer = self.get_signer(app)
        assert signer is not None and session.sid is not None
        self._set_session_cookie(
            app, session, response, signer.sign(session.sid).decode("ascii")
        )
