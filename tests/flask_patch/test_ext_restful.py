"""Flask-RESTful: resources, ``reqparse``, ``marshal_with``, its JSON error
handling (it replaces ``app.handle_exception`` and
``app.handle_user_exception`` with sync functions), method decorators and
resources returning response objects."""

from __future__ import annotations

from functools import wraps
from typing import Any

import flask
import pytest
from flask import make_response
from flask import request
from flask_restful import Api
from flask_restful import Resource
from flask_restful import abort
from flask_restful import fields
from flask_restful import marshal_with
from flask_restful import reqparse

from quart import Quart

TODO_FIELDS = {"id": fields.Integer, "task": fields.String, "done": fields.Boolean}


def require_token(func: Any) -> Any:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request.headers.get("Authorization") != "Token secret":
            abort(401, message="token required")
        return func(*args, **kwargs)

    return wrapper


@pytest.fixture
def app() -> Quart:
    app = flask.Flask(__name__)
    api = Api(app)
    todos: dict[int, dict[str, Any]] = {
        1: {"id": 1, "task": "write tests", "done": False}
    }

    parser = reqparse.RequestParser()
    parser.add_argument("task", type=str, required=True, help="task is required")
    parser.add_argument("done", type=bool, default=False)

    class TodoList(Resource):
        @marshal_with(TODO_FIELDS)
        def get(self) -> Any:
            return list(todos.values())

        @marshal_with(TODO_FIELDS)
        def post(self) -> Any:
            args = parser.parse_args()
            todo = {"id": max(todos) + 1, "task": args["task"], "done": args["done"]}
            todos[todo["id"]] = todo
            return todo, 201

    class Todo(Resource):
        method_decorators = {"delete": [require_token]}

        def get(self, todo_id: int) -> Any:
            if todo_id not in todos:
                abort(404, message=f"Todo {todo_id} doesn't exist")
            return todos[todo_id]

        def delete(self, todo_id: int) -> Any:
            todos.pop(todo_id, None)
            return "", 204

    class Export(Resource):
        def get(self) -> Any:
            response = make_response("id,task\n1,write tests\n")
            response.headers["Content-Type"] = "text/csv"
            return response

    api.add_resource(TodoList, "/todos")
    api.add_resource(Todo, "/todos/<int:todo_id>")
    api.add_resource(Export, "/export")

    @app.route("/plain")
    async def plain() -> str:
        raise KeyError("not a REST route")

    @app.errorhandler(KeyError)
    async def key_error(error: KeyError) -> tuple[str, int]:
        return "app handler", 418

    return app


async def test_list_create_and_get(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/todos")
    assert await response.get_json() == [
        {"id": 1, "task": "write tests", "done": False}
    ]
    response = await client.post("/todos", json={"task": "ship", "done": True})
    assert response.status_code == 201
    assert await response.get_json() == {"id": 2, "task": "ship", "done": True}
    response = await client.get("/todos/2")
    assert (await response.get_json())["task"] == "ship"


async def test_reqparse_errors_are_json(app: Quart) -> None:
    client = app.test_client()
    response = await client.post("/todos", json={"done": True})
    assert response.status_code == 400
    assert await response.get_json() == {"message": {"task": "task is required"}}
    # as on Flask 3.1: the default locations read request.json, which
    # refuses a form body with 415
    response = await client.post("/todos", form={"task": "from a form"})
    assert response.status_code == 415
    assert "application/json" in (await response.get_json())["message"]


async def test_rest_errors_use_flask_restful_handler(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/todos/42")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert await response.get_json() == {"message": "Todo 42 doesn't exist"}
    response = await client.put("/todos/1")
    assert response.status_code == 405
    assert "message" in await response.get_json()


async def test_other_routes_keep_app_error_handlers(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/plain")
    assert response.status_code == 418
    assert await response.get_data() == b"app handler"
    response = await client.get("/nowhere")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


async def test_method_decorators(app: Quart) -> None:
    client = app.test_client()
    response = await client.delete("/todos/1")
    assert response.status_code == 401
    assert await response.get_json() == {"message": "token required"}
    response = await client.delete(
        "/todos/1", headers={"Authorization": "Token secret"}
    )
    assert response.status_code == 204
    assert (await client.get("/todos/1")).status_code == 404


async def test_resources_may_return_responses(app: Quart) -> None:
    response = await app.test_client().get("/export")
    assert response.mimetype == "text/csv"
    assert await response.get_data() == b"id,task\n1,write tests\n"
