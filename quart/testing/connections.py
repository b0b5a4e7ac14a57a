"""The client ends of test connections: an HTTP request whose body and
response flow piece by piece, and a websocket. Each runs the app in its
own task, over ASGI, in-process.

The test client builds every request on these classes (its
``http_connection_class`` and ``websocket_connection_class``), so a
subclass that swaps them changes how every request runs.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar

from werkzeug.datastructures import Headers

from ..asgi import scope_path
from ..globals import _cv_app
from ..globals import _cv_request
from ..scaffold import _sentinel
from ..signals import request_tearing_down
from ..wrappers.headers import decode_headers
from ..wrappers.websocket import WebsocketDisconnect
from .utils import PRESERVE_CONTEXT_KEY
from .utils import make_scope_and_body

if TYPE_CHECKING:
    from ..app import Quart
    from ..ctx import AppContext
    from ..ctx import RequestContext
    from ..typing import Message
    from ..typing import Scope
    from ..wrappers import Response
    from ..wrappers import Websocket

__all__ = [
    "HTTPDisconnectError",
    "ResponseIncompleteError",
    "TestHTTPConnection",
    "TestWebsocketConnection",
    "WebsocketDisconnectError",
    "WebsocketResponseError",
    "make_test_websocket",
]

#: Messages the app may send ahead of the test reading them; past this, the
#: app's ``send`` waits, as it would on a real socket.
QUEUE_SIZE = 64

#: Seconds a connection waits, when the test leaves its block, for the app
#: to finish after the disconnect, before cancelling it.
DISCONNECT_TIMEOUT = 5.0

_END: Any = object()  # the response body is complete
_DONE: Any = object()  # the app returned


class HTTPDisconnectError(Exception):
    """The test HTTP connection is closed: the client end disconnected
    (:meth:`TestHTTPConnection.disconnect`) before the response ended."""


class ResponseIncompleteError(Exception):
    """The app returned without sending a response."""


class WebsocketDisconnectError(WebsocketDisconnect):
    """The app closed the test websocket (or returned after accepting it).

    ``code`` and ``reason`` are the close code and reason the app sent. A
    :class:`~quart.wrappers.websocket.WebsocketDisconnect`, so either name
    catches it.
    """


class WebsocketResponseError(Exception):
    """The app refused the websocket handshake.

    ``response`` is the HTTP response it refused with: ``status_code``,
    ``headers`` and ``await response.get_data()``. An app that closes
    before accepting gets the 403 a server would send.
    """

    def __init__(self, response: Response) -> None:
        super().__init__(response)
        self.response = response

    def __str__(self) -> str:
        return f"The websocket handshake was refused: {self.response.status}"


class _Connection:
    """What both connections share: the app's task, a queue each way (the
    app's side bounded) and a bounded exit."""

    __test__ = False

    #: The message the app gets when the test leaves the ``async with``.
    _leaving: ClassVar[Message]

    def __init__(self, app: Quart, scope: Scope) -> None:
        self.app = app
        self.scope = scope
        self._incoming: asyncio.Queue[Message] = asyncio.Queue()
        self._outgoing: asyncio.Queue[Any] = asyncio.Queue(QUEUE_SIZE)
        self._task: asyncio.Task[None] | None = None
        self._app_finished = False  # the app's task returned or raised
        self._app_done = False  # ...and the test has read everything it sent
        self._closed = False  # the client end has gone away
        self._error_raised = False

    def _start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            await self.app(self.scope, self._asgi_receive, self._asgi_send)
        finally:
            self._app_finished = True
            try:
                self._outgoing.put_nowait(_DONE)
            except asyncio.QueueFull:
                pass  # the reader finds the queue drained and the app finished

    async def _asgi_receive(self) -> Message:
        return await self._incoming.get()

    async def _asgi_send(self, message: Message) -> None:
        raise NotImplementedError

    async def _next(self, timeout: float | None = None) -> Any:
        """The app's next message, or ``_DONE`` once it has returned and
        everything it sent was read."""
        if self._app_done:
            return _DONE
        if self._app_finished and self._outgoing.empty():
            item = _DONE
        elif timeout is None:
            item = await self._outgoing.get()
        else:
            try:
                async with asyncio.timeout(timeout):
                    item = await self._outgoing.get()
            except TimeoutError:
                raise TimeoutError(
                    f"The app sent nothing within {timeout} seconds."
                ) from None
        if item is _DONE:
            self._app_done = True
        return item

    def _app_error(self) -> BaseException | None:
        task = self._task
        if task is None or not task.done() or task.cancelled():
            return None
        return task.exception()

    def _raise_app_error(self) -> None:
        error = self._app_error()
        if error is not None:
            self._error_raised = True
            raise error

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Leave as a client (:meth:`_close`), then raise the app's error,
        unless the block is raising already or the app failed because it
        noticed the client leaving."""
        app_was_running = self._task is not None and not self._task.done()
        await self._close(self._exit_timeout())
        if exc_type is not None or self._error_raised:
            return
        if app_was_running and self._noticed_leaving(self._app_error()):
            return
        self._raise_app_error()

    def _exit_timeout(self) -> float:
        """Seconds the app gets to finish after the client left."""
        return DISCONNECT_TIMEOUT

    def _noticed_leaving(self, error: BaseException | None) -> bool:
        """Whether ``error`` is the app seeing the client go away (so not
        raised on leaving the block)."""
        return False

    async def _close(self, timeout: float) -> None:
        """Leave as a client: :attr:`_leaving` to the app, then wait up to
        ``timeout`` seconds for it to finish before cancelling it."""
        task = self._task
        assert task is not None
        self._closed = True
        if not task.done():
            await self._incoming.put(dict(self._leaving))
            self._drain()  # unblock an app waiting to send
            await asyncio.wait({task}, timeout=timeout)
        if not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=timeout)
            if not task.done():
                raise RuntimeError(
                    "The app ignored both the disconnect and its cancellation."
                )

    def _drain(self) -> None:
        while not self._outgoing.empty():
            if self._outgoing.get_nowait() is _DONE:
                self._app_done = True


class TestHTTPConnection(_Connection):
    """An HTTP request whose body is sent, and response read, piece by
    piece: ``async with client.request(path, method=...) as connection:``.

    ``status_code`` and ``headers`` are set once the response starts;
    ``push_promises`` collects ``(path, headers)`` of server pushes. Leaving
    the block before the response ended disconnects (the app's handler is
    cancelled); an exception the app raised is raised by the call that
    finds it, or on leaving the block.
    """

    _leaving = {"type": "http.disconnect"}

    def __init__(
        self, app: Quart, scope: Scope, _preserve_context: bool = False
    ) -> None:
        super().__init__(app, scope)
        self.status_code: int | None = None
        self.headers: Headers | None = None
        self.push_promises: list[tuple[str, Headers]] = []
        #: The app and request contexts of the request, kept for the test
        #: client once the app is done with them (``_preserve_context``).
        self.preserved_contexts: tuple[AppContext, RequestContext] | None = None
        self._preserve_context = _preserve_context
        self._complete = False  # the whole response body has been read
        self._disconnected = False

    async def __aenter__(self) -> TestHTTPConnection:
        self._start()
        return self

    async def _run(self) -> None:
        if not self._preserve_context:
            await super()._run()
            return

        async def keep(sender: Quart, **kwargs: Any) -> None:
            request_ctx = _cv_request.get(None)
            if request_ctx is not None and request_ctx.request.scope.get(
                PRESERVE_CONTEXT_KEY
            ):
                self.preserved_contexts = (_cv_app.get(), request_ctx)

        request_tearing_down.connect(keep, sender=self.app, weak=False)
        try:
            await super()._run()
        finally:
            request_tearing_down.disconnect(keep)  # from every sender: gone

    async def _asgi_send(self, message: Message) -> None:
        if self._closed:  # the client left: what the app sends goes nowhere
            await asyncio.sleep(0)
            return
        kind = message["type"]
        if kind == "http.response.body":
            body = message.get("body", b"")
            if body:
                await self._outgoing.put(bytes(body))
            if not message.get("more_body", False):
                await self._outgoing.put(_END)
        elif kind == "http.response.start":
            self.status_code = int(message["status"])
            self.headers = decode_headers(message.get("headers") or [])
        elif kind == "http.response.push":
            headers = decode_headers(message.get("headers") or [])
            self.push_promises.append((message["path"], headers))

    async def send(self, data: bytes) -> None:
        """Send a chunk of the request body."""
        if self._disconnected:
            raise HTTPDisconnectError()
        await self._incoming.put(
            {"type": "http.request", "body": bytes(data), "more_body": True}
        )

    async def send_complete(self) -> None:
        """End the request body."""
        if self._disconnected:
            raise HTTPDisconnectError()
        await self._incoming.put(
            {"type": "http.request", "body": b"", "more_body": False}
        )

    async def disconnect(self) -> None:
        """Act as a client that went away; the app's handler is cancelled."""
        if not self._disconnected:
            self._disconnected = True
            await self._incoming.put({"type": "http.disconnect"})

    async def receive(self) -> bytes:
        """The next response body chunk; ``b""`` once the body is complete.

        Raises :class:`HTTPDisconnectError` if the client end disconnected
        before the response ended, and an exception the app raised.
        """
        if self._complete:
            return b""
        item = await self._next()
        if item is _END:
            self._complete = True
            return b""
        if item is _DONE:
            self._complete = True
            self._raise_app_error()
            if self._disconnected:
                raise HTTPDisconnectError()
            return b""
        return item  # type: ignore[no-any-return]

    async def as_response(self) -> Response:
        """Read the rest of the response into a response object.

        Its headers are as sent (a ``HEAD`` response keeps the length the
        app announced); raises :class:`ResponseIncompleteError` if the app
        returned without starting a response.
        """
        chunks = []
        while chunk := await self.receive():
            chunks.append(chunk)
        if self.status_code is None or self.headers is None:
            raise ResponseIncompleteError("The app sent no response.")
        sent = self.headers
        response = self.app.response_class(
            b"".join(chunks), status=self.status_code, headers=Headers(sent)
        )
        if "Content-Length" in sent:  # as sent, not as read (e.g. HEAD)
            response.headers["Content-Length"] = sent["Content-Length"]
        else:
            response.headers.pop("Content-Length", None)
        if "Content-Type" not in sent:  # e.g. a 304: absent, not the default
            response.headers.pop("Content-Type", None)
        return response


