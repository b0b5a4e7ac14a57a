"""A small Flask app, ported to Quart by changing the imports and adding
async/await, gives the same answers to the same requests.

Both apps are written out in full below, as a user would write them; one
scenario list drives Flask's test client and Quart's, and every response is
compared: status, JSON body, raw body and the headers that matter.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import flask
import pytest

import quart

API_KEY = "let-me-in"
AUTH = {"X-API-Key": API_KEY}

# --------------------------------------------------------------------------
# The Flask original.
# --------------------------------------------------------------------------


def create_flask_app() -> flask.Flask:
    from flask import Flask
    from flask import abort
    from flask import current_app
    from flask import g
    from flask import jsonify
    from flask import request
    from flask import url_for

    app = Flask(__name__)
    app.config["API_KEY"] = API_KEY
    todos: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)

    def validate(data: Any, partial: bool) -> dict[str, Any]:
        if not isinstance(data, dict):
            abort(400, description="expected a JSON object")
        clean: dict[str, Any] = {}
        if "title" in data or not partial:
            title = data.get("title")
            if not isinstance(title, str) or not title.strip():
                abort(400, description="'title' must be a non-empty string")
            clean["title"] = title.strip()
        if "done" in data:
            if not isinstance(data["done"], bool):
                abort(400, description="'done' must be true or false")
            clean["done"] = data["done"]
        return clean

    def find(todo_id: int) -> dict[str, Any]:
        todo = todos.get(todo_id)
        if todo is None:
            abort(404, description=f"todo {todo_id} does not exist")
        return todo

    @app.before_request
    def require_api_key() -> Any:
        if request.headers.get("X-API-Key") != current_app.config["API_KEY"]:
            return jsonify(error="unauthorized"), 401, {"WWW-Authenticate": "ApiKey"}
        g.client = "api-key"
        return None

    @app.after_request
    def add_headers(response: flask.Response) -> flask.Response:
        response.headers["X-Todo-Count"] = str(len(todos))
        if "client" in g:
            response.headers["X-Client"] = g.client
        return response

    @app.errorhandler(404)
    def not_found(error: Any) -> Any:
        return jsonify(error="not found", path=request.path), 404

    @app.errorhandler(400)
    def bad_request(error: Any) -> Any:
        return jsonify(error="bad request", detail=error.description), 400

    @app.get("/todos")
    def list_todos() -> Any:
        items = sorted(todos.values(), key=lambda todo: todo["id"])
        done = request.args.get("done")
        if done is not None:
            items = [todo for todo in items if todo["done"] == (done == "true")]
        return jsonify(items)

    @app.post("/todos")
    def create_todo() -> Any:
        data = validate(request.get_json(), partial=False)
        todo = {
            "id": next(ids),
            "title": data["title"],
            "done": data.get("done", False),
        }
        todos[todo["id"]] = todo
        location = url_for("get_todo", todo_id=todo["id"])
        return jsonify(todo), 201, {"Location": location}

    @app.get("/todos/<int:todo_id>")
    def get_todo(todo_id: int) -> Any:
        return find(todo_id)

    @app.route("/todos/<int:todo_id>", methods=["PUT", "PATCH"])
    def update_todo(todo_id: int) -> Any:
        todo = find(todo_id)
        todo.update(validate(request.get_json(), partial=request.method == "PATCH"))
        return jsonify(todo)

    @app.delete("/todos/<int:todo_id>")
    def delete_todo(todo_id: int) -> Any:
        find(todo_id)
        del todos[todo_id]
        return "", 204

    @app.get("/stats")
    def stats() -> Any:
        done = sum(1 for todo in todos.values() if todo["done"])
        return {"total": len(todos), "done": done, "open": len(todos) - done}

    return app


# --------------------------------------------------------------------------
# The Quart port: the same code, quart instead of flask, async/await added.
# --------------------------------------------------------------------------


def create_quart_app() -> quart.Quart:
    from quart import Quart
    from quart import abort
    from quart import current_app
    from quart import g
    from quart import jsonify
    from quart import request
    from quart import url_for

    app = Quart(__name__)
    app.config["API_KEY"] = API_KEY
    todos: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)

    def validate(data: Any, partial: bool) -> dict[str, Any]:
        if not isinstance(data, dict):
            abort(400, description="expected a JSON object")
        clean: dict[str, Any] = {}
        if "title" in data or not partial:
            title = data.get("title")
            if not isinstance(title, str) or not title.strip():
                abort(400, description="'title' must be a non-empty string")
            clean["title"] = title.strip()
        if "done" in data:
            if not isinstance(data["done"], bool):
                abort(400, description="'done' must be true or false")
            clean["done"] = data["done"]
        return clean

    def find(todo_id: int) -> dict[str, Any]:
        todo = todos.get(todo_id)
        if todo is None:
            abort(404, description=f"todo {todo_id} does not exist")
        return todo

    @app.before_request
    async def require_api_key() -> Any:
        if request.headers.get("X-API-Key") != current_app.config["API_KEY"]:
            return jsonify(error="unauthorized"), 401, {"WWW-Authenticate": "ApiKey"}
        g.client = "api-key"
        return None

    @app.after_request
    async def add_headers(response: quart.Response) -> quart.Response:
        response.headers["X-Todo-Count"] = str(len(todos))
        if "client" in g:
            response.headers["X-Client"] = g.client
        return response

    @app.errorhandler(404)
    async def not_found(error: Any) -> Any:
        return jsonify(error="not found", path=request.path), 404

    @app.errorhandler(400)
    async def bad_request(error: Any) -> Any:
        return jsonify(error="bad request", detail=error.description), 400

    @app.get("/todos")
    async def list_todos() -> Any:
        items = sorted(todos.values(), key=lambda todo: todo["id"])
        done = request.args.get("done")
        if done is not None:
            items = [todo for todo in items if todo["done"] == (done == "true")]
        return jsonify(items)

    @app.post("/todos")
    async def create_todo() -> Any:
        data = validate(await request.get_json(), partial=False)
        todo = {
            "id": next(ids),
            "title": data["title"],
            "done": data.get("done", False),
        }
        todos[todo["id"]] = todo
        location = url_for("get_todo", todo_id=todo["id"])
        return jsonify(todo), 201, {"Location": location}

    @app.get("/todos/<int:todo_id>")
    async def get_todo(todo_id: int) -> Any:
        return find(todo_id)

    @app.route("/todos/<int:todo_id>", methods=["PUT", "PATCH"])
    async def update_todo(todo_id: int) -> Any:
        todo = find(todo_id)
        todo.update(
            validate(await request.get_json(), partial=request.method == "PATCH")
        )
        return jsonify(todo)

    @app.delete("/todos/<int:todo_id>")
    async def delete_todo(todo_id: int) -> Any:
        find(todo_id)
        del todos[todo_id]
        return "", 204

    @app.get("/stats")
    async def stats() -> Any:
        done = sum(1 for todo in todos.values() if todo["done"])
        return {"total": len(todos), "done": done, "open": len(todos) - done}

    return app


# --------------------------------------------------------------------------
# The scenario both apps go through, in order (state carries over).
# --------------------------------------------------------------------------


@dataclass
class Step:
    name: str
    method: str
    path: str
    status: int
    kwargs: dict[str, Any] = field(default_factory=dict)
    body: Any = None  # the expected JSON, when it is worth spelling out


JSON_HEADERS = {**AUTH, "Content-Type": "application/json"}

SCENARIO = [
    Step("no key", "GET", "/todos", 401, {}, {"error": "unauthorized"}),
    Step(
        "wrong key",
        "POST",
        "/todos",
        401,
        {"headers": {"X-API-Key": "nope"}, "json": {"title": "x"}},
        {"error": "unauthorized"},
    ),
    Step("no key, unknown URL", "GET", "/nowhere", 401, {}, {"error": "unauthorized"}),
    Step("empty list", "GET", "/todos", 200, {"headers": AUTH}, []),
    Step(
        "create",
        "POST",
        "/todos",
        201,
        {"headers": AUTH, "json": {"title": "  write tests  "}},
        {"id": 1, "title": "write tests", "done": False},
    ),
    Step(
        "create done",
        "POST",
        "/todos",
        201,
        {"headers": AUTH, "json": {"title": "port app", "done": True}},
        {"id": 2, "title": "port app", "done": True},
    ),
    Step(
        "create via raw JSON data",
        "POST",
        "/todos",
        201,
        {"headers": JSON_HEADERS, "data": '{"title": "raw"}'},
        {"id": 3, "title": "raw", "done": False},
    ),
    Step(
        "list",
        "GET",
        "/todos",
        200,
        {"headers": AUTH},
        [
            {"id": 1, "title": "write tests", "done": False},
            {"id": 2, "title": "port app", "done": True},
            {"id": 3, "title": "raw", "done": False},
        ],
    ),
    Step(
        "list filtered",
        "GET",
        "/todos",
        200,
        {"headers": AUTH, "query_string": {"done": "true"}},
        [{"id": 2, "title": "port app", "done": True}],
    ),
    Step(
        "list filtered in path",
        "GET",
        "/todos?done=false",
        200,
        {"headers": AUTH},
        [
            {"id": 1, "title": "write tests", "done": False},
            {"id": 3, "title": "raw", "done": False},
        ],
    ),
    Step(
        "get",
        "GET",
        "/todos/1",
        200,
        {"headers": AUTH},
        {"id": 1, "title": "write tests", "done": False},
    ),
    Step(
        "get missing",
        "GET",
        "/todos/99",
        404,
        {"headers": AUTH},
        {"error": "not found", "path": "/todos/99"},
    ),
    Step(
        "unknown URL",
        "GET",
        "/nowhere",
        404,
        {"headers": AUTH},
        {"error": "not found", "path": "/nowhere"},
    ),
    Step(
        "non-int id",
        "GET",
        "/todos/abc",
        404,
        {"headers": AUTH},
        {"error": "not found", "path": "/todos/abc"},
    ),
    Step(
        "missing title",
        "POST",
        "/todos",
        400,
        {"headers": AUTH, "json": {"done": True}},
        {"error": "bad request", "detail": "'title' must be a non-empty string"},
    ),
    Step(
        "not an object",
        "POST",
        "/todos",
        400,
        {"headers": AUTH, "json": ["title"]},
        {"error": "bad request", "detail": "expected a JSON object"},
    ),
    Step(
        "malformed JSON", "POST", "/todos", 400, {"headers": JSON_HEADERS, "data": "{"}
    ),
    Step(
        "not JSON at all",
        "POST",
        "/todos",
        415,
        {"headers": {**AUTH, "Content-Type": "text/plain"}, "data": "title=x"},
    ),
    Step(
        "update",
        "PUT",
        "/todos/1",
        200,
        {"headers": AUTH, "json": {"title": "write more tests", "done": True}},
        {"id": 1, "title": "write more tests", "done": True},
    ),
    Step(
        "partial update",
        "PATCH",
        "/todos/3",
        200,
        {"headers": AUTH, "json": {"done": True}},
        {"id": 3, "title": "raw", "done": True},
    ),
    Step(
        "bad update",
        "PATCH",
        "/todos/3",
        400,
        {"headers": AUTH, "json": {"done": "yes"}},
        {"error": "bad request", "detail": "'done' must be true or false"},
    ),
    Step(
        "update missing",
        "PUT",
        "/todos/42",
        404,
        {"headers": AUTH, "json": {"title": "ghost"}},
        {"error": "not found", "path": "/todos/42"},
    ),
    Step(
        "stats",
        "GET",
        "/stats",
        200,
        {"headers": AUTH},
        {"total": 3, "done": 3, "open": 0},
    ),
    Step("delete", "DELETE", "/todos/2", 204, {"headers": AUTH}),
    Step(
        "delete again",
        "DELETE",
        "/todos/2",
        404,
        {"headers": AUTH},
        {"error": "not found", "path": "/todos/2"},
    ),
    Step("wrong method", "POST", "/todos/1", 405, {"headers": AUTH}),
    Step("options", "OPTIONS", "/todos/1", 200, {"headers": AUTH}),
    Step("head", "HEAD", "/todos/1", 200, {"headers": AUTH}),
    Step(
        "final list",
        "GET",
        "/todos",
        200,
        {"headers": AUTH},
        [
            {"id": 1, "title": "write more tests", "done": True},
            {"id": 3, "title": "raw", "done": True},
        ],
    ),
]

COMPARED_HEADERS = [
    "Content-Type",
    "Content-Length",
    "Location",
    "Allow",
    "WWW-Authenticate",
    "X-Todo-Count",
    "X-Client",
]


@dataclass
class Outcome:
    status: int
    data: bytes
    json: Any
    headers: dict[str, Any]


def summarise(status: int, data: bytes, headers: Any, is_json: bool) -> Outcome:
    picked: dict[str, Any] = {}
    for name in COMPARED_HEADERS:
        value = headers.get(name)
        if name == "Allow" and value is not None:
            value = sorted(part.strip() for part in value.split(","))
        picked[name] = value
    return Outcome(
        status=status,
        data=data,
        json=flask.json.loads(data) if is_json and data else None,
        headers=picked,
    )


def run_flask() -> list[Outcome]:
    client = create_flask_app().test_client()
    outcomes = []
    for step in SCENARIO:
        response = client.open(step.path, method=step.method, **step.kwargs)
        outcomes.append(
            summarise(
                response.status_code,
                response.get_data(),
                response.headers,
                response.is_json,
            )
        )
    return outcomes


async def run_quart() -> list[Outcome]:
    client = create_quart_app().test_client()
    outcomes = []
    for step in SCENARIO:
        response = await client.open(step.path, method=step.method, **step.kwargs)
        outcomes.append(
            summarise(
                response.status_code,
                await response.get_data(),
                response.headers,
                response.is_json,
            )
        )
    return outcomes


@pytest.fixture(scope="module")
def flask_outcomes() -> list[Outcome]:
    return run_flask()


@pytest.fixture
async def quart_outcomes() -> list[Outcome]:
    return await run_quart()


def test_flask_app_behaves_as_specified(flask_outcomes: list[Outcome]) -> None:
    """The scenario's expectations hold for Flask (so they are realistic)."""
    for step, outcome in zip(SCENARIO, flask_outcomes, strict=True):
        assert outcome.status == step.status, step.name
        if step.body is not None:
            assert outcome.json == step.body, step.name


async def test_quart_app_behaves_as_specified(quart_outcomes: list[Outcome]) -> None:
    for step, outcome in zip(SCENARIO, quart_outcomes, strict=True):
        assert outcome.status == step.status, step.name
        if step.body is not None:
            assert outcome.json == step.body, step.name


@pytest.mark.parametrize(
    "index", range(len(SCENARIO)), ids=[step.name for step in SCENARIO]
)
async def test_same_response(
    index: int, flask_outcomes: list[Outcome], quart_outcomes: list[Outcome]
) -> None:
    flask_outcome = flask_outcomes[index]
    quart_outcome = quart_outcomes[index]
    assert quart_outcome.status == flask_outcome.status
    assert quart_outcome.json == flask_outcome.json
    assert quart_outcome.headers == flask_outcome.headers
    assert quart_outcome.data == flask_outcome.data


def test_created_location_header(flask_outcomes: list[Outcome]) -> None:
    created = [
        o for s, o in zip(SCENARIO, flask_outcomes, strict=True) if s.status == 201
    ]
    assert [o.headers["Location"] for o in created] == [
        "/todos/1",
        "/todos/2",
        "/todos/3",
    ]
