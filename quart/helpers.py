"""Functions used inside views: URLs, redirects, errors, responses, files."""

from __future__ import annotations

import asyncio
import inspect
import mimetypes
import os
import time
import unicodedata
from collections.abc import AsyncGenerator
from collections.abc import AsyncIterable
from collections.abc import AsyncIterator
from collections.abc import Callable
from collections.abc import Iterable
from datetime import datetime
from functools import wraps
from io import BytesIO
from io import TextIOBase
from pathlib import Path
from typing import IO
from typing import TYPE_CHECKING
from typing import Any
from typing import NoReturn
from typing import ParamSpec
from typing import TypeVar
from typing import cast
from typing import overload
from urllib.parse import quote
from zlib import adler32

from werkzeug.exceptions import NotFound
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.exceptions import abort as _werkzeug_abort
from werkzeug.security import safe_join
from werkzeug.utils import redirect as _werkzeug_redirect

from .globals import _cv_app
from .globals import _cv_request
from .globals import current_app
from .globals import request_ctx
from .signals import message_flashed
from .signals import send_signal
from .sync import run_sync_iterable

if TYPE_CHECKING:
    from .wrappers import Response

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
P = ParamSpec("P")


def get_debug_flag() -> bool:
    """Whether ``QUART_DEBUG`` asks for debug mode (anything but empty,
    ``0``, ``false`` or ``no``, as Flask reads ``FLASK_DEBUG``)."""
    return os.environ.get("QUART_DEBUG", "").lower() not in {"", "0", "false", "no"}


def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: Any,
) -> str:
    """Build the URL of ``endpoint`` with ``values`` for its variables
    (extra values become the query string).

    :param _anchor: append ``#anchor``.
    :param _method: pick the rule for this method.
    :param _scheme: the scheme of an external URL.
    :param _external: an absolute URL (default: only outside a request).

    An endpoint starting with ``.`` is relative to the current blueprint.
    """
    return current_app.url_for(
        endpoint,
        _anchor=_anchor,
        _method=_method,
        _scheme=_scheme,
        _external=_external,
        **values,
    )


def redirect(location: str, code: int = 302, Response: Any = None) -> Response:
    """A redirect to ``location`` (302 by default)."""
    ctx = _cv_app.get(None)
    if ctx is not None and Response is None:
        return ctx.app.redirect(location, code)
    return _werkzeug_redirect(location, code, Response=Response)  # type: ignore[return-value]


