"""Two workers, one truth: two Hypercorn processes serving
tests/scale/scale_app.py on two ports, sharing a real Redis through the
quart-redis-backend plugin. Websocket clients on each, SSE on one, a
session across both, then Redis crashes for a few seconds mid-test."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from collections.abc import Iterator
from contextlib import asynccontextmanager
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from redis_server import RedisServer
from servers import TIMEOUT
from servers import free_port
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect

HERE = Path(__file__).parent
#: Seconds a worker process may take to start answering.
START_TIMEOUT = 30


class Worker:
    """A Hypercorn process serving scale_app:app on its own port."""

    def __init__(self, name: str, redis_url: str, log_dir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.log_path = log_dir / f"worker-{name}.log"
        env = {**os.environ, "QUART_REDIS_URL": redis_url}
        env["PYTHONPATH"] = os.pathsep.join(
            [str(HERE), *filter(None, [env.get("PYTHONPATH")])]
        )
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "hypercorn",
                    "--bind",
                    self.address,
                    "--graceful-timeout",
                    "1",
                    "scale_app:app",
                ],
                cwd=HERE,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    async def wait_ready(self, client: httpx.AsyncClient) -> dict[str, Any]:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited:\n{self.log()}")
            try:
                response = await client.get(f"http://{self.address}/health")
                if response.status_code == 200:
                    body: dict[str, Any] = response.json()
                    return body
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"worker {self.name} did not start:\n{self.log()}")
            await asyncio.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(TIMEOUT)


@contextmanager
def workers(redis_url: str, log_dir: Path) -> Iterator[tuple[Worker, Worker]]:
    started: list[Worker] = []
    try:
        for name in "AB":
            started.append(Worker(name, redis_url, log_dir))
        yield started[0], started[1]
    finally:
        for worker in started:
            worker.stop()


async def receive(ws: ClientConnection) -> dict[str, Any]:
    """The next JSON message of a websocket, within the time limit."""
    async with asyncio.timeout(TIMEOUT):
        message: dict[str, Any] = json.loads(await ws.recv())
    return message


async def nothing_more(ws: ClientConnection) -> bool:
    try:
        async with asyncio.timeout(0.3):
            await ws.recv()
    except TimeoutError:
        return True
    return False


class EventStream:
    """A server-sent event stream read as a browser would (the fields of
    each event; comments and keep-alives dropped)."""

    def __init__(self, chunks: AsyncIterator[str]) -> None:
        self.chunks = chunks
        self.buffer = ""

    async def next_block(self) -> dict[str, str]:
        async with asyncio.timeout(TIMEOUT):
            while True:
                while "\n\n" in self.buffer:
                    block, self.buffer = self.buffer.split("\n\n", 1)
                    fields: dict[str, str] = {}
                    for line in block.split("\n"):
                        if line and not line.startswith(":"):
                            name, _, value = line.partition(": ")
                            fields[name] = value
                    if fields:
                        return fields
                self.buffer += await anext(self.chunks)

    async def next_event(self) -> dict[str, str]:
        """The next event that carries data (a message or a gap)."""
        while True:
            fields = await self.next_block()
            if "data" in fields:
                return fields

    async def nothing_more(self) -> bool:
        try:
            async with asyncio.timeout(0.3):
                await self.next_event()
        except TimeoutError:
            return True
        return False


@asynccontextmanager
async def sse(
    client: httpx.AsyncClient, url: str, last_event_id: str | None = None
) -> AsyncIterator[EventStream]:
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    async with client.stream("GET", url, headers=headers, timeout=None) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventStream(response.aiter_text())


async def publish(
    client: httpx.AsyncClient, worker: Worker, channel: str, text: str
) -> str:
    response = await client.post(
        f"http://{worker.address}/publish/{channel}", content=text
    )
    assert response.status_code == 200, response.text
    event_id: str = response.json()["id"]
    return event_id


async def test_two_workers_one_truth(redis_server: RedisServer, tmp_path: Path) -> None:
    with workers(redis_server.url, tmp_path) as (a, b):
        async with httpx.AsyncClient(timeout=TIMEOUT) as client, asyncio.timeout(120):
            try:
                await _scenario(client, a, b, redis_server)
            except BaseException as error:
                raise AssertionError(
                    f"{error!r}\n--- worker A:\n{a.log()}\n--- worker B:\n{b.log()}"
                ) from error


async def _scenario(
    client: httpx.AsyncClient, a: Worker, b: Worker, redis: RedisServer
) -> None:
    health_a, health_b = await a.wait_ready(client), await b.wait_ready(client)
    assert health_a["pid"] != health_b["pid"]  # two processes
    assert health_a["redis"] is health_b["redis"] is True

    # -- a message POSTed to worker A reaches a websocket client on each
    async with (
        connect(f"ws://{a.address}/ws/room") as ws_a,
        connect(f"ws://{b.address}/ws/room") as ws_b,
        connect(f"ws://{b.address}/ws/volatile") as ws_volatile,
    ):
        for ws in (ws_a, ws_b, ws_volatile):
            assert "subscribed" in await receive(ws)
        r1 = await publish(client, a, "room", "r1")
        for ws in (ws_a, ws_b):
            assert await receive(ws) == {"id": r1, "data": "r1"}

        # -- SSE on B receives what A publishes; a reconnect with
        # Last-Event-ID gets exactly the messages it missed
        events_b = f"http://{b.address}/events/room"
        async with sse(client, events_b) as stream:
            start = await stream.next_block()
            assert "id" in start  # the starting position, for resuming
            r2 = await publish(client, a, "room", "r2")
            assert await stream.next_event() == {"id": r2, "data": "r2"}
        r3 = await publish(client, a, "room", "r3")
        r4 = await publish(client, b, "room", "r4")
        async with sse(client, events_b, last_event_id=r2) as stream:
            assert await stream.next_event() == {"id": r3, "data": "r3"}
            assert await stream.next_event() == {"id": r4, "data": "r4"}
            assert await stream.nothing_more()
        for ws in (ws_a, ws_b):
            assert [await receive(ws) for _ in range(3)] == [
                {"id": r2, "data": "r2"},
                {"id": r3, "data": "r3"},
                {"id": r4, "data": "r4"},
            ]

        # -- a session created through A is read through B
        login = await client.post(f"http://{a.address}/login/ada")
        assert login.cookies
        cookie = {"Cookie": "; ".join(f"{k}={v}" for k, v in login.cookies.items())}
        me = (await client.get(f"http://{b.address}/me", headers=cookie)).json()
        assert me["user"] == "ada" and me["pid"] == health_b["pid"]

        # -- Redis crashes for a few seconds
        v1 = await publish(client, a, "volatile", "v1")
        assert await receive(ws_volatile) == {"id": v1, "data": "v1"}
        redis.save()  # what the restarted Redis will have
        v2 = await publish(client, a, "volatile", "v2")  # seen, then lost
        assert await receive(ws_volatile) == {"id": v2, "data": "v2"}
        redis.kill()
        down_until = time.monotonic() + 3
        while time.monotonic() < down_until:
            # the app keeps serving HTTP, and says what is wrong
            for worker in (a, b):
                health = await client.get(f"http://{worker.address}/health")
                assert health.status_code == 200 and health.json()["redis"] is False
            failed = await client.post(f"http://{a.address}/publish/room", content="x")
            assert failed.status_code == 503
            await asyncio.sleep(0.5)
        redis.start()
        back = time.monotonic()

        # published the moment Redis is back, before the readers are: kept
        async with asyncio.timeout(TIMEOUT):
            while True:
                response = await client.post(
                    f"http://{a.address}/publish/room", content="r5"
                )
                if response.status_code == 200:
                    r5 = response.json()["id"]
                    break
                await asyncio.sleep(0.02)

        # the subscriber that had seen what Redis lost cannot be resumed:
        # it gets a gap marker within a second of Redis returning
        gap = await receive(ws_volatile)
        assert time.monotonic() - back < 1, time.monotonic() - back
        assert gap["gap"] == "lost"
        v3 = await publish(client, a, "volatile", "v3")
        assert await receive(ws_volatile) == {"id": v3, "data": "v3"}

        # the others resume where they were: nothing in the window is lost
        for ws in (ws_a, ws_b):
            assert await receive(ws) == {"id": r5, "data": "r5"}
            assert await nothing_more(ws)
        async with sse(client, events_b, last_event_id=r4) as stream:
            assert await stream.next_event() == {"id": r5, "data": "r5"}
            assert await stream.nothing_more()

        # and the session, saved before the crash, is still there
        me = (await client.get(f"http://{b.address}/me", headers=cookie)).json()
        assert me["user"] == "ada"
