"""The changes the shim makes to Quart's classes, applied once on import.

Each change gives sync callers Flask's sync API and leaves async callers
exactly where they were: the patched attributes hand a coroutine caller the
same awaitable as before. Nothing here runs unless the shim is imported.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import inspect
import sys
from collections.abc import Callable
from collections.abc import Iterator
from types import TracebackType
from typing import Any

from quart.app import Quart
from quart.blueprints import Blueprint
from quart.ctx import AppContext
from quart.ctx import RequestContext
from quart.sessions import SessionInterface
from quart.sync import _worker_loop
from quart.sync import await_sync
from quart.sync import run_sync
from quart.wrappers.request import Request
from quart.wrappers.response import DataBody
from quart.wrappers.response import Response
from quart.wrappers.response import ResponseBody

from ._bridge import ASYNC_FLAGS
from ._bridge import SyncCallError
from ._bridge import async_to_sync
from ._bridge import call_sync
from ._bridge import drive
from ._bridge import driving
from ._bridge import hybrid

#: Methods whose body never carries a request body in practice.
_BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "CONNECT"})


def _async_caller() -> bool:
    """Whether the code that called the caller of this function may await
    (two frames up: past the patched attribute's own frame)."""
    return bool(sys._getframe(2).f_code.co_flags & ASYNC_FLAGS)


# -- the request body ----------------------------------------------------------
def has_body(request: Request) -> bool:
    """Whether ``request`` declares a body (a non-zero ``Content-Length``,
    chunked encoding, or a method that carries one without a length)."""
    headers = request.headers
    if "Transfer-Encoding" in headers:
        return True
    length = headers.get("Content-Length")
    if length is not None:
        return length.strip() not in {"", "0"}
    return request.method not in _BODYLESS_METHODS


def _ensure_body(request: Request, what: str) -> None:
    """Make the body available to sync code: it is already read (the shim
    reads it before the ``before_request`` functions), declared empty, or
    fetched through the loop from a worker thread. Anywhere else reading it
    would block, so this raises without touching the body."""
    body = request.body
    if body._data is not None:
        return
    if not has_body(request):
        body._data = b""
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        if _worker_loop.get() is not None:
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
        if sys._getframe(1).f_code.co_flags & ASYNC_FLAGS:
            return awaitable
        return _sync_request_value(self, awaitable, "get_data()")

    def get_json(
        self: Request, force: bool = False, silent: bool = False, cache: bool = True
    ) -> Any:
        awaitable = original_get_json(self, force, silent, cache)
        if sys._getframe(1).f_code.co_flags & ASYNC_FLAGS:
            return awaitable
        return _sync_request_value(self, awaitable, "get_json()")

    def body_property(name: str, getter: Callable[[Request], Any]) -> property:
        def fget(self: Request) -> Any:
            awaitable = getter(self)
            if sys._getframe(1).f_code.co_flags & ASYNC_FLAGS:
                return awaitable
            return _sync_request_value(self, awaitable, name)

        fget.__doc__ = (
            f"``request.{name}``: the value for sync code (Flask's API), an"
            " awaitable for async code."
        )
        return property(fget)

    Request.get_data = get_data  # type: ignore[method-assign]
    Request.get_json = get_json  # type: ignore[method-assign]
    Request.data = body_property("data", lambda r: original_get_data(r))  # type: ignore[assignment]
    Request.json = body_property("json", lambda r: original_get_json(r))  # type: ignore[assignment]
    Request.form = body_property("form", Request._get_form)  # type: ignore[assignment]
    Request.files = body_property("files", Request._get_files)  # type: ignore[assignment]
    Request.values = body_property("values", Request._get_values)  # type: ignore[assignment]


# -- responses -------------------------------------------------------------------
def _iterate_body(body: ResponseBody) -> Iterator[bytes]:
    if isinstance(body, DataBody):
        yield body.data[body.begin : body.end]
        return
    what = "response.iter_encoded()"
    chunks = call_sync(body.__aenter__(), what)
    error: BaseException | None = None
    try:
        while True:
            try:
                chunk = call_sync(chunks.__anext__(), what)
            except StopAsyncIteration:
                return
            yield chunk
    except BaseException as raised:
        error = raised
        raise
    finally:
        tb = error.__traceback__ if error is not None else None
        call_sync(body.__aexit__(type(error) if error else None, error, tb), what)


def _patch_response() -> None:
    original_get_data = Response.get_data
    original_get_json = Response.get_json

    def get_data(self: Response, as_text: bool = False) -> Any:
        awaitable = original_get_data(self, as_text)
        if sys._getframe(1).f_code.co_flags & ASYNC_FLAGS:
            return awaitable
        return call_sync(awaitable, "response.get_data()")

    def get_json(self: Response, force: bool = False, silent: bool = False) -> Any:
        awaitable = original_get_json(self, force, silent)
        if sys._getframe(1).f_code.co_flags & ASYNC_FLAGS:
            return awaitable
        return call_sync(awaitable, "response.get_json()")

    def data_get(self: Response) -> Any:
        awaitable = original_get_data(self)
        if sys._getframe(1).f_code.co_flags & ASYNC_FLAGS:
            return awaitable
        return call_sync(awaitable, "response.data")

    def data_set(self: Response, value: str | bytes) -> None:
        self.set_data(value)

    def json_get(self: Response) -> Any:
        awaitable = original_get_json(self)
        if sys._getframe(1).f_code.co_flags & ASYNC_FLAGS:
            return awaitable
        return call_sync(awaitable, "response.json")

    # ``response.response = iterable`` (werkzeug style) becomes a body.
    def body_get(self: Response) -> Any:
        return self.__dict__["response"]

    def body_set(self: Response, value: Any) -> None:
        if not isinstance(value, ResponseBody):
            if isinstance(value, (str, bytes, bytearray, memoryview)):
                value = self.data_body_class(
                    value.encode() if isinstance(value, str) else bytes(value)
                )
            else:
                value = self.iterable_body_class(value)
        self.__dict__["response"] = value

    def is_streamed(self: Response) -> bool:
        """True unless the body is data held in memory."""
        return not isinstance(self.response, DataBody)

    def is_sequence(self: Response) -> bool:
        """True when the body is data held in memory."""
        return isinstance(self.response, DataBody)

    def freeze(self: Response) -> None:
        """Read a streamed body into memory (and set ``Content-Length``)."""
        data = get_data(self)
        self.set_data(data)

    def calculate_content_length(self: Response) -> int | None:
        """The body length if known without reading it."""
        return self.response.length

    def iter_encoded(self: Response) -> Iterator[bytes]:
        """The body as a sync iterator of ``bytes`` (werkzeug's API): data
        at once, a streamed body chunk by chunk through the loop. The body
        is the one the response has now (callers often replace it with a
        wrapper around this iterator)."""
        return _iterate_body(self.response)

    Response.get_data = get_data  # type: ignore[method-assign]
    Response.get_json = get_json  # type: ignore[method-assign]
    Response.data = property(data_get, data_set)  # type: ignore[assignment]
    Response.json = property(json_get)  # type: ignore[assignment]
    Response.response = property(body_get, body_set)  # type: ignore[assignment]
    Response.is_streamed = property(is_streamed)  # type: ignore[attr-defined]
    Response.is_sequence = property(is_sequence)  # type: ignore[attr-defined]
    Response.direct_passthrough = False  # type: ignore[attr-defined]
    Response.freeze = freeze  # type: ignore[attr-defined]
    Response.calculate_content_length = calculate_content_length  # type: ignore[attr-defined]
    Response.iter_encoded = iter_encoded  # type: ignore[attr-defined]
    Response.make_conditional = hybrid(  # type: ignore[method-assign]
        Response.make_conditional, "response.make_conditional"
    )
    Response.add_etag = hybrid(Response.add_etag, "response.add_etag")  # type: ignore[method-assign]


# -- the app -------------------------------------------------------------------------
#: ``Quart`` coroutine methods that Flask code calls synchronously.
_HYBRID_APP_METHODS = (
    "make_response",
    "make_default_options_response",
    "handle_exception",
    "handle_user_exception",
    "handle_http_exception",
    "update_template_context",
    "send_static_file",
)


def _sync_to_async(self: Quart, func: Callable[..., Any]) -> Callable[..., Any]:
    """Run a sync function in a worker thread, or inline while sync code is
    being served in place; await what it returns if that is awaitable (a
    Flask-style sync decorator around an ``async def`` view returns one)."""
    threaded = run_sync(func)

    @functools.wraps(func)
    async def _flask_sync_wrapper(*args: Any, **kwargs: Any) -> Any:
        if driving():
            result = func(*args, **kwargs)
        else:
            result = await threaded(*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result

    return _flask_sync_wrapper


def _ensure_sync(self: Quart, func: Callable[..., Any]) -> Callable[..., Any]:
    """Flask's ``app.ensure_sync``: ``func`` itself if it is sync, else a
    sync function returning its result."""
    from quart.sync import is_async_callable

    if is_async_callable(func):
        return self.async_to_sync(func)  # type: ignore[attr-defined,no-any-return]
    return func


def _async_to_sync(self: Quart, func: Callable[..., Any]) -> Callable[..., Any]:
    """Flask's ``app.async_to_sync``: call the async ``func`` from sync code
    (through the loop from a worker thread, in place elsewhere)."""
    return async_to_sync(func)


def _patch_url_adapter() -> None:
    original = Quart.create_url_adapter

    def create_url_adapter(self: Quart, request: Request | None) -> Any:
        """As Flask's, the adapter for a request knows its path, method and
        query (``adapter.match()`` with no arguments matches the request)."""
        adapter = original(self, request)
        if request is None or adapter is None:
            return adapter
        bound = copy.copy(adapter)
        bound.path_info = request.path
        bound.default_method = request.method
        bound.query_args = request.query_string.decode("latin-1")
        return bound

    Quart.create_url_adapter = create_url_adapter  # type: ignore[method-assign,assignment]


def _patch_app() -> None:
    _patch_url_adapter()
    Quart.sync_to_async = _sync_to_async  # type: ignore[method-assign]
    Quart.ensure_sync = _ensure_sync  # type: ignore[attr-defined]
    Quart.async_to_sync = _async_to_sync  # type: ignore[attr-defined]
    for name in _HYBRID_APP_METHODS:
        method = getattr(Quart, name)
        setattr(Quart, name, hybrid(method, f"app.{name}"))
    Blueprint.send_static_file = hybrid(  # type: ignore[method-assign]
        Blueprint.send_static_file, "blueprint.send_static_file"
    )


# -- class-based views ---------------------------------------------------------------
def _patch_views() -> None:
    from quart.sync import is_async_callable
    from quart.views import View

    original = View.as_view.__func__  # type: ignore[attr-defined]

    def as_view(
        cls: type[View], name: str, *class_args: Any, **class_kwargs: Any
    ) -> Callable[..., Any]:
        """As Flask's: a view class with a sync ``dispatch_request`` (a
        Flask-RESTful resource) gives a sync view function, which extensions
        may wrap with sync decorators; an async one gives Quart's view."""
        if is_async_callable(cls.dispatch_request):
            return original(cls, name, *class_args, **class_kwargs)  # type: ignore[no-any-return]
        if cls.init_every_request:

            def view(**kwargs: Any) -> Any:
                self = view.view_class(*class_args, **class_kwargs)  # type: ignore[attr-defined]
                return self.dispatch_request(**kwargs)

        else:
            instance = cls(*class_args, **class_kwargs)

            def view(**kwargs: Any) -> Any:
                return instance.dispatch_request(**kwargs)

        if cls.decorators:
            view.__name__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                view = decorator(view)
        view.view_class = cls  # type: ignore[attr-defined]
        view.__name__ = name
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.methods = cls.methods  # type: ignore[attr-defined]
        view.provide_automatic_options = cls.provide_automatic_options  # type: ignore[attr-defined]
        return view

    View.as_view = classmethod(as_view)  # type: ignore[assignment]


# -- template macros -----------------------------------------------------------------
def _patch_jinja_macros() -> None:
    from jinja2.runtime import Macro

    original = Macro.__call__

    def __call__(self: Macro, *args: Any, **kwargs: Any) -> Any:
        """In Quart's async environments a macro call gives a coroutine,
        which the template awaits. Sync Python code calling a macro (a
        Flask-era Jinja extension calling ``caller()``) gets the text."""
        rv = original(self, *args, **kwargs)
        if not inspect.iscoroutine(rv):
            return rv
        frame: Any = sys._getframe(1)
        while frame.f_back is not None and frame.f_globals.get(
            "__name__", ""
        ).startswith("jinja2."):
            frame = frame.f_back  # past Jinja's runtime (Context.call)
        if frame.f_code.co_flags & ASYNC_FLAGS:
            return rv
        return drive(rv, "a template macro")

    Macro.__call__ = __call__  # type: ignore[method-assign]


# -- contexts ------------------------------------------------------------------------
def _enter(self: Any) -> Any:
    drive(self.push(), f"{type(self).__name__}.push()")
    return self


def _exit(
    self: Any,
    exc_type: type[BaseException] | None,
    exc_value: BaseException | None,
    tb: TracebackType | None,
) -> None:
    drive(self.pop(exc_value), f"{type(self).__name__}.pop()")


def _patch_contexts() -> None:
    # ``with app.app_context():`` and ``with app.test_request_context():``
    # run in place, on any thread, so the context variables they set stay
    # in the caller's context.
    for cls in (AppContext, RequestContext):
        setattr(cls, "__enter__", _enter)  # noqa: B010
        setattr(cls, "__exit__", _exit)  # noqa: B010


# -- sessions ------------------------------------------------------------------------
_SESSION_METHODS = ("open_session", "save_session", "make_null_session")


def _async_session_method(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def wrapper(self: SessionInterface, app: Quart, *args: Any) -> Any:
        return await app.ensure_async(functools.partial(method, self))(app, *args)

    wrapper.__quart_sync__ = method  # type: ignore[attr-defined]
    return wrapper


def _init_session_subclass(cls: type[SessionInterface], /, **kwargs: Any) -> None:
    """A Flask session interface implements these methods sync (and may do
    blocking I/O): run them in worker threads like any sync hook."""
    super(SessionInterface, cls).__init_subclass__(**kwargs)
    for name in _SESSION_METHODS:
        method = cls.__dict__.get(name)
        if callable(method) and not inspect.iscoroutinefunction(method):
            setattr(cls, name, _async_session_method(method))


def _patch_sessions() -> None:
    SessionInterface.__init_subclass__ = classmethod(_init_session_subclass)  # type: ignore[assignment]


def apply() -> None:
    """Apply every patch (idempotent)."""
    if getattr(Quart, "_flask_patched", False):
        return
    _patch_request()
    _patch_response()
    _patch_app()
    _patch_views()
    _patch_jinja_macros()
    _patch_contexts()
    _patch_sessions()
    Quart._flask_patched = True  # type: ignore[attr-defined]
