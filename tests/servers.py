"""Helpers for tests that need a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from collections.abc import Iterator
from contextlib import asynccontextmanager
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import httpx
import pytest
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


async def get_when_up(
    client: httpx.AsyncClient, url: str, attempts: int = 200
) -> httpx.Response:
    """GET ``url`` once the server started in this loop answers (a try
    every 50 ms); fail the test if it does not."""
    for _ in range(attempts):
        try:
            return await client.get(url)
        except httpx.TransportError:
            await asyncio.sleep(0.05)
    pytest.fail(f"the server did not start answering {url}")


@contextmanager
def started_with_plugins(
    args: list[str], cwd: Path, env_extra: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``args`` (a ``quart run`` or an app script) in ``cwd`` with
    plugin autoloading on (the suite turns it off), output piped, for the
    block; a process still running when the block ends is killed."""
    env = {k: v for k, v in os.environ.items() if k != "QUART_DISABLE_PLUGIN_AUTOLOAD"}
    env.update(env_extra or {})
    process = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_up(
    process: subprocess.Popen[bytes], url: str, timeout: float = 20
) -> httpx.Response:
    """GET ``url`` once ``process`` serves it; fail the test with the
    process' output if it exits or does not answer within ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=1)
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                if process.poll() is None:
                    process.kill()
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"server did not start:\n{output}")
            time.sleep(0.1)


async def _wait_until_listening(port: int, server: asyncio.Future[Any]) -> None:
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
            return


@asynccontextmanager
async def running(
    app: Quart, scheme: str | None = None, **config: Any
) -> AsyncIterator[str]:
    """Serve ``app`` with Hypercorn in this event loop until the block ends.

    Yields ``127.0.0.1:port``, or ``scheme://127.0.0.1:port`` with a scheme.
    ``config`` sets Hypercorn ``Config`` attributes (``root_path=...``).
    """
    port = free_port()
    hypercorn_config = Config()
    hypercorn_config.bind = [f"127.0.0.1:{port}"]
    hypercorn_config.accesslog = None
    hypercorn_config.errorlog = None
    hypercorn_config.graceful_timeout = 1
    for name, value in config.items():
        setattr(hypercorn_config, name, value)
    shutdown = asyncio.Event()
    server = asyncio.ensure_future(
        serve(app, hypercorn_config, shutdown_trigger=shutdown.wait)  # type: ignore[arg-type]
    )
    try:
        await _wait_until_listening(port, server)
        address = f"127.0.0.1:{port}"
        yield f"{scheme}://{address}" if scheme else address
    finally:
        shutdown.set()
        async with asyncio.timeout(TIMEOUT):
            await server


@asynccontextmanager
async def running_uvicorn(app: Quart) -> AsyncIterator[str]:
    """Serve ``app`` with Uvicorn (h11) in this event loop; yields
    ``127.0.0.1:port``. Needs the ``uvicorn`` package."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        http="h11",
        lifespan="off",
        log_level="critical",
        access_log=False,
    )
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve())
    try:
        await _wait_until_listening(port, task)
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        async with asyncio.timeout(TIMEOUT):
            await task


@dataclass
class RawResponse:
    """One HTTP/1.1 response read off a socket."""

    status: int
    headers: dict[str, str]
    body: bytes
    #: Status codes of the interim (1xx) responses that came before it.
    interim: list[int] = field(default_factory=list)


class RawHTTP:
    """An HTTP/1.1 connection driven byte by byte, for what clients such as
    httpx do not let a test do: send conflicting framing, hold back a body,
    watch for ``100 Continue``, reuse the connection after an error."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer

    @classmethod
    @asynccontextmanager
    async def connect(cls, address: str) -> AsyncIterator[RawHTTP]:
        host, _, port = address.rpartition(":")
        async with asyncio.timeout(TIMEOUT):
            reader, writer = await asyncio.open_connection(host, int(port))
        try:
            yield cls(reader, writer)
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass  # the server may have reset the connection

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        async with asyncio.timeout(TIMEOUT):
            await self.writer.drain()

    async def read_head(self) -> tuple[int, dict[str, str]]:
        """The next status line and headers (interim responses included)."""
        async with asyncio.timeout(TIMEOUT):
            head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ")[1])
        headers: dict[str, str] = {}
        for line in lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        return status, headers

    async def read_response(self) -> RawResponse:
        """The next final response; its body framed by Content-Length (or
        read to the end of the connection without one)."""
        interim: list[int] = []
        status, headers = await self.read_head()
        while status < 200:
            interim.append(status)
            status, headers = await self.read_head()
        async with asyncio.timeout(TIMEOUT):
            if "content-length" in headers:
                body = await self.reader.readexactly(int(headers["content-length"]))
            else:
                body = await self.reader.read()
        return RawResponse(status, headers, body, interim)

    async def at_eof(self) -> bool:
        """Whether the server closed the connection (waits for it)."""
        async with asyncio.timeout(TIMEOUT):
            try:
                return await self.reader.read(1) == b""
            except ConnectionResetError:
                return True
