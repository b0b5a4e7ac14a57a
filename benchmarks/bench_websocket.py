"""In-process websocket echo benchmark: Quart against Starlette and a
hand-written ASGI floor, in messages per second.

No server and no sockets: the harness plays the server's side of the ASGI
websocket protocol (``websocket.connect``, ``websocket.receive`` ...,
``websocket.disconnect``) and awaits ``app(scope, receive, send)``, so the
figures are the framework's own per-message cost. Every echo is checked
after each timed run (same text, same order, accepted first), so an app
that answers wrongly fails loudly instead of looking fast.

Workloads:

``pingpong``
    one connection; the client sends a message only after the previous echo
    came back (a chat-like request/reply pattern).
``pipelined``
    one connection; every message is available at once and the echoes are
    collected at the end (a client streaming to the server).
``connect``
    many short connections: handshake, one echo, disconnect (the fixed cost
    of a websocket: routing, context, hooks, accept).

Run ``.venv/bin/python benchmarks/bench_websocket.py --help`` for options.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import MutableMapping
from collections.abc import Sequence
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

APP_NAMES = ("quart", "starlette", "raw")
WORKLOADS = ("pingpong", "pipelined", "connect")


class CheckError(AssertionError):
    """An app's answers differed from the echo expected."""


def make_scope() -> dict[str, Any]:
    """The websocket scope a server would pass for ``GET /ws``."""
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "scheme": "ws",
        "path": "/ws",
        "raw_path": b"/ws",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"connection", b"upgrade"),
            (b"upgrade", b"websocket"),
            (b"sec-websocket-version", b"13"),
        ],
        "client": ("127.0.0.1", 51000),
        "server": ("127.0.0.1", 8000),
        "subprotocols": [],
        "extensions": {"websocket.http.response": {}},
        "state": {},
    }


class Connection:
    """The server's side of one websocket: sends ``messages`` to the app,
    collects what it sends back, then reports the client gone.

    In ping-pong mode message ``i`` is handed over only once ``i`` echoes
    have come back; pipelined, all are available at once.
    """

    __slots__ = (
        "_connected",
        "_index",
        "_need",
        "_waiter",
        "accepted_first",
        "closed",
        "echoes",
        "messages",
        "pipelined",
    )

    def __init__(self, messages: list[Message], pipelined: bool) -> None:
        self.messages = messages
        self.pipelined = pipelined
        self.echoes: list[str] = []
        self.accepted_first: bool | None = None
        self.closed = False
        self._connected = False
        self._index = 0
        self._need = 0
        self._waiter: asyncio.Future[None] | None = None

    async def _until(self, count: int) -> None:
        if len(self.echoes) < count:
            self._need = count
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
            self._waiter = None

    async def receive(self) -> Message:
        if not self._connected:
            self._connected = True
            return {"type": "websocket.connect"}
        index = self._index
        if index < len(self.messages):
            if not self.pipelined:
                await self._until(index)
            self._index = index + 1
            return self.messages[index]
        await self._until(len(self.messages))
        if self._index == len(self.messages):
            self._index += 1
            return {"type": "websocket.disconnect", "code": 1000}
        await asyncio.Event().wait()  # the app asked again after the end
        raise AssertionError("unreachable")

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "websocket.send":
            if self.accepted_first is None:
                self.accepted_first = False
            self.echoes.append(message["text"])
            waiter = self._waiter
            if (
                waiter is not None
                and len(self.echoes) >= self._need
                and not waiter.done()
            ):
                waiter.set_result(None)
        elif kind == "websocket.accept":
            if self.accepted_first is None:
                self.accepted_first = True
        elif kind == "websocket.close":
            self.closed = True
        else:
            raise CheckError(f"unexpected message {kind!r}")

    def verify(self) -> None:
        expected = [m["text"] for m in self.messages]
        if not self.accepted_first:
            raise CheckError("the app sent before accepting")
        if self.echoes != expected:
            raise CheckError(
                f"{len(self.echoes)} echoes, {len(expected)} expected, or out of"
                f" order; first {self.echoes[:3]!r}"
            )


# --------------------------------------------------------------------------
# The apps
# --------------------------------------------------------------------------


def quart_app() -> ASGIApp:
    from quart import Quart
    from quart import websocket

    app = Quart(__name__)

    @app.websocket("/ws")
    async def echo() -> None:
        while True:
            await websocket.send(await websocket.receive())

    return app


