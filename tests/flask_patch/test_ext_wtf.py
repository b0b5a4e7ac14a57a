"""Flask-WTF: forms with CSRF on (tokens rendered in templates, checked by
``CSRFProtect``), validation in async and sync views, and file fields."""

from __future__ import annotations

import re
from io import BytesIO

import flask
import pytest
from flask import render_template_string
from flask_wtf import CSRFProtect
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from flask_wtf.file import FileAllowed
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from werkzeug.datastructures import FileStorage
from wtforms import IntegerField
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import NumberRange

from quart import Quart

PAGE = """
<form method="post" enctype="multipart/form-data">
  {{ form.hidden_tag() }}
  {% for field in form if field.widget.input_type != 'hidden' %}
    {{ field.label }} {{ field() }}
    {% for error in field.errors %}
      <p class="error">{{ field.name }}: {{ error }}</p>
    {% endfor %}
  {% endfor %}
</form>
"""


class SignupForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(min=3)])
    age = IntegerField("Age", validators=[NumberRange(min=13)])
    password = PasswordField("Password", validators=[DataRequired()])
    confirm = PasswordField("Repeat", validators=[EqualTo("password")])


class UploadForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired()])
    document = FileField("Document", validators=[FileRequired(), FileAllowed(["txt"])])


@pytest.fixture
def app() -> Quart:
    app = flask.Flask(__name__)
    app.config.update(SECRET_KEY="csrf secret", TESTING=True)
    csrf = CSRFProtect(app)

    @app.route("/signup", methods=["GET", "POST"])
    async def signup() -> object:
        form = SignupForm()
        if form.validate_on_submit():  # sync call inside an async view
            return {"created": form.username.data, "age": form.age.data}
        return await render_template_string(PAGE, form=form)

    @app.route("/upload", methods=["GET", "POST"])
    def upload() -> object:  # the same, Flask-style sync view
        form = UploadForm()
        if form.validate_on_submit():
            content = form.document.data.read().decode()
            return {
                "title": form.title.data,
                "name": form.document.data.filename,
                "content": content,
            }
        return render_template_string(PAGE, form=form)

    @app.route("/api/echo", methods=["POST"])
    async def echo() -> object:
        return {"echo": (await flask.request.get_json())["value"]}

    @app.route("/webhook", methods=["POST"])
    @csrf.exempt
    async def webhook() -> str:
        return "accepted"

    @app.errorhandler(CSRFError)
    async def csrf_error(error: CSRFError) -> tuple[str, int]:
        return f"csrf failed: {error.description}", 400

    return app


async def _token(client: object, path: str) -> tuple[str, str]:
    response = await client.get(path)  # type: ignore[attr-defined]
    html = await response.get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1), html


async def test_form_renders_csrf_token_and_fields(app: Quart) -> None:
    client = app.test_client()
    token, html = await _token(client, "/signup")
    assert 'name="username"' in html and 'type="password"' in html
    assert len(token) > 20


async def test_post_without_token_is_rejected(app: Quart) -> None:
    client = app.test_client()
    await client.get("/signup")
    response = await client.post("/signup", form={"username": "carol"})
    assert response.status_code == 400
    assert await response.get_data(as_text=True) == (
        "csrf failed: The CSRF token is missing."
    )
    response = await client.post("/signup", form={"csrf_token": "forged"})
    assert "The CSRF token is invalid." in await response.get_data(as_text=True)


async def test_valid_submission_in_async_view(app: Quart) -> None:
    client = app.test_client()
    token, _ = await _token(client, "/signup")
    form = {
        "csrf_token": token,
        "username": "carol",
        "age": "30",
        "password": "pw",
        "confirm": "pw",
    }
    response = await client.post("/signup", form=form)
    assert response.status_code == 200
    assert await response.get_json() == {"created": "carol", "age": 30}


async def test_invalid_submission_shows_errors(app: Quart) -> None:
    client = app.test_client()
    token, _ = await _token(client, "/signup")
    form = {
        "csrf_token": token,
        "username": "ca",
        "age": "9",
        "password": "pw",
        "confirm": "other",
    }
    html = await (await client.post("/signup", form=form)).get_data(as_text=True)
    assert "username: Field must be at least 3 characters long." in html
    assert "age: Number must be at least 13." in html
    assert "confirm: Field must be equal to password." in html


async def test_file_upload_in_sync_view(app: Quart) -> None:
    client = app.test_client()
    token, _ = await _token(client, "/upload")
    files = {"document": FileStorage(BytesIO(b"hello file"), filename="notes.txt")}
    response = await client.post(
        "/upload", form={"csrf_token": token, "title": "Notes"}, files=files
    )
    assert await response.get_json() == {
        "title": "Notes",
        "name": "notes.txt",
        "content": "hello file",
    }
    files = {"document": FileStorage(BytesIO(b"MZ"), filename="virus.exe")}
    response = await client.post(
        "/upload", form={"csrf_token": token, "title": "Bad"}, files=files
    )
    assert "File does not have an approved extension: txt" in (
        await response.get_data(as_text=True)
    )


async def test_csrf_header_for_json_and_exempt_views(app: Quart) -> None:
    client = app.test_client()
    token, _ = await _token(client, "/signup")
    response = await client.post("/api/echo", json={"value": 1})
    assert response.status_code == 400
    response = await client.post(
        "/api/echo", json={"value": 1}, headers={"X-CSRFToken": token}
    )
    assert await response.get_json() == {"echo": 1}
    response = await client.post("/webhook", data=b"payload")
    assert await response.get_data() == b"accepted"
