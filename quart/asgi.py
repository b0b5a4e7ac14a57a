"""The only code that speaks ASGI: scopes and messages in, wrapper objects
to the app, responses back out as messages.

A handler is cancelled when its client disconnects. Watching for that needs
a task reading ``receive``; to keep fast requests free of it, the watcher is
started by a ``call_soon`` callback, which only runs if the handler actually
yields to the event loop. A request that completes without waiting on I/O
never creates it.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.exceptions import ClientDisconnected
from werkzeug.urls import iri_to_uri

from .wrappers.response import DEFAULT_TIMEOUT
from .wrappers.response import DataBody

if TYPE_CHECKING:
    from .app import Quart
    from .typing import ASGIReceiveCallable
    from .typing import ASGISendCallable
    from .typing import Scope
    from .wrappers import Request
    from .wrappers import Response

#: Request body bytes the watcher buffers before it waits for the handler.
BODY_BUFFER_SIZE = 256 * 1024
_NO_BODY_STATUSES = frozenset({204, 304})
#: The watcher needs no request context; sharing one avoids a copy per request.
_WATCH_CONTEXT = contextvars.Context()


def decode_headers(raw: list[tuple[bytes, bytes]]) -> Headers:
    """ASGI header pairs (bytes) as werkzeug :class:`Headers`."""
    headers = Headers()
    for name, value in raw:
        headers.add(name.decode("latin-1"), value.decode("latin-1"))
    return headers


def encode_headers(headers: Headers) -> list[tuple[bytes, bytes]]:
    """werkzeug :class:`Headers` as ASGI header pairs (a non-ASCII
    ``Location`` is converted to a URI first, as werkzeug does)."""
    encoded = []
    for name, value in headers.items():
        lowered = name.lower()
        if lowered == "location":
            value = iri_to_uri(value)
        encoded.append((lowered.encode("latin-1"), value.encode("latin-1")))
    return encoded


def scope_path(scope: Scope) -> tuple[str, str]:
    """``(root_path, path)``, with the root path removed from the path."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and (path == root_path or path.startswith(root_path + "/")):
        path = path[len(root_path) :] or "/"
    return root_path, path