def starlette_app() -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket
    from starlette.websockets import WebSocketDisconnect

    async def echo(ws: WebSocket) -> None:
        await ws.accept()
        try:
            while True:
                await ws.send_text(await ws.receive_text())
        except WebSocketDisconnect:
            pass

    return Starlette(routes=[WebSocketRoute("/ws", echo)])


def raw_app() -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "websocket"
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            await send({"type": "websocket.send", "text": message["text"]})

    return app


BUILDERS: dict[str, Callable[[], ASGIApp]] = {
    "quart": quart_app,
    "starlette": starlette_app,
    "raw": raw_app,
}


# --------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------


def make_messages(count: int) -> list[Message]:
    return [{"type": "websocket.receive", "text": f"message {i}"} for i in range(count)]


def plan(workload: str, n: int) -> list[Connection]:
    """The connections one timed run uses for ``n`` messages in all."""
    if workload == "connect":
        return [Connection(make_messages(1), pipelined=False) for _ in range(n)]
    return [Connection(make_messages(n), pipelined=workload == "pipelined")]


async def timed_run(app: ASGIApp, workload: str, n: int) -> float:
    """Seconds for ``n`` messages; checks every connection afterwards."""
    connections = plan(workload, n)
    scopes = [make_scope() for _ in connections]
    gc.collect()
    started = time.perf_counter_ns()
    for scope, connection in zip(scopes, connections, strict=True):
        await app(scope, connection.receive, connection.send)
    elapsed = (time.perf_counter_ns() - started) / 1e9
    for connection in connections:
        connection.verify()
    return elapsed


async def bench(
    workloads: Sequence[str], app_names: Sequence[str], n: int, repeat: int
) -> list[dict[str, Any]]:
    results = []
    for workload in workloads:
        apps = {name: BUILDERS[name]() for name in app_names}
        for app in apps.values():  # warm up: first-request set-up, caches
            await timed_run(app, workload, min(n, 200))
        runs: dict[str, list[float]] = {name: [] for name in app_names}
        for _ in range(repeat):  # interleaved, so machine drift hits all alike
            for name, app in apps.items():
                runs[name].append(await timed_run(app, workload, n))
        row: dict[str, Any] = {"workload": workload, "messages": n, "apps": {}}
        for name, times in runs.items():
            best = min(times)
            row["apps"][name] = {
                "best_us_per_message": best / n * 1e6,
                "median_us_per_message": statistics.median(times) / n * 1e6,
                "messages_per_second": n / best,
            }
        results.append(row)
    return results


def format_table(results: list[dict[str, Any]], app_names: Sequence[str]) -> str:
    header = ["workload"]
    for name in app_names:
        header += [f"{name} msg/s", f"{name} µs"]
    if "quart" in app_names and "starlette" in app_names:
        header.append("quart/starlette")
    rows = [header]
    for result in results:
        apps = result["apps"]
        row = [result["workload"]]
        for name in app_names:
            row.append(f"{apps[name]['messages_per_second']:,.0f}")
            row.append(f"{apps[name]['best_us_per_message']:.2f}")
        if "quart" in app_names and "starlette" in app_names:
            ratio = (
                apps["quart"]["best_us_per_message"]
                / apps["starlette"]["best_us_per_message"]
            )
            row.append(f"{ratio:.2f}x")
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.rjust(width) for cell, width in zip(r, widths, strict=True))
        for r in rows
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workload",
        action="append",
        choices=WORKLOADS,
        help="run this workload (repeat for more; default: all)",
    )
    parser.add_argument(
        "--apps",
        default=",".join(APP_NAMES),
        help="comma-separated subset of quart,starlette,raw",
    )
    parser.add_argument(
        "-n", type=int, default=5000, help="messages per timed run (default 5000)"
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed runs per app (default 5)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    app_names = [name for name in args.apps.split(",") if name]
    unknown = set(app_names) - set(APP_NAMES)
    if unknown:
        parser.error(f"unknown apps: {', '.join(sorted(unknown))}")
    try:
        results = asyncio.run(
            bench(args.workload or list(WORKLOADS), app_names, args.n, args.repeat)
        )
    except CheckError as error:
        print(f"CHECK FAILED: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"python": sys.version, "results": results}, indent=2))
    else:
        print(format_table(results, app_names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
