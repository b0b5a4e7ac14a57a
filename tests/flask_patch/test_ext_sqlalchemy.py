"""Flask-SQLAlchemy on sqlite: models, ``create_all`` in a sync app context,
CRUD from sync and async views, ``get_or_404``, pagination from the query
string, and the session removed at the end of each request."""

from __future__ import annotations

from pathlib import Path

import flask
import pytest
from flask import request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from quart import Quart


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Author(db.Model):  # type: ignore[name-defined,misc]
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    books: Mapped[list[Book]] = relationship(back_populates="author")


class Book(db.Model):  # type: ignore[name-defined,misc]
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    author: Mapped[Author] = relationship(back_populates="books")


@pytest.fixture
def app(tmp_path: Path) -> Quart:
    app = flask.Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'library.db'}"
    db.init_app(app)
    with app.app_context():  # Flask style: a sync app context
        db.create_all()

    @app.route("/authors", methods=["POST"])
    def create_author() -> object:
        author = Author(name=request.json["name"])
        for title in request.json.get("books", []):
            author.books.append(Book(title=title))
        db.session.add(author)
        db.session.commit()
        return {"id": author.id}, 201

    @app.route("/authors/<int:author_id>")
    async def show_author(author_id: int) -> object:
        author = db.get_or_404(Author, author_id, description="No such author")
        return {"name": author.name, "books": sorted(b.title for b in author.books)}

    @app.route("/books")
    def list_books() -> object:
        page = db.paginate(db.select(Book).order_by(Book.title), per_page=2)
        return {
            "titles": [b.title for b in page.items],
            "pages": page.pages,
            "page": page.page,
        }

    @app.route("/books/<int:book_id>", methods=["DELETE"])
    async def delete_book(book_id: int) -> object:
        book = db.get_or_404(Book, book_id)
        db.session.delete(book)
        db.session.commit()
        return "", 204

    return app


async def test_create_and_read_through_views(app: Quart) -> None:
    client = app.test_client()
    response = await client.post(
        "/authors", json={"name": "Le Guin", "books": ["Earthsea", "The Dispossessed"]}
    )
    assert response.status_code == 201
    author_id = (await response.get_json())["id"]
    response = await client.get(f"/authors/{author_id}")
    assert await response.get_json() == {
        "name": "Le Guin",
        "books": ["Earthsea", "The Dispossessed"],
    }
    response = await client.get("/authors/999")
    assert response.status_code == 404
    assert b"No such author" in await response.get_data()


async def test_pagination_reads_the_query_string(app: Quart) -> None:
    client = app.test_client()
    await client.post("/authors", json={"name": "A", "books": ["b1", "b2", "b3"]})
    first = await (await client.get("/books")).get_json()
    assert first == {"titles": ["b1", "b2"], "pages": 2, "page": 1}
    second = await (await client.get("/books?page=2")).get_json()
    assert second["titles"] == ["b3"]
    assert (await client.get("/books?page=5")).status_code == 404


async def test_delete_and_query_in_app_context(app: Quart) -> None:
    client = app.test_client()
    await client.post("/authors", json={"name": "Pratchett", "books": ["Mort"]})
    with app.app_context():
        book = db.session.execute(select(Book).filter_by(title="Mort")).scalar_one()
        book_id = book.id
    assert (await client.delete(f"/books/{book_id}")).status_code == 204
    async with app.app_context():  # Quart style works too
        assert db.session.get(Book, book_id) is None
        assert db.session.execute(select(Author)).scalar_one().name == "Pratchett"


async def test_session_is_removed_after_each_request(app: Quart) -> None:
    sessions = []

    @app.route("/session-id")
    async def session_id() -> str:
        sessions.append(db.session())
        return "ok"

    client = app.test_client()
    await client.get("/session-id")
    await client.get("/session-id")
    assert sessions[0] is not sessions[1]
