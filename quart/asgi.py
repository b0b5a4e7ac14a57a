"""The only code that speaks ASGI: scopes and messages in, wrapper objects
to the app, responses back out as messages.

Each scope type has a connection class, made with the app and the scope and
then called with ``receive`` and ``send`` (:attr:`Quart.asgi_http_class
<quart.Quart.asgi_http_class>` and its twins choose them). A connection runs
the app in the calling task and reads the client's messages beside it with
``handle_messages``, so that a client going away cancels the handler. That
reader is a task, and to keep fast requests free of it, it is started only
for the requests still being handled :data:`READER_DELAY` after they began
(:class:`_ReaderStarter`): a request that completes sooner never creates
it.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import Coroutine
from functools import partial
from time import monotonic
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar

from werkzeug.datastructures import Headers
from werkzeug.exceptions import ClientDisconnected
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import NotFound

from .globals import _cv_app
from .lifespan import freeze_startup_heap
from .utils import encode_headers as encode_headers
from .wrappers.response import DEFAULT_TIMEOUT
from .wrappers.response import DataBody
from .wrappers.websocket import WebsocketDisconnect

if TYPE_CHECKING:
    from .app import Quart
    from .typing import ASGIReceiveCallable
    from .typing import ASGISendCallable
    from .typing import Message
    from .typing import Scope
    from .wrappers import Body
    from .wrappers import Request
    from .wrappers import Response
    from .wrappers.websocket import Websocket

#: Request body bytes the message reader buffers ahead of the handler.
BODY_BUFFER_SIZE = 256 * 1024
#: The statuses whose responses have no body (RFC 9110 6.4.1).
_NO_BODY_STATUSES = frozenset({*range(100, 200), 204, 304})
#: The message reader needs no request context; sharing one avoids a copy
#: per request.
_WATCH_CONTEXT = contextvars.Context()
#: Seconds a request may run before its message reader starts: a client that
#: goes away is noticed within this time, and a request that finishes
#: sooner (most requests that wait on I/O, a database or another service)
#: never pays for the reader task.
READER_DELAY = 0.05


class _ReaderStarter:
    """Starts the message readers of the HTTP requests still being handled
    :data:`READER_DELAY` after they began.

    One timer serves all the requests in flight, instead of a callback per
    request, and a request that finishes first takes itself out: a driver
    that awaits requests one after the other without letting the loop run
    leaves nothing behind. The timer starts the readers that are due and
    waits for the next one; under load, a request answered within the
    delay never gets a reader, however many are in flight.
    """

    __slots__ = ("loop", "scheduled", "waiting")

    #: The starter of the loop that last began a request (a thread running
    #: another loop makes its own).
    last: ClassVar[_ReaderStarter | None] = None

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.scheduled = False
        #: The requests in flight, oldest first (each connection holds its
        #: start time): a request takes itself out when it finishes.
        self.waiting: dict[ASGIHTTPConnection, Request] = {}

    def start_readers(self) -> None:
        """The loop callback: start the readers of the requests begun
        :data:`READER_DELAY` ago or more, then wait for the next."""
        self.scheduled = False
        waiting = self.waiting
        if not waiting:
            return  # the common case: they all finished without waiting
        now = monotonic()
        due = []
        for connection, request in waiting.items():
            if now - connection._began < READER_DELAY:
                break
            due.append((connection, request))
        for connection, request in due:
            del waiting[connection]
            connection._start_pump(request)
        if waiting:
            self.schedule(next(iter(waiting))._began + READER_DELAY - now)

    def schedule(self, delay: float) -> None:
        """Run :meth:`start_readers` in ``delay`` seconds."""
        self.scheduled = True
        self.loop.call_later(delay, self.start_readers, context=_WATCH_CONTEXT)


def under_root_path(path: str, root_path: str) -> bool:
    """Whether ``path`` lies under ``root_path``, segment by segment (the
    ASGI ``path`` includes the ``root_path``)."""
    root = root_path.rstrip("/")
    return not root or path == root or path.startswith(root + "/")


def scope_path(scope: Scope) -> tuple[str, str]:
    """``(root_path, path)``, with the root path removed from the path. A
    path outside the root path (see :func:`under_root_path`) is returned
    whole; the connection classes answer it with 404."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path:
        root = root_path.rstrip("/")
        if path == root or path.startswith(root + "/"):
            path = path[len(root) :] or "/"
    return root_path, path


