"""The async test client: calls the app in-process over ASGI."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from collections.abc import Callable
from collections.abc import Coroutine
from contextlib import asynccontextmanager
from datetime import datetime
from datetime import timedelta
from http.client import HTTPMessage
from http.cookiejar import Cookie
from http.cookiejar import CookieJar
from http.cookiejar import DefaultCookiePolicy
from types import TracebackType
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urljoin
from urllib.parse import urlsplit
from urllib.request import Request as UrllibRequest

from werkzeug.datastructures import Authorization
from werkzeug.datastructures import FileStorage
from werkzeug.datastructures import Headers

from .connections import ResponseIncompleteError
from .connections import TestHTTPConnection
from .connections import TestWebsocketConnection
from .connections import make_test_websocket_scope
from .utils import make_scope_and_body
from .utils import request_from_scope
from .utils import sentinel

if TYPE_CHECKING:
    from ..app import Quart
    from ..ctx import AppContext
    from ..ctx import RequestContext
    from ..sessions import SessionMixin
    from ..typing import Scope
    from ..typing import TestHTTPConnectionProtocol
    from ..typing import TestWebsocketConnectionProtocol
    from ..wrappers import Response

__all__ = ["QuartClient", "ResponseIncompleteError"]

_REDIRECT_CODES = frozenset({301, 302, 303, 305, 307, 308})
_MAX_REDIRECTS = 20


class _CookieResponse:
    """Adapts response headers to what :class:`CookieJar` reads."""

    def __init__(self, headers: Headers) -> None:
        self._message = HTTPMessage()
        for value in headers.getlist("Set-Cookie"):
            self._message["Set-Cookie"] = value

    def info(self) -> HTTPMessage:
        return self._message


class _TestCookiePolicy(DefaultCookiePolicy):
    """The default policy, except that ``Secure`` cookies are sent over
    plain ``http`` too, as Flask's (werkzeug's) test client does: tests
    talk to ``localhost`` without TLS."""

    def return_ok_secure(self, cookie: Cookie, request: UrllibRequest) -> bool:
        return True


def _verb(method: str) -> Callable[..., Coroutine[Any, Any, Response]]:
    """A :class:`QuartClient` method sending ``open(..., method=method)``:
    ``get``, ``post`` and the other HTTP verbs."""

    async def send(self: QuartClient, *args: Any, **kwargs: Any) -> Response:
        return await self.open(*args, method=method, **kwargs)

    send.__name__ = method.lower()
    send.__qualname__ = f"QuartClient.{send.__name__}"
    send.__doc__ = f"``open(path, method={method!r}, ...)``."
    return send


class QuartClient:
    """Sends requests to the app without a server:
    ``response = await client.get("/")``.

    Cookies set by responses are kept and sent with later requests unless
    ``use_cookies=False``. Inside ``async with app.test_client() as
    client:`` the last request's context stays pushed after its response,
    so a test can look at :data:`~quart.request`, :data:`~quart.session`
    and :data:`~quart.g` (as with Flask's ``with client:``).

    Every request runs on :attr:`http_connection_class` and every
    websocket on :attr:`websocket_connection_class`; a subclass may swap
    either. Every HTTP request goes through :meth:`_make_request`, the
    method an extension overrides to change what is sent.
    """

    __test__ = False

    #: The connection class each HTTP request runs on, built as
    #: ``cls(app, scope, _preserve_context=...)``.
    http_connection_class: type[TestHTTPConnectionProtocol] = TestHTTPConnection
    #: The connection class each websocket runs on, built as
    #: ``cls(app, scope)``.
    websocket_connection_class: type[TestWebsocketConnectionProtocol] = (
        TestWebsocketConnection
    )

    def __init__(self, app: Quart, use_cookies: bool = True) -> None:
        self.app = app
        self.cookie_jar: CookieJar | None = (
            CookieJar(policy=_TestCookiePolicy()) if use_cookies else None
        )
        #: True inside ``async with client:``: keep each request's context.
        self.preserve_context = False
        self._preserved: tuple[AppContext, RequestContext] | None = None

    async def open(
        self,
        path: str,
        *,
        method: str = "GET",
        headers: dict[str, Any] | Headers | None = None,
        data: str | bytes | None = None,
        form: dict[str, Any] | None = None,
        files: dict[str, FileStorage] | None = None,
        query_string: dict[str, Any] | str | bytes | None = None,
        json: Any = sentinel,
        scheme: str | None = None,
        follow_redirects: bool = False,
        root_path: str = "",
        http_version: str = "1.1",
        scope_base: dict[str, Any] | None = None,
        auth: Authorization | tuple[str, str] | None = None,
        subdomain: str | None = None,
    ) -> Response:
        """Send a request and return the app's response.

        :param path: the path, as the app is reached (with ``root_path`` in
            front when the app is mounted there); may hold a query string.
        :param data: the raw body (``str`` is sent as UTF-8).
        :param form: form fields, encoded (multipart with ``files``).
        :param files: ``FileStorage`` or ``(stream, filename[, type])``.
        :param json: a body encoded with the app's JSON provider.
        :param scheme: ``http`` or ``https`` (default:
            ``PREFERRED_URL_SCHEME``).
        :param follow_redirects: follow up to 20 redirects, recording
            them in ``response.history``.
        :param root_path: the ASGI ``root_path``, where the app is mounted;
            ``path`` then starts with it (``root_path="/bob"``,
            ``path="/bob/"`` reaches the ``/`` route).
        :param scope_base: entries to set in the ASGI scope.
        :param auth: an ``Authorization``, or ``(username, password)``
            for basic auth.
        :param subdomain: put in front of ``SERVER_NAME`` for ``Host``.
        """
        history: list[Response] = []
        send_headers, send_query, send_scheme = headers, query_string, scheme
        while True:
            response = await self._make_request(
                path,
                method,
                send_headers,
                data,
                form,
                files,
                send_query,
                json,
                send_scheme,
                root_path,
                http_version,
                scope_base,
                auth,
                subdomain,
            )
            if not (follow_redirects and response.status_code in _REDIRECT_CODES):
                break
            if len(history) >= _MAX_REDIRECTS:
                raise RuntimeError("Too many redirects.")
            history.append(response)
            location = urlsplit(urljoin(path, response.headers["Location"]))
            path = location.path or "/"
            if location.query:
                path = f"{path}?{location.query}"
            send_headers = Headers(headers)
            if location.netloc:
                send_headers["Host"] = location.netloc
                subdomain = None
            if response.status_code not in {307, 308}:  # the body is not resent
                if method != "HEAD":
                    method = "GET"
                data = form = files = None
                json = sentinel
                send_headers.pop("Content-Type", None)
                send_headers.pop("Content-Length", None)
            send_query = None  # the query is in the new path
            send_scheme = location.scheme or scheme
        response.history = tuple(history)  # type: ignore[attr-defined]
        return response

    async def _make_request(
        self,
        path: str,
        method: str,
        headers: dict[str, Any] | Headers | None,
        data: str | bytes | None,
        form: dict[str, Any] | None,
        files: dict[str, FileStorage] | None,
        query_string: dict[str, Any] | str | bytes | None,
        json: Any,
        scheme: str | None,
        root_path: str,
        http_version: str,
        scope_base: dict[str, Any] | None,
        auth: Authorization | tuple[str, str] | None = None,
        subdomain: str | None = None,
    ) -> Response:
        """Send one request (no redirects followed) on a connection of
        :attr:`http_connection_class`; the cookie jar is read and updated.
        Extensions override this to transform what is sent."""
        await self._release_preserved()
        scope, body = make_scope_and_body(
            self.app,
            "http",
            path,
            method=method,
            headers=headers,
            data=data,
            form=form,
            files=files,
            query_string=query_string,
            json=json,
            scheme=scheme,
            root_path=root_path,
            http_version=http_version,
            scope_base=scope_base,
            auth=auth,
            subdomain=subdomain,
            preserve_context=self.preserve_context,
        )
        self._add_cookies(scope)
        connection = self.http_connection_class(
            self.app, scope, _preserve_context=self.preserve_context
        )
        async with connection:
            await connection.send(body)
            await connection.send_complete()
            response = await connection.as_response()
        self._store_cookies(scope, response.headers)
        if self.preserve_context:
            await self._keep(getattr(connection, "preserved_contexts", None))
        return response

    # -- preserved contexts ---------------------------------------------------
    async def _keep(self, contexts: tuple[AppContext, RequestContext] | None) -> None:
        if contexts is None:
            return
        app_ctx, request_ctx = contexts
        await app_ctx.push()
        await request_ctx.push()
        self._preserved = contexts

    async def _release_preserved(self) -> None:
        if self._preserved is None:
            return
        app_ctx, request_ctx = self._preserved
        self._preserved = None
        try:
            await request_ctx.pop(None)
        finally:
            await app_ctx.pop(None)

    # -- cookies ------------------------------------------------------------
    def _url_request(self, scope: Scope) -> UrllibRequest:
        host = dict(scope["headers"]).get(b"host", b"localhost").decode("latin-1")
        return UrllibRequest(f"{scope['scheme']}://{host}{scope['path']}")

    def _add_cookies(self, scope: Scope) -> None:
        if self.cookie_jar is None:
            return
        url_request = self._url_request(scope)
        self.cookie_jar.add_cookie_header(url_request)
        cookie = url_request.get_header("Cookie")
        if cookie:
            scope["headers"].append((b"cookie", cookie.encode("latin-1")))

    def _store_cookies(self, scope: Scope, headers: Headers) -> None:
        if self.cookie_jar is None or "Set-Cookie" not in headers:
            return
        self.cookie_jar.extract_cookies(
            _CookieResponse(headers),  # type: ignore[arg-type]
            self._url_request(scope),
        )

    def _cookie_domain(self, server_name: str | None, domain: str | None) -> str:
        """The jar's domain for a cookie set by the test: ``domain``, else
        ``server_name``, else the app's ``SERVER_NAME`` or ``localhost``
        (the host requests go to); a name without a dot gets ``.local``,
        as :class:`CookieJar` stores it."""
        domain = domain or server_name or self.app.config["SERVER_NAME"] or "localhost"
        name, has_port, port = domain.rpartition(":")
        if has_port and port.isdigit():
            domain = name
        if "." not in domain:
            domain = f"{domain}.local"
        return domain

    def set_cookie(
        self,
        server_name: str | None,
        key: str,
        value: str = "",
        max_age: int | timedelta | None = None,
        expires: int | float | datetime | None = None,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
    ) -> None:
        """Put a cookie in the client's jar, sent with later requests to
        ``server_name`` (``None``: the app's host) under ``path``."""
        if self.cookie_jar is None:
            raise RuntimeError("Cookies are disabled (use_cookies=False).")
        if isinstance(max_age, timedelta):
            max_age = int(max_age.total_seconds())
        if isinstance(expires, datetime):
            expires = expires.timestamp()
        if max_age is not None:
            expires = time.time() + max_age
        rest: dict[str, str] = {}
        if httponly:
            rest["HttpOnly"] = ""
        if samesite is not None:
            rest["SameSite"] = samesite
        self.cookie_jar.set_cookie(
            Cookie(
                version=0,
                name=key,
                value=value,
                port=None,
                port_specified=False,
                domain=self._cookie_domain(server_name, domain),
                domain_specified=False,
                domain_initial_dot=False,
                path=path,
                path_specified=True,
                secure=secure,
                expires=int(expires) if expires is not None else None,
                discard=expires is None,
                comment=None,
                comment_url=None,
                rest=rest,
                rfc2109=False,
            )
        )

    def delete_cookie(
        self,
        server_name: str | None,
        key: str,
        path: str = "/",
        domain: str | None = None,
    ) -> None:
        """Remove a cookie from the client's jar (no error if absent)."""
        if self.cookie_jar is None:
            raise RuntimeError("Cookies are disabled (use_cookies=False).")
        try:
            self.cookie_jar.clear(self._cookie_domain(server_name, domain), path, key)
        except KeyError:
            pass

    @asynccontextmanager
    async def session_transaction(
        self,
        path: str = "/",
        *,
        method: str = "GET",
        headers: dict[str, Any] | Headers | None = None,
        query_string: dict[str, Any] | str | bytes | None = None,
        scheme: str | None = None,
        data: str | bytes | None = None,
        form: dict[str, Any] | None = None,
        json: Any = sentinel,
        root_path: str = "",
        http_version: str = "1.1",
        auth: Authorization | tuple[str, str] | None = None,
    ) -> AsyncGenerator[SessionMixin, None]:
        """Read and change the session the client's cookies carry, outside
        a request: ``async with client.session_transaction() as sess:``.

        The session is opened through the app's session interface in a test
        request context for ``path`` (keywords as for :meth:`open`) and
        saved back into the cookie jar as a response would save it.
        """
        if self.cookie_jar is None:
            raise TypeError(
                "Cookies are disabled. Create a client with use_cookies=True."
            )
        app = self.app
        scope, body = make_scope_and_body(
            app,
            "http",
            path,
            method=method,
            headers=headers,
            query_string=query_string,
            scheme=scheme,
            data=data,
            form=form,
            json=json,
            root_path=root_path,
            http_version=http_version,
            auth=auth,
        )
        self._add_cookies(scope)
        request = request_from_scope(app, scope, body)
        ctx = app.request_context(request)
        interface = app.session_interface
        async with ctx:
            session = await interface.open_session(app, request)
        if session is None:
            raise RuntimeError("Session backend did not open a session.")
        yield session
        if interface.is_null_session(session):
            return
        response = app.response_class()
        async with ctx:
            await interface.save_session(app, session, response)
        self._store_cookies(scope, response.headers)

    # -- streaming and websockets -------------------------------------------
    def request(
        self,
        path: str,
        *,
        method: str = "GET",
        headers: dict[str, Any] | Headers | None = None,
        query_string: dict[str, Any] | str | bytes | None = None,
        scheme: str | None = None,
        root_path: str = "",
        http_version: str = "1.1",
        scope_base: dict[str, Any] | None = None,
        auth: Authorization | tuple[str, str] | None = None,
        subdomain: str | None = None,
    ) -> TestHTTPConnectionProtocol:
        """A connection to send the body and read the response in pieces:
        ``async with client.request("/up", method="POST") as connection:``.
        Cookies in the jar are sent; see
        :class:`~quart.testing.connections.TestHTTPConnection`."""
        scope, _ = make_scope_and_body(
            self.app,
            "http",
            path,
            method=method,
            headers=headers,
            query_string=query_string,
            scheme=scheme,
            root_path=root_path,
            http_version=http_version,
            scope_base=scope_base,
            auth=auth,
            subdomain=subdomain,
        )
        self._add_cookies(scope)
        return self.http_connection_class(
            self.app, scope, _preserve_context=self.preserve_context
        )

    def websocket(
        self,
        path: str,
        *,
        headers: dict[str, Any] | Headers | None = None,
        query_string: dict[str, Any] | str | bytes | None = None,
        scheme: str | None = None,
        subprotocols: list[str] | None = None,
        root_path: str = "",
        http_version: str = "1.1",
        scope_base: dict[str, Any] | None = None,
        auth: Authorization | tuple[str, str] | None = None,
        subdomain: str | None = None,
        timeout: float | None = None,
    ) -> TestWebsocketConnectionProtocol:
        """A websocket to the app: ``async with client.websocket("/ws") as
        ws: await ws.send("hi"); await ws.receive()``. Cookies in the jar
        are sent with the handshake; ``timeout`` (default 5) bounds every
        wait for the app, in seconds. See
        :class:`~quart.testing.connections.TestWebsocketConnection`."""
        scope = make_test_websocket_scope(
            self.app,
            path,
            headers=headers,
            query_string=query_string,
            scheme=scheme,
            subprotocols=subprotocols,
            root_path=root_path,
            http_version=http_version,
            scope_base=scope_base,
            auth=auth,
            subdomain=subdomain,
        )
        self._add_cookies(scope)
        if timeout is None:
            return self.websocket_connection_class(self.app, scope)
        connection_class: Any = self.websocket_connection_class  # takes timeout=
        return connection_class(self.app, scope, timeout=timeout)  # type: ignore[no-any-return]

    # -- verbs ------------------------------------------------------------------
    get = _verb("GET")
    post = _verb("POST")
    put = _verb("PUT")
    patch = _verb("PATCH")
    delete = _verb("DELETE")
    head = _verb("HEAD")
    options = _verb("OPTIONS")
    trace = _verb("TRACE")

    async def __aenter__(self) -> QuartClient:
        if self.preserve_context:
            raise RuntimeError("Cannot nest client invocations")
        self.preserve_context = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.preserve_context = False
        await self._release_preserved()
