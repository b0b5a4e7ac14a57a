"""Form body parsing: urlencoded and multipart bodies into ``form`` and
``files`` multidicts, reading the request :class:`~quart.wrappers.Body`.

Multipart bodies are decoded as they arrive (werkzeug's sans-IO
:class:`~werkzeug.sansio.multipart.MultipartDecoder`): file parts go to a
spooled temporary file chunk by chunk, so an upload never has to fit in
memory, and only non-file fields count toward ``max_form_memory_size``.
"""

from __future__ import annotations

from collections.abc import Awaitable
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO
from typing import TYPE_CHECKING
from typing import Any
from typing import NoReturn
from typing import TypeAlias
from urllib.parse import parse_qsl

from werkzeug.datastructures import Headers
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import default_stream_factory
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data
from werkzeug.sansio.multipart import Epilogue
from werkzeug.sansio.multipart import Field
from werkzeug.sansio.multipart import File
from werkzeug.sansio.multipart import MultipartDecoder
from werkzeug.sansio.multipart import NeedData

from .datastructures import FileStorage

if TYPE_CHECKING:
    from .wrappers.request import Body

__all__ = ["FormDataParser", "MultiPartParser", "ParserFunc", "StreamFactory"]

#: Makes the file an uploaded file part is written to:
#: ``(total_content_length, content_type, filename, content_length)``.
StreamFactory: TypeAlias = Callable[
    [int | None, str | None, str | None, int | None], IO[bytes]
]
#: What parsing gives: ``(form, files)``.
FormResults: TypeAlias = tuple[MultiDict[str, Any], MultiDict[str, Any]]
#: Parses one kind of form body:
#: ``(parser, body, mimetype, content_length, options) -> (form, files)``.
ParserFunc: TypeAlias = Callable[
    ["FormDataParser", "Body", str, int | None, dict[str, str]],
    Awaitable[FormResults],
]

#: Part charsets honoured; anything else is decoded as UTF-8 (as werkzeug).
_PART_CHARSETS = frozenset({"ascii", "us-ascii", "utf-8", "iso-8859-1"})


