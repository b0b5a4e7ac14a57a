"""The shim's body seams: uploads save in sync code as in Flask, responses
freeze in sync and async code, and the body preload works when
``preprocess_request`` is called without a context (as Flask code does)."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import flask
from flask import request
from werkzeug.datastructures import FileStorage

from quart import Quart


def _app(tmp_path: Path) -> Quart:
    app = flask.Flask(__name__)

    @app.route("/sync-save", methods=["POST"])
    def sync_save() -> str:
        request.files["upload"].save(tmp_path / "sync.txt")  # Flask's sync call
        return "saved"

    @app.route("/async-save", methods=["POST"])
    async def async_save() -> str:
        await (await request.files)["upload"].save(tmp_path / "async.txt")
        return "saved"

    @app.route("/stream")
    def stream() -> Any:
        def chunks() -> Iterator[str]:
            yield "ab"
            yield "cd"

        return app.response_class(chunks())

    return app


def _upload() -> dict[str, FileStorage]:
    return {"upload": FileStorage(BytesIO(b"file body"), filename="u.txt")}


async def test_upload_save_sync_and_async(tmp_path: Path) -> None:
    client = _app(tmp_path).test_client()
    response = await client.post("/sync-save", files=_upload())
    assert response.status_code == 200
    assert (tmp_path / "sync.txt").read_bytes() == b"file body"
    response = await client.post("/async-save", files=_upload())
    assert response.status_code == 200
    assert (tmp_path / "async.txt").read_bytes() == b"file body"


async def test_freeze_sync_and_async(tmp_path: Path) -> None:
    app = _app(tmp_path)

    @app.after_request
    def freeze(response: Any) -> Any:
        response.freeze()  # Flask's sync call
        return response

    response = await app.test_client().get("/stream")
    assert response.headers["Content-Length"] == "4"
    assert await response.get_data() == b"abcd"

    async with app.test_request_context("/"):
        streamed = app.response_class(iter(["x", "y"]))
        await streamed.freeze()
        assert streamed.headers["Content-Length"] == "2"


async def test_preprocess_request_without_a_context_argument(tmp_path: Path) -> None:
    app = _app(tmp_path)
    seen: list[str] = []

    @app.before_request
    def before() -> None:
        seen.append(request.form["a"])

    async with app.test_request_context("/", method="POST", form={"a": "1"}):
        assert await app.preprocess_request() is None
    assert seen == ["1"]
