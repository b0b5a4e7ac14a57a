"""Quart-DB with its SQLite backend as its documentation shows it:
migrations and initial data run when the app starts serving, every request
gets ``g.connection``, transactions commit or roll back, connections are
released after a failing request, and ``quart_db.connection()`` works
outside requests; then the same app served by a real Hypercorn."""

from __future__ import annotations

import textwrap
from pathlib import Path

import httpx
import pytest
from quart_db import QuartDB

from quart import Quart
from quart import g
from quart import request

MIGRATIONS = {
    "0.py": """
        async def migrate(connection):
            await connection.execute(
                "CREATE TABLE todos (id INTEGER PRIMARY KEY, task TEXT NOT NULL)"
            )

        async def valid_migration(connection):
            return True
    """,
    "1.py": """
        async def migrate(connection):
            await connection.execute(
                "ALTER TABLE todos ADD COLUMN done BOOL NOT NULL DEFAULT FALSE"
            )
    """,
}

DATA = """
    async def execute(connection):
        await connection.execute(
            "INSERT INTO todos (task, done) VALUES (:task, :done)",
            {"task": "seeded", "done": True},
        )
"""


@pytest.fixture
def app(tmp_path: Path) -> Quart:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    for name, source in MIGRATIONS.items():
        (migrations / name).write_text(textwrap.dedent(source))
    (tmp_path / "data.py").write_text(textwrap.dedent(DATA))

    # Migrations and data are found relative to the app's root path.
    app = Quart(__name__, root_path=str(tmp_path))
    app.config["QUART_DB_DATABASE_URL"] = f"sqlite:///{tmp_path / 'app.db'}"
    app.config["QUART_DB_DATA_PATH"] = "data.py"
    db = QuartDB(app)
    app.extensions["db_instance"] = db

    @app.get("/todos")
    async def todos() -> list[dict[str, object]]:
        rows = await g.connection.fetch_all(
            "SELECT id, task, done FROM todos ORDER BY id"
        )
        return [dict(row) for row in rows]

    @app.post("/todos")
    async def create() -> tuple[dict[str, object], int]:
        data = await request.get_json()
        async with g.connection.transaction():
            await g.connection.execute(
                "INSERT INTO todos (task) VALUES (:task)", {"task": data["task"]}
            )
            new_id = await g.connection.fetch_val("SELECT MAX(id) FROM todos")
        return {"id": new_id}, 201

    @app.post("/rollback")
    async def rollback() -> str:
        try:
            async with g.connection.transaction():
                await g.connection.execute(
                    "INSERT INTO todos (task) VALUES (:task)", {"task": "never"}
                )
                raise ValueError("undo")
        except ValueError:
            return "rolled back"

    @app.get("/fail")
    async def fail() -> str:
        await g.connection.execute("SELECT 1")
        raise RuntimeError("boom")

    return app


async def test_migrations_and_data_run_at_startup(app: Quart) -> None:
    db: QuartDB = app.extensions["db_instance"]
    async with app.test_app() as test_app:
        async with db.connection() as connection:
            version = await connection.fetch_val("SELECT version FROM schema_migration")
            loaded = await connection.fetch_val(
                "SELECT data_loaded FROM schema_migration"
            )
        assert version == 1
        assert loaded == 1
        response = await test_app.test_client().get("/todos")
        assert await response.get_json() == [{"id": 1, "task": "seeded", "done": 1}]


async def test_request_connection_and_transaction(app: Quart) -> None:
    async with app.test_app() as test_app:
        client = test_app.test_client()
        response = await client.post("/todos", json={"task": "write tests"})
        assert response.status_code == 201
        assert await response.get_json() == {"id": 2}

        response = await client.post("/rollback")
        assert await response.get_data(as_text=True) == "rolled back"

        tasks = [row["task"] for row in await (await client.get("/todos")).get_json()]
        assert tasks == ["seeded", "write tests"]


async def test_failing_request_releases_its_connection(app: Quart) -> None:
    db: QuartDB = app.extensions["db_instance"]
    async with app.test_app() as test_app:
        client = test_app.test_client()
        assert app.config["PROPAGATE_EXCEPTIONS"] is False  # set by Quart-DB
        response = await client.get("/fail")
        assert response.status_code == 500
        assert db._backend is not None
        assert db._backend._connections == set()  # type: ignore[attr-defined]
        assert (await client.get("/todos")).status_code == 200


async def test_migrations_run_once(app: Quart) -> None:
    async with app.test_app():
        pass
    async with app.test_app() as test_app:
        rows = await (await test_app.test_client().get("/todos")).get_json()
        assert len(rows) == 1  # the data loader did not run twice


async def test_through_hypercorn(http: httpx.AsyncClient) -> None:
    response = await http.post("/todos", json={"task": "served"})
    assert response.status_code == 201
    response = await http.get("/todos")
    assert [row["task"] for row in response.json()] == ["seeded", "served"]