def abort(code: int | Response, *args: Any, **kwargs: Any) -> NoReturn:
    """Raise the HTTP error for ``code`` (or a response) to end the request."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        ctx.app.aborter(code, *args, **kwargs)
    _werkzeug_abort(code, *args, **kwargs)


async def make_response(*args: Any) -> Response:
    """Turn view-style return values into a response, to change it before
    returning: ``response = await make_response("Hi", 201)``."""
    if not args:
        return current_app.response_class()
    if len(args) == 1:
        return await current_app.make_response(args[0])
    return await current_app.make_response(args)


@overload
def stream_with_context(
    generator_or_function: Iterable[T] | AsyncIterable[T],
) -> AsyncIterator[T]: ...


@overload
def stream_with_context(
    generator_or_function: Callable[P, Iterable[T] | AsyncIterable[T]],
) -> Callable[P, AsyncIterator[T]]: ...


def stream_with_context(generator_or_function: Any) -> Any:
    """Keep ``request``, ``session``, ``g`` and ``current_app`` usable in a
    streamed response body, after the view has returned.

    Wrap a sync or async generator (``return stream_with_context(gen())``)
    or decorate a generator function that the view calls. Every step of
    the generator, and its cleanup, runs in the request's context; sync
    generators step in worker threads like any streamed sync body. As in
    Flask, the request's teardown functions run when the view returns, so
    open what the stream itself needs inside the generator.
    """
    if not isinstance(generator_or_function, (Iterable, AsyncIterable)):
        func = generator_or_function

        @wraps(func)
        def decorator(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            return stream_with_context(func(*args, **kwargs))  # type: ignore[no-any-return]

        return decorator
    app_ctx = _cv_app.get(None)
    req_ctx = _cv_request.get(None)
    if app_ctx is None or req_ctx is None:
        raise RuntimeError(
            "'stream_with_context' can only be used when a request context is"
            " active, such as in a view function."
        )
    return _stream_in_context(app_ctx, req_ctx, generator_or_function)


async def _stream_in_context(
    app_ctx: Any, req_ctx: Any, source: Iterable[Any] | AsyncIterable[Any]
) -> AsyncGenerator[Any, None]:
    # The context is set around each step rather than across a yield, so
    # that it never leaks into the code iterating the stream.
    iterator: AsyncIterator[Any]
    if isinstance(source, AsyncIterable):
        iterator = aiter(source)
    elif inspect.isgenerator(source):
        iterator = run_sync_iterable(source)
    else:
        iterator = _aiter_sync(source)
    try:
        while True:
            app_token = _cv_app.set(app_ctx)
            req_token = _cv_request.set(req_ctx)
            try:
                item = await anext(iterator)
            except StopAsyncIteration:
                return
            finally:
                _cv_request.reset(req_token)
                _cv_app.reset(app_token)
            yield item
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            app_token = _cv_app.set(app_ctx)
            req_token = _cv_request.set(req_ctx)
            try:
                await aclose()
            finally:
                _cv_request.reset(req_token)
                _cv_app.reset(app_token)


async def _aiter_sync(iterable: Iterable[Any]) -> AsyncIterator[Any]:
    for item in iterable:
        yield item


async def make_push_promise(path: str) -> None:
    """Ask the server to push ``path`` (``/static/app.css``) along with the
    current response: HTTP/2 server push. Does nothing where the server or
    protocol cannot push, so it is always safe to call; see
    :meth:`~quart.wrappers.Request.send_push_promise`."""
    await request_ctx.request.send_push_promise(path)


async def flash(message: str, category: str = "message") -> None:
    """Store ``message`` in the session for the next page that calls
    :func:`get_flashed_messages` (``await flash("Saved")``).

    :param category: any string; ``"message"``, ``"error"``, ``"info"`` and
        ``"warning"`` are the usual ones.
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError("'flash' needs an active request context.")
    session = ctx.session
    assert session is not None
    # Reassign rather than append in place, so that session backends that
    # only notice top-level writes save the change.
    flashes = session.get("_flashes", [])
    flashes.append((category, message))
    session["_flashes"] = flashes
    if message_flashed.receivers:
        await send_signal(message_flashed, ctx.app, message=message, category=category)