def _expects_continue(scope: Scope) -> bool:
    """Whether the client waits for ``100 Continue`` before sending the body."""
    for name, value in scope["headers"]:
        if name.lower() == b"expect" and b"100-continue" in value.lower():
            return True
    return False


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
        async with asyncio.timeout(timeout) as deadline:
            await _send_chunks(response, send, message_type)
    except TimeoutError:
        if not deadline.expired():
            raise


async def _send_chunks(
    response: Response, send: ASGISendCallable, message_type: str
) -> None:
    """Stream a response body chunk by chunk, then the final empty message
    (no time limit: the caller sets one)."""
    async with response.response as chunks:
        async for chunk in chunks:
            if chunk:
                await send({"type": message_type, "body": chunk, "more_body": True})
    await send({"type": message_type, "body": b""})


class _BodyState:
    """How far an HTTP connection got with the request body and the
    client: made when the handler first reads the body or waits on I/O, so
    a request that does neither never builds it."""

    __slots__ = (
        "body_done",
        "disconnected",
        "pump",
        "pump_wanted",
        "reading",
        "received",
        "request",
    )

    def __init__(self) -> None:
        #: The :meth:`~ASGIHTTPConnection.handle_messages` task, once started.
        self.pump: asyncio.Task[None] | None = None
        self.pump_wanted = False  # start it after the handler's current read
        self.request: Request | None = None  # the request to start it with
        self.reading = False  # the handler awaits ``receive`` itself
        self.disconnected = False
        self.body_done = False
        self.received = 0  # body bytes read from the server so far


