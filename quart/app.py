"""The :class:`Quart` application as the flow of one connection: the ASGI
entry, then an HTTP request (and a websocket) from its context being pushed
to teardown, then error handling.

What the flow runs is compiled once by :mod:`quart.pipeline`; the
configuration, registries and URL building, which never await, are in
:mod:`quart.sansio.app`; serving (lifespan, background tasks, ``run``) is in
:mod:`quart.lifespan`."""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from contextvars import ContextVar
from functools import cached_property
from typing import TYPE_CHECKING
from typing import Any
from typing import NoReturn
from typing import TypeVar
from typing import cast

from blinker import NamedSignal
from werkzeug.exceptions import BadRequestKeyError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import SecurityError
from werkzeug.routing import RoutingException

from .asgi import ASGIHTTPConnection
from .asgi import ASGILifespan
from .asgi import ASGIWebsocketConnection
from .ctx import RequestContext
from .ctx import WebsocketContext
from .globals import _cv_app
from .globals import _cv_request
from .globals import _cv_websocket
from .lifespan import Lifespan
from .pipeline import HTTP
from .pipeline import PIPELINE_METHODS
from .pipeline import WEBSOCKET
from .pipeline import Pipeline
from .pipeline import run_before
from .plugins import call_each
from .routing import QuartRule
from .sansio.app import App
from .scaffold import AsyncFile
from .scaffold import _sentinel
from .sessions import SessionMixin
from .signals import appcontext_tearing_down
from .signals import got_request_exception
from .signals import got_websocket_exception
from .signals import request_tearing_down
from .signals import send_signal
from .signals import websocket_tearing_down
from .sync import ensure_async
from .sync import run_sync
from .templating import T_template_filter as T_template_filter
from .templating import T_template_global as T_template_global
from .templating import T_template_test as T_template_test
from .typing import AppOrBlueprintKey as AppOrBlueprintKey
from .typing import P as P
from .typing import T_after_serving as T_after_serving
from .typing import T_after_websocket as T_after_websocket
from .typing import T_before_serving as T_before_serving
from .typing import T_before_websocket as T_before_websocket
from .typing import T_shell_context_processor as T_shell_context_processor
from .typing import T_teardown as T_teardown
from .typing import T_websocket as T_websocket
from .typing import T_while_serving as T_while_serving
from .wrappers import Request
from .wrappers import Response
from .wrappers import Websocket
from .wrappers import WebsocketDisconnect

if TYPE_CHECKING:
    from .broadcast import Broadcast
    from .typing import ASGIReceiveCallable
    from .typing import ASGISendCallable
    from .typing import ResponseReturnValue
    from .typing import Scope

T = TypeVar("T")


async def _traceback_response(error: Exception) -> Response:
    from .debug import traceback_response

    return await traceback_response(error)


async def _resolve(value: Awaitable[T] | T) -> T:
    """Await ``value`` if it is awaitable. Used on the error and ``OPTIONS``
    paths only: Flask extensions may replace ``handle_exception`` and
    friends with sync functions, which return values instead."""
    if inspect.isawaitable(value):
        return await value
    return value


