"""The changes the shim makes to Quart's classes, applied once on import.

Each change gives sync callers Flask's sync API and leaves async callers
exactly where they were: the patched attributes hand a coroutine caller the
same awaitable as before. Nothing here runs unless the shim is imported.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import sys
from collections.abc import Callable
from collections.abc import Iterator
from types import TracebackType
from typing import Any

from werkzeug.datastructures import FileStorage as WerkzeugFileStorage

from quart.app import Quart
from quart.blueprints import Blueprint
from quart.ctx import AppContext
from quart.ctx import RequestContext
from quart.datastructures import FileStorage
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
BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "CONNECT"})


# -- the request body ----------------------------------------------------------
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


#: Config key: read request bodies before ``before_request`` (default on).
PRELOAD_KEY = "QUART_FLASK_PRELOAD_BODY"


def _patch_preload() -> None:
    """Read a request's body before the ``before_request`` functions run, so
    sync code on the event loop thread (``form.validate_on_submit()`` in an
    async view) finds ``request.form`` ready. A method wrapper rather than a
    ``quart_request_started`` hook: it costs a third of a hook per request,
    and a ``GET`` pays one set lookup."""
    from quart.globals import request_ctx

    original = Quart.preprocess_request

    async def preload_then_preprocess(self: Quart, ctx: RequestContext) -> Any:
        await ctx.request.body.read()  # with the usual limits (413, 408)
        return await original(self, ctx)

    def preprocess_request(
        self: Quart, request_context: RequestContext | None = None
    ) -> Any:
        # Sync, returning the awaitable: no extra coroutine per request. The
        # core passes the context; other callers get the current one.
        ctx = request_context or request_ctx
        request = ctx.request
        if (
            request.method in BODYLESS_METHODS
            or request.body.data is not None
            or not has_body(request)
            or self.config.get(PRELOAD_KEY, True) is False
        ):
            return original(self, ctx)
        return preload_then_preprocess(self, ctx)

    functools.update_wrapper(preprocess_request, original)
    Quart.preprocess_request = preprocess_request  # type: ignore[method-assign]


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
    for name in ("form", "files", "values"):
        setattr(Request, name, body_property(name, _property_getter(Request, name)))
    FileStorage.save = _sync_or_async_save  # type: ignore[method-assign]


def _property_getter(cls: type, name: str) -> Callable[[Any], Any]:
    """The getter of the property ``name`` of ``cls`` (before patching)."""
    prop = inspect.getattr_static(cls, name)
    assert isinstance(prop, property) and prop.fget is not None
    return prop.fget


_async_save = FileStorage.save


def _sync_or_async_save(
    self: FileStorage, destination: Any, buffer_size: int = 16384
) -> Any:
    """``upload.save(path)`` as Flask code writes it (sync, in place), and
    the awaitable :meth:`quart.datastructures.FileStorage.save` for async
    callers."""
    if sys._getframe(1).f_code.co_flags & ASYNC_FLAGS:
        return _async_save(self, destination, buffer_size)
    WerkzeugFileStorage.save(self, destination, buffer_size)
    return None


# -- responses -------------------------------------------------------------------
def _iterate_body(body: ResponseBody) -> Iterator[bytes]:
    if isinstance(body, DataBody):
        yield body.data[body.begin : body.end]
        return
    what = "response.iter_encoded()"
    chunks = aiter(call_sync(body.__aenter__(), what))
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

    def sync_data(self: Response, as_text: bool, what: str) -> Any:
        body = self.response
        if isinstance(body, DataBody):  # in memory: no trip to the loop
            data = body.data[body.begin : body.end]
            return data.decode() if as_text else data
        return call_sync(original_get_data(self, as_text), what)

    def get_data(self: Response, as_text: bool = False) -> Any:
        if sys._getframe(1).f_code.co_flags & ASYNC_FLAGS:
            return original_get_data(self, as_text)
        return sync_data(self, as_text, "response.get_data()")

    def get_json(self: Response, force: bool = False, silent: bool = False) -> Any:
        awaitable = original_get_json(self, force, silent)
        if sys._getframe(1).f_code.co_flags & ASYNC_FLAGS:
            return awaitable
        return call_sync(awaitable, "response.get_json()")

    def data_get(self: Response) -> Any:
        if sys._getframe(1).f_code.co_flags & ASYNC_FLAGS:
            return original_get_data(self)
        return sync_data(self, False, "response.data")

    def data_set(self: Response, value: str | bytes) -> None:
        self.set_data(value)

    def json_get(self: Response) -> Any:
        awaitable = original_get_json(self)
        if sys._getframe(1).f_code.co_flags & ASYNC_FLAGS:
            return awaitable
        return call_sync(awaitable, "response.json")

    def is_streamed(self: Response) -> bool:
        """True unless the body is data held in memory."""
        return not isinstance(self.response, DataBody)

    def is_sequence(self: Response) -> bool:
        """True when the body is data held in memory."""
        return isinstance(self.response, DataBody)

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
    Response.is_streamed = property(is_streamed)  # type: ignore[attr-defined]
    Response.is_sequence = property(is_sequence)  # type: ignore[attr-defined]
    Response.direct_passthrough = False  # type: ignore[attr-defined]
    Response.freeze = hybrid(Response.freeze, "response.freeze")  # type: ignore[method-assign]
    Response.calculate_content_length = calculate_content_length  # type: ignore[attr-defined]
    Response.iter_encoded = iter_encoded  # type: ignore[attr-defined]
    # make_conditional never waits: run it in place on any thread.
    Response.make_conditional = hybrid(  # type: ignore[method-assign]
        Response.make_conditional, "response.make_conditional", in_place=True
    )
    Response.add_etag = hybrid(Response.add_etag, "response.add_etag")  # type: ignore[method-assign]


# -- the app -------------------------------------------------------------------------
#: ``Quart`` coroutine methods that Flask code calls synchronously.
_HYBRID_APP_METHODS = (
    "make_default_options_response",
    "handle_exception",
    "handle_user_exception",
    "handle_http_exception",
    "update_template_context",
    "send_static_file",
)


def _hot_hybrid_make_response(original: Callable[..., Any]) -> Callable[..., Any]:
    """:func:`hybrid` for ``app.make_response``, which the core calls on
    every request: a fixed signature and local names keep it cheap."""

    def make_response(
        self: Quart,
        rv: Any,
        _getframe: Callable[[int], Any] = sys._getframe,
        _flags: int = ASYNC_FLAGS,
    ) -> Any:
        awaitable = original(self, rv)
        if _getframe(1).f_code.co_flags & _flags:
            return awaitable
        return call_sync(awaitable, "app.make_response()")

    functools.update_wrapper(make_response, original)
    make_response.__quart_async__ = original  # type: ignore[attr-defined]
    return make_response


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


def _patch_map_adapter() -> None:
    """Flask binds a URL adapter to the request, so an extension's
    ``app.create_url_adapter(request).match()`` matches that request. Quart
    shares one adapter per host and passes the path explicitly; so here the
    adapter's *defaults* (path, method, query) read the current request when
    the adapter is that request's. Quart never reads these defaults while
    matching, so its hot path does not change."""
    from werkzeug.routing import MapAdapter

    from quart.globals import _cv_request

    def request_default(name: str, from_request: Callable[[Request], Any]) -> property:
        key = f"_quart_flask_patch_{name}"

        def fget(self: MapAdapter) -> Any:
            ctx = _cv_request.get(None)
            if ctx is not None and ctx.url_adapter is self:
                return from_request(ctx.request)
            return self.__dict__.get(key, self.__dict__.get(name))

        def fset(self: MapAdapter, value: Any) -> None:
            self.__dict__[key] = value

        return property(fget, fset)

    MapAdapter.path_info = request_default("path_info", lambda r: r.path)  # type: ignore[assignment]
    MapAdapter.default_method = request_default("default_method", lambda r: r.method)  # type: ignore[assignment]
    MapAdapter.query_args = request_default(  # type: ignore[assignment]
        "query_args", lambda r: r.query_string.decode("latin-1")
    )


def _patch_app() -> None:
    _patch_map_adapter()
    Quart.sync_to_async = _sync_to_async  # type: ignore[method-assign]
    Quart.ensure_sync = _ensure_sync  # type: ignore[attr-defined]
    Quart.async_to_sync = _async_to_sync  # type: ignore[attr-defined]
    for name in _HYBRID_APP_METHODS:
        method = getattr(Quart, name)
        setattr(Quart, name, hybrid(method, f"app.{name}"))
    Quart.make_response = _hot_hybrid_make_response(Quart.make_response)  # type: ignore[method-assign]
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
    _patch_preload()
    _patch_response()
    _patch_app()
    _patch_views()
    _patch_jinja_macros()
    _patch_contexts()
    _patch_sessions()
    Quart._flask_patched = True  # type: ignore[attr-defined]
