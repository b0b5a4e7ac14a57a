"""Functions used inside views: URLs, redirects, errors, responses, files."""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import mimetypes
import os
import sys
import threading
import time
import unicodedata
from collections.abc import AsyncGenerator
from collections.abc import AsyncIterable
from collections.abc import AsyncIterator
from collections.abc import Callable
from collections.abc import Coroutine
from collections.abc import Iterable
from datetime import datetime
from functools import wraps
from io import BytesIO
from io import TextIOBase
from pathlib import Path
from typing import IO
from typing import TYPE_CHECKING
from typing import Any
from typing import Generic
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
    from .ctx import AppContext
    from .ctx import RequestContext
    from .wrappers import Response

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
P = ParamSpec("P")

#: The content type of a file whose type cannot be guessed.
DEFAULT_MIMETYPE = "application/octet-stream"


def get_debug_flag() -> bool:
    """Whether ``QUART_DEBUG`` asks for debug mode (anything but empty,
    ``0``, ``false`` or ``no``, as Flask reads ``FLASK_DEBUG``)."""
    return os.environ.get("QUART_DEBUG", "").lower() not in {"", "0", "false", "no"}


def get_load_dotenv(default: bool = True) -> bool:
    """Whether to load ``.env`` files: ``default`` unless
    ``QUART_SKIP_DOTENV`` is set to something other than ``0``, ``false``
    or ``no`` (as Flask reads ``FLASK_SKIP_DOTENV``)."""
    value = os.environ.get("QUART_SKIP_DOTENV")
    if not value:
        return default
    return value.lower() in {"0", "false", "no"}


def find_package(name: str) -> tuple[Path | None, Path]:
    """Where the package or module ``name`` lives: ``(prefix, path)``.

    ``path`` is the folder that holds the top-level package or module (the
    :data:`sys.path` entry it is imported from), or the working directory
    if it cannot be found (``__main__``, an interactive session). ``prefix``
    is the installation prefix (the folder with ``lib/`` and ``bin/``) when
    the package is installed in the system (:data:`sys.prefix`) or in a
    virtualenv's ``site-packages``, else ``None``.

    :meth:`Quart.auto_find_instance_path
    <quart.Quart.auto_find_instance_path>` uses it: ``path / "instance"``,
    beside the package, or ``prefix / "var" / "<name>-instance"`` when
    installed.
    """
    package_path = _find_package_path(name)
    prefix = Path(os.path.abspath(sys.prefix))
    if package_path.is_relative_to(prefix):  # installed in the system
        return prefix, package_path
    if package_path.name.lower() == "site-packages":  # in a virtualenv
        parent = package_path.parent
        if parent.name.lower() == "lib":  # Windows: prefix/Lib/site-packages
            return parent.parent, package_path
        if parent.parent.name.lower() == "lib":  # prefix/lib/pythonX.Y/site-packages
            return parent.parent.parent, package_path
        return parent, package_path  # prefix/site-packages
    return None, package_path


def _find_package_path(name: str) -> Path:
    """The folder holding the top-level package or module of ``name``."""
    root_name = name.partition(".")[0]
    try:
        root_spec = importlib.util.find_spec(root_name)
    except (ImportError, ValueError):  # not importable, or __main__
        root_spec = None
    if root_spec is None:
        return Path.cwd()
    locations = root_spec.submodule_search_locations
    origin = root_spec.origin
    if not locations:  # a module
        if origin is None or not os.path.isabs(origin):  # built-in, frozen
            return Path.cwd()
        return Path(origin).parent
    if origin is not None and origin != "namespace":  # a package: pkg/__init__.py
        return Path(origin).parent.parent
    # A namespace package spread over several folders: the one holding
    # the submodule ``name`` names, else the first.
    search_location = Path(next(iter(locations)))
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        inner = Path(os.path.commonpath(list(spec.submodule_search_locations)))
        for location in locations:
            if inner.is_relative_to(location):
                search_location = Path(location)
                break
    elif spec is not None and spec.origin and os.path.isabs(spec.origin):
        for location in locations:
            if Path(spec.origin).is_relative_to(location):
                search_location = Path(location)
                break
    return search_location.parent


