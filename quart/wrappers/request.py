"""The HTTP request: werkzeug's sans-IO request plus a body that is read
from the connection only when the handler asks for it."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from typing import Any
from typing import NoReturn

from werkzeug.datastructures import CombinedMultiDict
from werkzeug.datastructures import FileStorage
from werkzeug.datastructures import Headers
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.exceptions import RequestTimeout
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.formparser import FormDataParser

from ..globals import _cv_app
from ..typing import Scope
from .base import BaseRequestWebsocket

#: Returns the next ``(data, more_body)`` chunk of a request body.
BodySource = Callable[[], Awaitable[tuple[bytes, bool]]]
#: Sends an HTTP/2 push promise: ``(path, request headers)``.
PushPromiseSender = Callable[[str, Headers], Awaitable[None]]
#: Sends a 103 Early Hints response: a list of ``Link`` header values.
EarlyHintsSender = Callable[[list[str]], Awaitable[None]]
#: Request headers a pushed request inherits (as Quart does).
SERVER_PUSH_HEADERS_TO_COPY = frozenset(
    {"accept", "accept-encoding", "accept-language", "cache-control", "user-agent"}
)

_UNSET: Any = object()


def _config(key: str) -> Any:
    ctx = _cv_app.get(None)
    return None if ctx is None else ctx.app.config[key]


class Body:
    """A request body: an async iterable of chunks, read on demand.

    ``max_content_length`` and ``timeout`` default to the app's
    ``MAX_CONTENT_LENGTH`` and ``BODY_TIMEOUT`` and may be set per request.
    Going over the limit raises 413, running out of time raises 408.
    """

    __slots__ = (
        "_consumed",
        "_data",
        "_source",
        "expected_length",
        "max_content_length",
        "timeout",
    )

    def __init__(self, source: BodySource | None, expected_length: int | None) -> None:
        self._source = source
        self._data: bytes | None = None if source is not None else b""
        self._consumed = False
        self.expected_length = expected_length
        self.max_content_length: int | None = _UNSET
        self.timeout: float | None = _UNSET

    @classmethod
    def from_data(cls, data: bytes) -> Body:
        """A body that is already complete (test request contexts)."""
        body = cls(None, len(data))
        body._data = data
        return body

    def _limits(self) -> tuple[int | None, float | None]:
        limit = self.max_content_length
        if limit is _UNSET:
            limit = _config("MAX_CONTENT_LENGTH")
        timeout = self.timeout
        if timeout is _UNSET:
            timeout = _config("BODY_TIMEOUT")
        return limit, timeout

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    def _begin(self) -> tuple[int | None, float | None]:
        """Check the declared length and return ``(limit, deadline)``."""
        if self._consumed:
            raise RuntimeError("The request body was already streamed.")
        self._consumed = True
        limit, timeout = self._limits()
        expected = self.expected_length
        if limit is not None and expected is not None and expected > limit:
            raise RequestEntityTooLarge()
        if timeout is None:
            return limit, None
        return limit, asyncio.get_running_loop().time() + timeout

    async def _next(self, deadline: float | None) -> tuple[bytes, bool]:
        assert self._source is not None
        try:
            async with asyncio.timeout_at(deadline):
                return await self._source()
        except TimeoutError:
            raise RequestTimeout() from None

    async def _iterate(self) -> AsyncIterator[bytes]:
        if self._data is not None:
            if self._data:
                yield self._data
            return
        limit, deadline = self._begin()
        received = 0
        more = True
        while more:
            chunk, more = await self._next(deadline)
            received += len(chunk)
            if limit is not None and received > limit:
                raise RequestEntityTooLarge()
            if chunk:
                yield chunk

    async def read(self, cache: bool = True) -> bytes:
        """The whole body; cached so later reads (and the form parser) see it."""
        if self._data is not None:
            return self._data
        limit, deadline = self._begin()
        chunk, more = await self._next(deadline)
        if more:  # several messages: collect them
            chunks = [chunk]
            received = len(chunk)
            while more:
                if limit is not None and received > limit:
                    raise RequestEntityTooLarge()
                chunk, more = await self._next(deadline)
                received += len(chunk)
                chunks.append(chunk)
            chunk = b"".join(chunks)
        if limit is not None and len(chunk) > limit:
            raise RequestEntityTooLarge()
        if cache:
            self._data = chunk
        return chunk


def _content_length(headers: Headers) -> int | None:
    """The declared body length (``None`` if absent, invalid or chunked)."""
    value = None
    for key, item in headers.items():
        lowered = key.lower()
        if lowered == "content-length":
            value = item
        elif lowered == "transfer-encoding":
            return None
    if value is None:
        return None
    try:
        length = int(value)
    except ValueError:
        return None
    return length if length >= 0 else None


class Request(BaseRequestWebsocket):
    """An HTTP request. Headers, args, cookies and the rest are available at
    once; the body is awaited: ``await request.get_data()``,
    ``await request.form``, ``await request.get_json()``, or streamed with
    ``async for chunk in request.body``."""

    body_class = Body
    form_data_parser_class = FormDataParser
    # Set by the ASGI layer where the server supports them (HTTP/2 and up).
    _send_push_promise: PushPromiseSender | None = None
    _send_early_hints: EarlyHintsSender | None = None
    # Per-request state, read from these class defaults until first set.
    _form: MultiDict[str, str] | None = None
    _files: MultiDict[str, FileStorage] | None = None
    _json: Any = _UNSET
    _json_silent: Any = _UNSET
    _max_form_memory_size: int | None = _UNSET
    _max_form_parts: int | None = _UNSET

    def __init__(
        self,
        method: str,
        scheme: str,
        path: str,
        query_string: bytes,
        headers: Headers,
        root_path: str,
        http_version: str,
        scope: Scope,
        *,
        body: Body | BodySource | None = None,
        send_push_promise: PushPromiseSender | None = None,
        send_early_hints: EarlyHintsSender | None = None,
    ) -> None:
        super().__init__(
            method, scheme, path, query_string, headers, root_path, http_version, scope
        )
        if send_push_promise is not None:
            self._send_push_promise = send_push_promise
        if send_early_hints is not None:
            self._send_early_hints = send_early_hints
        self._body = body

    @property
    def body(self) -> Body:
        """The request body (created on first use: a GET never pays for it)."""
        body = self._body
        if not isinstance(body, Body):
            body = self._body = self.body_class(body, _content_length(self.headers))
        return body

    # -- limits -----------------------------------------------------------
    @property
    def max_content_length(self) -> int | None:
        """The most body bytes accepted (413 beyond); defaults to
        ``MAX_CONTENT_LENGTH`` and can be set for this request."""
        return self.body._limits()[0]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self.body.max_content_length = value

    @property
    def body_timeout(self) -> float | None:
        """Seconds allowed to receive the body (408 after); ``BODY_TIMEOUT``."""
        return self.body._limits()[1]

    @body_timeout.setter
    def body_timeout(self, value: float | None) -> None:
        self.body.timeout = value

    @property
    def max_form_memory_size(self) -> int | None:
        """Largest non-file form field in bytes; ``MAX_FORM_MEMORY_SIZE``."""
        if self._max_form_memory_size is _UNSET:
            return _config("MAX_FORM_MEMORY_SIZE")  # type: ignore[no-any-return]
        return self._max_form_memory_size

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value

    @property
    def max_form_parts(self) -> int | None:
        """Most multipart parts accepted; ``MAX_FORM_PARTS``."""
        if self._max_form_parts is _UNSET:
            return _config("MAX_FORM_PARTS")  # type: ignore[no-any-return]
        return self._max_form_parts

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._max_form_parts = value

    # -- body -------------------------------------------------------------
    async def get_data(
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> Any:
        """The raw body as bytes (or text with ``as_text``)."""
        if parse_form_data:
            await self._load_form_data()
        data = await self.body.read(cache)
        if as_text:
            return data.decode()
        return data

    @property
    def data(self) -> Awaitable[bytes]:
        """Awaitable raw body: ``await request.data``."""
        return self.get_data()

    async def _load_form_data(self) -> None:
        if self._form is not None:
            return
        data = await self.body.read()
        parser = self.make_form_data_parser()
        _, form, files = parser.parse(
            io.BytesIO(data), self.mimetype, len(data), self.mimetype_params
        )
        self._form, self._files = form, files

    def make_form_data_parser(self) -> FormDataParser:
        """The werkzeug parser for form bodies, with this request's limits."""
        return self.form_data_parser_class(
            max_form_memory_size=self.max_form_memory_size,
            max_content_length=self.max_content_length,
            max_form_parts=self.max_form_parts,
            cls=self.parameter_storage_class,
        )

    async def _get_form(self) -> MultiDict[str, str]:
        await self._load_form_data()
        assert self._form is not None
        return self._form

    async def _get_files(self) -> MultiDict[str, FileStorage]:
        await self._load_form_data()
        assert self._files is not None
        return self._files

    async def _get_values(self) -> CombinedMultiDict[str, str]:
        sources: list[MultiDict[str, str]] = [self.args]
        if self.method != "GET":
            sources.append(await self._get_form())
        return CombinedMultiDict(sources)

    @property
    def form(self) -> Awaitable[MultiDict[str, str]]:
        """Awaitable form fields of a urlencoded or multipart body."""
        return self._get_form()

    @property
    def files(self) -> Awaitable[MultiDict[str, FileStorage]]:
        """Awaitable uploaded files of a multipart body."""
        return self._get_files()

    @property
    def values(self) -> Awaitable[CombinedMultiDict[str, str]]:
        """Awaitable ``args`` combined with ``form`` (just ``args`` for GET)."""
        return self._get_values()

    # -- HTTP/2 extras ----------------------------------------------------
    async def send_push_promise(self, path: str) -> None:
        """Ask the server to push ``path`` (a same-origin path such as
        ``/static/app.css``) along with this response. Works where the
        server supports ASGI server push (HTTP/2 and later); does nothing
        otherwise, so it is always safe to call."""
        sender = self._send_push_promise
        if sender is None:
            return
        headers = Headers()
        for name, value in self.headers.items():
            if name.lower() in SERVER_PUSH_HEADERS_TO_COPY:
                headers.add(name, value)
        await sender(path, headers)

    async def send_early_hints(self, *links: str) -> None:
        """Send a ``103 Early Hints`` response with these ``Link`` header
        values (``'</app.css>; rel=preload; as=style'``) before the real
        one, so the browser can start fetching them. Works where the server
        supports ASGI early hints (HTTP/2 and later); does nothing otherwise.
        Call it before the view returns."""
        sender = self._send_early_hints
        if sender is None or not links:
            return
        await sender(list(links))

    # -- JSON -------------------------------------------------------------
    @property
    def json(self) -> Awaitable[Any]:
        """Awaitable parsed JSON body; 415 if the body is not JSON."""
        return self.get_json()

    async def get_json(
        self, force: bool = False, silent: bool = False, cache: bool = True
    ) -> Any:
        """Parse the body as JSON.

        :param force: ignore the content type.
        :param silent: return ``None`` instead of raising on bad input.
        :param cache: remember the result for later calls.
        """
        cached = self._json_silent if silent else self._json
        if cache and cached is not _UNSET:
            return cached
        if not (force or self.is_json):
            if silent:
                return None
            return self.on_json_loading_failed(None)
        data = await self.get_data(cache=cache)
        try:
            result = self.json_module.loads(data)
        except ValueError as error:
            if not silent:
                return self.on_json_loading_failed(error)
            result = None
            if cache:
                self._json_silent = None
            return result
        if cache:
            self._json = self._json_silent = result
        return result

    def on_json_loading_failed(self, e: ValueError | None) -> NoReturn:
        """Raise 400 for malformed JSON (with the parser's message only in
        debug mode), 415 for a non-JSON content type."""
        if e is not None:
            ctx = _cv_app.get(None)
            if ctx is not None and ctx.app.debug:
                raise BadRequest(f"Failed to decode JSON object: {e}")
            raise BadRequest()  # as Flask: no parser details outside debug
        raise UnsupportedMediaType(
            "Did not attempt to load JSON data because the request"
            " Content-Type was not 'application/json'."
        )
