"""A real ``redis-server`` for tests: started on a free port on 127.0.0.1
with its files in a temporary folder, stopped (or killed) on demand.

The binary comes from the project's set-up (scripts/install-test-services).
When it is missing the tests that need it fail, unless
``QUART_ALLOW_SKIP_REDIS=1`` lets them skip (a developer's machine without
root); CI must run them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from servers import TIMEOUT
from servers import free_port


def redis_server_binary() -> str:
    """The ``redis-server`` path; fails (or skips, if allowed) without it."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = (
            "redis-server is not installed: scripts/install-test-services"
            " installs it (Debian: apt-get install redis-server)"
        )
        if os.environ.get("QUART_ALLOW_SKIP_REDIS") == "1":
            pytest.skip(message)
        pytest.fail(message + "; QUART_ALLOW_SKIP_REDIS=1 skips these tests instead")
    return binary


class RedisServer:
    """One ``redis-server`` process. Data persists only through
    :meth:`save` (an RDB snapshot in ``directory``, loaded at the next
    :meth:`start`), so a :meth:`kill` loses what came after the last save,
    as a crash would."""

    def __init__(self, binary: str, directory: Path, port: int | None = None) -> None:
        self.binary = binary
        self.directory = directory
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        directory.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it answers ``PING``."""
        assert self.process is None, "already running"
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--dbfilename",
                "dump.rdb",
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + TIMEOUT
        while True:
            if self.process.poll() is not None:
                log = (self.directory / "redis.log").read_text(errors="replace")
                raise RuntimeError(f"redis-server exited:\n{log[-2000:]}")
            try:
                if self.command("PING") == b"+PONG":
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("redis-server did not answer PING")
            time.sleep(0.02)

    def command(self, *args: str) -> bytes:
        """Send one command; its reply's first line (enough for PING, SAVE,
        DBSIZE and the like)."""
        request = f"*{len(args)}\r\n" + "".join(
            f"${len(arg.encode())}\r\n{arg}\r\n" for arg in args
        )
        with socket.create_connection(("127.0.0.1", self.port), timeout=TIMEOUT) as s:
            s.sendall(request.encode())
            reply = b""
            while not reply.endswith(b"\r\n"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
        return reply.split(b"\r\n", 1)[0]

    def save(self) -> None:
        """Write a snapshot that the next :meth:`start` loads."""
        assert self.command("SAVE") == b"+OK"

    def stop(self) -> None:
        """Stop it (SIGTERM; with no save points nothing is written)."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """Kill it as a crash would (SIGKILL)."""
        self._end(signal.SIGKILL)

    def _end(self, how: signal.Signals) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(how)
        try:
            process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(TIMEOUT)
