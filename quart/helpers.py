"""Functions used inside views: URLs, redirects, errors, responses, files."""

from __future__ import annotations

import mimetypes
import os
import time
from collections.abc import AsyncGenerator
from collections.abc import AsyncIterator
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from io import BytesIO
from pathlib import Path
from typing import IO
from typing import TYPE_CHECKING
from typing import Any
from typing import NoReturn
from typing import TypeVar
from urllib.parse import quote
from zlib import adler32

from werkzeug.exceptions import NotFound
from werkzeug.exceptions import abort as _werkzeug_abort
from werkzeug.security import safe_join
from werkzeug.utils import redirect as _werkzeug_redirect

from .globals import _cv_app
from .globals import _cv_request
from .globals import current_app
from .globals import request_ctx

if TYPE_CHECKING:
    from .wrappers import Response

F = TypeVar("F", bound=Callable[..., Any])


def get_debug_flag() -> bool:
    """Whether ``QUART_DEBUG`` asks for debug mode."""
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


def stream_with_context(func: F) -> F:
    """Keep ``request``, ``session`` and ``g`` usable in a streamed body.

    Decorate a (sync or async) generator function used as a response body;
    the generator then runs in the context of the request that called it,
    even after the view returned.
    """
    app_ctx = _cv_app.get()
    req_ctx = _cv_request.get()

    @wraps(func)
    async def generator(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
        app_token = _cv_app.set(app_ctx)
        req_token = _cv_request.set(req_ctx)
        try:
            result = func(*args, **kwargs)
            if isinstance(result, AsyncIterator):
                async for item in result:
                    yield item
            else:
                for item in result:
                    yield item
        finally:
            _cv_request.reset(req_token)
            _cv_app.reset(app_token)

    return generator  # type: ignore[return-value]


def get_flashed_messages(
    with_categories: bool = False, category_filter: Any = ()
) -> list[Any]:
    """Messages flashed in this or an earlier request (issue 3 extends)."""
    raise NotImplementedError


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
    in chunks, with ``Content-Disposition``, ``ETag``/``Last-Modified``,
    conditional 304s and byte ranges.
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

    if mimetype is None:
        if download_name is None:
            raise TypeError(
                "Unable to detect the MIME type because a file name is not"
                " available. Either set 'download_name', pass a path instead"
                " of a file, or set 'mimetype'."
            )
        mimetype = mimetypes.guess_type(download_name)[0] or "application/octet-stream"

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
        response = response_class(
            response_class.io_body_class(path_or_file),  # type: ignore[arg-type]
            mimetype=mimetype,
        )
        size = response.response.length
    if size is not None:
        response.content_length = size

    if download_name is not None:
        try:
            download_name.encode("ascii")
        except UnicodeEncodeError:
            simple = download_name.encode("ascii", "ignore").decode("ascii")
            value = {
                "filename": simple,
                "filename*": f"UTF-8''{quote(download_name, safe='')}",
            }
        else:
            value = {"filename": download_name}
        disposition = "attachment" if as_attachment else "inline"
        response.headers.set("Content-Disposition", disposition, **value)

    if last_modified is not None:
        response.last_modified = last_modified  # type: ignore[assignment]

    if callable(max_age):
        max_age = max_age(str(path) if path is not None else None)
    elif max_age is None:
        max_age = app.get_send_file_max_age(str(path) if path else None)
    if max_age is not None:
        if max_age > 0:
            response.cache_control.no_cache = None
            response.cache_control.public = True
        response.cache_control.max_age = max_age
        response.expires = int(time.time() + max_age)  # type: ignore[assignment]
    else:
        response.cache_control.no_cache = True

    if isinstance(etag, str):
        response.set_etag(etag)
    elif etag and path is not None:
        check = adler32(str(path).encode()) & 0xFFFFFFFF
        response.set_etag(f"{stat.st_mtime}-{stat.st_size}-{check}")

    if conditional:
        response = await response.make_conditional(
            request_ctx.request, accept_ranges=True, complete_length=size
        )
    return response


async def send_from_directory(
    directory: str | os.PathLike[str], path: str, **kwargs: Any
) -> Response:
    """Send ``path`` from inside ``directory``; anything that would leave
    the directory (``..``, absolute paths, NUL) is a 404."""
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
