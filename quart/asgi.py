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

from .wrappers.headers import headers_from_pairs
from .wrappers.response import DEFAULT_TIMEOUT
from .wrappers.response import DataBody
from .wrappers.websocket import WebsocketDisconnect

if TYPE_CHECKING:
    from .app import Quart
    from .typing import ASGIReceiveCallable
    from .typing import ASGISendCallable
    from .typing import Message
    from .typing import Scope
    from .wrappers import Request
    from .wrappers import Response
    from .wrappers.websocket import Websocket

#: Request body bytes the watcher buffers before it waits for the handler.
BODY_BUFFER_SIZE = 256 * 1024
_NO_BODY_STATUSES = frozenset({204, 304})
#: The watcher needs no request context; sharing one avoids a copy per request.
_WATCH_CONTEXT = contextvars.Context()
#: Websocket connection states.
_WS_CONNECTING = "connecting"
_WS_ACCEPTED = "accepted"
_WS_CLOSED = "closed"


def decode_headers(raw: list[tuple[bytes, bytes]]) -> Headers:
    """ASGI header pairs (bytes) as werkzeug :class:`Headers`."""
    return headers_from_pairs(
        [(name.decode("latin-1"), value.decode("latin-1")) for name, value in raw]
    )


def encode_headers(headers: Headers) -> list[tuple[bytes, bytes]]:
    """werkzeug :class:`Headers` as ASGI header pairs (a non-ASCII
    ``Location`` is converted to a URI first, as werkzeug does)."""
    encoded = []
    for name, value in headers:
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


async def send_body(
    app: Quart, response: Response, send: ASGISendCallable, message_type: str
) -> None:
    """Send a response body as ``message_type`` messages: data in one
    message, anything else streamed chunk by chunk within the response's
    timeout (``RESPONSE_TIMEOUT`` by default). A body that is too slow is cut
    off; the server then closes the incomplete response."""
    body = response.response
    if type(body) is DataBody:
        await send({"type": message_type, "body": body.data[body.begin : body.end]})
        return
    timeout: Any = response.timeout
    if timeout is DEFAULT_TIMEOUT:
        timeout = app.config["RESPONSE_TIMEOUT"]
    try:
        async with asyncio.timeout(timeout), body as chunks:
            async for chunk in chunks:
                if chunk:
                    await send({"type": message_type, "body": chunk, "more_body": True})
    except TimeoutError:
        return
    await send({"type": message_type, "body": b""})


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
        extensions = scope.get("extensions")
        if extensions:  # HTTP/2 and later: server push and early hints
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
                send_push_promise=(
                    self._send_push_promise
                    if "http.response.push" in extensions
                    else None
                ),
                send_early_hints=(
                    self._send_early_hints
                    if "http.response.early_hint" in extensions
                    else None
                ),
            )
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

    async def _send_push_promise(self, path: str, headers: Headers) -> None:
        await self.send(
            {
                "type": "http.response.push",
                "path": path,
                "headers": encode_headers(headers),
            }
        )

    async def _send_early_hints(self, links: list[str]) -> None:
        await self.send(
            {
                "type": "http.response.early_hint",
                "links": [link.encode("latin-1") for link in links],
            }
        )

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
        if (
            request.method == "HEAD"
            or status in _NO_BODY_STATUSES
            or 100 <= status < 200
        ):
            await send({"type": "http.response.body", "body": b""})
            return
        body = response.response
        if type(body) is DataBody:  # the common case, without a coroutine
            await send(
                {"type": "http.response.body", "body": body.data[body.begin : body.end]}
            )
            return
        await send_body(self.app, response, send, "http.response.body")

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
            if self._body_done:
                # More body after the end breaks the protocol; stop watching
                # rather than spin on a server that never blocks.
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