def make_test_websocket_scope(app: Quart, path: str = "/", **kwargs: Any) -> Scope:
    """An ASGI websocket scope for ``path``; keywords as for the test
    client's ``websocket`` (``subprotocols`` included)."""
    subprotocols = kwargs.pop("subprotocols", None)
    scope_base = kwargs.pop("scope_base", None)
    scope, _ = make_scope_and_body(app, "websocket", path, **kwargs)
    scope["subprotocols"] = list(subprotocols or ())
    if scope_base is not None:
        scope.update(scope_base)
    return scope


async def _no_connection(*args: Any) -> Any:
    raise RuntimeError(
        "A test websocket context has no connection; use"
        " 'client.websocket(...)' to exchange messages."
    )


def make_test_websocket(app: Quart, path: str = "/", **kwargs: Any) -> Websocket:
    """A websocket object for ``path`` with no connection behind it, for
    :meth:`~quart.Quart.test_websocket_context`."""
    scope = make_test_websocket_scope(app, path, **kwargs)
    root_path, request_path = scope_path(scope)
    return app.websocket_class(
        request_path,
        scope["query_string"],
        scope["scheme"],
        decode_headers(scope["headers"]),
        root_path,
        scope["http_version"],
        scope["subprotocols"],
        _no_connection,
        _no_connection,
        _no_connection,
        _no_connection,
        scope,
    )


