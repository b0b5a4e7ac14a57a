"""The async test client: calls the app in-process over ASGI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.client import HTTPMessage
from http.cookiejar import Cookie
from http.cookiejar import CookieJar
from types import TracebackType
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urlsplit
from urllib.request import Request as UrllibRequest

from werkzeug.datastructures import Headers

from .utils import make_test_scope_and_body
from .utils import sentinel

if TYPE_CHECKING:
    from ..app import Quart
    from ..sessions import SessionMixin
    from ..typing import Message
    from ..typing import Scope
    from ..wrappers import Response
    from .connections import TestWebsocketConnection


class ResponseIncompleteError(Exception):
    """The app returned without completing its response."""


class _CookieResponse:
    """Adapts response headers to what :class:`CookieJar` reads."""

    def __init__(self, headers: Headers) -> None:
        self._message = HTTPMessage()
        for value in headers.getlist("Set-Cookie"):
            self._message["Set-Cookie"] = value

    def info(self) -> HTTPMessage:
        return self._message


class TestHTTPConnection:
    """A request whose body is sent, and response read, piece by piece;
    from ``async with client.request(path, method=...) as connection:``."""

    def __init__(self, client: QuartClient, scope: Scope) -> None:
        self.client = client
        self.scope = scope
        self.status_code: int | None = None
        self.headers: Headers | None = None
        self._incoming: asyncio.Queue[Message] = asyncio.Queue()
        self._outgoing: asyncio.Queue[Message | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._complete = False

    async def __aenter__(self) -> TestHTTPConnection:
        self._task = asyncio.ensure_future(self._run())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            await self.disconnect()
        assert self._task is not None
        if not self._task.done():
            await self.disconnect()
        try:
            await self._task
        except asyncio.CancelledError:
            pass

    async def _run(self) -> None:
        try:
            await self.client.app(self.scope, self._incoming.get, self._send)
        finally:
            await self._outgoing.put(None)

    async def _send(self, message: Message) -> None:
        await self._outgoing.put(message)

    async def send(self, data: bytes) -> None:
        """Send a chunk of the request body."""
        await self._incoming.put(
            {"type": "http.request", "body": data, "more_body": True}
        )

    async def send_complete(self) -> None:
        """End the request body."""
        await self._incoming.put(
            {"type": "http.request", "body": b"", "more_body": False}
        )

    async def disconnect(self) -> None:
        """Act as a client that went away."""
        await self._incoming.put({"type": "http.disconnect"})

    async def receive(self) -> bytes:
        """The next response body chunk (``b""`` at the end)."""
        while True:
            if self._complete:
                return b""
            message = await self._outgoing.get()
            if message is None:
                self._complete = True
                assert self._task is not None
                if self._task.done() and self._task.exception() is not None:
                    raise self._task.exception()  # type: ignore[misc]
                return b""
            if message["type"] == "http.response.start":
                self.status_code = message["status"]
                self.headers = Headers(
                    [
                        (k.decode("latin-1"), v.decode("latin-1"))
                        for k, v in message["headers"]
                    ]
                )
                continue
            if not message.get("more_body", False):
                self._complete = True
            return message.get("body", b"")  # type: ignore[no-any-return]

    async def as_response(self) -> Response:
        """Read the rest of the response into a response object."""
        chunks = []
        while chunk := await self.receive():
            chunks.append(chunk)
        if self.status_code is None:
            raise ResponseIncompleteError()
        return self.client.app.response_class(
            b"".join(chunks), status=self.status_code, headers=self.headers
        )


class QuartClient:
    """Sends requests to the app without a server:
    ``response = await client.get("/")``.

    Cookies set by responses are kept and sent with later requests unless
    ``use_cookies=False``.
    """

    __test__ = False

    def __init__(self, app: Quart, use_cookies: bool = True) -> None:
        self.app = app
        self.cookie_jar: CookieJar | None = CookieJar() if use_cookies else None
        self.preserve_context = False

    async def open(
        self,
        path: str,
        *,
        method: str = "GET",
        headers: Any = None,
        data: Any = None,
        form: Any = None,
        files: Any = None,
        query_string: Any = None,
        json: Any = sentinel,
        scheme: str | None = None,
        follow_redirects: bool = False,
        root_path: str | None = None,
        http_version: str = "1.1",
        auth: Any = None,
        subdomain: str | None = None,
        scope_base: dict[str, Any] | None = None,
    ) -> Response:
        """Send a request and return the app's response.

        ``data`` is the raw body, ``form``/``files`` an encoded form, ``json``
        a JSON body; ``follow_redirects`` follows up to 20 redirects and
        records them in ``response.history``.
        """
        response = await self._request(
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
            auth=auth,
            subdomain=subdomain,
            scope_base=scope_base,
        )
        history: list[Response] = []
        while follow_redirects and response.status_code in {
            301,
            302,
            303,
            305,
            307,
            308,
        }:
            if len(history) >= 20:
                raise RuntimeError("Too many redirects.")
            history.append(response)
            location = urlsplit(response.headers["Location"])
            keep_body = response.status_code in {307, 308}
            response = await self._request(
                location.path or "/",
                method=method if keep_body else ("HEAD" if method == "HEAD" else "GET"),
                headers=headers,
                data=data if keep_body else None,
                form=form if keep_body else None,
                files=files if keep_body else None,
                json=json if keep_body else sentinel,
                query_string=location.query or None,
                scheme=location.scheme or scheme,
                root_path=root_path,
                http_version=http_version,
                auth=auth,
                subdomain=None if location.netloc else subdomain,
                host=location.netloc or None,
            )
        response.history = tuple(history)  # type: ignore[attr-defined]
        return response

    async def _request(
        self, path: str, host: str | None = None, **kwargs: Any
    ) -> Response:
        headers = Headers(kwargs.pop("headers", None))
        if host is not None:
            headers["Host"] = host
        scope, body = make_test_scope_and_body(
            self.app, path, headers=headers, **kwargs
        )
        self._add_cookies(scope)
        messages: list[Message] = []
        finished = asyncio.Event()
        sent_body = False

        async def receive() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            await finished.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            messages.append(message)
            if message["type"] == "http.response.body" and not message.get(
                "more_body", False
            ):
                finished.set()

        try:
            await self.app(scope, receive, send)
        finally:
            finished.set()
        if not messages or messages[0]["type"] != "http.response.start":
            raise ResponseIncompleteError("The app sent no response.")
        start = messages[0]
        response_headers = Headers(
            [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]]
        )
        data = b"".join(m.get("body", b"") for m in messages[1:])
        sent_length = response_headers.get("Content-Length")
        sent_type = "Content-Type" in response_headers
        response = self.app.response_class(
            data, status=start["status"], headers=response_headers
        )
        if sent_length is not None:  # e.g. HEAD: as sent, not as read
            response.headers["Content-Length"] = sent_length
        else:
            response.headers.pop("Content-Length", None)
        if not sent_type:  # e.g. a 304: keep it absent, not the default
            response.headers.pop("Content-Type", None)
        self._store_cookies(scope, response_headers)
        return response

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

    def set_cookie(
        self,
        server_name: str,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: int | float | None = None,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
    ) -> None:
        """Put a cookie in the client's jar."""
        if self.cookie_jar is None:
            raise RuntimeError("Cookies are disabled (use_cookies=False).")
        domain = domain or server_name
        if "." not in domain:
            domain = f"{domain}.local"
        self.cookie_jar.set_cookie(
            Cookie(
                version=0,
                name=key,
                value=value,
                port=None,
                port_specified=False,
                domain=domain,
                domain_specified=False,
                domain_initial_dot=False,
                path=path,
                path_specified=True,
                secure=secure,
                expires=int(expires) if expires is not None else None,
                discard=expires is None and max_age is None,
                comment=None,
                comment_url=None,
                rest={"HttpOnly": ""} if httponly else {},
                rfc2109=False,
            )
        )

    def delete_cookie(
        self, server_name: str, key: str, path: str = "/", domain: str | None = None
    ) -> None:
        """Remove a cookie from the client's jar."""
        if self.cookie_jar is None:
            raise RuntimeError("Cookies are disabled (use_cookies=False).")
        domain = domain or server_name
        if "." not in domain:
            domain = f"{domain}.local"
        try:
            self.cookie_jar.clear(domain, path, key)
        except KeyError:
            pass

    @asynccontextmanager
    async def session_transaction(
        self, path: str = "/", **kwargs: Any
    ) -> AsyncIterator[SessionMixin]:
        """Read and change the session the client's cookies carry, outside
        a request: ``async with client.session_transaction() as sess:``.

        The session is opened through the app's session interface in a test
        request context for ``path`` (``kwargs`` as for :meth:`open`) and
        saved back into the cookie jar as a response would save it.
        """
        if self.cookie_jar is None:
            raise TypeError(
                "Cookies are disabled. Create a client with use_cookies=True."
            )
        from ..asgi import decode_headers
        from ..asgi import scope_path
        from ..wrappers import Body

        app = self.app
        scope, body = make_test_scope_and_body(app, path, **kwargs)
        self._add_cookies(scope)
        root_path, request_path = scope_path(scope)
        request = app.request_class(
            scope["method"],
            scope["scheme"],
            request_path,
            scope["query_string"],
            decode_headers(scope["headers"]),
            root_path,
            scope["http_version"],
            scope,
            body=Body.from_data(body),
        )
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

    # -- streaming ------------------------------------------------------------
    @asynccontextmanager
    async def request(
        self,
        path: str,
        *,
        method: str = "GET",
        headers: Any = None,
        query_string: Any = None,
        scheme: str | None = None,
        root_path: str | None = None,
        http_version: str = "1.1",
    ) -> AsyncIterator[TestHTTPConnection]:
        """A connection to send the body and read the response in pieces."""
        scope, _ = make_test_scope_and_body(
            self.app,
            path,
            method=method,
            headers=headers,
            query_string=query_string,
            scheme=scheme,
            root_path=root_path,
            http_version=http_version,
        )
        self._add_cookies(scope)
        async with TestHTTPConnection(self, scope) as connection:
            yield connection

    def websocket(
        self,
        path: str,
        *,
        headers: Any = None,
        query_string: Any = None,
        scheme: str = "ws",
        subprotocols: list[str] | None = None,
        root_path: str | None = None,
        http_version: str = "1.1",
        auth: Any = None,
        subdomain: str | None = None,
        scope_base: dict[str, Any] | None = None,
        timeout: float = 5.0,
    ) -> TestWebsocketConnection:
        """A websocket to the app: ``async with client.websocket("/ws") as
        ws: await ws.send("hi"); await ws.receive()``. Cookies in the jar
        are sent with the handshake; every wait is bounded by ``timeout``
        seconds. See :class:`~quart.testing.TestWebsocketConnection`."""
        from .connections import TestWebsocketConnection
        from .connections import make_test_websocket_scope

        scope = make_test_websocket_scope(
            self.app,
            path,
            headers=headers,
            query_string=query_string,
            scheme=scheme,
            subprotocols=subprotocols,
            root_path=root_path,
            http_version=http_version,
            auth=auth,
            subdomain=subdomain,
            scope_base=scope_base,
        )
        self._add_cookies(scope)
        return TestWebsocketConnection(self, scope, timeout=timeout)

    # -- verbs ------------------------------------------------------------------
    async def get(self, path: str, **kwargs: Any) -> Response:
        """``open(path, method="GET", ...)``."""
        return await self.open(path, method="GET", **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Response:
        """``open(path, method="POST", ...)``."""
        return await self.open(path, method="POST", **kwargs)

    async def put(self, path: str, **kwargs: Any) -> Response:
        """``open(path, method="PUT", ...)``."""
        return await self.open(path, method="PUT", **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> Response:
        """``open(path, method="PATCH", ...)``."""
        return await self.open(path, method="PATCH", **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Response:
        """``open(path, method="DELETE", ...)``."""
        return await self.open(path, method="DELETE", **kwargs)

    async def head(self, path: str, **kwargs: Any) -> Response:
        """``open(path, method="HEAD", ...)``."""
        return await self.open(path, method="HEAD", **kwargs)

    async def options(self, path: str, **kwargs: Any) -> Response:
        """``open(path, method="OPTIONS", ...)``."""
        return await self.open(path, method="OPTIONS", **kwargs)

    async def trace(self, path: str, **kwargs: Any) -> Response:
        """``open(path, method="TRACE", ...)``."""
        return await self.open(path, method="TRACE", **kwargs)

    async def __aenter__(self) -> QuartClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None
