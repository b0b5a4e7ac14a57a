"""The HTTP request: werkzeug's sans-IO request plus a body that is read
from the connection only when the handler asks for it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Generator
from typing import Any
from typing import Generic
from typing import NoReturn
from typing import TypeVar

from werkzeug.datastructures import CombinedMultiDict
from werkzeug.datastructures import Headers
from werkzeug.datastructures import MultiDict
from werkzeug.datastructures import iter_multi_items
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import ClientDisconnected
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.exceptions import RequestTimeout
from werkzeug.exceptions import UnsupportedMediaType

from ..datastructures import FileStorage
from ..formparser import FormDataParser
from ..globals import _cv_app
from ..typing import Scope
from .base import BaseRequestWebsocket
from .base import ClientDisconnectedError

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
T = TypeVar("T")
# Body states: nothing read yet, reading, everything read.
_FRESH, _READING, _DONE = 0, 1, 2


def _config(key: str) -> Any:
    ctx = _cv_app.get(None)
    return None if ctx is None else ctx.app.config[key]


class Body:
    """A request body: awaited whole, or iterated chunk by chunk as it
    arrives::

        data = await request.body          # as await request.get_data()
        async for chunk in request.body:   # without holding it all
            ...

    ``max_content_length`` (413 beyond) and ``timeout`` (seconds for the
    whole body, 408 after) apply to both; the request sets them from
    ``MAX_CONTENT_LENGTH`` and ``BODY_TIMEOUT``. A body awaited whole is
    kept, so awaiting it again (or iterating it) gives it again; a body
    iterated is not, and awaiting it afterwards gives what is left.

    The data comes from one of two places. The ASGI layer gives it a
    *source* (:meth:`set_source`) that it pulls chunks from on demand.
    Without one, a producer pushes the data in: :meth:`put` (waiting while
    a chunk is unread), :meth:`append`, :meth:`set_complete`,
    :meth:`set_result` and :meth:`disconnect`; this is how a body is built
    by hand, in tests or by another server adapter.

    :param expected_content_length: the declared ``Content-Length``, if
        any; a declared length over the limit is refused before any data.
    :param max_content_length: the most bytes accepted, or ``None``.
    """

    __slots__ = (
        "_complete",
        "_data",
        "_deadline",
        "_disconnected",
        "_drained",
        "_pending",
        "_pushed",
        "_readable",
        "_received",
        "_replay",
        "_source",
        "_state",
        "expected_content_length",
        "max_content_length",
        "timeout",
    )

    def __init__(
        self, expected_content_length: int | None, max_content_length: int | None
    ) -> None:
        self.expected_content_length = expected_content_length
        self.max_content_length = max_content_length
        #: Seconds allowed for the whole body, counted from the first read.
        self.timeout: float | None = None
        self._source: BodySource | None = None
        self._data: bytes | None = None
        self._replay = True
        self._state = _FRESH
        self._received = 0
        self._deadline: float | None = None
        self._pending = bytearray()
        self._pushed = 0
        self._complete = False
        self._disconnected = False
        self._readable: asyncio.Event | None = None
        self._drained: asyncio.Event | None = None

    @classmethod
    def from_data(cls, data: bytes) -> Body:
        """A body that is already complete (test request contexts)."""
        body = cls(len(data), None)
        body.set_result(data)
        return body

    def set_source(self, source: BodySource) -> None:
        """Read the body from ``source``, an async callable returning the
        next ``(data, more_body)``, when (and only as fast as) it is read."""
        self._source = source

    @property
    def data(self) -> bytes | None:
        """The whole body if it has been received and kept (by awaiting it,
        :meth:`set_result`, or a test request), else ``None``. Never
        waits: this is how sync code asks whether the body is there."""
        return self._data

    # -- reading --------------------------------------------------------------
    def __await__(self) -> Generator[Any, None, bytes]:
        return self.read().__await__()

    def __aiter__(self) -> Body:
        self._replay = True  # a kept body is given again to each loop
        return self

    async def __anext__(self) -> bytes:
        chunk = await self.get()
        if not chunk:
            raise StopAsyncIteration
        return chunk

    async def get(self) -> bytes:
        """The next chunk of the body, ``b""`` once all of it has been read.

        Raises 413 past ``max_content_length``, 408 past ``timeout`` and
        :class:`~quart.wrappers.ClientDisconnectedError` if the client goes
        away first.
        """
        data = self._data
        if data is not None:
            if self._replay:
                self._replay = False
                return data
            return b""
        state = self._state
        if state == _DONE:
            return b""
        if state == _FRESH:
            self._start()
        while True:
            chunk, more = await self._next()
            if not more:
                self._state = _DONE
            if chunk:
                self._received += len(chunk)
                limit = self.max_content_length
                if limit is not None and self._received > limit:
                    raise RequestEntityTooLarge()
                return chunk
            if not more:
                return b""

    async def read(self, cache: bool = True) -> bytes:
        """The rest of the body (all of it, unless it was partly iterated);
        kept for later reads if ``cache`` and read whole here."""
        data = self._data
        if data is not None:
            return data
        whole = self._state == _FRESH
        data = await self.get()
        if self._state != _DONE:  # several chunks: collect them
            chunks = [data]
            while chunk := await self.get():
                chunks.append(chunk)
            data = b"".join(chunks)
        if cache and whole:
            self._data = data
            self._replay = False
        return data

    def _start(self) -> None:
        limit = self.max_content_length
        expected = self.expected_content_length
        if limit is not None and expected is not None and expected > limit:
            raise RequestEntityTooLarge()
        self._state = _READING
        if self.timeout is not None:
            self._deadline = asyncio.get_running_loop().time() + self.timeout

    async def _next(self) -> tuple[bytes, bool]:
        source = self._source or self._next_pushed
        try:
            if self._deadline is None:
                return await source()
            async with asyncio.timeout_at(self._deadline):
                return await source()
        except TimeoutError:
            raise RequestTimeout() from None
        except ClientDisconnected as error:
            if isinstance(error, ClientDisconnectedError):
                raise
            raise ClientDisconnectedError() from None

    # -- pushing --------------------------------------------------------------
    async def _next_pushed(self) -> tuple[bytes, bool]:
        while not (self._pending or self._complete or self._pushed_too_much()):
            if self._disconnected:
                raise ClientDisconnectedError()
            if self._readable is None:
                self._readable = asyncio.Event()
            self._readable.clear()
            await self._readable.wait()
        if self._pushed_too_much():
            raise RequestEntityTooLarge()
        data = bytes(self._pending)
        self._pending.clear()
        if self._drained is not None:
            self._drained.set()
        return data, not self._complete

    def _pushed_too_much(self) -> bool:
        limit = self.max_content_length
        return limit is not None and self._pushed > limit

    def _wake(self) -> None:
        if self._readable is not None:
            self._readable.set()

    def append(self, data: bytes) -> None:
        """Add ``data`` to the body (the producer's side). Data past
        ``max_content_length`` is not held: reading then raises 413."""
        if not data:
            return
        self._pushed += len(data)
        if self._pushed_too_much():
            self._pending.clear()
        else:
            self._pending += data
        self._wake()

    async def put(self, data: bytes) -> None:
        """Add ``data`` once the previous chunk has been read, so a producer
        never holds more than one unread chunk (backpressure)."""
        while self._pending and not self._disconnected:
            if self._drained is None:
                self._drained = asyncio.Event()
            self._drained.clear()
            await self._drained.wait()
        self.append(data)

    def set_complete(self) -> None:
        """The body has been pushed in full."""
        self._complete = True
        self._wake()

    def set_result(self, data: bytes) -> None:
        """The whole body is ``data`` (tests, or code that already has it)."""
        if self._state == _FRESH and not self._pending and self._data is None:
            self._data = bytes(data)
            self._replay = True
            self._complete = True
            self._wake()
        else:
            self.append(data)
            self.set_complete()

    def clear(self) -> None:
        """Drop the data held: pushed data not yet read and a kept body."""
        self._pending.clear()
        if self._data is not None:
            self._data = None
            self._state = _DONE
        if self._drained is not None:
            self._drained.set()

    def disconnect(self) -> None:
        """The client went away: a read waiting for more data raises
        :class:`~quart.wrappers.ClientDisconnectedError`."""
        self._disconnected = True
        self._wake()
        if self._drained is not None:
            self._drained.set()


#: Stands for the awaited value in the expressions NotAwaitedError suggests.
_VALUE = "\x00value\x00"
#: The variable name suggested for an awaited value, where not its own.
_VARIABLES = {"json": "payload", "data": "body"}


class NotAwaitedError(TypeError, AttributeError):
    """An awaitable request value (``request.form``, ...) was used as the
    value itself; the message says what to write instead."""


class AwaitableValue(Generic[T]):
    """What ``request.form``, ``files``, ``values``, ``json`` and ``data``
    return: ``await`` it for the value.

    Used as the value without ``await`` (``request.form["name"]``,
    ``request.json.get("id")``, ``if request.files:``) it raises
    :class:`NotAwaitedError`, a :class:`TypeError`, that shows the line to
    write, such as ``(await request.form)['name']``. The body is read only
    when awaited, so a mistake leaves no coroutine behind to warn that it
    was never awaited.
    """

    __slots__ = ("_name", "_read", "_request")

    def __init__(
        self,
        read: Callable[[Request], Awaitable[T]],
        request: Request,
        name: str,
    ) -> None:
        self._read = read
        self._request = request
        self._name = name

    def __await__(self) -> Generator[Any, None, T]:
        return self._read(self._request).__await__()

    def close(self) -> None:
        """Nothing to release: the body is read only when awaited (this
        lets code that closes unused coroutines treat it as one)."""

    def __repr__(self) -> str:
        return f"<awaitable request.{self._name}: use 'await request.{self._name}'>"

    def _misused(self, expression: str) -> NotAwaitedError:
        name = self._name
        variable = _VARIABLES.get(name, name)
        written = expression.replace(_VALUE, f"(await request.{name})")
        return NotAwaitedError(
            f'request.{name} must be awaited: write "{written}", or'
            f' "{variable} = await request.{name}" first. It is awaitable'
            " because reading the body may have to wait for the client."
        )

    def __getitem__(self, key: Any) -> NoReturn:
        raise self._misused(f"{_VALUE}[{key!r}]")

    def __contains__(self, key: Any) -> NoReturn:
        raise self._misused(f"{key!r} in {_VALUE}")

    def __iter__(self) -> NoReturn:
        raise self._misused(f"for item in {_VALUE}")

    def __len__(self) -> NoReturn:
        raise self._misused(f"len({_VALUE})")

    def __bool__(self) -> NoReturn:
        raise self._misused(f"if {_VALUE}:")

    def __getattr__(self, attribute: str) -> NoReturn:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        raise self._misused(f"{_VALUE}.{attribute}")


def _content_length(headers: Headers) -> int | None:
    """The declared body length (``None`` if absent, invalid or chunked),
    without the lookups that raise and catch a KeyError per absent header."""
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
    ``async for chunk in request.body``.

    :param max_content_length: the body limit for this request (``None``:
        the app's ``MAX_CONTENT_LENGTH``); also settable afterwards.
    :param body_timeout: seconds allowed to receive the body (``None``:
        the app's ``BODY_TIMEOUT``); also settable afterwards.
    :param send_push_promise: sends an HTTP/2 server push for a path.
    :param body: where the body comes from: a ``(data, more_body)``
        source (the ASGI layer's), a ready :class:`Body`, or ``None`` for
        a body that is pushed in through :attr:`body`.
    :param send_early_hints: sends a 103 Early Hints response.
    """

    #: The class of :attr:`body`.
    body_class = Body
    #: The class that parses form bodies.
    form_data_parser_class = FormDataParser
    #: Serialises concurrent form parsing (``asyncio.gather`` of ``form``
    #: and ``files``): the body is read once.
    lock_class = asyncio.Lock
    # Set by the ASGI layer where the server supports them (HTTP/2 and up).
    _send_push_promise: PushPromiseSender | None = None
    _send_early_hints: EarlyHintsSender | None = None
    # Per-request state, read from these class defaults until first set.
    _body: Body | None = None
    _body_source: BodySource | None = None
    _form: MultiDict[str, str] | None = None
    _files: MultiDict[str, FileStorage] | None = None
    _json: Any = _UNSET
    _json_silent: Any = _UNSET
    _max_content_length: int | None = _UNSET
    _body_timeout: float | None = _UNSET
    _max_form_memory_size: int | None = _UNSET
    _max_form_parts: int | None = _UNSET
    _parsing_lock: asyncio.Lock | None = None

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
        max_content_length: int | None = None,
        body_timeout: float | None = None,
        send_push_promise: PushPromiseSender | None = None,
        body: Body | BodySource | None = None,
        send_early_hints: EarlyHintsSender | None = None,
    ) -> None:
        super().__init__(
            method, scheme, path, query_string, headers, root_path, http_version, scope
        )
        if max_content_length is not None:
            self._max_content_length = max_content_length
        if body_timeout is not None:
            self._body_timeout = body_timeout
        if send_push_promise is not None:
            self._send_push_promise = send_push_promise
        if send_early_hints is not None:
            self._send_early_hints = send_early_hints
        if body is not None:
            if isinstance(body, Body):
                self._body = body
            else:
                self._body_source = body

    @property
    def body(self) -> Body:
        """The request body (created on first use: a GET never pays for it)."""
        body = self._body
        if body is None:
            body = self._body = self.body_class(
                _content_length(self.headers), self.max_content_length
            )
            body.timeout = self.body_timeout
            if self._body_source is not None:
                body.set_source(self._body_source)
        return body

    @property
    def stream(self) -> NoReturn:
        """Not available: Flask's sync ``request.stream`` would block the
        event loop. Iterate :attr:`body` instead."""
        raise NotImplementedError(
            "Quart requests have no sync 'request.stream'; read the body with"
            " 'async for chunk in request.body' (or 'await request.get_data()')."
        )

    async def close(self) -> None:
        """Close the uploaded files of this request (their temporary files
        are removed)."""
        for _, upload in iter_multi_items(self._files or ()):
            upload.close()

    # -- limits -----------------------------------------------------------
    @property
    def max_content_length(self) -> int | None:
        """The most body bytes accepted (413 beyond); defaults to
        ``MAX_CONTENT_LENGTH`` and can be set for this request."""
        value = self._max_content_length
        if value is _UNSET:
            return _config("MAX_CONTENT_LENGTH")  # type: ignore[no-any-return]
        return value

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value
        if self._body is not None:
            self._body.max_content_length = value

    @property
    def body_timeout(self) -> float | None:
        """Seconds allowed to receive the body (408 after); ``BODY_TIMEOUT``."""
        value = self._body_timeout
        if value is _UNSET:
            return _config("BODY_TIMEOUT")  # type: ignore[no-any-return]
        return value

    @body_timeout.setter
    def body_timeout(self, value: float | None) -> None:
        self._body_timeout = value
        if self._body is not None:
            self._body.timeout = value

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
        """Most multipart parts (or urlencoded fields) accepted;
        ``MAX_FORM_PARTS``."""
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
        """The raw body as bytes (or text with ``as_text``). After a
        multipart form was parsed (``parse_form_data``) it is empty, as in
        Flask: the parser streams the body rather than keep it."""
        if parse_form_data:
            await self._load_form_data()
        data = await self.body.read(cache)
        if as_text:
            return data.decode()
        return data

    @property
    def data(self) -> AwaitableValue[bytes]:
        """Awaitable raw body: ``await request.data``."""
        return AwaitableValue(Request.get_data, self, "data")

    async def _load_form_data(self) -> None:
        if self._form is not None:
            return
        lock = self._parsing_lock
        if lock is None:
            lock = self._parsing_lock = self.lock_class()
        async with lock:
            if self._form is not None:
                return
            parser = self.make_form_data_parser()
            body = self.body
            try:
                form, files = await parser.parse(
                    body,
                    self.mimetype,
                    body.expected_content_length,
                    self.mimetype_params,
                )
            except ValueError as error:
                message = f"The form body could not be parsed. {error}"
                raise BadRequest(message) from None
            self._form, self._files = form, files

    def make_form_data_parser(self) -> FormDataParser:
        """The parser for form bodies, with this request's limits; it raises
        on a malformed body, which the request answers with 400."""
        return self.form_data_parser_class(
            cls=self.parameter_storage_class,
            max_content_length=self.max_content_length,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            silent=False,
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
    def form(self) -> AwaitableValue[MultiDict[str, str]]:
        """Awaitable form fields of a urlencoded or multipart body; a
        malformed body is a 400, one past the form limits a 413."""
        return AwaitableValue(Request._get_form, self, "form")

    @property
    def files(self) -> AwaitableValue[MultiDict[str, FileStorage]]:
        """Awaitable uploaded files (:class:`~quart.datastructures.FileStorage`)
        of a multipart body."""
        return AwaitableValue(Request._get_files, self, "files")

    @property
    def values(self) -> AwaitableValue[CombinedMultiDict[str, str]]:
        """Awaitable ``args`` combined with ``form`` (just ``args`` for GET)."""
        return AwaitableValue(Request._get_values, self, "values")

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
    def json(self) -> AwaitableValue[Any]:
        """Awaitable parsed JSON body; 415 if the body is not JSON."""
        return AwaitableValue(Request.get_json, self, "json")

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
        except (ValueError, RecursionError) as error:
            # RecursionError: nesting deeper than the parser can follow.
            if not silent:
                return self.on_json_loading_failed(error)
            result = None
            if cache:
                self._json_silent = None
            return result
        if cache:
            self._json = self._json_silent = result
        return result

    def on_json_loading_failed(self, error: Exception | None) -> NoReturn:
        """Raise 400 for malformed JSON (with the parser's message only in
        debug mode), 415 for a non-JSON content type."""
        if error is not None:
            ctx = _cv_app.get(None)
            if ctx is not None and ctx.app.debug:
                raise BadRequest(f"Failed to decode JSON object: {error}")
            raise BadRequest()  # as Flask: no parser details outside debug
        raise UnsupportedMediaType(
            "Did not attempt to load JSON data because the request"
            " Content-Type was not 'application/json'."
        )
