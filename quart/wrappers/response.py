"""The HTTP response: werkzeug's sans-IO response plus an async body.

A body is a :class:`ResponseBody`: an async context manager yielding an
async iterator of ``bytes`` chunks. Data, sync and async iterables and files
each have one; the ASGI layer sends whatever the body yields.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
from collections.abc import AsyncGenerator
from collections.abc import AsyncIterable
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Iterable
from http import HTTPStatus
from pathlib import Path
from typing import IO
from typing import TYPE_CHECKING
from typing import Any
from typing import Self

from werkzeug.datastructures import Headers
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.http import generate_etag
from werkzeug.http import http_date
from werkzeug.http import parse_etags
from werkzeug.http import parse_range_header
from werkzeug.http import remove_entity_headers
from werkzeug.sansio.http import is_resource_modified
from werkzeug.sansio.response import Response as SansIOResponse
from werkzeug.utils import get_content_type

from .. import json
from ..globals import _cv_app
from ..sync import run_sync_iterable
from .headers import CheckedHeaders
from .headers import check_header_value
from .headers import headers_from_pairs

if TYPE_CHECKING:
    from .request import Request

_TEXT_TYPES = (str, bytes)
#: Status lines of the known codes, as werkzeug spells them.
_STATUS_LINES = {
    code: f"{code} {name.upper()}" for code, name in HTTP_STATUS_CODES.items()
}
#: ``Response.timeout`` value meaning "use the app's ``RESPONSE_TIMEOUT``":
#: ``...``, as in Quart (server adapters such as quart-trio test for it).
DEFAULT_TIMEOUT: Any = ...


def _raise_if_invalid_range(begin: int, end: int, size: int) -> None:
    """Raise 416 Range Not Satisfiable unless ``begin`` to ``end``
    (exclusive) is a non-empty range within ``size`` bytes (``begin`` may
    count from the end when negative). For bodies that take a range as
    given rather than clamp it (quart-trio's file body)."""
    if begin >= end or abs(begin) > size or end > size:
        raise RequestedRangeNotSatisfiable(size)


@functools.lru_cache(maxsize=64)
def _content_type_for(mimetype: str) -> str:
    """``mimetype`` with werkzeug's charset rule applied, checked once."""
    return check_header_value(get_content_type(mimetype, "utf-8"))


class ResponseBody:
    """Base of response bodies, async context managers that are async
    iterables of ``bytes``::

        async with body as chunks:
            async for chunk in chunks:
                ...

    A body whose size is known supports ranges: :meth:`make_conditional`
    limits it to a byte range.
    """

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    def __aiter__(self) -> AsyncIterator[bytes]:
        raise NotImplementedError

    @property
    def length(self) -> int | None:
        """The size in bytes if known without reading; enables ranges."""
        return None

    def limit_range(self, begin: int, end: int) -> None:
        """Only yield bytes ``begin`` to ``end`` (exclusive)."""
        raise NotImplementedError

    async def make_conditional(self, begin: int, end: int | None) -> int:
        """Only yield the byte range ``begin`` (negative: from the end) to
        ``end`` (exclusive; ``None``: to the end); returns the complete
        length."""
        length = self.length
        if length is None:
            raise TypeError(f"{type(self).__name__} has no known length.")
        if begin < 0:
            begin = max(length + begin, 0)
        end = length if end is None else min(end, length)
        self.limit_range(begin, max(begin, end))
        return length


class DataBody(ResponseBody):
    """A body that is a single ``bytes`` value."""

    __slots__ = ("begin", "data", "end")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.begin = 0
        self.end = len(data)

    async def __aenter__(self) -> DataBody:
        return self

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[bytes]:
        yield self.data[self.begin : self.end]

    @property
    def length(self) -> int:
        return len(self.data)

    def limit_range(self, begin: int, end: int) -> None:
        self.begin, self.end = begin, end

    async def make_conditional(self, begin: int, end: int | None) -> int:
        return await super().make_conditional(begin, end)


class IterableBody(ResponseBody):
    """A body from an iterable or async iterable of ``bytes`` or ``str``.

    Generators run chunk by chunk in worker threads so that blocking code in
    them does not block the loop; async iterables are iterated directly and
    closed when sending ends, so their cleanup runs even on disconnect.
    """

    # Until first iterated; a subclass's __init__ may set only ``iter``
    # (quart-trio's).
    _iterator: AsyncIterator[Any] | None = None

    def __init__(self, iterable: AsyncIterable[Any] | Iterable[Any]) -> None:
        #: The async iterable sent (Quart's name).
        self.iter: AsyncIterable[Any]
        if isinstance(iterable, AsyncIterable):
            self.iter = iterable
        elif inspect.isgenerator(iterable):
            self.iter = run_sync_iterable(iterable)
        else:
            self.iter = _aiter_sync(iterable)

    async def __aenter__(self) -> IterableBody:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        aclose = getattr(self._iterator, "aclose", None)
        if aclose is not None:
            await aclose()

    def __aiter__(self) -> AsyncIterator[Any]:
        if self._iterator is None:
            self._iterator = aiter(self.iter)
        return self._encoded(self._iterator)

    @staticmethod
    async def _encoded(iterator: AsyncIterator[Any]) -> AsyncIterator[bytes]:
        async for chunk in iterator:
            yield chunk.encode() if isinstance(chunk, str) else bytes(chunk)


async def _aiter_sync(iterable: Iterable[Any]) -> AsyncIterator[Any]:
    for item in iterable:
        yield item


class _ChunkedReader(ResponseBody):
    """A seekable binary file read from ``begin`` to ``end`` in worker
    threads, ``buffer_size`` bytes at a time; the body is its own iterator.
    Entering opens the file (:meth:`_open`), leaving closes it."""

    #: Bytes read per chunk.
    buffer_size: int = 64 * 1024
    #: Where the body starts in the file; ranges count from there.
    offset: int = 0
    size: int
    begin: int
    end: int
    _file: IO[bytes] | None = None
    _position: int

    async def _open(self) -> IO[bytes]:
        raise NotImplementedError

    @property
    def length(self) -> int:
        return self.size

    def limit_range(self, begin: int, end: int) -> None:
        self.begin, self.end = self.offset + begin, self.offset + end

    async def __aenter__(self) -> Self:
        self._file = await self._open()
        self._position = self.begin
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        file, self._file = self._file, None
        if file is not None:
            file.close()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> bytes:
        file = self._file
        if file is None:
            raise RuntimeError(f"Use 'async with' to read a {type(self).__name__}.")
        remaining = self.end - self._position
        if remaining <= 0:
            raise StopAsyncIteration
        loop = asyncio.get_running_loop()
        if self._position == self.begin:
            await loop.run_in_executor(None, file.seek, self.begin)
        chunk = await loop.run_in_executor(
            None, file.read, min(self.buffer_size, remaining)
        )
        if not chunk:
            self._position = self.end
            raise StopAsyncIteration
        self._position += len(chunk)
        return chunk


class FileBody(_ChunkedReader):
    """A file on disk, opened and read in chunks in worker threads."""

    def __init__(
        self, file_path: str | os.PathLike[str], *, buffer_size: int | None = None
    ) -> None:
        self.file_path = Path(file_path)
        if buffer_size is not None:
            self.buffer_size = buffer_size
        self.size = self.file_path.stat().st_size
        self.begin = 0
        self.end = self.size
        self._position = 0

    async def _open(self) -> IO[bytes]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.file_path.open, "rb")


