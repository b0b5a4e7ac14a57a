"""Guards for shim behaviour that works but that no other test would miss
if it broke: each test here fails on a one-line bug the rest of the suite
lets through (named in the test's docstring). Runs on asyncio and uvloop."""

from __future__ import annotations

import asyncio
from io import BytesIO
from typing import Any

import flask
import pytest
from flask import current_app
from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import IntegerField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import NumberRange

from quart import Quart

SUSPENSIONS = 5


async def _suspends_often(value: int) -> dict[str, Any]:
    """Yields to the event loop several times before it answers."""
    seen = []
    for step in range(SUSPENSIONS):
        await asyncio.sleep(0)
        seen.append(step)
    return {"value": value * 2, "steps": seen, "path": request.path}


async def _waits_for_the_loop(value: int) -> int:
    """Suspends on real waits (timers), which only a running loop ends."""
    for _ in range(3):
        await asyncio.sleep(0.001)
    return value + 1


def _flask_style_helper(value: int) -> dict[str, Any]:
    """Sync code as a Flask extension writes it, calling async code."""
    return current_app.ensure_sync(_suspends_often)(value)  # type: ignore[no-any-return]


@pytest.fixture
def app() -> Quart:
    app = flask.Flask(__name__)

    @app.route("/in-async-view")
    async def in_async_view() -> Any:
        return _flask_style_helper(21)  # sync call on the event loop thread

    @app.route("/in-sync-view")
    def in_sync_view() -> Any:
        result = _flask_style_helper(21)  # from a worker thread
        result["waited"] = current_app.async_to_sync(_waits_for_the_loop)(41)
        return result

    return app


async def test_sync_bridge_drives_a_coroutine_that_suspends_many_times(
    app: Quart,
) -> None:
    """Sync code on the loop thread drives the coroutine in place through
    every bare suspension. Fails if ``quart_flask_patch.sync_bridge.drive`` stops
    after the first one (``while yielded is None`` -> ``if yielded is
    None``)."""
    response = await app.test_client().get("/in-async-view")
    assert response.status_code == 200, await response.get_data(as_text=True)
    assert await response.get_json() == {
        "value": 42,
        "steps": list(range(SUSPENSIONS)),
        "path": "/in-async-view",
    }


async def test_sync_bridge_from_a_worker_thread_waits_through_the_loop(
    app: Quart,
) -> None:
    """From a sync view (a worker thread) the coroutine runs on the loop,
    so real waits work too. Fails if ``call_sync`` drives in place in
    worker threads (``return await_sync(awaitable)`` -> ``return
    drive(awaitable, what)``)."""
    response = await app.test_client().get("/in-sync-view")
    assert response.status_code == 200, await response.get_data(as_text=True)
    assert await response.get_json() == {
        "value": 42,
        "steps": list(range(SUSPENSIONS)),
        "path": "/in-sync-view",
        "waited": 42,
    }


class ProfileForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired()])
    age = IntegerField("Age", validators=[NumberRange(min=0)])
    photo = FileField("Photo")


@pytest.mark.parametrize("body", ["form", "multipart", "json"])
@pytest.mark.parametrize("how", ["config", "meta"])
async def test_flask_wtf_form_without_csrf_protect_sees_posted_fields(
    how: str, body: str
) -> None:
    """A ``FlaskForm`` built in an async view, with no ``CSRFProtect`` to
    read the body first (in a worker thread), finds the posted fields: the
    shim reads the body before the view, and the form reads it in place.
    Fails if the shim's body preload is skipped (``return
    preload_then_preprocess(self, ctx)`` -> ``return original(self, ctx)``
    in ``_patch_preload``)."""
    app = flask.Flask(__name__)
    app.config["SECRET_KEY"] = "no csrf"
    if how == "config":
        app.config["WTF_CSRF_ENABLED"] = False

    @app.route("/profile", methods=["POST"])
    async def profile() -> Any:
        form = ProfileForm() if how == "config" else ProfileForm(meta={"csrf": False})
        if form.validate_on_submit():  # sync, on the event loop thread
            photo = form.photo.data
            return {
                "name": form.name.data,
                "age": form.age.data,
                "photo": photo and [photo.filename, photo.read().decode()],
            }
        return {"errors": form.errors}, 400

    client = app.test_client()
    fields = {"name": "ada", "age": "36"}
    if body == "form":
        response = await client.post("/profile", form=fields)
        photo = None
    elif body == "multipart":
        upload = FileStorage(BytesIO(b"pixels"), filename="ada.png")
        response = await client.post("/profile", form=fields, files={"photo": upload})
        photo = ["ada.png", "pixels"]
    else:
        response = await client.post("/profile", json={"name": "ada", "age": 36})
        photo = None
    assert await response.get_json() == {"name": "ada", "age": 36, "photo": photo}
    assert response.status_code == 200
    response = await client.post("/profile", form={"age": "-1"})
    assert response.status_code == 400
    assert set((await response.get_json())["errors"]) == {"name", "age"}