class locked_cached_property(Generic[T]):
    """A :func:`functools.cached_property` whose first computation holds a
    lock, so that threads racing for the value compute it once. Setting and
    deleting the value take the lock too.

    (Flask had this helper until 2.3; :class:`functools.cached_property`
    stopped locking in Python 3.12.)
    """

    def __init__(
        self, fget: Callable[[Any], T], name: str | None = None, doc: str | None = None
    ) -> None:
        self.fget = fget
        self.__name__ = name or fget.__name__
        self.__module__ = fget.__module__
        self.__doc__ = doc or fget.__doc__
        self.lock = threading.RLock()

    def __set_name__(self, owner: type[Any], name: str) -> None:
        if name != self.__name__ and self.__name__ == self.fget.__name__:
            self.__name__ = name

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> Any: ...

    @overload
    def __get__(self, obj: object, owner: type[Any] | None = None) -> T: ...

    def __get__(self, obj: object | None, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        with self.lock:
            storage = obj.__dict__
            if self.__name__ in storage:
                return storage[self.__name__]
            value = self.fget(obj)
            storage[self.__name__] = value
            return value

    def __set__(self, obj: object, value: T) -> None:
        with self.lock:
            obj.__dict__[self.__name__] = value

    def __delete__(self, obj: object) -> None:
        with self.lock:
            del obj.__dict__[self.__name__]


def get_template_attribute(template_name: str, attribute: str) -> Any:
    """A macro or variable that a template exports, to use it from Python::

        hello = get_template_attribute("_macros.html", "hello")
        text = await hello("World")

    The environment is async, so its macros return coroutines: await them.
    The template's top-level code runs to build the module; it must not
    wait on I/O (defining macros and variables never does).
    """
    ctx = _cv_app.get(None)
    if ctx is None:
        raise RuntimeError(
            "'get_template_attribute' needs an application context: use it in"
            " a request, or inside 'async with app.app_context():'."
        )
    template = ctx.app.jinja_env.get_template(template_name)
    return getattr(_run_to_completion(template.make_module_async()), attribute)


def _run_to_completion(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` here, without an event loop: it must finish
    without suspending (an async template's module code does)."""
    try:
        while coroutine.send(None) is None:  # a bare yield: go on
            pass
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError(
        "The template's module code waited on I/O; build it with"
        " 'await template.make_module_async()' instead."
    )


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
    app_ctx: AppContext,
    req_ctx: RequestContext,
    source: Iterable[Any] | AsyncIterable[Any],
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
    *,
    attachment_filename: str | None = None,
    add_etags: bool | None = None,
    cache_timeout: int | None = None,
) -> Response:
    """A response that sends a file (a path, a binary file object or bytes)
    in chunks read in worker threads, with ``Content-Disposition``,
    ``ETag``/``Last-Modified``, conditional 304s and byte ranges.

    It needs an app context only: outside a request (a background task, a
    websocket handler, a CLI command) the response is built without the
    conditional and range handling, which needs the request's headers.

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
    :param attachment_filename: Quart's older name of ``download_name``.
    :param add_etags: Quart's older name of ``etag`` (a flag).
    :param cache_timeout: Quart's older name of ``max_age``.
    """
    if download_name is None:
        download_name = attachment_filename
    if add_etags is not None and etag is True:
        etag = add_etags
    if max_age is None:
        max_age = cache_timeout
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
            mimetype = DEFAULT_MIMETYPE

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

    req_ctx = _cv_request.get(None) if conditional else None
    if req_ctx is not None:
        try:
            response = await response.make_conditional(
                req_ctx.request, accept_ranges=True, complete_length=size
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
    directory: str | os.PathLike[str],
    path: str | os.PathLike[str] | None = None,
    *,
    file_name: str | None = None,
    **kwargs: Any,
) -> Response:
    """Send ``path`` from inside ``directory`` (relative to the app's root
    path) with :func:`send_file`, which takes the same ``kwargs``. Use it
    for user-supplied names: anything that would leave the directory
    (``..``, absolute paths, NUL, backslashes) or is not a file is a 404.

    ``file_name`` is Quart's older name of ``path``.
    """
    if path is None:
        if file_name is None:
            raise TypeError("send_from_directory() needs the file's 'path'.")
        path = file_name
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
