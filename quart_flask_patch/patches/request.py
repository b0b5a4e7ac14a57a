"""``quart.Request`` and ``quart.datastructures.FileStorage`` with Flask's
sync API: ``request.form``, ``request.json``, ``request.get_data()`` and
``upload.save(path)`` give sync code the value, async code the awaitable."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from werkzeug.datastructures import FileStorage as WerkzeugFileStorage

from quart.datastructures import FileStorage
from quart.sync import await_sync
from quart.sync import in_worker_thread
from quart.wrappers.request import Request

from ..sync_bridge import SyncCallError
from ..sync_bridge import caller_is_async
from ..sync_bridge import drive

#: Methods whose body never carries a request body in practice.
BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "CONNECT"})


def has_body(request: Request) -> bool:
    """Whether ``request`` declares a body (a non-zero ``Content-Length``,
    chunked encoding, or a method that carries one without a length)."""
    length = None
    for key, value in request.headers.items():  # no KeyError-raising lookups
        lowered = key.lower()
        if lowered == "transfer-encoding":
            return True
        if lowered == "content-length":
            length = value
    if length is not None:
        return length.strip() not in {"", "0"}
    return request.method not in BODYLESS_METHODS


def _ensure_body(request: Request, what: str) -> None:
    """Make the body available to sync code: it is already read (the shim
    reads it before the ``before_request`` functions), declared empty, or
    fetched through the loop from a worker thread. Anywhere else reading it
    would block, so this raises without touching the body."""
    body = request.body
    if body.data is not None:
        return
    if not has_body(request):
        body.set_result(b"")
        return
    if in_worker_thread():
        await_sync(body.read())
        return
    raise SyncCallError(
        f"request.{what} needs the request body, which has not been received"
        " yet: the Flask shim reads bodies before the before_request functions"
        " run unless QUART_FLASK_PRELOAD_BODY is False, and sync code on the"
        f" event loop thread cannot wait for it. Use 'await request.{what}' in"
        " async code."
    )


def _sync_request_value(request: Request, awaitable: Any, what: str) -> Any:
    try:
        _ensure_body(request, what)
    except BaseException:
        awaitable.close()
        raise
    return drive(awaitable, f"request.{what}")


def _property_getter(cls: type, name: str) -> Callable[[Any], Any]:
    """The getter of the property ``name`` of ``cls`` (before patching)."""
    prop = inspect.getattr_static(cls, name)
    assert isinstance(prop, property) and prop.fget is not None
    return prop.fget


def _body_property(name: str, getter: Callable[[Request], Any]) -> property:
    def fget(self: Request) -> Any:
        awaitable = getter(self)
        if caller_is_async():
            return awaitable
        return _sync_request_value(self, awaitable, name)

    fget.__doc__ = (
        f"``request.{name}``: the value for sync code (Flask's API), an"
        " awaitable for async code."
    )
    return property(fget)


def _patch_request() -> None:
    original_get_data = Request.get_data
    original_get_json = Request.get_json

    def get_data(
        self: Request,
        cache: bool = True,
        as_text: bool = False,
        parse_form_data: bool = False,
    ) -> Any:
        awaitable = original_get_data(self, cache, as_text, parse_form_data)
        if caller_is_async():
            return awaitable
        return _sync_request_value(self, awaitable, "get_data()")

    def get_json(
        self: Request, force: bool = False, silent: bool = False, cache: bool = True
    ) -> Any:
        awaitable = original_get_json(self, force, silent, cache)
        if caller_is_async():
            return awaitable
        return _sync_request_value(self, awaitable, "get_json()")

    Request.get_data = get_data  # type: ignore[method-assign]
    Request.get_json = get_json  # type: ignore[method-assign]
    Request.data = _body_property("data", lambda r: original_get_data(r))  # type: ignore[assignment]
    Request.json = _body_property("json", lambda r: original_get_json(r))  # type: ignore[assignment]
    for name in ("form", "files", "values"):
        setattr(Request, name, _body_property(name, _property_getter(Request, name)))


_async_save = FileStorage.save


def _sync_or_async_save(
    self: FileStorage, destination: Any, buffer_size: int = 16384
) -> Any:
    """``upload.save(path)`` as Flask code writes it (sync, in place), and
    the awaitable :meth:`quart.datastructures.FileStorage.save` for async
    callers."""
    if caller_is_async():
        return _async_save(self, destination, buffer_size)
    WerkzeugFileStorage.save(self, destination, buffer_size)
    return None


def apply() -> None:
    """Give ``Request`` and ``FileStorage`` Flask's sync API."""
    _patch_request()
    FileStorage.save = _sync_or_async_save  # type: ignore[method-assign]
