"""Server-sent events: a clock that pushes the time every second, and a
broadcast endpoint that every open stream hears.

Serve it from the repository root with ``quart --app examples.sse run`` (or
``python -m examples.sse``), open http://127.0.0.1:5000/ in a browser, and
post messages from another terminal; the answer counts the open streams::

    $ curl -d text=hello http://127.0.0.1:5000/say

In production an ASGI server serves the same app:
``hypercorn --bind 127.0.0.1:5000 examples.sse:app``.
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC
from datetime import datetime

from quart import Quart
from quart import Response
from quart import request

app = Quart(__name__)
listeners: set[asyncio.Queue[str]] = set()

PAGE = """<!doctype html>
<title>Events</title>
<p>Time: <span id="time"></span></p>
<ul id="messages"></ul>
<script>
  const source = new EventSource("/events");
  source.addEventListener("time", (event) => {
    document.getElementById("time").textContent = event.data;
  });
  source.onmessage = (event) => {
    const item = document.createElement("li");
    item.textContent = event.data;
    document.getElementById("messages").append(item);
  };
</script>
"""


def event(data: str, name: str | None = None, event_id: str | None = None) -> str:
    """One event in the text/event-stream format: each data line prefixed,
    a blank line to end it."""
    lines = []
    if name is not None:
        lines.append(f"event: {name}")
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.extend(f"data: {line}" for line in data.splitlines() or [""])
    return "\n".join(lines) + "\n\n"


@app.get("/")
async def index() -> str:
    return PAGE


@app.post("/say")
async def say() -> dict[str, int]:
    text = (await request.form)["text"]
    for queue in listeners:
        queue.put_nowait(text)
    return {"listeners": len(listeners)}


@app.get("/events")
async def events() -> Response:
    queue: asyncio.Queue[str] = asyncio.Queue()

    async def stream() -> AsyncIterator[str]:
        listeners.add(queue)
        try:
            yield "retry: 3000\n\n"  # reconnect after 3 s if the stream drops
            while True:
                try:
                    text = await asyncio.wait_for(queue.get(), timeout=1)
                except TimeoutError:
                    yield event(datetime.now(UTC).strftime("%H:%M:%S"), name="time")
                else:
                    yield event(text)
        finally:  # runs when the browser goes away: the ASGI layer stops us
            listeners.discard(queue)

    response = Response(stream(), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # ask nginx not to buffer
    response.timeout = None  # an event stream is meant to stay open
    return response


if __name__ == "__main__":
    app.run()
