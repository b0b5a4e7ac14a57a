"""The smallest useful Quart app.

``scripts/run-example`` serves it on http://127.0.0.1:5000 (so does
``quart --app examples.hello run`` from the repository root)::

    $ curl http://127.0.0.1:5000/
    Hello, World!
    $ curl 'http://127.0.0.1:5000/hello/ada?lang=fr'
    {"greeting": "Hello, ada!", "lang": "fr"}
    $ curl --json '{"a": [1, 2]}' http://127.0.0.1:5000/echo
    {"a": [1, 2]}
"""

from quart import Quart
from quart import jsonify
from quart import request

app = Quart(__name__)


@app.get("/")
async def index() -> str:
    return "Hello, World!"


@app.get("/hello/<name>")
async def hello(name: str) -> dict[str, str]:
    return {"greeting": f"Hello, {name}!", "lang": request.args.get("lang", "en")}


@app.post("/echo")
async def echo() -> object:
    return jsonify(await request.get_json())


if __name__ == "__main__":
    app.run()
