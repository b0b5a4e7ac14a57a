"""Broadcast fan-out benchmark: one publisher, many websocket subscribers,
real Hypercorn processes on 127.0.0.1.

Every subscriber is a websocket to ``/subscribe``, whose handler relays
each message of one ``app.broadcast`` channel; the publisher is a websocket
to ``/publish``, whose handler publishes each frame it receives. Both ends
are ``websockets`` clients in this process, so one clock times a message
from the publisher's send to each subscriber's receive.

Backends:

``memory``
    the built-in in-process backend: **one** Hypercorn worker holds every
    subscriber (it cannot reach another process's).
``redis``
    the ``redis`` plugin (plugins/quart-redis-backend) on a redis-server
    started here: **two** Hypercorn workers, the subscribers split between
    them, the publisher on the first.

Phases, for each backend:

``paced``
    ``--paced`` messages at ``--rate`` per second: delivery latency with
    no backlog.
``burst``
    ``--burst`` messages sent back to back: how many messages per second
    reach every subscriber, and the latency when they queue.

Every subscriber must get every message once, in order, with no gap
marker; anything else prints ``CHECK FAILED`` and exits 1.

Run ``.venv/bin/python benchmarks/bench_broadcast.py --help`` for options;
benchmarks/README.md says how to read the table. This module is also the
servers' app, ``bench_broadcast:app`` (built when ``BENCH_BROADCAST_APP``
is set, so the benchmark process itself imports no server code).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CHANNEL = "bench"
APP_ENV = "BENCH_BROADCAST_APP"
STARTUP_TIMEOUT = 30.0


# --------------------------------------------------------------------------
# The servers' app
# --------------------------------------------------------------------------
def _build_app() -> Any:
    from quart import Quart
    from quart import broadcast
    from quart import websocket

    redis_url = os.environ.get("REDIS_URL")
    app = Quart(__name__, plugins=["redis"] if redis_url else [])
    app.config["REDIS_URL"] = redis_url

    @app.websocket("/subscribe")
    async def subscribe() -> None:
        # Subscribed before accepting: once the handshake is done, this
        # subscriber gets every message published after it.
        async with broadcast.subscribe(CHANNEL) as subscription:
            await websocket.accept()
            async for message in subscription:
                if message.gap:
                    await websocket.send(f"GAP {message.reason}")
                else:
                    await websocket.send(message.data)

    @app.websocket("/publish")
    async def publish() -> None:
        while True:  # one publisher: each publish awaited, so order holds
            await broadcast.publish(CHANNEL, await websocket.receive())

    return app


if os.environ.get(APP_ENV) == "1":  # imported by a server process
    app = _build_app()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_listening(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if process.poll() is not None:
            sys.exit(f"{what} exited while starting (status {process.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"{what} did not listen within {STARTUP_TIMEOUT:.0f} s")
            time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class RedisProcess:
    """A throw-away redis-server on a free port (no persistence)."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            sys.exit(
                "redis-server is not installed (scripts/install-test-services);"
                " run with --backends memory to leave Redis out"
            )
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                *(binary, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(folder)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_listening(self.port, self.process, "redis-server")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class Worker:
    """One Hypercorn process (one worker) serving ``bench_broadcast:app``."""

    def __init__(self, redis_url: str | None, uvloop: bool) -> None:
        self.port = free_port()
        env = dict(os.environ, PYTHONPATH=str(HERE), QUART_DISABLE_PLUGIN_AUTOLOAD="1")
        env[APP_ENV] = "1"
        env.pop("QUART_REDIS_URL", None)
        env.pop("REDIS_URL", None)
        if redis_url is not None:
            env["REDIS_URL"] = redis_url
        command = [sys.executable, "-m", "hypercorn", "bench_broadcast:app"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--log-level", "warning"]
        command += ["--backlog", "1024", "--graceful-timeout", "1"]
        if uvloop:
            command += ["--worker-class", "uvloop"]
        self.process = subprocess.Popen(command, cwd=HERE, env=env)

    def url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"


# --------------------------------------------------------------------------
# The clients
# --------------------------------------------------------------------------
@dataclass
class Result:
    backend: str
    workers: int
    subscribers: int
    phase: str
    messages: int
    seconds: float
    messages_per_second: float
    deliveries_per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float


class Subscriber(asyncio.Protocol):
    """One subscriber: a minimal websocket client (the handshake, then
    server frames parsed by hand), so that reading 1,000 sockets in one
    Python process costs a few microseconds per message rather than the
    tens a full client library takes, and the figures are the servers'."""

    def __init__(self, host: str, port: int, path: str) -> None:
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = asyncio.get_running_loop().create_future()
        #: (sequence number, latency in ns) of each message received.
        self.received: list[tuple[int, int]] = []
        self.problem: str | None = None
        self.waiting_for = 0
        self.reached = asyncio.Event()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(f"connection lost ({exc!r})")

    def fail(self, problem: str) -> None:
        if self.problem is None:
            self.problem = problem
        if not self.upgraded.done():
            self.upgraded.set_exception(ConnectionError(problem))
        self.reached.set()

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter_ns()
        buffer = self.buffer
        buffer += data
        if not self.upgraded.done():
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buffer.startswith(b"HTTP/1.1 101 "):
                self.fail(f"handshake refused: {bytes(buffer[:80])!r}")
                return
            del buffer[: end + 4]
            self.upgraded.set_result(None)
        offset = 0
        while len(buffer) - offset >= 2:
            first, length = buffer[offset], buffer[offset + 1]
            start = offset + 2
            if length == 126:
                length = int.from_bytes(buffer[start : start + 2], "big")
                start += 2
            elif length > 126:
                self.fail("a frame this benchmark never sends (over 64 KiB or masked)")
                return
            if len(buffer) < start + length:
                break
            payload = bytes(buffer[start : start + length])
            offset = start + length
            opcode = first & 0x0F
            if first & 0x80 == 0 or opcode not in (1, 2):
                self.fail(f"unexpected frame: opcode {opcode}, {payload[:40]!r}")
                return
            if payload.startswith(b"GAP"):
                self.fail(f"got a gap marker: {payload!r}")
                return
            sequence, sent, _ = payload.split(b" ", 2)
            number = int(sequence)
            self.received.append((number, now - int(sent)))
            if number >= self.waiting_for:
                self.reached.set()
        del buffer[:offset]

    def close(self) -> None:
        if self.transport is not None:
            self.transport.abort()


def percentile(sorted_values: list[int], fraction: float) -> float:
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index] / 1e6


async def run_phase(
    publisher: Any,
    subscribers: list[Subscriber],
    first: int,
    count: int,
    rate: float | None,
    size: int,
    timeout: float,
) -> tuple[float, list[int]]:
    """Publish messages ``first .. first + count - 1`` (at ``rate`` per
    second, or back to back) and wait until every subscriber has them all;
    the seconds from the first send to the last delivery, and the
    latencies (ns)."""
    last = first + count - 1
    for subscriber in subscribers:
        subscriber.waiting_for = last
        subscriber.reached.clear()
        subscriber.received.clear()
    padding = "x" * max(0, size - 30)
    start = time.perf_counter()
    for sequence in range(first, last + 1):
        if rate is not None:
            delay = start + (sequence - first) / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        await publisher.send(f"{sequence} {time.perf_counter_ns()} {padding}")
    try:
        async with asyncio.timeout(timeout):
            for subscriber in subscribers:
                await subscriber.reached.wait()
    except TimeoutError:
        behind = sum(1 for s in subscribers if not s.reached.is_set())
        sys.exit(f"CHECK FAILED: {behind} subscribers still waiting after {timeout} s")
    elapsed = time.perf_counter() - start
    expected = list(range(first, last + 1))
    latencies: list[int] = []
    for n, subscriber in enumerate(subscribers):
        if subscriber.problem is not None:
            sys.exit(f"CHECK FAILED: subscriber {n}: {subscriber.problem}")
        got = [sequence for sequence, _ in subscriber.received]
        if got != expected:
            sys.exit(
                f"CHECK FAILED: subscriber {n} got {len(got)} of {count} messages"
                " or out of order"
            )
        latencies.extend(latency for _, latency in subscriber.received)
    return elapsed, latencies


async def connect_all(addresses: list[tuple[int, str]], batch: int) -> list[Subscriber]:
    """A subscriber on each ``(port, path)``, ``batch`` handshakes at a time."""
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(batch)

    async def one(port: int, path: str) -> Subscriber:
        async with gate, asyncio.timeout(STARTUP_TIMEOUT):
            _, subscriber = await loop.create_connection(
                lambda: Subscriber("127.0.0.1", port, path), "127.0.0.1", port
            )
            await subscriber.upgraded
            return subscriber

    return list(await asyncio.gather(*(one(*address) for address in addresses)))


async def measure(
    backend: str, workers: list[Worker], args: argparse.Namespace
) -> list[Result]:
    from websockets.asyncio.client import connect

    addresses = [
        (workers[n % len(workers)].port, "/subscribe") for n in range(args.subscribers)
    ]
    started = time.perf_counter()
    subscribers = await connect_all(addresses, args.connect_batch)
    print(
        f"  {backend}: {len(subscribers)} subscribers connected in"
        f" {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    publisher = await connect(workers[0].url("/publish"), compression=None)
    results = []
    try:
        # Untimed: every subscriber gets a first message (warms up both ends).
        await run_phase(publisher, subscribers, 0, 5, 50, args.size, args.timeout)
        first = 5
        phases = [("paced", args.paced, args.rate), ("burst", args.burst, None)]
        for phase, count, rate in phases:
            if count <= 0:
                continue
            elapsed, latencies = await run_phase(
                publisher, subscribers, first, count, rate, args.size, args.timeout
            )
            first += count
            latencies.sort()
            results.append(
                Result(
                    backend=backend,
                    workers=len(workers),
                    subscribers=len(subscribers),
                    phase=phase if rate is None else f"{phase} {rate:g}/s",
                    messages=count,
                    seconds=round(elapsed, 3),
                    messages_per_second=round(count / elapsed, 1),
                    deliveries_per_second=round(count * len(subscribers) / elapsed),
                    p50_ms=round(percentile(latencies, 0.50), 2),
                    p99_ms=round(percentile(latencies, 0.99), 2),
                    max_ms=round(latencies[-1] / 1e6, 2),
                )
            )
    finally:
        await publisher.close()
        for subscriber in subscribers:
            subscriber.close()
    return results


def run_backend(backend: str, args: argparse.Namespace, folder: Path) -> list[Result]:
    redis = RedisProcess(folder) if backend == "redis" else None
    count = 2 if backend == "redis" else 1
    workers = [Worker(redis.url if redis else None, args.uvloop) for _ in range(count)]
    try:
        for worker in workers:
            wait_listening(worker.port, worker.process, "hypercorn")
        return asyncio.run(measure(backend, workers, args))
    finally:
        for worker in workers:
            stop(worker.process)
        if redis is not None:
            stop(redis.process)


def print_table(results: list[Result]) -> None:
    header = (
        "backend",
        "workers",
        "subscribers",
        "phase",
        "messages",
        "msg/s",
        "deliveries/s",
        "p50 ms",
        "p99 ms",
        "max ms",
    )
    rows = [
        (
            r.backend,
            str(r.workers),
            str(r.subscribers),
            r.phase,
            str(r.messages),
            f"{r.messages_per_second:,.1f}",
            f"{r.deliveries_per_second:,}",
            f"{r.p50_ms:.2f}",
            f"{r.p99_ms:.2f}",
            f"{r.max_ms:.2f}",
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(
                cell.rjust(width) for cell, width in zip(row, widths, strict=True)
            )
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="memory,redis")
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--paced", type=int, default=50, help="messages paced")
    parser.add_argument("--rate", type=float, default=5.0, help="paced msg/s")
    parser.add_argument("--burst", type=int, default=200, help="messages at once")
    parser.add_argument("--size", type=int, default=64, help="bytes per message")
    parser.add_argument("--connect-batch", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--uvloop", action="store_true", help="uvloop workers")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    backends = [name for name in args.backends.split(",") if name]
    if unknown := set(backends) - {"memory", "redis"}:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    if args.burst > 1000:
        parser.error("--burst above 1000 overflows BROADCAST_MAX_QUEUE by design")
    results: list[Result] = []
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"  {os.cpu_count()} cores, load average {load}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            results += run_backend(backend, args, Path(folder))
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
    else:
        print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
