"""Websocket testing: a client-side websocket to the app, called in-process
over ASGI, and the websocket object behind ``test_websocket_context``."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.datastructures import Headers

from ..asgi import decode_headers
from ..asgi import scope_path
from ..wrappers.websocket import WebsocketDisconnect
from .utils import make_test_scope_and_body

if TYPE_CHECKING:
    from ..app import Quart
    from ..typing import Message
    from ..typing import Scope
    from ..wrappers import Response
    from ..wrappers import Websocket
    from .client import QuartClient

__all__ = [
    "TestWebsocketConnection",
    "WebsocketDisconnect",
    "WebsocketResponseError",
    "make_test_websocket",
    "make_test_websocket_scope",
]

_DEFAULT: Any = object()


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


def make_test_websocket_scope(
    app: Quart,
    path: str = "/",
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
) -> Scope:
    """An ASGI websocket scope for ``path``. It offers the websocket denial
    extension (as Hypercorn does) unless ``scope_base`` sets
    ``extensions``."""
    scope, _ = make_test_scope_and_body(
        app,
        path,
        method="GET",
        headers=headers,
        query_string=query_string,
        scheme=scheme,
        root_path=root_path,
        http_version=http_version,
        auth=auth,
        subdomain=subdomain,
        scope_type="websocket",
    )
    del scope["method"]
    scope["subprotocols"] = list(subprotocols or ())
    scope["extensions"] = {"websocket.http.response": {}}
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


class TestWebsocketConnection:
    """The client end of a websocket to the app, from
    ``async with client.websocket("/ws") as ws:``.

    Every wait for the app is bounded by ``timeout`` seconds (a
    :class:`TimeoutError` then), so a test never hangs. A refused handshake
    raises :class:`WebsocketResponseError`; a websocket the app closed
    raises :class:`~quart.wrappers.websocket.WebsocketDisconnect` from
    :meth:`receive`. An exception the app let escape is raised by the
    call that finds it, or on leaving the block.
    """

    __test__ = False

    def __init__(self, client: QuartClient, scope: Scope, timeout: float = 5.0) -> None:
        self.client = client
        self.scope = scope
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
        self._incoming: asyncio.Queue[Message] = asyncio.Queue()
        self._outgoing: asyncio.Queue[Message | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._app_done = False
        self._error_raised = False

    async def __aenter__(self) -> TestWebsocketConnection:
        await self._incoming.put({"type": "websocket.connect"})
        self._task = asyncio.ensure_future(self._run())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        task = self._task
        assert task is not None
        if not task.done():
            await self._incoming.put({"type": "websocket.disconnect", "code": 1000})
            await asyncio.wait({task}, timeout=self.timeout)
            if not task.done():  # the app ignored the disconnect
                task.cancel()
                await asyncio.wait({task})
        if task.cancelled() or exc_type is not None or self._error_raised:
            return
        error = task.exception()
        if error is not None:
            raise error

    async def _run(self) -> None:
        try:
            await self.client.app(self.scope, self._incoming.get, self._send)
        finally:
            self._outgoing.put_nowait(None)

    async def _send(self, message: Message) -> None:
        await self._outgoing.put(message)

    async def _next(self, timeout: float | None) -> Message:
        """The app's next message; raises once the app has finished."""
        if not self._app_done:
            try:
                async with asyncio.timeout(timeout):
                    message = await self._outgoing.get()
            except TimeoutError:
                raise TimeoutError(
                    f"The app sent nothing within {timeout} seconds."
                ) from None
            if message is not None:
                return message
            self._app_done = True
        task = self._task
        assert task is not None
        if not task.cancelled() and task.exception() is not None:
            self._error_raised = True
            raise task.exception()  # type: ignore[misc]
        if self.close_code is not None:
            raise WebsocketDisconnect(self.close_code, self.close_reason)
        raise WebsocketDisconnect(1006, "The app finished without closing.")

    async def receive(self, timeout: float | None = _DEFAULT) -> str | bytes:
        """The app's next message (``str`` or ``bytes``).

        :param timeout: seconds to wait (the connection's ``timeout`` by
            default; ``None`` waits for ever).
        """
        if timeout is _DEFAULT:
            timeout = self.timeout
        while True:
            message = await self._next(timeout)
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
                        self.client.app.response_class(b"", status=403)
                    )
                raise WebsocketDisconnect(self.close_code, self.close_reason)
            elif kind == "websocket.http.response.start":
                raise await self._refusal(message, timeout)
            else:
                raise RuntimeError(f"Unexpected ASGI message {kind!r} from the app.")

    async def _refusal(
        self, start: Message, timeout: float | None
    ) -> WebsocketResponseError:
        chunks = []
        while True:
            message = await self._next(timeout)
            if message["type"] != "websocket.http.response.body":
                raise RuntimeError(f"Unexpected ASGI message {message['type']!r}.")
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        self.close_code = 1008
        headers = decode_headers(start.get("headers") or [])
        response = self.client.app.response_class(
            b"".join(chunks), status=start["status"], headers=headers
        )
        return WebsocketResponseError(response)

    async def receive_json(self, timeout: float | None = _DEFAULT) -> Any:
        """The app's next message parsed as JSON."""
        return self.client.app.json.loads(await self.receive(timeout))

    async def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message to the app."""
        if self.close_code is not None:
            raise WebsocketDisconnect(self.close_code, self.close_reason)
        if isinstance(data, str):
            message: Message = {"type": "websocket.receive", "text": data}
        else:
            message = {"type": "websocket.receive", "bytes": bytes(data)}
        await self._incoming.put(message)

    async def send_json(self, data: Any) -> None:
        """Send ``data`` as a JSON text message."""
        await self.send(self.client.app.json.dumps(data))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Go away as a client closing with ``code`` and ``reason``."""
        await self._incoming.put(
            {"type": "websocket.disconnect", "code": code, "reason": reason}
        )

    async def disconnect(self) -> None:
        """Go away without a close frame (the server reports 1006)."""
        await self.close(1006)