class ASGIWebsocketConnection:
    """One websocket: the handshake, messages both ways, and the close.

    A client that goes away is noticed whatever the handler is doing. While
    the handler waits in ``receive`` it reads the server's messages itself
    and gets :class:`WebsocketDisconnect`. Once it waits on anything else
    (a ``call_soon`` check sees it yielded outside ``receive``), a watcher
    task takes over reading into a buffer: then a handler waiting on
    something else, with nothing left to read, is cancelled when the
    client leaves, and the app turns that into the same exception. A
    handler that only receives and sends never starts the watcher.
    """

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
        self._state = _WS_CONNECTING
        self._messages: deque[str | bytes] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._handler_waiting = False
        self._disconnect: WebsocketDisconnect | None = None
        self._close_code = 1000
        self._task: asyncio.Task[Any] | None = None
        self._pump: asyncio.Task[None] | None = None
        self._reading = False  # someone awaits self.receive() directly
        self._pump_wanted = False
        self._check: asyncio.Handle | None = None
        self._finished = False
        self._websocket: Websocket | None = None
        self._cancelled = False

    def make_websocket(self) -> Websocket:
        scope = self.scope
        root_path, path = scope_path(scope)
        return self.app.websocket_class(
            path,
            scope.get("query_string", b""),
            scope.get("scheme", "ws"),
            decode_headers(scope["headers"]),
            root_path,
            scope.get("http_version", "1.1"),
            list(scope.get("subprotocols") or ()),
            self.receive_data,
            self.send_data,
            self.accept,
            self.close,
            scope,
            disconnect_from_cancel=self.disconnect_from_cancel,
        )

    async def handle(self) -> None:
        message = await self.receive()
        if message["type"] != "websocket.connect":
            return  # the client left before the handshake reached the app
        websocket = self._websocket = self.make_websocket()
        self._task = asyncio.current_task()
        self._check = asyncio.get_running_loop().call_soon(
            self._maybe_start_pump, context=_WATCH_CONTEXT
        )
        try:
            response = await self.app.handle_websocket(websocket)
            state = self._state
            if state is _WS_CONNECTING:
                if response is None:
                    await self.close(1000, "")  # never accepted: a refusal
                else:
                    await self.send_rejection(response)
            elif state is _WS_ACCEPTED:
                code = 1000
                reason = ""
                if response is not None and response.status_code >= 400:
                    code = 1011 if response.status_code >= 500 else 1008
                    reason = response.status
                await self.close(code, reason)
        except asyncio.CancelledError:
            task = self._task
            if self._cancelled and task is not None:
                self._cancelled = False
                if task.uncancel() == 0:
                    return  # the client went away; nothing left to do
            raise
        finally:
            self._finished = True
            if self._check is not None:
                self._check.cancel()
            if self._pump is not None:
                self._pump.cancel()

    def disconnect_from_cancel(self) -> WebsocketDisconnect | None:
        """If the running task was cancelled because the client went away,
        take that cancellation back and return the disconnect to raise."""
        task = self._task
        if not self._cancelled or task is None or asyncio.current_task() is not task:
            return None
        self._cancelled = False
        task.uncancel()
        return self._disconnected()

    def _disconnected(self) -> WebsocketDisconnect:
        if self._disconnect is not None:
            return WebsocketDisconnect(self._disconnect.code, self._disconnect.reason)
        return WebsocketDisconnect(self._close_code)

    # -- incoming -------------------------------------------------------------
    def _maybe_start_pump(self) -> None:
        """Runs once the handler yielded to the loop: if it is not reading
        the client's messages itself, start the watcher."""
        self._check = None
        if self._reading:
            return  # waiting in receive: it will see a disconnect itself
        if self._pump is None and not self._finished and not self._disconnect:
            self._pump = asyncio.get_running_loop().create_task(
                self._pump_messages(), context=_WATCH_CONTEXT
            )

    async def _pump_messages(self) -> None:
        """Buffer the client's messages until it goes away."""
        receive = self.receive
        messages = self._messages
        while True:
            message = await receive()
            kind = message["type"]
            if kind == "websocket.receive":
                data = message.get("bytes")
                if data is None:
                    data = message.get("text") or ""
                messages.append(data)
                self._wake()
            elif kind == "websocket.disconnect":
                self._on_disconnect(message, reader_is_handler=False)
                return

    def _on_disconnect(self, message: Message, reader_is_handler: bool) -> None:
        """Record the disconnect, wake a waiting ``receive`` and, if the
        handler waits on something else with nothing left to read, cancel
        it."""
        self._disconnect = WebsocketDisconnect(
            message.get("code", 1005), message.get("reason") or ""
        )
        websocket = self._websocket
        if (
            not reader_is_handler
            and not self._handler_waiting
            and not self._messages
            and self._state is not _WS_CLOSED
            and websocket is not None
            and websocket._cancellable
            and self._task is not None
        ):
            self._cancelled = True
            self._task.cancel()
        self._state = _WS_CLOSED
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def receive_data(self) -> str | bytes:
        """The next message from the client (accepting first if needed)."""
        if self._state is _WS_CONNECTING:
            await self.accept(None, None)
        messages = self._messages
        if messages:
            return messages.popleft()
        if self._pump is None and not self._reading:
            if self._state is _WS_CLOSED:
                raise self._disconnected()
            return await self._receive_directly()
        if self._reading:  # another task is reading: the watcher must share
            self._pump_wanted = True
        while not messages:
            if self._state is _WS_CLOSED:
                raise self._disconnected()
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            handler = self._handler_waiting = asyncio.current_task() is self._task
            try:
                await waiter
            finally:
                self._waiter = None
                if handler:
                    self._handler_waiting = False
        return messages.popleft()

    async def _receive_directly(self) -> str | bytes:
        self._reading = True
        try:
            message = await self.receive()
        finally:
            self._reading = False
        kind = message["type"]
        if kind == "websocket.receive":
            data: str | bytes | None = message.get("bytes")
            if data is None:
                data = message.get("text") or ""
        elif kind == "websocket.disconnect":
            is_handler = asyncio.current_task() is self._task
            self._on_disconnect(message, reader_is_handler=is_handler)
            raise self._disconnected()
        else:
            raise RuntimeError(f"Unexpected ASGI message {kind!r}.")
        if self._pump_wanted:
            self._pump_wanted = False
            self._maybe_start_pump()
        elif self._check is None and not self._finished:
            # If the handler next waits on anything but receive, start the
            # watcher then, so that a disconnect still reaches it.
            self._check = asyncio.get_running_loop().call_soon(
                self._maybe_start_pump, context=_WATCH_CONTEXT
            )
        return data

    # -- outgoing -------------------------------------------------------------
    async def _send(self, message: Message) -> None:
        try:
            await self.send(message)
        except OSError as error:  # ASGI: a server's "client disconnected"
            raise self._disconnected() from error

    async def send_data(self, data: str | bytes) -> None:
        """Send a message to the client (accepting first if needed)."""
        if self._state is not _WS_ACCEPTED:
            if self._state is _WS_CONNECTING:
                await self.accept(None, None)
            else:
                raise self._disconnected()
        if type(data) is str:
            message: Message = {"type": "websocket.send", "text": data}
        else:
            message = {"type": "websocket.send", "bytes": data}
        try:
            await self.send(message)
        except OSError as error:  # ASGI: a server's "client disconnected"
            raise self._disconnected() from error

    async def accept(self, headers: Headers | None, subprotocol: str | None) -> None:
        """Complete the handshake."""
        if self._state is not _WS_CONNECTING:
            if self._disconnect is not None:
                raise self._disconnected()
            raise RuntimeError("The websocket was already accepted or closed.")
        message: Message = {"type": "websocket.accept", "subprotocol": subprotocol}
        if headers:
            message["headers"] = encode_headers(headers)
        self._state = _WS_ACCEPTED
        await self._send(message)

    async def close(self, code: int, reason: str) -> None:
        """Close the websocket (before accepting: refuse the handshake)."""
        if self._state is _WS_CLOSED:
            return
        self._state = _WS_CLOSED
        self._close_code = code
        self._wake()
        try:
            await self._send(
                {"type": "websocket.close", "code": code, "reason": reason}
            )
        except WebsocketDisconnect:
            pass  # already gone: closed either way

    async def send_rejection(self, response: Response) -> None:
        """Refuse the handshake with ``response``: sent as is where the
        server has the websocket denial extension, else a close (the server
        answers 403)."""
        extensions = self.scope.get("extensions") or {}
        if "websocket.http.response" not in extensions:
            await self.close(1008, "")
            return
        self._state = _WS_CLOSED
        send = self._send
        await send(
            {
                "type": "websocket.http.response.start",
                "status": response.status_code,
                "headers": encode_headers(response.headers),
            }
        )
        await send_body(self.app, response, send, "websocket.http.response.body")


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