def get_flashed_messages(
    with_categories: bool = False, category_filter: Any = ()
) -> list[Any]:
    """The flashed messages, removed from the session (read once per
    request: later calls in the same request return the same list).

    :param with_categories: return ``(category, message)`` tuples.
    :param category_filter: only messages of these categories.
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError("'get_flashed_messages' needs an active request context.")
    flashes = ctx.flashes
    if flashes is None:
        session = ctx.session
        if session is not None and "_flashes" in session:
            flashes = session.pop("_flashes")
        else:
            flashes = []
        ctx.flashes = flashes
    if category_filter:
        flashes = [item for item in flashes if item[0] in category_filter]
    if with_categories:
        return list(flashes)
    return [item[1] for item in flashes]


# -- files ------------------------------------------------------------------


async def send_file(
    path_or_file: str | os.PathLike[str] | IO[bytes] | bytes | BytesIO,
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: int | Callable[[str | None], int | None] | None = None,
) -> Response:
    """A response that sends a file (a path, a binary file object or bytes)
    in chunks read in worker threads, with ``Content-Disposition``,
    ``ETag``/``Last-Modified``, conditional 304s and byte ranges.

    Never pass a user-supplied path; use :func:`send_from_directory`.

    :param path_or_file: a path (relative to the app's root path), a file
        opened in binary mode, or ``bytes``.
    :param mimetype: the content type; guessed from ``download_name`` (or
        the path's name) if not given.
    :param as_attachment: ask the browser to save the file rather than
        show it (``Content-Disposition: attachment``).
    :param download_name: the file name the browser sees; non-ASCII names
        are sent as RFC 5987 ``filename*`` with an ASCII fallback.
    :param conditional: answer ``If-None-Match``/``If-Modified-Since`` with
        304 and ``Range`` with 206.
    :param etag: compute an ETag for a path (``True``), none (``False``),
        or use this string.
    :param last_modified: the ``Last-Modified`` time (a path's mtime by
        default).
    :param max_age: ``Cache-Control`` max age in seconds, or a function of
        the path; by default :meth:`~quart.Quart.get_send_file_max_age`.
        ``None`` means ``no-cache``.
    """
    app = current_app
    response_class = app.response_class
    path: Path | None = None
    if isinstance(path_or_file, (str, os.PathLike)):
        path = Path(path_or_file)
        if not path.is_absolute():
            path = Path(app.root_path, path)
        if download_name is None:
            download_name = path.name
    elif isinstance(path_or_file, (bytes, bytearray)):
        path_or_file = BytesIO(path_or_file)
    elif isinstance(path_or_file, TextIOBase):
        raise ValueError("Files must be opened in binary mode or use BytesIO.")

    encoding = None
    if mimetype is None:
        if download_name is None:
            raise TypeError(
                "Unable to detect the MIME type because a file name is not"
                " available. Either set 'download_name', pass a path instead"
                " of a file, or set 'mimetype'."
            )
        mimetype, encoding = mimetypes.guess_type(download_name)
        if mimetype is None:
            mimetype = "application/octet-stream"

    if path is not None:
        try:
            stat = path.stat()
        except OSError:
            raise NotFound() from None
        if not path.is_file():
            raise NotFound()
        response = response_class(
            response_class.file_body_class(path), mimetype=mimetype
        )
        size: int | None = stat.st_size
        if last_modified is None:
            last_modified = stat.st_mtime
    else:
        file = cast(IO[bytes], path_or_file)
        if file.seekable():
            body: Any = response_class.io_body_class(file)
            size = body.length
        else:  # a pipe or socket: stream it without a length (no ranges)
            body = _read_unseekable(file)
            size = None
        response = response_class(body, mimetype=mimetype)
    if size is not None:
        response.content_length = size
    if encoding is not None and not as_attachment:
        response.headers.set("Content-Encoding", encoding)

    if download_name is not None:
        try:
            download_name.encode("ascii")
        except UnicodeEncodeError:
            # RFC 6266/5987: an ASCII fallback plus the UTF-8 name
            simple = unicodedata.normalize("NFKD", download_name)
            simple = simple.encode("ascii", "ignore").decode("ascii")
            quoted = quote(download_name, safe="!#$&+^`|~")
            value = {"filename": simple, "filename*": f"UTF-8''{quoted}"}
        else:
            value = {"filename": download_name}
        disposition = "attachment" if as_attachment else "inline"
        response.headers.set("Content-Disposition", disposition, **value)
    elif as_attachment:
        raise TypeError("No name provided for attachment.")

    if last_modified is not None:
        response.last_modified = last_modified  # type: ignore[assignment]

    path_str = str(path) if path is not None else None
    if callable(max_age):
        max_age = max_age(path_str)
    elif max_age is None:
        max_age = app.get_send_file_max_age(path_str)
    response.cache_control.no_cache = True
    if max_age is not None:
        if max_age > 0:
            response.cache_control.no_cache = None
            response.cache_control.public = True
        response.cache_control.max_age = max_age
        response.expires = int(time.time() + max_age)  # type: ignore[assignment]

    if isinstance(etag, str):
        response.set_etag(etag)
    elif etag and path is not None:
        check = adler32(str(path).encode()) & 0xFFFFFFFF
        response.set_etag(f"{stat.st_mtime}-{stat.st_size}-{check}")

    if conditional:
        try:
            response = await response.make_conditional(
                request_ctx.request, accept_ranges=True, complete_length=size
            )
        except RequestedRangeNotSatisfiable:
            if path is None:
                cast(IO[bytes], path_or_file).close()
            raise
        if response.status_code in (304, 412) and path is None:
            cast(IO[bytes], path_or_file).close()  # its body was dropped
    return response


async def _read_unseekable(
    file: IO[bytes], buffer_size: int = 64 * 1024
) -> AsyncGenerator[bytes, None]:
    """Read a file that cannot seek in chunks in worker threads, then close it."""
    loop = asyncio.get_running_loop()
    try:
        while chunk := await loop.run_in_executor(None, file.read, buffer_size):
            yield chunk
    finally:
        file.close()


async def send_from_directory(
    directory: str | os.PathLike[str], path: str | os.PathLike[str], **kwargs: Any
) -> Response:
    """Send ``path`` from inside ``directory`` (relative to the app's root
    path) with :func:`send_file`, which takes the same ``kwargs``. Use it
    for user-supplied names: anything that would leave the directory
    (``..``, absolute paths, NUL, backslashes) or is not a file is a 404."""
    path = os.fspath(path)
    if "\x00" in path or "\\" in path:
        raise NotFound()
    joined = safe_join(os.fspath(directory), path)
    if joined is None:
        raise NotFound()
    if not os.path.isabs(joined):
        joined = os.path.join(current_app.root_path, joined)
    if not os.path.isfile(joined):
        raise NotFound()
    return await send_file(joined, **kwargs)