class Quart(Pipeline, Lifespan, App):
    """The application: a registry of views and hooks, and an ASGI app.

    :param import_name: normally ``__name__``; used to find the root path.
    :param static_url_path: URL prefix of the static route (``/static``).
    :param static_folder: folder served by the static route, relative to
        ``root_path``; ``None`` disables the route.
    :param static_host: host of the static route when ``host_matching``.
    :param host_matching: match routes on the ``Host`` as well.
    :param subdomain_matching: match subdomains of ``SERVER_NAME``.
    :param template_folder: folder of templates, relative to ``root_path``.
    :param instance_path: folder for instance files (default ``instance``
        beside the package).
    :param instance_relative_config: load relative config files from
        ``instance_path`` instead of ``root_path``.
    :param root_path: override the folder found from ``import_name``.
    :param plugins: plugins to register besides the built-ins and the
        ``quart.plugins`` entry points: objects or import strings.
    :param disable_plugins: plugin names never to load (built-ins too).
    :param allow_plugins: load only these entry-point plugins.
    """

    asgi_http_class: type[ASGIHTTPConnection] = ASGIHTTPConnection
    asgi_lifespan_class: type[ASGILifespan] = ASGILifespan
    asgi_websocket_class: type[ASGIWebsocketConnection] = ASGIWebsocketConnection

    # -- ASGI: where a connection comes in ----------------------------------
    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """The ASGI entry point; wrap :attr:`asgi_app` to add middleware."""
        await self.asgi_app(scope, receive, send)

    async def asgi_app(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Dispatch an ASGI connection by its scope type."""
        scope_type = scope["type"]
        if scope_type == "http":
            await self.asgi_http_class(self, scope)(receive, send)
        elif scope_type == "websocket":
            await self.asgi_websocket_class(self, scope)(receive, send)
        elif scope_type == "lifespan":
            await self.asgi_lifespan_class(self, scope)(receive, send)
        else:
            raise RuntimeError(f"Unsupported ASGI scope type {scope_type!r}")

    # -- the request pipeline ---------------------------------------------
    async def handle_request(self, request: Request) -> Response:
        """Handle one HTTP request, from pushing its context to teardown."""
        if not self._frozen:
            self._freeze()
        ctx = self.request_context(request)
        error: BaseException | None = None
        await ctx.push()
        try:
            try:
                return await self.full_dispatch_request(ctx)
            except Exception as e:
                error = e
                return await _resolve(self.handle_exception(e))
            except BaseException as e:
                error = e
                raise
        finally:
            if error is not None and self.should_ignore_error(error):
                error = None
            await ctx.pop(error)

    async def full_dispatch_request(
        self, request_context: RequestContext | None = None
    ) -> Response:
        """Signals, before-request functions, the view and its error
        handling, then :meth:`finalize_request`."""
        ctx = request_context or _cv_request.get()
        steps = ctx._steps = self._steps_for(ctx.request.blueprint)
        rv: Any
        try:
            before_view = steps.before_view
            rv = None if before_view is None else await before_view(ctx)
            if rv is None:
                rv = await self.dispatch_request(ctx)
        except Exception as e:
            rv = await _resolve(self.handle_user_exception(e))
        return await self.finalize_request(rv, ctx)

    async def preprocess_request(
        self, request_context: RequestContext | None = None
    ) -> ResponseReturnValue | None:
        """Run URL value preprocessors and before-request functions (app
        first, then outer to inner blueprint); the first non-``None`` value
        they return ends the request."""
        ctx = request_context or _cv_request.get()
        steps = ctx._steps or self._steps_for(ctx.request.blueprint)
        return await run_before(steps.url_value_preprocessors, steps.before, ctx)  # type: ignore[no-any-return]

    async def dispatch_request(
        self, request_context: RequestContext | None = None
    ) -> ResponseReturnValue:
        """Call the matched view with the URL values (or raise the routing
        error; answer ``OPTIONS`` automatically where enabled)."""
        request = (request_context or _cv_request.get()).request
        if request.routing_exception is not None:
            self.raise_routing_exception(request)
        rule: QuartRule = request.url_rule  # type: ignore[assignment]
        if rule.provide_automatic_options and request.method == "OPTIONS":
            return await _resolve(self.make_default_options_response())
        return await self._view_for(rule.endpoint)(**request.view_args)  # type: ignore[no-any-return, arg-type]

    def raise_routing_exception(self, request: Request) -> NoReturn:
        """Raise the stored routing error (404, 405 or a redirect)."""
        raise request.routing_exception  # type: ignore[misc]

    async def make_default_options_response(self) -> Response:
        """An empty response whose ``Allow`` lists the URL's methods."""
        ctx = _cv_request.get()
        assert ctx.url_adapter is not None
        methods = ctx.url_adapter.allowed_methods(ctx.request.path)
        rv = self.response_class()
        rv.allow.update(methods)
        return rv

    async def finalize_request(
        self,
        rv: ResponseReturnValue | HTTPException,
        request_context: RequestContext | None = None,
        from_error_handler: bool = False,
    ) -> Response:
        """Turn ``rv`` into a response and run the after-request processing.

        Errors here propagate, except while finalizing an error response,
        when they are logged and the response is returned as it is.
        """
        ctx = request_context or _cv_request.get()
        steps = ctx._steps or self._steps_for(ctx.request.blueprint)
        make_response = steps.make_response
        response = (
            self._response_from_return_value(rv)
            if make_response is None
            else await make_response(rv)
        )
        try:
            postprocess = steps.postprocess
            if postprocess is None and (
                ctx._after_request_functions or self._session_to_save(ctx) is not None
            ):
                postprocess = self.process_response
            if postprocess is not None:
                response = await postprocess(response, ctx)
            for finished in steps.finished:
                await finished(ctx.request, response)
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception(
                "Request finalizing failed with an error while handling an error"
            )
        return response

    async def process_response(
        self, response: Response, request_context: RequestContext | None = None
    ) -> Response:
        """``after_this_request`` functions, after-request functions (inner
        blueprint first, each scope last-registered first), then save the
        session."""
        ctx = request_context or _cv_request.get()
        for func in ctx._after_request_functions:
            response = await func(response)
        for after in (ctx._steps or self._steps_for(ctx.request.blueprint)).after:
            response = await after(response)
        session = self._session_to_save(ctx)
        if session is not None:
            await self.session_interface.save_session(self, session, response)
        return response

    def _session_to_save(
        self, ctx: RequestContext | WebsocketContext
    ) -> SessionMixin | None:
        """The context's session unless it is the null session (never
        saved), read or not."""
        if ctx._session_opener is not None:
            return None  # not opened: the null session nobody read
        session = ctx.session
        if session is None or self.session_interface.is_null_session(session):
            return None
        return session

    async def make_response(self, rv: Any) -> Response:
        """Convert a view's return value into a :class:`Response`.

        Accepts a response object, ``str``/``bytes``, a ``dict`` or ``list``
        (as JSON), a sync or async iterator or generator (streamed), an
        :class:`~werkzeug.exceptions.HTTPException` or a werkzeug response,
        or a tuple ``(body, status)``, ``(body, headers)`` or
        ``(body, status, headers)``.
        """
        return self._response_from_return_value(rv)

    # -- teardown -----------------------------------------------------------
    async def do_teardown_request(self, exc: BaseException | None = _sentinel) -> None:
        """Run the teardown functions of the current request (innermost
        blueprint first, app last), then the ``request_tearing_down`` signal."""
        ctx = _cv_request.get()
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        steps = ctx._steps or self._steps_for(ctx.request.blueprint)
        await self._run_teardown(
            "teardown_request function",
            steps.teardown,
            exc,
            request_tearing_down,
            steps.plugin_teardown,
            ctx.request,
        )

    async def do_teardown_appcontext(
        self, exc: BaseException | None = _sentinel
    ) -> None:
        """Run the ``teardown_appcontext`` functions, last registered first."""
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        await self._run_teardown(
            "teardown_appcontext function",
            map(self.ensure_async, reversed(self.teardown_appcontext_funcs)),
            exc,
            appcontext_tearing_down,
        )

    async def _run_teardown(
        self,
        what: str,
        funcs: Iterable[Callable[[BaseException | None], Awaitable[Any]]],
        exc: BaseException | None,
        signal: NamedSignal,
        plugin_hooks: tuple[Callable[..., Any], ...] = (),
        connection: Request | Websocket | None = None,
    ) -> None:
        """Call the teardown ``funcs``, then ``signal``'s receivers, then the
        plugin teardown hooks (with ``connection``), each on its own: an
        error in one is logged and the rest still run."""
        for func in funcs:
            try:
                await func(exc)
            except Exception:
                self._log_teardown_error(what, func)
        if signal.receivers:
            try:
                await send_signal(signal, self, exc=exc)
            except Exception:
                self._log_teardown_error(f"{signal.name.replace('-', '_')} receiver")
        for call in plugin_hooks:
            try:
                await call_each((call,), self, connection, exc)
            except Exception:
                self._log_teardown_error("plugin teardown hook", call)

    def _log_teardown_error(self, what: str, func: Any = None) -> None:
        """Log an error raised while tearing down; the other teardown
        functions still run."""
        name = "" if func is None else f" {getattr(func, '__qualname__', func)!s}"
        self.logger.exception(f"Error in {what}{name}")

    # -- the websocket pipeline -------------------------------------------
    async def handle_websocket(self, websocket: Websocket) -> Response | None:
        """Handle one websocket, from pushing its context to teardown.

        Returns the response to refuse the handshake with, if the handler, a
        before-websocket function or an error handler gave one (the ASGI
        layer ignores it once the websocket was accepted).
        """
        if not self._frozen:
            self._freeze()
        ctx = self.websocket_context(websocket)
        error: BaseException | None = None
        await ctx.push()
        try:
            try:
                return await self.full_dispatch_websocket(ctx)
            except Exception as e:
                error = e
                return await self.handle_websocket_exception(e)
            except BaseException as e:
                error = e
                raise
        finally:
            if error is not None and (
                isinstance(error, WebsocketDisconnect)
                or self.should_ignore_error(error)
            ):
                error = None
            await ctx.pop(error)

    async def full_dispatch_websocket(
        self, websocket_context: WebsocketContext | None = None
    ) -> Response | None:
        """Signal, before-websocket functions, the handler and its error
        handling, then :meth:`finalize_websocket`.

        A client that goes away ends the handler with
        :class:`~quart.wrappers.websocket.WebsocketDisconnect` (a handler
        cancelled for that reason sees the cancellation become this error);
        an error handler registered for it runs, otherwise it ends the
        websocket quietly and the after-websocket functions still run.
        """
        ctx = websocket_context or _cv_websocket.get()
        websocket = ctx.websocket
        steps = ctx._steps = self._steps_for(websocket.blueprint, True)
        rv: Any
        try:
            try:
                before_view = steps.before_view
                rv = None if before_view is None else await before_view(ctx)
                if rv is None:
                    rv = await self.dispatch_websocket(ctx)
            except asyncio.CancelledError:
                convert = websocket._disconnect_from_cancel
                disconnect = convert() if convert is not None else None
                if disconnect is None:
                    raise
                raise disconnect from None
            finally:
                websocket._cancellable = False
        except WebsocketDisconnect as e:
            handler = self._find_error_handler(e, websocket.blueprints)
            rv = None if handler is None else await self.ensure_async(handler)(e)
        except Exception as e:
            rv = await _resolve(self.handle_user_exception(e))
        return await self.finalize_websocket(rv, ctx)

    async def preprocess_websocket(
        self, websocket_context: WebsocketContext | None = None
    ) -> ResponseReturnValue | None:
        """Run URL value preprocessors and before-websocket functions (app
        first, then outer to inner blueprint); the first non-``None`` value
        they return refuses the handshake (or, once accepted, ends it)."""
        ctx = websocket_context or _cv_websocket.get()
        steps = ctx._steps or self._steps_for(ctx.websocket.blueprint, True)
        return await run_before(steps.url_value_preprocessors, steps.before, ctx)  # type: ignore[no-any-return]

    async def dispatch_websocket(
        self, websocket_context: WebsocketContext | None = None
    ) -> ResponseReturnValue | None:
        """Call the matched websocket handler with the URL values (or raise
        the routing error)."""
        websocket = (websocket_context or _cv_websocket.get()).websocket
        if websocket.routing_exception is not None:
            raise websocket.routing_exception
        rule: QuartRule = websocket.url_rule  # type: ignore[assignment]
        return await self._view_for(rule.endpoint)(**websocket.view_args)  # type: ignore[no-any-return, arg-type]

    async def finalize_websocket(
        self,
        rv: ResponseReturnValue | HTTPException | None,
        websocket_context: WebsocketContext | None = None,
        from_error_handler: bool = False,
    ) -> Response | None:
        """Turn ``rv`` into a response (``None`` stays ``None``) and run the
        after-websocket processing; as :meth:`finalize_request`."""
        ctx = websocket_context or _cv_websocket.get()
        steps = ctx._steps or self._steps_for(ctx.websocket.blueprint, True)
        response = None if rv is None else await self.make_response(rv)
        try:
            postprocess = steps.postprocess
            if postprocess is None and (
                ctx._after_websocket_functions
                or (response is not None and self._session_to_save(ctx) is not None)
            ):
                postprocess = self.postprocess_websocket
            if postprocess is not None:
                response = await postprocess(response, ctx)
            for finished in steps.finished:
                await finished(ctx.websocket, response)
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception(
                "Websocket finalizing failed with an error while handling an error"
            )
        return response

    async def postprocess_websocket(
        self,
        response: Response | None,
        websocket_context: WebsocketContext | None = None,
    ) -> Response | None:
        """``after_this_websocket`` functions, then after-websocket
        functions (inner blueprint first, each scope last-registered first);
        each gets and returns the response or ``None``. Then save the
        session into a refusal response."""
        ctx = websocket_context or _cv_websocket.get()
        for func in ctx._after_websocket_functions:
            response = await func(response)
        steps = ctx._steps or self._steps_for(ctx.websocket.blueprint, True)
        for after in steps.after:
            response = await after(response)
        if response is not None:
            session = self._session_to_save(ctx)
            if session is not None:
                await self.session_interface.save_session(self, session, response)
        return response

    async def handle_websocket_exception(self, e: Exception) -> Response | None:
        """Handle an exception nothing else handled in a websocket: send
        ``got_websocket_exception``, raise it when ``PROPAGATE_EXCEPTIONS``
        (by default in testing), else log it and answer 500 (a refusal
        before accepting, a 1011 close after); in debug mode the refusal is
        the traceback page of :mod:`quart.debug`."""
        if isinstance(e, WebsocketDisconnect):
            return None  # the client left: not an application error
        return await self._handle_unhandled(
            e, _cv_websocket, got_websocket_exception, self.finalize_websocket
        )

    async def do_teardown_websocket(
        self, exc: BaseException | None = _sentinel
    ) -> None:
        """Run the teardown functions of the current websocket (innermost
        blueprint first, app last), then ``websocket_tearing_down``."""
        ctx = _cv_websocket.get()
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        steps = ctx._steps or self._steps_for(ctx.websocket.blueprint, True)
        await self._run_teardown(
            "teardown_websocket function",
            steps.teardown,
            exc,
            websocket_tearing_down,
            steps.plugin_teardown,
            ctx.websocket,
        )

    # -- errors -----------------------------------------------------------

    async def handle_http_exception(
        self, e: HTTPException
    ) -> HTTPException | ResponseReturnValue:
        """Find the handler for an HTTP error, else return the error (it is
        its own response). Redirects from routing are never handled."""
        if e.code is None or isinstance(e, RoutingException):
            return e
        handler = self._find_error_handler(e, self._context_blueprints())
        if handler is None:
            return e
        return await self.ensure_async(handler)(e)  # type: ignore[no-any-return]

    async def handle_user_exception(
        self, e: Exception
    ) -> HTTPException | ResponseReturnValue:
        """Handle an exception raised by a view or hook with the most
        specific registered handler; re-raise if there is none."""
        if isinstance(e, BadRequestKeyError) and (
            self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            e.show_exception = True
        elif isinstance(e, SecurityError):
            # werkzeug's message names the host: do not echo client data.
            e.description = "The request's Host is not trusted."
        if isinstance(e, HTTPException) and not self.trap_http_exception(e):
            return await _resolve(self.handle_http_exception(e))
        handler = self._find_error_handler(e, self._context_blueprints())
        if handler is None:
            raise e
        return await self.ensure_async(handler)(e)  # type: ignore[no-any-return]

    async def handle_exception(self, e: Exception) -> Response:
        """Handle an exception nothing else handled: send
        ``got_request_exception``, raise it when ``PROPAGATE_EXCEPTIONS``
        (by default in testing), else log it and answer 500: in debug mode
        (unless ``PROPAGATE_EXCEPTIONS`` is set) with the traceback page of
        :mod:`quart.debug`, otherwise the plain page, or a 500 handler's."""
        response = await self._handle_unhandled(
            e, _cv_request, got_request_exception, self.finalize_request
        )
        return cast(Response, response)

    async def _handle_unhandled(
        self,
        e: Exception,
        var: ContextVar[Any],
        signal: NamedSignal,
        finalize: Callable[..., Awaitable[Response | None]],
    ) -> Response | None:
        """What :meth:`handle_exception` and
        :meth:`handle_websocket_exception` share, for the connection whose
        context is in ``var``: ``signal`` and the plugin hooks, propagate
        or log, then the debug page or the 500 handler's answer, which
        ``finalize`` (``finalize_request`` or ``finalize_websocket``)
        finishes."""
        if signal.receivers:
            await send_signal(signal, self, exception=e)
        plugin_hooks = self._hook_callers(
            WEBSOCKET.exception_hook if var is _cv_websocket else HTTP.exception_hook
        )
        if plugin_hooks:
            await call_each(plugin_hooks, self, var.get()._connection, e)
        propagate = self.config["PROPAGATE_EXCEPTIONS"]
        if propagate or (propagate is None and self.testing):
            raise e
        self.log_exception(sys.exc_info())
        if propagate is None and self.debug:
            return await _traceback_response(e)
        server_error: Any = InternalServerError(original_exception=e)
        ctx = var.get()
        handler = self._find_error_handler(server_error, ctx._connection.blueprints)
        if handler is not None:
            server_error = await self.ensure_async(handler)(server_error)
        return await finalize(server_error, ctx, from_error_handler=True)

    # -- sync/async bridging --------------------------------------------
    def ensure_async(self, func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
        """``func`` itself if it is async, else a wrapper running it in a
        worker thread (see :meth:`sync_to_async`)."""
        wrapped = ensure_async(func)
        if wrapped is func:
            return func
        return self.sync_to_async(func)

    def sync_to_async(self, func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
        """Run a sync function off the event loop; override to change how."""
        return run_sync(func)

    # -- templates ------------------------------------------------------------
    async def update_template_context(self, context: dict[str, Any]) -> None:
        """Add ``g``, ``request`` (or ``websocket``) and what the context
        processors of the app and the current blueprints (outer to inner)
        return to ``context``; values already in ``context`` win."""
        defaults: dict[str, Any] = {}
        app_ctx = _cv_app.get(None)
        if app_ctx is not None:
            defaults["g"] = app_ctx.g
        req_ctx = _cv_request.get(None)
        if req_ctx is not None:
            defaults["request"] = req_ctx.request
            steps = req_ctx._steps or self._steps_for(req_ctx.request.blueprint)
        elif (ws_ctx := _cv_websocket.get(None)) is not None:
            defaults["websocket"] = ws_ctx.websocket
            steps = ws_ctx._steps or self._steps_for(ws_ctx.websocket.blueprint, True)
        else:
            steps = self._steps_for(None)
        processors = steps.context_processors
        if not processors:
            for key, value in defaults.items():
                context.setdefault(key, value)
            return
        original = context.copy()
        context.update(defaults)
        for processor in processors:
            context.update(await processor())
        context.update(original)

    async def open_instance_resource(
        self,
        path: str | os.PathLike[str],
        mode: str = "rb",
        encoding: str | None = "utf-8",
    ) -> AsyncFile:
        """Open a file relative to :attr:`instance_path`; writing is allowed.
        The file is opened in a worker thread and its methods are
        coroutines: ``async with await app.open_instance_resource("a.cfg")
        as f: data = await f.read()``. ``encoding`` applies in text mode."""
        return await AsyncFile.open(
            os.path.join(self.instance_path, path), mode, encoding=encoding
        )

    @cached_property
    def broadcast(self) -> Broadcast:
        """Publish/subscribe across the app (:mod:`quart.broadcast`), created
        on first use with the backend the ``quart_broadcast_backend`` hook
        answers: in-process by default, shared by workers with a plugin."""
        from .broadcast import Broadcast

        return Broadcast(self)

    async def send_static_file(self, filename: str) -> Response:
        """Serve ``filename`` from the static folder (the static route's view)."""
        if not self.has_static_folder:
            raise RuntimeError("'static_folder' must be set to serve static_files.")
        from .helpers import send_from_directory

        # as Flask: the max age is asked for the name, not the full path
        max_age = self.get_send_file_max_age(filename)
        return await send_from_directory(
            cast(str, self.static_folder), filename, max_age=max_age
        )


#: The pipeline methods as defined here: a subclass, patch or instance
#: attribute that replaces one is always called (see quart.pipeline).
Quart._pipeline_defaults = {name: getattr(Quart, name) for name in PIPELINE_METHODS}
