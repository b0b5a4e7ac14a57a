"""Helpers for tests that need a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hypercorn.asyncio import serve
from hypercorn.config import Config

from quart import Quart

#: Seconds any single wait on a real server may take.
TIMEOUT = 5


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running(app: Quart, scheme: str | None = None) -> AsyncIterator[str]:
    """Serve ``app`` with Hypercorn in this event loop until the block ends.

    Yields ``127.0.0.1:port``, or ``scheme://127.0.0.1:port`` with a scheme.
    """
    port = free_port()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    config.errorlog = None
    config.graceful_timeout = 1
    shutdown = asyncio.Event()
    server = asyncio.ensure_future(
        serve(app, config, shutdown_trigger=shutdown.wait)  # type: ignore[arg-type]
    )
    try:
        async with asyncio.timeout(TIMEOUT):
            while True:
                if server.done():
                    server.result()  # raise why the server stopped
                    raise RuntimeError("server stopped before accepting")
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                except OSError:
                    await asyncio.sleep(0.02)
                    continue
                writer.close()
                await writer.wait_closed()
                break
        address = f"127.0.0.1:{port}"
        yield f"{scheme}://{address}" if scheme else address
    finally:
        shutdown.set()
        async with asyncio.timeout(TIMEOUT):
            await server