class IOBody(_ChunkedReader):
    """A seekable binary file-like object, read in chunks in worker threads
    from its position when the body was made; closed when sent."""

    def __init__(self, io_stream: IO[bytes], *, buffer_size: int | None = None) -> None:
        self.io_stream = io_stream
        if buffer_size is not None:
            self.buffer_size = buffer_size
        start = io_stream.tell()
        self.size = io_stream.seek(0, os.SEEK_END) - start
        io_stream.seek(start)
        self.offset = start
        self.begin = start
        self.end = start + self.size
        self._position = start

    async def _open(self) -> IO[bytes]:
        return self.io_stream


class Response(SansIOResponse):
    """An HTTP response.

    :param response: the body: ``str``/``bytes``, an iterable or async
        iterable of chunks (streamed), or a :class:`ResponseBody`.
    """

    default_mimetype: str | None = "text/html"
    #: Seconds allowed to send the body; defaults to ``RESPONSE_TIMEOUT``.
    timeout: float | None = DEFAULT_TIMEOUT
    json_module: Any = json
    automatically_set_content_length = True
    #: Reading a streamed body (``get_data``, ``data``) keeps it in memory
    #: so it can be read again; if ``False`` it is read through once.
    implicit_sequence_conversion = True
    _default_content_type_cache: tuple[str | None, str | None] | None = None

    data_body_class = DataBody
    file_body_class = FileBody
    io_body_class = IOBody
    iterable_body_class = IterableBody

    def __init__(
        self,
        response: Any = None,
        status: int | str | None = None,
        headers: Headers | Any = None,
        mimetype: str | None = None,
        content_type: str | None = None,
    ) -> None:
        self.response: ResponseBody
        if (
            not headers
            and content_type is None
            and type(response) in _TEXT_TYPES
            and self.automatically_set_content_length
        ):
            # The common case (a view returned text, or JSON): both headers
            # are new and known to be valid, so werkzeug's lookups and
            # checks are skipped.
            data = response.encode() if type(response) is str else response
            content_type = (
                self._default_content_type()
                if mimetype is None
                else _content_type_for(mimetype)
            )
            length = str(len(data))
            self._headers = headers_from_pairs(
                [("Content-Type", content_type), ("Content-Length", length)]
                if content_type is not None
                else [("Content-Length", length)],
                CheckedHeaders,
            )
            self.status = self.default_status if status is None else status
            self.response = self.data_body_class(data)
            return
        if content_type is None and mimetype is None and not headers:
            content_type = self._default_content_type()
        if not isinstance(headers, CheckedHeaders):
            headers = CheckedHeaders(headers) if headers else CheckedHeaders()
        super().__init__(status, headers, mimetype, content_type)
        if response is None:
            self.set_data(b"")
        elif isinstance(response, ResponseBody):
            self.response = response
        elif isinstance(response, (str, bytes, bytearray, memoryview)):
            self.set_data(response)
        else:
            self.response = self.iterable_body_class(response)

    @property
    def headers(self) -> CheckedHeaders:
        """The response headers, a :class:`~quart.wrappers.headers.CheckedHeaders`:
        names and values with CR, LF or NUL are refused where they are set.
        Assigning other headers copies them into one, checking each."""
        return self._headers

    @headers.setter
    def headers(self, headers: Headers | Any) -> None:
        if not isinstance(headers, CheckedHeaders):
            headers = CheckedHeaders(headers)
        self._headers = headers

    @property
    def status(self) -> str:
        """The status line, such as ``"200 OK"``; set it to a line or a code."""
        return self._status

    @status.setter
    def status(self, value: str | int | HTTPStatus) -> None:
        line = _STATUS_LINES.get(value) if type(value) is int else None
        if line is None:
            SansIOResponse.status.fset(self, value)  # type: ignore[attr-defined]
        else:  # a known code: werkzeug's parsing would give the same
            self._status, self._status_code = line, value  # type: ignore[assignment]

    @classmethod
    def _default_content_type(cls) -> str | None:
        """``default_mimetype`` with its charset, computed once per value: a
        subclass with another ``default_mimetype`` caches its own."""
        cached = cls._default_content_type_cache
        if cached is None or cached[0] != cls.default_mimetype:
            mimetype = cls.default_mimetype
            value = get_content_type(mimetype, "utf-8") if mimetype else None
            cached = cls._default_content_type_cache = (mimetype, value)
        return cached[1]

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """``MAX_COOKIE_SIZE`` of the current app (werkzeug's default else)."""
        ctx = _cv_app.get(None)
        if ctx is None:
            return super().max_cookie_size
        return ctx.app.config["MAX_COOKIE_SIZE"]  # type: ignore[no-any-return]

    # -- body -------------------------------------------------------------
    def set_data(self, data: str | bytes | bytearray | memoryview) -> None:
        """Replace the body with ``data`` and set ``Content-Length``."""
        data = data.encode() if isinstance(data, str) else bytes(data)
        self.response = self.data_body_class(data)
        if self.automatically_set_content_length:
            self.headers["Content-Length"] = str(len(data))

    async def get_data(self, as_text: bool = False) -> Any:
        """The whole body. A streamed body is read, and kept as data so it
        can be read again, unless :attr:`implicit_sequence_conversion` is
        off (then it is read through once)."""
        body = self.response
        if not isinstance(body, DataBody):
            if self.implicit_sequence_conversion:
                await self.make_sequence()
                body = self.response
            else:
                data = b"".join([chunk async for chunk in self.iter_encode()])
                return data.decode() if as_text else data
        data = body.data[body.begin : body.end]  # type: ignore[attr-defined]
        return data.decode() if as_text else data

    async def make_sequence(self) -> None:
        """Read a streamed body into memory (as a :class:`DataBody`), so it
        can be read more than once."""
        if not isinstance(self.response, DataBody):
            data = b"".join([chunk async for chunk in self.iter_encode()])
            self.response = self.data_body_class(data)

    async def iter_encode(self) -> AsyncGenerator[bytes, None]:
        """The body as ``bytes`` chunks, entering and leaving the body's
        context (a file is opened and closed, a generator closed)."""
        async with self.response as body:
            async for chunk in body:
                yield chunk

    async def freeze(self) -> None:
        """Read the body into memory and set ``Content-Length`` (whatever
        :attr:`implicit_sequence_conversion` says): ready to be cached or
        pickled."""
        await self.make_sequence()
        body = self.response
        assert isinstance(body, DataBody)
        self.headers["Content-Length"] = str(body.end - body.begin)

    @property
    def data(self) -> Awaitable[bytes]:
        """Awaitable body bytes; assigning sets the body."""
        return self.get_data()

    @data.setter
    def data(self, value: str | bytes) -> None:
        self.set_data(value)

    @property
    def json(self) -> Awaitable[Any]:
        """Awaitable parsed JSON body."""
        return self.get_json()

    async def get_json(self, force: bool = False, silent: bool = False) -> Any:
        """Parse the body as JSON (``None`` if not JSON, unless ``force``)."""
        if not (force or self.is_json):
            return None
        data = await self.get_data()
        try:
            return self.json_module.loads(data)
        except ValueError:
            if silent:
                return None
            raise

    async def add_etag(self, overwrite: bool = False, weak: bool = False) -> None:
        """Set an ETag computed from the body unless one is set."""
        if overwrite or "etag" not in self.headers:
            self.set_etag(generate_etag(await self.get_data()), weak)

    # -- conditional and range requests -----------------------------------
    async def make_conditional(
        self,
        request: Request,
        accept_ranges: bool | str = False,
        complete_length: int | None = None,
    ) -> Response:
        """Answer ``If-None-Match``/``If-Modified-Since`` with 304 (412 for a
        failed ``If-Match``) and ``Range`` with 206 or 416, for GET and HEAD.
        """
        if request.method not in ("GET", "HEAD"):
            return self
        if "date" not in self.headers:
            self.headers["Date"] = http_date()
        headers = request.headers
        is_partial = await self._process_range(request, accept_ranges, complete_length)
        if not is_partial and not is_resource_modified(
            http_range=headers.get("Range"),
            http_if_range=headers.get("If-Range"),
            http_if_modified_since=headers.get("If-Modified-Since"),
            http_if_none_match=headers.get("If-None-Match"),
            http_if_match=headers.get("If-Match"),
            etag=self.headers.get("etag"),
            last_modified=self.headers.get("last-modified"),
        ):
            if parse_etags(headers.get("If-Match")):
                self.status_code = 412
            else:
                self.status_code = 304
                # as werkzeug does: a 304 carries no representation metadata
                remove_entity_headers(self.headers)
            self.response = self.data_body_class(b"")
            self.headers.pop("Content-Length", None)
        return self

    async def _process_range(
        self,
        request: Request,
        accept_ranges: bool | str,
        complete_length: int | None,
    ) -> bool:
        if not accept_ranges:
            return False
        self.accept_ranges = "bytes" if accept_ranges is True else accept_ranges
        if complete_length is None:
            complete_length = self.response.length
        headers = request.headers
        if not complete_length or "Range" not in headers:
            return False
        if "If-Range" in headers and is_resource_modified(
            http_range=headers.get("Range"),
            http_if_range=headers.get("If-Range"),
            etag=self.headers.get("etag"),
            last_modified=self.headers.get("last-modified"),
            ignore_if_range=False,
        ):
            return False
        parsed = parse_range_header(headers.get("Range"))
        if parsed is None:
            raise RequestedRangeNotSatisfiable(complete_length)
        span = parsed.range_for_length(complete_length)
        content_range = parsed.to_content_range_header(complete_length)
        if span is None or content_range is None:
            raise RequestedRangeNotSatisfiable(complete_length)
        begin, end = span
        await self.response.make_conditional(begin, end)
        self.content_length = end - begin
        self.content_range = content_range
        self.status_code = 206
        return True