class FormDataParser:
    """Parses ``multipart/form-data`` and ``application/x-www-form-urlencoded``
    bodies; any other body gives two empty multidicts without being read.

    :param cls: the multidict class of the results.
    :param max_content_length: for the body as a whole; the :class:`Body`
        enforces it as it is read.
    :param max_form_memory_size: the most bytes a non-file field may have
        (a whole urlencoded body counts as fields); 413 beyond.
    :param max_form_parts: the most multipart parts, or urlencoded fields;
        413 beyond.
    :param silent: return empty results for a malformed body instead of
        raising :class:`ValueError` (the request parses with ``False`` and
        answers 400).
    :param stream_factory: makes the file each uploaded file is written to.
    """

    #: The class of uploaded files.
    file_storage_class = FileStorage

    def __init__(
        self,
        *,
        cls: type[MultiDict[str, Any]] | None = MultiDict,
        max_content_length: int | None = None,
        max_form_memory_size: int | None = None,
        max_form_parts: int | None = None,
        silent: bool = True,
        stream_factory: StreamFactory = default_stream_factory,
    ) -> None:
        self.cls: type[MultiDict[str, Any]] = MultiDict if cls is None else cls
        self.max_content_length = max_content_length
        self.max_form_memory_size = max_form_memory_size
        self.max_form_parts = max_form_parts
        self.silent = silent
        self.stream_factory = stream_factory

    def get_parse_func(
        self, mimetype: str, options: dict[str, str]
    ) -> ParserFunc | None:
        """The function that parses bodies of ``mimetype``, if any."""
        return self.parse_functions.get(mimetype)

    async def parse(
        self,
        body: Body,
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> FormResults:
        """``(form, files)`` from ``body``. A malformed body raises
        :class:`ValueError` unless ``silent``; limits raise 413 either way."""
        if options is None:
            options = {}
        parse_func = self.get_parse_func(mimetype, options)
        if parse_func is None:
            return self.cls(), self.cls()
        try:
            return await parse_func(self, body, mimetype, content_length, options)
        except ValueError:
            if not self.silent:
                raise
        return self.cls(), self.cls()

    async def _parse_multipart(
        self,
        body: Body,
        mimetype: str,
        content_length: int | None,
        options: dict[str, str],
    ) -> FormResults:
        boundary = options.get("boundary", "").encode("ascii", "replace")
        if not boundary:
            raise ValueError(
                "The multipart/form-data Content-Type has no boundary parameter."
            )
        parser = MultiPartParser(
            cls=self.cls,
            file_storage_cls=self.file_storage_class,
            max_content_length=self.max_content_length,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            stream_factory=self.stream_factory,
        )
        return await parser.parse(body, boundary, content_length)  # type: ignore[arg-type]

    async def _parse_urlencoded(
        self,
        body: Body,
        mimetype: str,
        content_length: int | None,
        options: dict[str, str],
    ) -> FormResults:
        limit = self.max_form_memory_size
        if limit is not None and content_length is not None and content_length > limit:
            raise RequestEntityTooLarge()
        data = await body
        if limit is not None and len(data) > limit:
            raise RequestEntityTooLarge()
        parts = self.max_form_parts
        if parts is not None and data.count(b"&") >= parts:
            raise RequestEntityTooLarge()
        try:
            text = data.decode()
        except UnicodeDecodeError:
            raise ValueError("The urlencoded form body is not valid UTF-8.") from None
        items = parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")
        return self.cls(items), self.cls()

    #: Parse function per mimetype; add to it (in a subclass) to parse more.
    parse_functions: dict[str, ParserFunc] = {
        "multipart/form-data": _parse_multipart,
        "application/x-www-form-urlencoded": _parse_urlencoded,
    }


@dataclass(kw_only=True, eq=False)
class MultiPartParser:
    """Decodes a ``multipart/form-data`` body as it is read.

    Non-file fields are kept in memory, each at most
    ``max_form_memory_size`` bytes; file parts are written, a chunk at a
    time, to files from ``stream_factory`` (spooled to disk past 500 KB by
    default) and count only toward the body's ``max_content_length``.
    """

    buffer_size: int = 64 * 1024
    cls: type[MultiDict[str, Any]] = MultiDict
    file_storage_cls: type[FileStorage] = FileStorage
    max_content_length: int | None = None
    max_form_memory_size: int | None = None
    max_form_parts: int | None = None
    stream_factory: StreamFactory = default_stream_factory

    def fail(self, message: str) -> NoReturn:
        """Refuse the body as malformed."""
        raise ValueError(message)

    def get_part_charset(self, headers: Headers) -> str:
        """The charset a field is decoded with: its ``Content-Type``'s if it
        is a safe one, else UTF-8."""
        content_type = headers.get("content-type")
        if content_type:
            charset = parse_options_header(content_type)[1].get("charset", "").lower()
            if charset in _PART_CHARSETS:
                return charset
        return "utf-8"

    def start_file_streaming(self, event: File, total_content_length: int) -> IO[bytes]:
        """The file an uploaded file part is written to."""
        try:
            content_length = int(event.headers["content-length"])
        except (KeyError, ValueError):
            content_length = 0
        return self.stream_factory(
            total_content_length,
            event.headers.get("content-type"),
            event.filename,
            content_length,
        )

    async def parse(
        self, body: Body, boundary: bytes, content_length: int
    ) -> FormResults:
        """``(form, files)`` from the multipart ``body``; raises
        :class:`ValueError` if it is malformed or cut short, 413 past a
        limit. An empty body is an empty form."""
        decoder = MultipartDecoder(boundary, max_parts=self.max_form_parts)
        state = _PartState(self)
        received = False
        # Werkzeug's decoder turns the CR before a closing delimiter into part
        # data when its input stops right after "--boundary-"; such a byte is
        # held back until the next chunk shows what follows it.
        cut_closing = b"--" + boundary + b"-"
        held = b""
        async for chunk in body:
            received = True
            for start in range(0, len(chunk), self.buffer_size):
                piece = held + chunk[start : start + self.buffer_size]
                held = b""
                if piece.endswith(cut_closing):
                    piece, held = piece[:-1], piece[-1:]
                decoder.receive_data(piece)
                self._drain(decoder, state, content_length)
        if not received:
            return self.cls(), self.cls()
        if held:
            decoder.receive_data(held)
            self._drain(decoder, state, content_length)
        decoder.receive_data(None)
        self._drain(decoder, state, content_length)
        if not state.finished:
            self.fail("The multipart body ended before its closing boundary.")
        return self.cls(state.fields), self.cls(state.files)

    def _drain(
        self, decoder: MultipartDecoder, state: _PartState, content_length: int
    ) -> None:
        try:
            event = decoder.next_event()
            while not isinstance(event, NeedData):
                if isinstance(event, Epilogue):
                    state.finished = True
                    return
                state.handle(event, content_length)
                event = decoder.next_event()
        except ValueError as error:
            self.fail(f"The multipart body is malformed: {error}")
        # What the decoder holds between events (a preamble, part headers) is
        # memory a client controls too.
        limit = self.max_form_memory_size
        if limit is not None and len(decoder.buffer) > limit:
            raise RequestEntityTooLarge()


class _PartState:
    """The part being decoded and the results so far."""

    __slots__ = ("container", "fields", "files", "finished", "parser", "part", "size")

    def __init__(self, parser: MultiPartParser) -> None:
        self.parser = parser
        self.fields: list[tuple[str, str]] = []
        self.files: list[tuple[str, FileStorage]] = []
        self.finished = False
        self.part: Field | File | None = None
        self.container: list[bytes] | IO[bytes] = []
        self.size = 0

    def handle(self, event: object, content_length: int) -> None:
        parser = self.parser
        if isinstance(event, File):
            self.part = event
            self.container = parser.start_file_streaming(event, content_length)
        elif isinstance(event, Field):
            self.part = event
            self.container = []
            self.size = 0
        elif isinstance(event, Data):
            part = self.part
            container = self.container
            if isinstance(container, list):
                self.size += len(event.data)
                limit = parser.max_form_memory_size
                if limit is not None and self.size > limit:
                    raise RequestEntityTooLarge()
                container.append(event.data)
            else:
                container.write(event.data)
            if event.more_data or part is None:
                return
            if isinstance(container, list):
                charset = parser.get_part_charset(part.headers)
                value = b"".join(container).decode(charset, "replace")
                self.fields.append((part.name, value))
            else:
                assert isinstance(part, File)
                container.seek(0)
                self.files.append(
                    (
                        part.name,
                        parser.file_storage_cls(
                            container, part.filename, part.name, headers=part.headers
                        ),
                    )
                )
            self.part = None
