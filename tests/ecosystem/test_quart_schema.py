"""Quart-Schema (with pydantic) as its documentation shows it: validated
request bodies, query strings and headers, validated responses, a 400 with
the validation details, the generated OpenAPI document and its UI pages,
websocket models, the test client taking models, and the ``schema`` CLI
command; then the same app behind a real Hypercorn server."""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
import pytest
from pydantic import BaseModel
from quart_schema import DataSource
from quart_schema import QuartSchema
from quart_schema import RequestSchemaValidationError
from quart_schema import ResponseSchemaValidationError
from quart_schema import hide
from quart_schema import tag
from quart_schema import validate_headers
from quart_schema import validate_querystring
from quart_schema import validate_request
from quart_schema import validate_response

from quart import Quart
from quart import websocket


class TodoIn(BaseModel):
    task: str
    due: int | None = None


class Todo(TodoIn):
    id: int


class Query(BaseModel):
    count: int = 1
    tags: list[str] | None = None


class Headers(BaseModel):
    x_request_id: str


@dataclass
class Echo:
    name: str
    times: int


@pytest.fixture
def app() -> Quart:
    app = Quart(__name__)
    QuartSchema(app, info={"title": "Todos API", "version": "2.1.0"})

    @app.post("/todos/")
    @tag(["todos"])
    @validate_request(TodoIn)
    @validate_response(Todo, 201)
    async def create_todo(data: TodoIn) -> tuple[Todo, int]:
        """Create a todo.

        The whole description.
        """
        return Todo(id=7, **data.model_dump()), 201

    @app.get("/todos/<int:todo_id>")
    @validate_response(Todo)
    async def read_todo(todo_id: int) -> dict[str, object]:
        # A dict is validated against the model too; a bad one is an error.
        if todo_id == 0:
            return {"id": "not a number", "task": "x"}
        return {"id": todo_id, "task": "read", "due": None}

    @app.get("/items")
    @validate_querystring(Query)
    async def items(query_args: Query) -> dict[str, object]:
        return {"count": query_args.count, "tags": query_args.tags}

    @app.get("/headers")
    @validate_headers(Headers)
    async def headers(headers: Headers) -> dict[str, str]:
        return {"id": headers.x_request_id}

    @app.post("/form")
    @validate_request(Echo, source=DataSource.FORM)
    async def form(data: Echo) -> str:
        return data.name * data.times

    @app.get("/hidden")
    @hide
    async def hidden() -> str:
        return "hidden"

    @app.websocket("/ws")
    async def ws() -> None:
        todo = await websocket.receive_as(TodoIn)  # type: ignore[attr-defined]
        await websocket.send_as(  # type: ignore[attr-defined]
            {"id": 1, "task": todo.task.upper(), "due": todo.due}, Todo
        )

    @app.errorhandler(RequestSchemaValidationError)
    async def bad_request(error: RequestSchemaValidationError) -> tuple[dict, int]:
        return {"errors": json.loads(error.validation_error.json())}, 400  # type: ignore[attr-defined]

    return app


async def test_valid_request_reaches_view_as_model(app: Quart) -> None:
    client = app.test_client()
    response = await client.post("/todos/", json={"task": "write", "due": 3})
    assert response.status_code == 201
    assert response.mimetype == "application/json"
    assert await response.get_json() == {"task": "write", "due": 3, "id": 7}


async def test_test_client_accepts_a_model_as_json(app: Quart) -> None:
    client = app.test_client()
    response = await client.post("/todos/", json=TodoIn(task="model"))
    assert response.status_code == 201
    assert (await response.get_json())["task"] == "model"


async def test_invalid_body_is_400_with_details(app: Quart) -> None:
    client = app.test_client()
    response = await client.post("/todos/", json={"due": "soon"})
    assert response.status_code == 400
    errors = (await response.get_json())["errors"]
    by_field = {tuple(error["loc"]): error["type"] for error in errors}
    assert by_field == {("task",): "missing", ("due",): "int_parsing"}


async def test_invalid_body_without_handler_is_plain_400() -> None:
    app = Quart(__name__)
    QuartSchema(app)

    @app.post("/")
    @validate_request(TodoIn)
    async def create(data: TodoIn) -> str:
        return data.task

    client = app.test_client()
    assert (await client.post("/", json={"task": "ok"})).status_code == 200
    response = await client.post("/", json={"nope": 1})
    assert response.status_code == 400
    assert b"Bad Request" in await response.get_data()


