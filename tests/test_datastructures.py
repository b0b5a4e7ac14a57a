"""quart.datastructures.FileStorage: werkzeug's FileStorage whose disk I/O
runs in a worker thread."""

from __future__ import annotations

import asyncio
import threading
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage as WerkzeugFileStorage

from quart import Quart
from quart import request
from quart.datastructures import FileStorage
from quart.testing import QuartClient


def test_is_a_werkzeug_file_storage() -> None:
    upload = FileStorage(BytesIO(b"abc"), filename="a.txt", content_type="text/plain")
    assert isinstance(upload, WerkzeugFileStorage)
    assert (upload.filename, upload.mimetype, upload.read()) == (
        "a.txt",
        "text/plain",
        b"abc",
    )


async def test_save_to_a_path_runs_off_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []
    original = WerkzeugFileStorage.save

    def recording_save(self: Any, *args: Any, **kwargs: Any) -> None:
        threads.append(threading.get_ident())
        original(self, *args, **kwargs)

    monkeypatch.setattr(WerkzeugFileStorage, "save", recording_save)
    upload = FileStorage(BytesIO(b"x" * 100_000), filename="big.bin")
    target = tmp_path / "out.bin"
    await asyncio.wait_for(upload.save(target, buffer_size=1024), 5)
    assert target.read_bytes() == b"x" * 100_000
    assert threads and threads[0] != threading.get_ident()


async def test_save_to_a_file_object_leaves_it_open() -> None:
    upload = FileStorage(BytesIO(b"data"), filename="d.bin")
    destination = BytesIO()
    await upload.save(destination)  # type: ignore[arg-type]
    assert not destination.closed
    assert destination.getvalue() == b"data"


async def test_load_replaces_the_content(tmp_path: Path) -> None:
    source = tmp_path / "source.txt"
    source.write_bytes(b"from disk")
    upload = FileStorage(BytesIO(b"old content that is longer"), filename="s.txt")
    await upload.load(source)
    assert upload.read() == b"from disk"


async def test_request_files_are_quart_file_storages(
    app: Quart, client: QuartClient, tmp_path: Path
) -> None:
    @app.post("/")
    async def index() -> Any:
        upload = (await request.files)["doc"]
        await upload.save(tmp_path / "doc.txt")
        return {"type": type(upload).__module__ + "." + type(upload).__name__}

    sent = WerkzeugFileStorage(BytesIO(b"hello"), filename="doc.txt")
    response = await client.post("/", files={"doc": sent})
    assert await response.get_json() == {"type": "quart.datastructures.FileStorage"}
    assert (tmp_path / "doc.txt").read_bytes() == b"hello"
