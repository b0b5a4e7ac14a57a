"""The app tests/scale/test_two_workers.py serves in two Hypercorn
processes, both on the same Redis (``QUART_REDIS_URL``)."""

from __future__ import annotations

import os
from typing import Any

from quart_redis_backend import regenerate_session

from quart import Quart
from quart import broadcast
from quart import request
from quart import session
from quart import websocket

app = Quart(__name__, plugins=["redis"])
app.secret_key = "two workers, one secret"


@app.get("/health")
async def health() -> dict[str, Any]:
    return {"pid": os.getpid(), "redis": await broadcast.ping(timeout=0.5)}


@app.post("/publish/<channel>")
async def publish(channel: str) -> dict[str, Any]:
    text = await request.get_data(as_text=True)
    return {"id": await broadcast.publish(channel, text), "pid": os.getpid()}


@app.get("/events/<channel>")
async def events(channel: str) -> Any:
    return await broadcast.sse_response(channel, keepalive=1.0)


@app.websocket("/ws/<channel>")
async def subscriber(channel: str) -> None:
    since = websocket.args.get("since")
    async with broadcast.subscribe(channel, since=since) as subscription:
        await websocket.send_json({"subscribed": subscription.position})
        async for message in subscription:
            if message.gap:
                await websocket.send_json({"gap": message.reason, "id": message.id})
            else:
                await websocket.send_json({"id": message.id, "data": message.text})


@app.post("/login/<user>")
async def login(user: str) -> dict[str, Any]:
    session["user"] = user
    regenerate_session()
    return {"pid": os.getpid()}


@app.get("/me")
async def me() -> dict[str, Any]:
    return {"user": session.get("user"), "pid": os.getpid()}