class ASGIHTTPConnection:
    """One HTTP request/response exchange.

    :meth:`handle_request` runs the app and sends its response;
    :meth:`handle_messages` reads the request body ahead of the handler and
    watches for the client going away. The handler reads the body through
    the connection: directly from ``receive`` while the reader is not
    running, else from the reader's buffer.
    """

    # The connection holds no reference to its request (the request's body
    # source refers back to the connection): without a cycle, both are
    # freed as soon as the request is done.
    __slots__ = ("_began", "_receive", "_send", "_state", "_task", "app", "scope")

    _send: ASGISendCallable
    _task: asyncio.Task[Any] | None
    #: When :meth:`__call__` began (``time.monotonic``), for the reader timer.
    _began: float

    def __init__(self, app: Quart, scope: Scope) -> None:
        self.app = app
        self.scope = scope
        self._state: _BodyState | None = None
        #: Set by :meth:`__call__`: the body is then read from it on demand.
        self._receive: ASGIReceiveCallable | None = None

    def _body_state(self) -> _BodyState:
        state = self._state
        if state is None:
            state = self._state = _BodyState()
        return state

    async def __call__(
        self, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Serve the request: :meth:`handle_request` in this task, and
        :meth:`handle_messages` beside it once the handler waits on I/O."""
        self._receive = receive
        request = self._create_request_from_scope(send)
        loop = asyncio.get_running_loop()
        self._task = asyncio.current_task(loop)
        starter = _ReaderStarter.last
        if starter is None or starter.loop is not loop:
            starter = _ReaderStarter.last = _ReaderStarter(loop)
        self._began = monotonic()
        starter.waiting[self] = request
        if not starter.scheduled:
            starter.schedule(READER_DELAY)
        try:
            await self.handle_request(request, send)
        except asyncio.CancelledError:
            state = self._state
            task = self._task
            if (
                state is not None
                and state.disconnected
                and task is not None
                and task.uncancel() == 0
            ):
                return  # the client went away; nothing left to answer
            raise
        finally:
            starter.waiting.pop(self, None)
            state = self._state
            if state is not None and state.pump is not None:
                state.pump.cancel()

    def _create_request_from_scope(self, send: ASGISendCallable) -> Request:
        """The request for this connection's scope; ``send`` is what its
        HTTP/2 extras (server push, early hints) send with. Made by
        :meth:`__call__`, its body is read from ``receive`` on demand;
        otherwise (another ``__call__``, as quart-trio's) the body is
        pushed into by :meth:`handle_messages`."""
        self._send = send
        scope = self.scope
        root_path, path = scope_path(scope)
        app = self.app
        if self._receive is None:
            # The body is pushed in by handle_messages, where no app context
            # may be: it takes the app's limits now.
            source = None
            max_content_length = app.config["MAX_CONTENT_LENGTH"]
            body_timeout = app.config["BODY_TIMEOUT"]
        else:
            # Read on demand, in the app's context: the limits are looked up
            # then (and only if the body is read).
            source = self._next_chunk
            max_content_length = body_timeout = None
        # HTTP/2 and later: server push and early hints, where supported.
        extensions = scope.get("extensions")
        request = app.request_class(
            scope["method"],
            scope.get("scheme", "http"),
            path,
            scope.get("query_string", b""),
            None,  # read from the scope when first used
            root_path,
            scope.get("http_version", "1.1"),
            scope,
            max_content_length=max_content_length,
            body_timeout=body_timeout,
            body=source,
            send_push_promise=(
                self._send_push_promise
                if extensions and "http.response.push" in extensions
                else None
            ),
            send_early_hints=(
                self._send_early_hints
                if extensions and "http.response.early_hint" in extensions
                else None
            ),
        )
        if root_path and not under_root_path(scope["path"], root_path):
            request.routing_exception = NotFound()
        return request

    async def _send_push_promise(self, path: str, headers: Headers) -> None:
        await self._send(
            {
                "type": "http.response.push",
                "path": path,
                "headers": encode_headers(headers),
            }
        )

    async def _send_early_hints(self, links: list[str]) -> None:
        await self._send(
            {
                "type": "http.response.early_hint",
                "links": [link.encode("latin-1") for link in links],
            }
        )

    # -- the response -------------------------------------------------------
    async def handle_request(self, request: Request, send: ASGISendCallable) -> None:
        """Run the app on ``request`` and send its response with
        :meth:`_send_response`; a streamed body gets the response's timeout
        (``RESPONSE_TIMEOUT`` by default), after which it is cut off and the
        server closes the incomplete response."""
        response = await self.app.handle_request(request)
        if type(response.response) is DataBody:  # the common case: no timeout
            await self._send_response(send, response)
            return
        timeout: Any = response.timeout
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.app.config["RESPONSE_TIMEOUT"]
        try:
            async with asyncio.timeout(timeout) as deadline:
                await self._send_response(send, response)
        except TimeoutError:
            if not deadline.expired():
                raise

    async def _send_response(self, send: ASGISendCallable, response: Response) -> None:
        """Send ``response`` with ``send``: the start, then the body (none
        for HEAD, 204, 304 and 1xx). The caller bounds a streamed body in
        time.

        A response that cannot be sent (a status outside 100-999, a header
        value that is not latin-1) is a programmer error: it is logged and
        the client gets a plain 500, so the connection stays usable.
        """
        status = response.status_code
        try:
            if not 100 <= status <= 999:
                scope = self.scope
                raise ValueError(
                    f"Invalid status {response.status!r} in the response to"
                    f" {scope['method']} {scope['path']}: a status code is a"
                    " number from 100 to 999."
                )
            headers = encode_headers(response.headers)
        except ValueError as error:  # UnicodeEncodeError included
            await self._send_server_error(send, error)
            return
        if status < 200 or status == 204:  # no body, so no length (RFC 9110 8.6)
            headers = [pair for pair in headers if pair[0] != b"content-length"]
        await send(
            {"type": "http.response.start", "status": status, "headers": headers}
        )
        if status in _NO_BODY_STATUSES or self.scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        body = response.response
        if type(body) is DataBody:  # the common case, without a coroutine
            await send(
                {"type": "http.response.body", "body": body.data[body.begin : body.end]}
            )
            return
        await _send_chunks(response, send, "http.response.body")

    async def _send_server_error(
        self, send: ASGISendCallable, error: Exception
    ) -> None:
        """Log ``error`` and answer 500; raise it instead where the app's
        exceptions propagate (``PROPAGATE_EXCEPTIONS``, by default in
        testing)."""
        app = self.app
        propagate = app.config["PROPAGATE_EXCEPTIONS"]
        if propagate or (propagate is None and app.testing):
            raise error
        app.log_exception((type(error), error, error.__traceback__))
        body = InternalServerError().get_body().encode()
        await send(
            {
                "type": "http.response.start",
                "status": 500,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode("ascii")),
                ],
            }
        )
        if self.scope["method"] == "HEAD":
            body = b""
        await send({"type": "http.response.body", "body": body})

    # -- the request body and disconnects -------------------------------------
    def _start_pump(self, request: Request, body_asked: bool = False) -> None:
        """Start :meth:`handle_messages`, unless the handler is reading
        ``receive`` itself (then start it after that read) or the client
        waits for ``100 Continue`` and the body was not asked for: reading
        would invite a body the handler may refuse."""
        state = self._body_state()
        if state.reading or (
            not (body_asked or state.received or state.body_done)
            and _expects_continue(self.scope)
        ):
            state.pump_wanted = True
            state.request = request
        elif state.pump is None and not state.disconnected:
            state.pump = asyncio.get_running_loop().create_task(
                self._watch(request), context=_WATCH_CONTEXT
            )

    async def _watch(self, request: Request) -> None:
        """:meth:`handle_messages`, then cancel the handler if the client
        went away."""
        await self.handle_messages(request, self._receive)  # type: ignore[arg-type]
        state = self._state
        if state is not None and state.disconnected and self._task is not None:
            self._task.cancel()

    async def handle_messages(
        self, request: Request, receive: ASGIReceiveCallable
    ) -> None:
        """Read the client's messages while ``request`` is handled, until it
        goes away: the body is pushed into ``request.body`` (``append``,
        ``set_complete``), then the disconnect ends this.

        The reader stays at most :data:`BODY_BUFFER_SIZE` bytes ahead of the
        handler, and past ``max_content_length`` it reads only when the
        handler asks for more, so a body that is too large is not read on
        after the handler refused it (:meth:`Body.wait_for_reader
        <quart.wrappers.Body.wait_for_reader>`, with the app's
        ``event_class``).
        """
        state = self._body_state()
        event_class = self.app.event_class
        body = self._body_of(request)
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                state.disconnected = True
                return
            if state.body_done:
                # More body after the end breaks the protocol; stop reading
                # rather than spin on a server that never blocks.
                return
            chunk = message.get("body", b"")
            if chunk:
                state.received += len(chunk)
                body.append(chunk)
            if not message.get("more_body", False):
                state.body_done = True
                body.set_complete()
            else:
                await body.wait_for_reader(event_class, BODY_BUFFER_SIZE)

    def _body_of(self, request: Request) -> Body:
        """``request.body``, made (if the handler has not yet) with the
        app's limits: this reader runs outside the request's app context,
        where the body would find no ``MAX_CONTENT_LENGTH`` or
        ``BODY_TIMEOUT`` and read on without limit."""
        token = _cv_app.set(self.app.app_context())
        try:
            return request.body
        finally:
            _cv_app.reset(token)

    async def _next_chunk(self) -> tuple[bytes, bool] | None:
        """The request body's source: the next ``(data, more_body)`` read
        from ``receive`` here, or ``None`` once :meth:`handle_messages`
        runs and pushes the body instead."""
        state = self._body_state()
        if state.pump is not None:
            return None
        if state.disconnected:
            raise ClientDisconnected()
        state.reading = True
        try:
            message = await self._receive()  # type: ignore[misc]
        finally:
            state.reading = False
        if message["type"] == "http.disconnect":
            state.disconnected = True
            raise ClientDisconnected()
        chunk: bytes = message.get("body", b"")
        state.received += len(chunk)
        more = bool(message.get("more_body", False))
        state.body_done = not more
        if state.pump_wanted and state.request is not None:
            request, state.request = state.request, None
            state.pump_wanted = False
            self._start_pump(request, body_asked=True)
        return chunk, more


class ASGIWebsocketConnection:
    """One websocket: the handshake, messages both ways, and the close.

    :meth:`handle_websocket` runs the app's handler and then closes (or
    refuses) the websocket; :meth:`accept_connection`,
    :meth:`send_data` and :meth:`close_connection` are what the
    :class:`~quart.wrappers.Websocket` calls.

    A client that goes away is noticed whatever the handler is doing. While
    the handler waits in ``receive`` it reads the server's messages itself
    and gets :class:`WebsocketDisconnect`. Once it waits on anything else
    (a ``call_soon`` check sees it yielded outside ``receive``),
    :meth:`handle_messages` takes over reading into a buffer: then a
    handler waiting on something else, with nothing left to read, is
    cancelled when the client leaves, and the app turns that into the same
    exception. A handler that only receives and sends never starts the
    reader.
    """

    _receive: ASGIReceiveCallable
    _send: ASGISendCallable
    # What accept_connection, send_data, close_connection and
    # handle_websocket use, read from these defaults until first set: a
    # subclass whose own __init__ sets only app, scope, _accepted and
    # _closed (quart-trio's) can use them.
    _disconnect: WebsocketDisconnect | None = None
    _close_code = 1000
    _waiter: asyncio.Future[None] | None = None

    def __init__(self, app: Quart, scope: Scope) -> None:
        self.app = app
        self.scope = scope
        self._accepted = False  # the handshake was accepted
        self._closed = False  # closed, refused, or the client went away
        self._messages: deque[str | bytes] = deque()
        self._handler_waiting = False
        self._task: asyncio.Task[Any] | None = None
        self._pump: asyncio.Task[None] | None = None
        self._reading = False  # someone awaits the ASGI receive directly
        self._pump_wanted = False
        self._check: asyncio.Handle | None = None
        self._finished = False
        self._websocket: Websocket | None = None
        self._cancelled = False

    async def __call__(
        self, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Serve the websocket: wait for the handshake, then run
        :meth:`handle_websocket`."""
        self._receive = receive
        self._send = send
        message = await receive()
        if message["type"] != "websocket.connect":
            return  # the client left before the handshake reached the app
        websocket = self._websocket = self._create_websocket()
        self._task = asyncio.current_task()
        self._check = asyncio.get_running_loop().call_soon(
            self._maybe_start_pump, context=_WATCH_CONTEXT
        )
        try:
            await self.handle_websocket(websocket, send)
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

    def _create_websocket(self) -> Websocket:
        scope = self.scope
        root_path, path = scope_path(scope)
        websocket = self.app.websocket_class(
            path,
            scope.get("query_string", b""),
            scope.get("scheme", "ws"),
            None,  # read from the scope when first used
            root_path,
            scope.get("http_version", "1.1"),
            list(scope.get("subprotocols") or ()),
            self._receive_data,
            self._send_data,
            self._accept,
            self._close,
            scope,
            disconnect_from_cancel=self.disconnect_from_cancel,
        )
        if root_path and not under_root_path(scope["path"], root_path):
            websocket.routing_exception = NotFound()
        return websocket

    async def handle_websocket(
        self, websocket: Websocket, send: ASGISendCallable
    ) -> None:
        """Run the app's handler for ``websocket``, then close it: normally,
        or with 1011/1008 if the handler ended in an error response; a
        response before accepting refuses the handshake."""
        response = await self.app.handle_websocket(websocket)
        if self._closed:
            return
        if not self._accepted:
            if response is None:
                await self.close_connection(send, 1000, "")  # never accepted
            else:
                await self._send_rejection(send, response)
        else:
            code = 1000
            reason = ""
            if response is not None and response.status_code >= 400:
                code = 1011 if response.status_code >= 500 else 1008
                reason = response.status
            await self.close_connection(send, code, reason)

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
        the client's messages itself, start :meth:`handle_messages`."""
        self._check = None
        if self._reading:
            return  # waiting in receive: it will see a disconnect itself
        if self._pump is None and not self._finished and not self._disconnect:
            self._pump = asyncio.get_running_loop().create_task(
                self.handle_messages(self._receive), context=_WATCH_CONTEXT
            )

    async def handle_messages(self, receive: ASGIReceiveCallable) -> None:
        """Buffer the client's messages until it goes away."""
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
            and not self._closed
            and websocket is not None
            and websocket._cancellable
            and self._task is not None
        ):
            self._cancelled = True
            self._task.cancel()
        self._closed = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _receive_data(self) -> str | bytes:
        """The next message from the client (accepting first if needed)."""
        if not self._accepted and not self._closed:
            await self.accept_connection(self._send, Headers(), None)
        messages = self._messages
        if messages:
            return messages.popleft()
        if self._pump is None and not self._reading:
            if self._closed:
                raise self._disconnected()
            return await self._receive_directly()
        if self._reading:  # another task is reading: the reader must share
            self._pump_wanted = True
        while not messages:
            if self._closed:
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
            message = await self._receive()
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
            # reader then, so that a disconnect still reaches it.
            self._check = asyncio.get_running_loop().call_soon(
                self._maybe_start_pump, context=_WATCH_CONTEXT
            )
        return data

    # -- outgoing -------------------------------------------------------------
    async def _send_message(self, send: ASGISendCallable, message: Message) -> None:
        try:
            await send(message)
        except OSError as error:  # ASGI: a server's "client disconnected"
            raise self._disconnected() from error

    async def send_data(self, send: ASGISendCallable, data: str | bytes) -> None:
        """Send a message to the client (accepting first if needed)."""
        if self._closed:
            raise self._disconnected()
        if not self._accepted:
            await self.accept_connection(send, Headers(), None)
        if type(data) is str:
            message: Message = {"type": "websocket.send", "text": data}
        else:
            message = {"type": "websocket.send", "bytes": data}
        try:
            await send(message)
        except OSError as error:  # ASGI: a server's "client disconnected"
            raise self._disconnected() from error

    # What the websocket wrapper calls: the public methods with the ASGI send.
    def _send_data(self, data: str | bytes) -> Coroutine[Any, Any, None]:
        return self.send_data(self._send, data)

    def _accept(
        self, headers: Headers | None, subprotocol: str | None
    ) -> Coroutine[Any, Any, None]:
        return self.accept_connection(
            self._send, Headers() if headers is None else headers, subprotocol
        )

    def _close(self, code: int, reason: str) -> Coroutine[Any, Any, None]:
        return self.close_connection(self._send, code, reason)

    async def accept_connection(
        self, send: ASGISendCallable, headers: Headers, subprotocol: str | None
    ) -> None:
        """Complete the handshake, with extra response ``headers`` and the
        chosen ``subprotocol``. Once accepted or closed this does nothing
        (as in Quart, a send or receive may accept first, every time)."""
        if self._accepted or self._closed:
            return  # a send, a receive or a close after it tells of the end
        message: Message = {"type": "websocket.accept", "subprotocol": subprotocol}
        if headers:
            message["headers"] = encode_headers(headers)
        self._accepted = True
        await self._send_message(send, message)

    async def close_connection(
        self, send: ASGISendCallable, code: int, reason: str
    ) -> None:
        """Close the websocket (before accepting: refuse the handshake).
        Closing twice does nothing."""
        if self._closed:
            return
        self._closed = True
        self._close_code = code
        self._wake()
        try:
            await self._send_message(
                send, {"type": "websocket.close", "code": code, "reason": reason}
            )
        except WebsocketDisconnect:
            pass  # already gone: closed either way

    async def _send_rejection(self, send: ASGISendCallable, response: Response) -> None:
        """Refuse the handshake with ``response``: sent as is where the
        server has the websocket denial extension, else a close (the server
        answers 403)."""
        extensions = self.scope.get("extensions") or {}
        if "websocket.http.response" not in extensions:
            await self.close_connection(send, 1008, "")
            return
        self._closed = True
        send_message = partial(self._send_message, send)
        await send_message(
            {
                "type": "websocket.http.response.start",
                "status": response.status_code,
                "headers": encode_headers(response.headers),
            }
        )
        await send_body(
            self.app, response, send_message, "websocket.http.response.body"
        )


class ASGILifespan:
    """The ASGI lifespan protocol: the app's startup and shutdown."""

    def __init__(self, app: Quart, scope: Scope) -> None:
        self.app = app
        self.scope = scope

    async def __call__(
        self, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Run startup and shutdown as the server asks; a failure is
        reported to the server, which then stops."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.app.startup()
                except Exception as error:
                    await send(
                        {"type": "lifespan.startup.failed", "message": _describe(error)}
                    )
                    return
                if self.app.config["GC_FREEZE_AT_STARTUP"]:
                    freeze_startup_heap()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    await self.app.shutdown()
                except Exception as error:
                    await send(
                        {
                            "type": "lifespan.shutdown.failed",
                            "message": _describe(error),
                        }
                    )
                    return
                await send({"type": "lifespan.shutdown.complete"})
                return


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