class TestWebsocketConnection(_Connection):
    """The client end of a websocket to the app, from
    ``async with client.websocket("/ws") as ws:``.

    Every wait for the app is bounded by ``timeout`` seconds (a
    :class:`TimeoutError` then), so a test never hangs. A refused handshake
    raises :class:`WebsocketResponseError`; a websocket the app closed
    raises :class:`WebsocketDisconnectError` from :meth:`receive`. Leaving
    the block disconnects: a handler still looping (receiving, sending or
    waiting on anything else) sees the disconnect or is cancelled. An
    exception the app let escape is raised by the call that finds it, or
    on leaving the block.
    """

    _leaving = {"type": "websocket.disconnect", "code": 1000}

    def __init__(self, app: Quart, scope: Scope, timeout: float = 5.0) -> None:
        super().__init__(app, scope)
        self.timeout = timeout
        #: True once the app accepted the handshake.
        self.accepted = False
        #: The subprotocol the app chose, if any.
        self.subprotocol: str | None = None
        #: Extra headers the app sent with its accept.
        self.accept_headers = Headers()
        #: The code and reason the app closed with, once it did.
        self.close_code: int | None = None
        self.close_reason = ""
        self._disconnect_delivered = False

    async def __aenter__(self) -> TestWebsocketConnection:
        await self._incoming.put({"type": "websocket.connect"})
        self._start()
        return self

    def _exit_timeout(self) -> float:
        return self.timeout

    def _noticed_leaving(self, error: BaseException | None) -> bool:
        return isinstance(error, (WebsocketDisconnect, OSError))

    async def _asgi_receive(self) -> Message:
        message = await self._incoming.get()
        if message["type"] == "websocket.disconnect":
            self._disconnect_delivered = True
        return message

    async def _asgi_send(self, message: Message) -> None:
        if self._closed:  # the client left: what the app sends goes nowhere
            await asyncio.sleep(0)
            if self._disconnect_delivered:  # ASGI: then sending is an OSError
                raise OSError("The test client has disconnected.")
            return
        await self._outgoing.put(message)

    async def _message(self, timeout: float | None) -> Message:
        """The app's next message; raises once the app has finished."""
        item = await self._next(timeout)
        if item is not _DONE:
            return item  # type: ignore[no-any-return]
        self._raise_app_error()
        if self.close_code is not None:
            raise WebsocketDisconnectError(self.close_code, self.close_reason)
        raise WebsocketDisconnectError(1006, "The app finished without closing.")

    async def receive(self, timeout: float | None = _sentinel) -> str | bytes:
        """The app's next message (``str`` or ``bytes``).

        :param timeout: seconds to wait (the connection's ``timeout`` by
            default; ``None`` waits for ever).
        """
        if timeout is _sentinel:
            timeout = self.timeout
        while True:
            message = await self._message(timeout)
            kind = message["type"]
            if kind == "websocket.send":
                data = message.get("bytes")
                if data is not None:
                    return bytes(data)
                return message.get("text") or ""
            if kind == "websocket.accept":
                self.accepted = True
                self.subprotocol = message.get("subprotocol")
                self.accept_headers = decode_headers(message.get("headers") or [])
            elif kind == "websocket.close":
                self.close_code = int(message.get("code", 1000))
                self.close_reason = message.get("reason") or ""
                if not self.accepted:  # a server answers this with 403
                    raise WebsocketResponseError(
                        self.app.response_class(b"", status=403)
                    )
                raise WebsocketDisconnectError(self.close_code, self.close_reason)
            elif kind == "websocket.http.response.start":
                raise await self._refusal(message, timeout)
            else:
                raise RuntimeError(f"Unexpected ASGI message {kind!r} from the app.")

    async def _refusal(
        self, start: Message, timeout: float | None
    ) -> WebsocketResponseError:
        chunks = []
        while True:
            message = await self._message(timeout)
            if message["type"] != "websocket.http.response.body":
                raise RuntimeError(f"Unexpected ASGI message {message['type']!r}.")
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        self.close_code = 1008
        headers = decode_headers(start.get("headers") or [])
        response = self.app.response_class(
            b"".join(chunks), status=start["status"], headers=headers
        )
        return WebsocketResponseError(response)

    async def receive_json(self, timeout: float | None = _sentinel) -> Any:
        """The app's next message parsed as JSON."""
        return self.app.json.loads(await self.receive(timeout))

    async def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message to the app."""
        if self.close_code is not None:
            raise WebsocketDisconnectError(self.close_code, self.close_reason)
        if isinstance(data, str):
            message: Message = {"type": "websocket.receive", "text": data}
        else:
            message = {"type": "websocket.receive", "bytes": bytes(data)}
        await self._incoming.put(message)

    async def send_json(self, data: Any) -> None:
        """Send ``data`` as a JSON text message."""
        await self.send(self.app.json.dumps(data))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Go away as a client closing with ``code`` and ``reason``."""
        await self._incoming.put(
            {"type": "websocket.disconnect", "code": code, "reason": reason}
        )

    async def disconnect(self) -> None:
        """Go away without a close frame (the server reports 1006)."""
        await self.close(1006)