async def test_response_is_validated(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/todos/5")
    assert response.status_code == 200
    assert await response.get_json() == {"id": 5, "task": "read", "due": None}

    app.testing = False  # the invalid response becomes a 500, not a raise

    @app.errorhandler(ResponseSchemaValidationError)
    async def bad_response(error: ResponseSchemaValidationError) -> tuple[str, int]:
        return "invalid response", 500

    response = await client.get("/todos/0")
    assert response.status_code == 500
    assert await response.get_data(as_text=True) == "invalid response"


async def test_querystring_is_validated_and_converted(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/items", query_string={"count": "3"})
    assert await response.get_json() == {"count": 3, "tags": None}
    response = await client.get("/items?tags=a&tags=b")
    assert await response.get_json() == {"count": 1, "tags": ["a", "b"]}
    response = await client.get("/items", query_string={"count": "many"})
    assert response.status_code == 400
    errors = (await response.get_json())["errors"]
    assert errors[0]["loc"] == ["count"]


async def test_headers_are_validated(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/headers", headers={"X-Request-Id": "abc"})
    assert await response.get_json() == {"id": "abc"}
    assert (await client.get("/headers")).status_code == 400


async def test_form_body_is_validated(app: Quart) -> None:
    client = app.test_client()
    response = await client.post("/form", form={"name": "ab", "times": "3"})
    assert await response.get_data(as_text=True) == "ababab"
    response = await client.post("/form", form={"name": "ab"})
    assert response.status_code == 400


async def test_websocket_models(app: Quart) -> None:
    client = app.test_client()
    async with client.websocket("/ws") as ws:
        await ws.send_json({"task": "shout", "due": 2})
        assert await ws.receive_json() == {"id": 1, "task": "SHOUT", "due": 2}


async def test_openapi_document(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    spec = await response.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["info"] == {"title": "Todos API", "version": "2.1.0"}

    paths = spec["paths"]
    assert "/hidden" not in paths
    assert "/ws" not in paths
    assert "/openapi.json" not in paths
    assert "/docs" not in paths
    # Quart-Schema hides the static route by marking Quart.send_static_file.
    assert not any(path.startswith("/static") for path in paths)
    create = paths["/todos/"]["post"]
    assert create["tags"] == ["todos"]
    assert create["summary"] == "Create a todo."
    # Everything after the first docstring line, blank line included.
    assert create["description"] == "\nThe whole description."
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body["title"] == "TodoIn"
    assert body["required"] == ["task"]
    assert body["properties"]["task"] == {"title": "Task", "type": "string"}
    out = create["responses"]["201"]["content"]["application/json"]["schema"]
    assert out["title"] == "Todo"
    assert out["properties"]["id"] == {"title": "Id", "type": "integer"}

    read = paths["/todos/{todo_id}"]["get"]
    assert read["parameters"] == [
        {
            "in": "path",
            "name": "todo_id",
            "required": True,
            "schema": {"type": "integer"},
        }
    ]
    assert "200" in read["responses"]
    query = paths["/items"]["get"]["parameters"]
    assert [(param["in"], param["name"]) for param in query] == [
        ("query", "count"),
        ("query", "tags"),
    ]
    assert paths["/headers"]["get"]["parameters"][0]["name"] == "x-request-id"
    form = paths["/form"]["post"]["requestBody"]["content"]
    assert form["application/x-www-form-urlencoded"]["schema"]["title"] == "Echo"


@pytest.mark.parametrize(
    ("path", "marker"),
    [("/docs", "SwaggerUIBundle"), ("/redocs", "<redoc"), ("/scalar", "api-reference")],
)
async def test_documentation_pages(app: Quart, path: str, marker: str) -> None:
    client = app.test_client()
    response = await client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = await response.get_data(as_text=True)
    assert marker in page
    assert "<title>Todos API</title>" in page
    assert "/openapi.json" in page  # url_for('openapi') in the template


def test_schema_cli_command(app: Quart) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["schema"])
    assert result.exit_code == 0, result.output
    spec = json.loads(result.output)
    assert "/todos/" in spec["paths"]


async def test_through_hypercorn(http: httpx.AsyncClient) -> None:
    response = await http.post("/todos/", json={"task": "served"})
    assert response.status_code == 201
    assert response.json() == {"task": "served", "due": None, "id": 7}

    response = await http.post("/todos/", json={"task": 5})
    assert response.status_code == 400
    assert response.json()["errors"][0]["loc"] == ["task"]

    response = await http.get("/openapi.json")
    assert "/todos/" in response.json()["paths"]