class ASGIHTTPConnection:
    """One HTTP request/response exchange."""

    __slots__ = (
        "_body_done",
        "_buffer",
        "_buffered",
        "_disconnected",
        "_drained",
        "_pump",
        "_pump_wanted",
        "_readable",
        "_reading",
        "_task",
        "app",
        "receive",
        "scope",
        "send",
    )

    def __init__(
        self,
        app: Quart,
        scope: Scope,
        receive: ASGIReceiveCallable,
        send: ASGISendCallable,
    ) -> None:
        self.app = app
        self.scope = scope
        self.receive = receive
        self.send = send
        self._task: asyncio.Task[Any] | None = None
        self._pump: asyncio.Task[None] | None = None
        self._pump_wanted = False
        self._reading = False
        self._disconnected = False
        self._body_done = False
        self._buffer: deque[bytes] = deque()
        self._buffered = 0
        self._readable: asyncio.Event | None = None
        self._drained: asyncio.Event | None = None

    def make_request(self) -> Request:
        scope = self.scope
        root_path, path = scope_path(scope)
        return self.app.request_class(
            scope["method"],
            scope.get("scheme", "http"),
            path,
            scope.get("query_string", b""),
            decode_headers(scope["headers"]),
            root_path,
            scope.get("http_version", "1.1"),
            scope,
            body=self._next_chunk,
        )

    async def handle(self) -> None:
        request = self.make_request()
        self._task = asyncio.current_task()
        watch = asyncio.get_running_loop().call_soon(
            self._start_pump, context=_WATCH_CONTEXT
        )
        try:
            response = await self.app.handle_request(request)
            await self.send_response(request, response)
        except asyncio.CancelledError:
            task = self._task
            if self._disconnected and task is not None and task.uncancel() == 0:
                return  # the client went away; nothing left to answer
            raise
        finally:
            watch.cancel()
            if self._pump is not None:
                self._pump.cancel()

    # -- the response -------------------------------------------------------
    async def send_response(self, request: Request, response: Response) -> None:
        send = self.send
        status = response.status_code
        headers = encode_headers(response.headers)
        if status == 204 or status < 200:  # no body, so no length (RFC 9110 8.6)
            headers = [pair for pair in headers if pair[0] != b"content-length"]
        await send(
            {"type": "http.response.start", "status": status, "headers": headers}
        )
        body = response.response
        if (
            request.method == "HEAD"
            or status in _NO_BODY_STATUSES
            or 100 <= status < 200
        ):
            await send({"type": "http.response.body", "body": b""})
            return
        if type(body) is DataBody:
            await send(
                {"type": "http.response.body", "body": body.data[body.begin : body.end]}
            )
            return
        timeout: Any = response.timeout
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.app.config["RESPONSE_TIMEOUT"]
        try:
            async with asyncio.timeout(timeout), body as chunks:
                async for chunk in chunks:
                    if chunk:
                        await send(
                            {
                                "type": "http.response.body",
                                "body": chunk,
                                "more_body": True,
                            }
                        )
        except TimeoutError:
            return  # too slow: stop; the server closes the incomplete response
        await send({"type": "http.response.body", "body": b""})

    # -- the request body and disconnects -------------------------------------
    def _start_pump(self) -> None:
        if self._reading:
            self._pump_wanted = True  # the handler is reading; take over after
        elif self._pump is None and not self._disconnected:
            self._pump = asyncio.get_running_loop().create_task(self._pump_messages())

    async def _pump_messages(self) -> None:
        """Read the body into a bounded buffer, then wait for a disconnect
        and cancel the handler when it comes."""
        receive = self.receive
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self._disconnected = True
                if self._readable is not None:
                    self._readable.set()
                if self._task is not None:
                    self._task.cancel()
                return
            chunk = message.get("body", b"")
            if chunk:
                self._buffer.append(chunk)
                self._buffered += len(chunk)
            if not message.get("more_body", False):
                self._body_done = True
            if self._readable is not None:
                self._readable.set()
            if self._buffered > BODY_BUFFER_SIZE and not self._body_done:
                self._drained = asyncio.Event()
                await self._drained.wait()

    async def _next_chunk(self) -> tuple[bytes, bool]:
        """The next ``(data, more_body)`` of the request body."""
        if self._pump is None:
            if self._disconnected:
                raise ClientDisconnected()
            self._reading = True
            try:
                message = await self.receive()
            finally:
                self._reading = False
            if message["type"] == "http.disconnect":
                self._disconnected = True
                raise ClientDisconnected()
            more = bool(message.get("more_body", False))
            self._body_done = not more
            if self._pump_wanted:
                self._pump_wanted = False
                self._start_pump()
            return message.get("body", b""), more
        while not self._buffer:
            if self._body_done:
                return b"", False
            if self._disconnected:
                raise ClientDisconnected()
            if self._readable is None:
                self._readable = asyncio.Event()
            self._readable.clear()
            await self._readable.wait()
        chunk = self._buffer.popleft()
        self._buffered -= len(chunk)
        if self._drained is not None and self._buffered <= BODY_BUFFER_SIZE:
            self._drained.set()
        return chunk, bool(self._buffer) or not self._body_done


class ASGILifespan:
    """The ASGI lifespan protocol: the app's startup and shutdown."""

    def __init__(
        self,
        app: Quart,
        scope: Scope,
        receive: ASGIReceiveCallable,
        send: ASGISendCallable,
    ) -> None:
        self.app = app
        self.scope = scope
        self.receive = receive
        self.send = send

    async def handle(self) -> None:
        while True:
            message = await self.receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.app.startup()
                except Exception as error:
                    await self.send(
                        {"type": "lifespan.startup.failed", "message": _describe(error)}
                    )
                    return
                await self.send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    await self.app.shutdown()
                except Exception as error:
                    await self.send(
                        {
                            "type": "lifespan.shutdown.failed",
                            "message": _describe(error),
                        }
                    )
                    return
                await self.send({"type": "lifespan.shutdown.complete"})
                return


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
