"""A websocket echo server with a small browser page.

Serve it from the repository root with ``quart --app examples.websocket_echo
run`` (or ``python -m examples.websocket_echo``) and open
http://127.0.0.1:5000/ in a browser, or connect any websocket client to
``ws://127.0.0.1:5000/ws``::

    $ curl http://127.0.0.1:5000/

In production an ASGI server serves the same app:
``hypercorn --bind 127.0.0.1:5000 examples.websocket_echo:app``.
"""

from quart import Quart
from quart import websocket
from quart.wrappers.websocket import WebsocketDisconnect

app = Quart(__name__)

PAGE = """<!doctype html>
<title>Echo</title>
<input id="text" autofocus placeholder="Type and press Enter">
<ul id="log"></ul>
<script>
  const log = document.getElementById("log");
  const socket = new WebSocket(`ws://${location.host}/ws`, ["echo"]);
  socket.onmessage = (event) => {
    const item = document.createElement("li");
    item.textContent = event.data;
    log.append(item);
  };
  document.getElementById("text").onkeydown = (event) => {
    if (event.key === "Enter") {
      socket.send(event.target.value);
      event.target.value = "";
    }
  };
</script>
"""


@app.get("/")
async def index() -> str:
    return PAGE


@app.websocket("/ws")
async def echo() -> None:
    # Choosing a subprotocol needs an explicit accept; otherwise the first
    # receive or send accepts.
    if "echo" in websocket.requested_subprotocols:
        await websocket.accept(subprotocol="echo")
    try:
        while True:
            message = await websocket.receive()
            await websocket.send(message)
    except WebsocketDisconnect as error:
        app.logger.info("client left with code %s", error.code)


if __name__ == "__main__":
    app.run()
