"""Running an app's lifespan around tests."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from ..app import Quart
    from ..typing import Message
    from .client import QuartClient


#: Seconds :class:`TestApp` waits for the app's startup, and for its
#: shutdown, by default.
DEFAULT_TIMEOUT = 6


class LifespanError(Exception):
    """The app's startup or shutdown failed; the message is the app's."""


class TestApp:
    """``async with app.test_app() as test_app:`` runs the ASGI lifespan
    startup before the block and shutdown after it."""

    __test__ = False

    def __init__(
        self,
        app: Quart,
        startup_timeout: float = DEFAULT_TIMEOUT,
        shutdown_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.app = app
        self.startup_timeout = startup_timeout
        self.shutdown_timeout = shutdown_timeout
        self._incoming: asyncio.Queue[Message] = asyncio.Queue()
        self._outgoing: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def test_client(self) -> QuartClient:
        """A test client for the running app."""
        return self.app.test_client()

    async def _send(self, message: Message) -> None:
        await self._outgoing.put(message)

    async def _exchange(self, event: str, timeout: float) -> None:
        await self._incoming.put({"type": f"lifespan.{event}"})
        async with asyncio.timeout(timeout):
            message = await self._outgoing.get()
        if message["type"] == f"lifespan.{event}.failed":
            raise LifespanError(message.get("message", ""))

    async def startup(self) -> None:
        """Run the app's startup; raises :class:`LifespanError` on failure."""
        scope: dict[str, Any] = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": {},
        }
        self._task = asyncio.ensure_future(
            self.app(scope, self._incoming.get, self._send)
        )
        await self._exchange("startup", self.startup_timeout)

    async def shutdown(self) -> None:
        """Run the app's shutdown and wait for the lifespan to end."""
        try:
            await self._exchange("shutdown", self.shutdown_timeout)
        finally:
            if self._task is not None:
                await self._task

    async def __aenter__(self) -> TestApp:
        await self.startup()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.shutdown()
