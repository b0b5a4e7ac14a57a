"""Data structures of the request body: :class:`FileStorage`, an uploaded
file whose disk I/O does not block the event loop."""

from __future__ import annotations

import os
import shutil
from typing import IO
from typing import Any

from werkzeug.datastructures import FileStorage as WerkzeugFileStorage
from werkzeug.datastructures import Headers

from .sync import run_sync

__all__ = ["FileStorage"]

PathLike = str | os.PathLike[str]


class FileStorage(WerkzeugFileStorage):
    """An uploaded file, as found in ``await request.files``.

    Everything werkzeug's :class:`~werkzeug.datastructures.FileStorage` has
    (``filename``, ``content_type``, ``stream``, ``read()``, ...) works, and
    it is one, so ``isinstance`` checks written for Flask pass. Writing it
    to disk is a coroutine that runs the copy in a worker thread::

        upload = (await request.files)["upload"]
        await upload.save(f"/uploads/{secure_filename(upload.filename)}")
    """

    def __init__(
        self,
        stream: IO[bytes] | None = None,
        filename: str | None = None,
        name: str | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        headers: Headers | None = None,
    ) -> None:
        super().__init__(stream, filename, name, content_type, content_length, headers)

    async def save(  # type: ignore[override]
        self, destination: PathLike | IO[bytes], buffer_size: int = 16384
    ) -> None:
        """Write the file to ``destination`` (a path, or a binary file
        object) in a worker thread, ``buffer_size`` bytes at a time. A file
        object passed in is not closed."""
        await run_sync(self._save)(destination, buffer_size)

    async def load(self, source: PathLike, buffer_size: int = 16384) -> None:
        """Replace the file's content with that of the file at ``source``,
        read in a worker thread (useful to build uploads in tests)."""
        await run_sync(self._load)(source, buffer_size)

    def _save(self, destination: Any, buffer_size: int) -> None:
        WerkzeugFileStorage.save(self, destination, buffer_size)

    def _load(self, source: PathLike, buffer_size: int) -> None:
        self.stream.seek(0)
        self.stream.truncate()
        with open(source, "rb") as file:
            shutil.copyfileobj(file, self.stream, buffer_size)
        self.stream.seek(0)
