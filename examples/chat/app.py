"""A small real-time chat: log in with a name, join a room, and every
message reaches everyone in the room, through ``app.broadcast``.

Browsers receive messages over a websocket, or over server-sent events
(``EventSource``) where websockets do not get through; after a dropped
connection each resumes from the last message it showed (the event id),
so nothing in between is lost.

One process, nothing else to install: serve it from the repository root
with ``quart --app examples.chat.app run`` (or ``quart --app
examples/chat/app.py run``) and open http://127.0.0.1:5000/ in two
browsers. Check which broadcast backend it uses::

    $ curl http://127.0.0.1:5000/health
    {"backend": "memory", "ok": true}

Many worker processes share messages and sessions through Redis (the
``redis`` plugin, ``plugins/quart-redis-backend``): set ``REDIS_URL`` and
one ``SECRET_KEY`` for every worker::

    REDIS_URL=redis://127.0.0.1:6379/0 SECRET_KEY=change-me \\
        hypercorn --workers 2 --bind 127.0.0.1:5000 examples.chat.app:app

examples/chat/README.md says more.
"""

import asyncio
import os

from quart import Quart
from quart import Response
from quart import abort
from quart import broadcast
from quart import redirect
from quart import render_template
from quart import request
from quart import session
from quart import url_for
from quart import websocket
from quart.broadcast import Subscription
from quart.wrappers.websocket import WebsocketDisconnect

# With a Redis URL the redis plugin carries messages between processes and
# keeps sessions in Redis (the cookie then holds only a signed session id).
# Without one, messages stay in this process and the session is the signed
# cookie: the code below is the same either way.
REDIS_URL = os.environ.get("REDIS_URL") or os.environ.get("QUART_REDIS_URL")

app = Quart(__name__, plugins=["redis"] if REDIS_URL else [])
app.config.update(
    REDIS_URL=REDIS_URL,
    # Every worker must sign cookies with the same key.
    SECRET_KEY=os.environ.get("SECRET_KEY", "dev only: set SECRET_KEY"),
    # The browser sends the session cookie only from our own pages: another
    # site cannot post as the user or open a websocket in their name.
    SESSION_COOKIE_SAMESITE="Lax",
    # Each room keeps its last 100 messages: a newcomer sees them, and a
    # client that reconnects gets what it missed.
    BROADCAST_HISTORY=100,
)

MAX_NAME = 20
MAX_TEXT = 500


def channel(room: str) -> str:
    return f"room:{room}"


def current_user() -> str:
    """The logged-in user's name; 401 for anyone else."""
    user = session.get("user")
    if user is None:
        abort(401)
    return str(user)


async def say(room: str, user: str, text: str) -> str | None:
    """Publish a message to everyone in ``room``; its event id."""
    text = text.strip()[:MAX_TEXT]
    if not text:
        return None
    return await broadcast.publish_json(channel(room), {"user": user, "text": text})


@app.get("/")
async def index() -> Response:
    if "user" not in session:
        return redirect(url_for("login"))
    return redirect(url_for("room", name="lobby"))


@app.route("/login", methods=["GET", "POST"])
async def login() -> str | Response:
    if request.method == "GET":
        return await render_template("login.html")
    name = (await request.form).get("name", "").strip()[:MAX_NAME]
    if not name:
        return await render_template("login.html", error="Choose a name.")
    session.clear()
    session["user"] = name
    # A server-side session gets a new id at login (so an id planted before
    # cannot be used after); a cookie session has no id to change.
    regenerate = getattr(session, "regenerate", None)
    if regenerate is not None:
        regenerate()
    return redirect(url_for("index"))


@app.post("/logout")
async def logout() -> Response:
    session.clear()
    return redirect(url_for("login"))


@app.get("/room/<name>")
async def room(name: str) -> str | Response:
    if "user" not in session:
        return redirect(url_for("login"))
    return await render_template("room.html", room=name, user=session["user"])


@app.websocket("/room/<name>/ws")
async def room_socket(name: str) -> None:
    """Messages both ways: each text frame the client sends is published,
    and each message of the room is sent to the client as JSON with its
    event id. ``?since=<id>`` resumes after the message with that id."""
    user = current_user()
    since = websocket.args.get("since")
    # Subscribe first: once the client sees the socket open, it misses nothing.
    async with broadcast.subscribe(channel(name), since=since) as messages:
        await websocket.accept()
        relay = asyncio.create_task(relay_messages(messages))
        try:
            while True:
                await say(name, user, str(await websocket.receive()))
        except WebsocketDisconnect:
            pass
        finally:
            relay.cancel()


async def relay_messages(messages: Subscription) -> None:
    async for message in messages:
        if message.gap:  # messages were missed (see README.md)
            await websocket.send_json({"id": message.id, "gap": message.reason})
        else:
            await websocket.send_json({"id": message.id, **message.json()})
    # The subscription ended: this client fell too far behind, or the
    # server is stopping. 1013 ("try again later") tells it to reconnect
    # with ?since= the last id it got.
    await websocket.close(1013)


@app.get("/room/<name>/events")
async def room_events(name: str) -> Response:
    """The fallback: the room's messages as server-sent events. The
    browser's ``Last-Event-ID`` header (sent when it reconnects) resumes
    after the last event it got; ``?since=`` does the same on a first
    connection."""
    current_user()
    since = request.headers.get("Last-Event-ID") or request.args.get("since")
    return await broadcast.sse_response(channel(name), since=since, retry=1000)


@app.post("/room/<name>/messages")
async def post_message(name: str) -> tuple[dict[str, str | None], int]:
    """How an ``EventSource`` client sends: ``{"text": ...}`` as JSON."""
    user = current_user()
    data = await request.get_json()
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        abort(400)
    event_id = await say(name, user, data["text"])
    return {"id": event_id}, 201 if event_id else 200


@app.get("/health")
async def health() -> dict[str, object]:
    """For a load balancer's readiness check: can we reach the backend?"""
    return {"backend": app.broadcast.backend.name, "ok": await broadcast.ping()}


if __name__ == "__main__":
    app.run()
