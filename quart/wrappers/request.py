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

#: Returns the next ``(data, more_body)`` chunk of a request body, or
#: ``None`` once a producer pushes the body instead.
BodySource = Callable[[], Awaitable[tuple[bytes, bool] | None]]
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

    The data is pushed in, as in Quart: the ASGI layer's
    ``handle_messages`` (or a test, or another server adapter) calls
    :meth:`append` for each chunk and :meth:`set_complete` at the end
    (:meth:`set_result` for both at once, :meth:`put` to wait while data
    is unread, :meth:`disconnect` if the client goes away). A *source*
    (:meth:`set_source`) lets the reader pull instead when nobody pushes:
    each ``(data, more_body)`` it returns is pushed in through the same
    methods, and ``None`` means a producer is pushing, so the reader waits.

    A subclass may build its own state instead of calling this
    ``__init__`` (quart-trio's ``TrioBody``): every method works from
    ``_data`` (a bytearray), ``_complete`` and ``_has_data`` (events with
    ``set``, ``clear``, ``is_set`` and async ``wait``),
    ``_max_content_length`` and ``_must_raise`` (an exception for the
    reader). Such a body leaves ``timeout`` to its request, as quart-trio's
    request does; this class's waits, and so its timeout, are asyncio's.

    :param expected_content_length: the declared ``Content-Length``, if
        any; a declared length over the limit is refused before any data.
    :param max_content_length: the most bytes accepted, or ``None``.
    """

    # State read from these defaults until first set (see above).
    expected_content_length: int | None = None
    #: Seconds allowed for the whole body, counted from the first read.
    timeout: float | None = None
    _source: BodySource | None = None
    _timed = False  # made by this __init__: the timeout is enforced here
    _deadline: float | None = None
    _received = 0  # bytes pushed in all (the limit counts these)
    _consumed = False  # a chunk was taken (iterated or cleared): not kept
    _replay = True  # the next iteration starts with the kept body
    _drained: Any = None  # a paused producer's event: set when the reader asks
    #: Set when data or the end is pushed in; made by the first read that
    #: waits for a producer (a body pulled from its source never needs it).
    _has_data: Any = None

    def __init__(
        self, expected_content_length: int | None, max_content_length: int | None
    ) -> None:
        self.expected_content_length = expected_content_length
        self._data = bytearray()
        self._complete = asyncio.Event()
        self._max_content_length = max_content_length
        self._must_raise: Exception | None = None
        self._timed = True
        if (
            expected_content_length is not None
            and max_content_length is not None
            and expected_content_length > max_content_length
        ):
            self._must_raise = RequestEntityTooLarge()

    @classmethod
    def from_data(cls, data: bytes) -> Body:
        """A body that is already complete (test request contexts)."""
        body = cls(len(data), None)
        body.set_result(data)
        return body

    def set_source(self, source: BodySource) -> None:
        """Let the reader pull from ``source``, an async callable returning
        the next ``(data, more_body)``, or ``None`` once a producer pushes
        instead."""
        self._source = source

    @property
    def max_content_length(self) -> int | None:
        """The most bytes accepted (413 beyond); may be changed while the
        body is read."""
        return self._max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value
        if isinstance(self._must_raise, RequestEntityTooLarge):
            self._must_raise = None
        expected = self.expected_content_length
        if value is not None and expected is not None and expected > value:
            self._must_raise = RequestEntityTooLarge()

    @property
    def data(self) -> bytes | None:
        """The whole body if it has been received and kept, else ``None``.
        Never waits: this is how sync code asks whether the body is
        there."""
        if self._complete.is_set() and not self._consumed:
            return bytes(self._data)
        return None

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
        await self._fill(False)
        data = self._data
        if self._complete.is_set() and not self._consumed:
            # The whole body, kept for later reads: once per iteration.
            if self._replay:
                self._replay = False
                return bytes(data)
            return b""
        if not data:
            return b""  # complete
        chunk = bytes(data)
        data.clear()
        self._consumed = True
        if self._has_data is not None:
            self._has_data.clear()
        self._reader_asks()
        return chunk

    async def read(self, cache: bool = True) -> bytes:
        """The rest of the body (all of it, unless it was partly iterated);
        kept for later reads if ``cache``."""
        await self._fill(True)
        data = bytes(self._data)
        if not cache:
            self._data.clear()
            self._consumed = True
        return data

    async def _fill(self, whole: bool) -> None:
        """Wait until there is data to read (``whole``: all of it), pulling
        from the source while nobody pushes."""
        if self._timed and self.timeout is not None and not self._complete.is_set():
            # Nothing to wait for once complete (the Flask shim reads a
            # complete body without an event loop).
            deadline = self._deadline
            if deadline is None:
                loop = asyncio.get_running_loop()
                deadline = self._deadline = loop.time() + self.timeout
            try:
                async with asyncio.timeout_at(deadline) as scope:
                    await self._wait(whole)
            except TimeoutError:
                if not scope.expired():
                    raise
                raise RequestTimeout() from None
        else:
            await self._wait(whole)

    async def _wait(self, whole: bool) -> None:
        complete = self._complete
        while True:
            if self._must_raise is not None:
                raise self._must_raise
            limit = self._max_content_length
            if limit is not None and self._received > limit:
                raise RequestEntityTooLarge()
            if complete.is_set() or (self._data and not whole):
                return
            source = self._source
            if source is not None:
                try:
                    result = await source()
                except ClientDisconnected as error:
                    if isinstance(error, ClientDisconnectedError):
                        raise
                    raise ClientDisconnectedError() from None
                if result is not None:
                    chunk, more = result
                    if chunk:
                        self.append(chunk)
                    if not more:
                        self.set_complete()
                    continue
                self._source = None  # a producer pushes from now on
            self._reader_asks()
            has_data = self._has_data
            if has_data is None:
                has_data = self._has_data = asyncio.Event()
            else:
                has_data.clear()
            await has_data.wait()

    def _reader_asks(self) -> None:
        """Resume a producer paused in :meth:`wait_for_reader`."""
        drained = self._drained
        if drained is not None:
            self._drained = None
            drained.set()

    # -- pushing --------------------------------------------------------------
    def append(self, data: bytes) -> None:
        """Add ``data`` to the body (the producer's side). Reading raises
        413 once more than ``max_content_length`` bytes were added."""
        if data:
            self._data += data
            self._received += len(data)
            if self._has_data is not None:
                self._has_data.set()

    def set_complete(self) -> None:
        """The body has been pushed in full."""
        self._complete.set()
        if self._has_data is not None:
            self._has_data.set()

    def set_result(self, data: bytes) -> None:
        """The whole body is ``data`` (tests, or code that already has it)."""
        self.append(data)
        self.set_complete()

    async def wait_for_reader(
        self, event_class: Callable[[], Any], buffer_size: int
    ) -> None:
        """The producer's backpressure, after an :meth:`append`: with more
        than ``buffer_size`` bytes unread, or more than
        ``max_content_length`` received, wait until the reader asks for
        more (so a body the handler refused is not read on). The event
        waited on comes from ``event_class`` (the app's), so any event loop
        works."""
        limit = self._max_content_length
        if len(self._data) > buffer_size or (
            limit is not None and self._received > limit
        ):
            event = self._drained = event_class()
            await event.wait()

    async def put(self, data: bytes) -> None:
        """Add ``data`` once the previous chunk has been read, so a producer
        never holds more than one unread chunk."""
        while self._data and self._must_raise is None:
            event = self._drained = asyncio.Event()
            await event.wait()
        self.append(data)

    def clear(self) -> None:
        """Drop the data held: pushed data not yet read and a kept body."""
        self._data.clear()
        self._consumed = True
        self._reader_asks()

    def disconnect(self) -> None:
        """The client went away: a read waiting for more data raises
        :class:`~quart.wrappers.ClientDisconnectedError`."""
        self._must_raise = ClientDisconnectedError()
        if self._has_data is not None:
            self._has_data.set()
        self._reader_asks()


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
    _form_lock: Any = None

    def __init__(
        self,
        method: str,
        scheme: str,
        path: str,
        query_string: bytes,
        headers: Headers | None,
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
    def _parsing_lock(self) -> Any:
        """Serialises form parsing (made on first use, from
        :attr:`lock_class`; Quart's name, which subclasses use)."""
        lock = self._form_lock
        if lock is None:
            lock = self._form_lock = self.lock_class()
        return lock

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
        async with self._parsing_lock:
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
