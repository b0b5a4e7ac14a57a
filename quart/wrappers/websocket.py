"""The websocket wrapper: the handshake request (headers, args, cookies,
URL) plus the messages that follow it.

The wrapper holds no ASGI knowledge: the ASGI layer hands it four
callables (receive, send, accept, close) and keeps the connection's state
itself, so the wrapper can be built for tests without a server.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable
from collections.abc import Callable
from typing import Any

from werkzeug.datastructures import Headers

from ..globals import _cv_app
from ..signals import send_signal
from ..signals import websocket_received
from ..signals import websocket_sent
from ..typing import Scope
from .base import BaseRequestWebsocket
from .base import ClientDisconnectedError
from .headers import CheckedHeaders

__all__ = ["Buffer", "Websocket", "WebsocketDisconnect"]

WebsocketData = str | bytes
ReceiveCallable = Callable[[], Awaitable[WebsocketData]]
SendCallable = Callable[[WebsocketData], Awaitable[None]]
AcceptCallable = Callable[[Headers | None, str | None], Awaitable[None]]
CloseCallable = Callable[[int, str], Awaitable[None]]


class WebsocketDisconnect(Exception):
    """The websocket is closed: the client went away, or the app closed it.

    Raised by :meth:`Websocket.receive` once every message that arrived has
    been read, and by :meth:`Websocket.send`. A handler that is waiting on
    something else when the client goes away is cancelled instead, and the
    app turns that cancellation into this exception, so error handlers,
    ``after_websocket`` and ``teardown_websocket`` see one consistent error
    whatever the server. Uncaught, it ends the handler quietly: a client
    leaving is not an application error.

    :param code: the close code reported (1000 normal, 1001 going away,
        1006 connection lost, ...). Servers differ in what they report.
    :param reason: the close reason, if the server passed one on.
    """

    def __init__(self, code: int = 1000, reason: str = "") -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason

    def __str__(self) -> str:
        if self.reason:
            return f"websocket closed with code {self.code}: {self.reason}"
        return f"websocket closed with code {self.code}"


class Buffer:
    """The messages received on a websocket and not yet read, at most one:
    :meth:`put` waits until the previous message has been taken, so a
    client cannot fill the server's memory faster than the handler reads
    (backpressure).

    The reading side calls :meth:`get`; the receiving side :meth:`put` and,
    when the client goes away, :meth:`disconnect`, after which :meth:`get`
    raises :class:`~quart.wrappers.ClientDisconnectedError` once the
    message already held has been read.
    """

    __slots__ = ("_disconnected", "_messages", "_taken", "_waiting")

    def __init__(self) -> None:
        self._messages: deque[bytes | str] = deque()
        self._disconnected = False
        self._waiting: asyncio.Event | None = None
        self._taken: asyncio.Event | None = None

    async def put(self, data: bytes | str) -> None:
        """Hold ``data`` for :meth:`get`, once the previous message is read.
        Does nothing after :meth:`disconnect`."""
        while self._messages and not self._disconnected:
            if self._taken is None:
                self._taken = asyncio.Event()
            self._taken.clear()
            await self._taken.wait()
        if self._disconnected:
            return
        self._messages.append(data)
        if self._waiting is not None:
            self._waiting.set()

    async def get(self) -> bytes | str:
        """The next message, waiting for it if need be."""
        while not self._messages:
            if self._disconnected:
                raise ClientDisconnectedError()
            if self._waiting is None:
                self._waiting = asyncio.Event()
            self._waiting.clear()
            await self._waiting.wait()
        data = self._messages.popleft()
        if self._taken is not None:
            self._taken.set()
        return data

    def disconnect(self) -> None:
        """The client went away: wake everyone waiting."""
        self._disconnected = True
        if self._waiting is not None:
            self._waiting.set()
        if self._taken is not None:
            self._taken.set()


class Websocket(BaseRequestWebsocket):
    """A websocket connection, available as :data:`quart.websocket` in a
    websocket handler.

    Everything the handshake request carries (``headers``, ``args``,
    ``cookies``, ``url``, ``path``, ...) is available at once. The first
    :meth:`send` or :meth:`receive` accepts the connection if :meth:`accept`
    was not called; returning (or aborting with) a response before that
    rejects it.

    The :data:`~quart.signals.websocket_received` and
    :data:`~quart.signals.websocket_sent` signals are sent for each message
    when something is connected to them.
    """

    #: The class a connection buffers received messages in.
    buffer_class = Buffer
    # Set once :meth:`accept` (or the first receive) has accepted.
    _accepted = False

    def __init__(
        self,
        path: str,
        query_string: bytes,
        scheme: str,
        headers: Headers | None,
        root_path: str,
        http_version: str,
        subprotocols: list[str],
        receive: ReceiveCallable,
        send: SendCallable,
        accept: AcceptCallable,
        close: CloseCallable,
        scope: Scope,
        *,
        disconnect_from_cancel: Callable[[], WebsocketDisconnect | None] | None = None,
    ) -> None:
        super().__init__(
            "GET", scheme, path, query_string, headers, root_path, http_version, scope
        )
        self._subprotocols = subprotocols
        self._receive = receive
        self._send = send
        self._accept = accept
        self._close = close
        self._disconnect_from_cancel = disconnect_from_cancel
        #: While True a client disconnect may cancel the handler's task; the
        #: app turns it off once the handler has finished, so after and
        #: teardown functions run to completion.
        self._cancellable = True

    @property
    def requested_subprotocols(self) -> list[str]:
        """The subprotocols the client offered, in its order of preference."""
        return self._subprotocols

    async def receive(self) -> str | bytes:
        """The next message: ``str`` for a text frame, ``bytes`` for binary.

        Raises :class:`WebsocketDisconnect` when the websocket is closed and
        every message received before that has been read.
        """
        if not self._accepted:
            await self.accept()  # receiving accepts first, as in Quart
        data = await self._receive()
        if websocket_received.receivers:
            await self._send_signal(websocket_received, data)
        return data

    async def send(self, data: str | bytes | bytearray | memoryview) -> None:
        """Send ``data`` as a text (``str``) or binary (``bytes``) message.

        Raises :class:`WebsocketDisconnect` if the client has gone away.
        """
        kind = type(data)
        if kind is not str and kind is not bytes:
            if isinstance(data, (bytearray, memoryview)):
                data = bytes(data)
            elif not isinstance(data, (str, bytes)):
                raise TypeError(
                    "A websocket message must be str or bytes,"
                    f" not {type(data).__name__}."
                )
        await self._send(data)  # type: ignore[arg-type]
        if websocket_sent.receivers:
            await self._send_signal(websocket_sent, data)

    @staticmethod
    async def _send_signal(signal: Any, data: str | bytes | Any) -> None:
        ctx = _cv_app.get(None)
        if ctx is not None:
            await send_signal(signal, ctx.app, data=data)

    async def receive_json(self) -> Any:
        """The next message parsed as JSON (with the app's JSON provider)."""
        data = await self.receive()
        return self.json_module.loads(data)

    async def send_json(self, *args: Any, **kwargs: Any) -> None:
        """Send a JSON text message; arguments as for :func:`quart.jsonify`
        (one value, several values as a list, or keyword arguments)."""
        if args and kwargs:
            raise TypeError("send_json() takes positional or keyword arguments.")
        data: Any
        if len(args) == 1:
            data = args[0]
        elif args:
            data = list(args)
        else:
            data = kwargs
        await self.send(self.json_module.dumps(data))

    async def accept(
        self,
        headers: Headers | dict[str, str] | None = None,
        subprotocol: str | None = None,
    ) -> None:
        """Accept the connection, with extra response ``headers`` and the
        chosen ``subprotocol`` (one of :attr:`requested_subprotocols`).

        Only needed to pass headers or a subprotocol: the first send or
        receive accepts otherwise. Accepting again, or once the websocket
        is closed, does nothing.
        """
        if headers is not None and not isinstance(headers, CheckedHeaders):
            headers = CheckedHeaders(headers)
        await self._accept(headers, subprotocol)
        self._accepted = True

    async def close(self, code: int, reason: str = "") -> None:
        """Close the websocket with ``code`` and ``reason`` (at most 123
        bytes). Before accepting, this rejects the handshake (the server
        answers 403). Closing twice does nothing."""
        await self._close(code, reason)
