"""The websocket wrapper: the handshake request (headers, args, cookies,
URL) plus the messages that follow it.

The wrapper holds no ASGI knowledge: the ASGI layer hands it four
callables (receive, send, accept, close) and keeps the connection's state
itself, so the wrapper can be built for tests without a server.
"""

from __future__ import annotations

from collections.abc import Awaitable
from collections.abc import Callable
from typing import Any

from werkzeug.datastructures import Headers

from ..typing import Scope
from .base import BaseRequestWebsocket

__all__ = ["Websocket", "WebsocketDisconnect"]

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


class Websocket(BaseRequestWebsocket):
    """A websocket connection, available as :data:`quart.websocket` in a
    websocket handler.

    Everything the handshake request carries (``headers``, ``args``,
    ``cookies``, ``url``, ``path``, ...) is available at once. The first
    :meth:`send` or :meth:`receive` accepts the connection if :meth:`accept`
    was not called; returning (or aborting with) a response before that
    rejects it.
    """

    def __init__(
        self,
        path: str,
        query_string: bytes,
        scheme: str,
        headers: Headers,
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
        return await self._receive()

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
        receive accepts otherwise. Raises :class:`RuntimeError` if the
        connection was already accepted or closed.
        """
        if headers is not None and not isinstance(headers, Headers):
            headers = Headers(headers)
        await self._accept(headers, subprotocol)

    async def close(self, code: int, reason: str = "") -> None:
        """Close the websocket with ``code`` and ``reason`` (at most 123
        bytes). Before accepting, this rejects the handshake (the server
        answers 403). Closing twice does nothing."""
        await self._close(code, reason)
