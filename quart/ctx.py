"""Application and request contexts, held in context variables.

Contexts are async context managers (``async with app.app_context():``)
because pushing one may open a session and popping one runs teardown
functions, both of which may await.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterator
from contextvars import ContextVar
from contextvars import Token
from types import TracebackType
from typing import TYPE_CHECKING
from typing import Any
from typing import Self
from typing import TypeVar

from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from . import globals as _globals
from ._lazy import lazy_attribute
from .scaffold import _sentinel
from .signals import appcontext_popped
from .signals import appcontext_pushed
from .signals import send_signal

if TYPE_CHECKING:
    from werkzeug.routing import MapAdapter

    from .app import Quart
    from .pipeline import Steps
    from .sessions import SecureCookieSessionInterface
    from .sessions import SessionMixin
    from .wrappers import Request
    from .wrappers import Response
    from .wrappers import Websocket

F = TypeVar("F", bound=Callable[..., Any])

# Bound here by assignment, not imported by name: CPython compiles
# ``name.method()`` on a name imported with ``from ... import`` as an
# attribute load and a call (it expects a module), which makes a bound
# method object for every call. Pushing and popping a context calls these
# on every request.
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request
_cv_websocket = _globals._cv_websocket


class _AppCtxGlobals:
    """The ``g`` object: a plain namespace that lives as long as the app
    context (one request, one websocket, or one ``async with``)."""

    if TYPE_CHECKING:  # attributes are set freely: g.user = ...

        def __setattr__(self, name: str, value: Any) -> None: ...

        def __delattr__(self, name: str) -> None: ...

    def get(self, name: str, default: Any = None) -> Any:
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: Any = _sentinel) -> Any:
        if default is _sentinel:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: Any = None) -> Any:
        return self.__dict__.setdefault(name, default)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        ctx = _cv_app.get(None)
        if ctx is not None:
            return f"<quart.g of {ctx.app.name!r}>"
        return object.__repr__(self)


class _PushedInAsyncWith:
    """``async with context:`` pushes the context and pops it on leaving,
    handing the error that ended the block to the teardown functions."""

    push: Callable[[], Awaitable[None]]
    pop: Callable[[BaseException | None], Awaitable[None]]

    async def __aenter__(self) -> Self:
        await self.push()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.pop(exc_value)


class AppContext(_PushedInAsyncWith):
    """Makes ``current_app`` and ``g`` available."""

    def __init__(self, app: Quart) -> None:
        self.app = app
        #: The app's URL adapter when ``SERVER_NAME`` is set, for
        #: :func:`url_for` outside requests.
        self.url_adapter: MapAdapter | None = app.create_url_adapter(None)
        self._tokens: list[Token[AppContext]] = []

    @lazy_attribute
    def g(self) -> _AppCtxGlobals:
        """The context's ``g``, made on first use: most requests never
        touch it."""
        return self.app.app_ctx_globals_class()

    async def push(self) -> None:
        self._tokens.append(_cv_app.set(self))
        if appcontext_pushed.receivers:
            await send_signal(appcontext_pushed, self.app)

    async def pop(self, exc: BaseException | None = _sentinel) -> None:
        last = len(self._tokens) == 1
        await self._leave_app(self._tokens.pop(), last, exc)

    async def _leave_app(
        self, token: Token[Any], last: bool, exc: BaseException | None
    ) -> None:
        """Stop being the app context: the teardown functions if this ends
        its last push, then the variable's reset and the signal."""
        try:
            if last:
                app = self.app
                teardown = (
                    app._appcontext_teardown
                    if app._frozen
                    else app.do_teardown_appcontext
                )
                if teardown is not None:
                    if exc is _sentinel:
                        exc = sys.exc_info()[1]
                    await teardown(exc)
        finally:
            current = _cv_app.get(None)
            _cv_app.reset(token)
        if current is not self:
            raise AssertionError(f"Popped wrong app context ({current!r} not {self!r})")
        if appcontext_popped.receivers:
            await send_signal(appcontext_popped, self.app)

    # What Quart 0.23 (after Flask 3.2) offers on the app context: the
    # request or websocket being handled in it, if any.
    def _connection_context(
        self, var: ContextVar[Any]
    ) -> RequestContext | WebsocketContext | None:
        ctx = var.get(None)
        if ctx is None or ctx.app is not self.app:
            return None
        return ctx  # type: ignore[no-any-return]

    @property
    def has_request(self) -> bool:
        """True while an HTTP request of this app is handled."""
        return self._connection_context(_cv_request) is not None

    @property
    def has_websocket(self) -> bool:
        """True while a websocket of this app is handled."""
        return self._connection_context(_cv_websocket) is not None

    @property
    def request(self) -> Request:
        """The request being handled; :class:`RuntimeError` if none is."""
        ctx = self._connection_context(_cv_request)
        if ctx is None:
            raise RuntimeError("There is no request in this context.")
        return ctx.request

    @property
    def websocket(self) -> Websocket:
        """The websocket being handled; :class:`RuntimeError` if none is."""
        ctx = self._connection_context(_cv_websocket)
        if ctx is None:
            raise RuntimeError("There is no websocket in this context.")
        return ctx.websocket

    @property
    def session(self) -> SessionMixin:
        """The session of the request (or websocket) being handled;
        :class:`RuntimeError` if there is none."""
        ctx = self._connection_context(_cv_request) or self._connection_context(
            _cv_websocket
        )
        if ctx is None or ctx.session is None:
            raise RuntimeError("There is no request or websocket in this context.")
        return ctx.session

    def match_request(self) -> None:
        """Match the URL of the request (or websocket) being handled again,
        storing the rule and values, or the routing error to raise at
        dispatch."""
        ctx = self._connection_context(_cv_request) or self._connection_context(
            _cv_websocket
        )
        if ctx is None:
            raise RuntimeError("There is no request or websocket in this context.")
        ctx.match_request()

    def copy(self) -> AppContext:
        """A new app context for the same app sharing ``g`` (made by
        ``app.app_context()``; a request context copies itself instead)."""
        ctx = self.app.app_context()
        ctx.g = self.g
        return ctx


class _ConnectionContext(AppContext):
    """What request and websocket contexts share: pushing one opens the
    session and matches the URL; popping the last push runs the teardown
    functions.

    A connection context is an app context too (as in Flask 3.2): pushed
    while no context of its app is active, it is also the app context
    (``current_app``, ``g``), so a request makes one context object, not
    two. Pushed inside an active context of its app (``async with
    app.app_context():`` around a test request), it uses that one and its
    ``g``, as in Flask 3.1.
    """

    _var: ContextVar[Any]
    _kind = "connection"
    _websocket = False
    #: The app's compiled steps for this connection, once dispatched.
    _steps: Steps | None
    #: While the session is not open yet: the app's session interface,
    #: where it opens sessions without awaiting (see ``push`` and
    #: ``session``).
    _session_opener: SecureCookieSessionInterface | None = None
    if TYPE_CHECKING:
        # An attribute here, where the app context has a property that
        # looks it up.
        session: SessionMixin | None  # type: ignore[assignment]

    def __init__(
        self, app: Quart, connection: Any, session: SessionMixin | None = None
    ) -> None:
        self.app = app
        self._connection = connection
        self._steps = None
        #: What the URL is matched with: the app's shared adapter when the
        #: match cannot depend on the host (the request's own adapter is
        #: then bound only if it is used), else the request's own, bound
        #: now as Flask binds it (``None`` if that failed: no match).
        self._matching_adapter: MapAdapter | None = app._shared_adapter
        if self._matching_adapter is None or app.config["TRUSTED_HOSTS"] is not None:
            self.url_adapter = self._matching_adapter = self._bind_url_adapter()
        if session is not None:
            self.session = session
        else:
            self._session_opener = app._session_opener
        #: Per push: this context's variable token, and the app one's if
        #: that push made it the app context.
        self._pushes: list[tuple[Token[Any], Token[Any] | None]] = []

    if not TYPE_CHECKING:  # typed as the app context's attributes

        @lazy_attribute
        def url_adapter(self) -> MapAdapter | None:
            """The request's URL adapter, bound when first read (see
            ``_matching_adapter``)."""
            return self._bind_url_adapter()

        @lazy_attribute
        def session(self) -> SessionMixin | None:
            """The session, opened when the context is pushed. Where the
            app's interface never waits (see ``_session_opener``), one not
            opened yet is opened on this first read: the null session,
            which push leaves unopened without a secret key, or a session
            read before the push. Otherwise ``None`` before the push."""
            opener = self._session_opener
            if opener is None:
                return None
            session = opener._load(self.app, self._connection)
            if session is None:  # make_null_session's, which never waits
                session = opener.null_session_class()
            self._session_opener = None
            return session

    def _bind_url_adapter(self) -> MapAdapter | None:
        """``app.create_url_adapter`` for the connection; a failure (an
        untrusted host) is stored as the routing error, raised at
        dispatch."""
        try:
            return self.app.create_url_adapter(self._connection)
        except HTTPException as error:
            self._connection.routing_exception = error
            return None

    def match_request(self) -> None:
        """Match this context's URL again (after a route was added, say),
        storing the rule and values, or the routing error to raise at
        dispatch."""
        self._connection.routing_exception = None
        self._match_url()

    def _match_url(self, adapter: MapAdapter | None = None) -> None:
        """Match the URL with ``adapter`` (by default the matching one); a
        routing failure is stored, raised at dispatch."""
        if adapter is None:
            adapter = self._matching_adapter
            assert adapter is not None
        connection = self._connection
        websocket = self._websocket
        try:
            connection.url_rule, connection.view_args = self.app.match_url(
                adapter,
                connection.path,
                None if websocket else connection.method,
                connection.query_string,
                websocket,
            )
        except RequestRedirect as error:
            own = self.url_adapter  # None if binding failed: its error is kept
            if own is adapter:
                connection.routing_exception = error
            elif own is not None:
                self._match_url(own)  # the redirect's URL is the request's own
        except HTTPException as error:
            connection.routing_exception = error

    async def push(self) -> None:
        app = self.app
        active = _cv_app.get(None)
        app_token = None
        if active is None or active.app is not app:
            app_token = _cv_app.set(self)  # the app context as well
            if appcontext_pushed.receivers:
                await send_signal(appcontext_pushed, app)
        self._pushes.append((self._var.set(self), app_token))
        opener = self._session_opener
        if opener is None:
            if self.session is None:
                interface = app.session_interface
                session = await interface.open_session(app, self._connection)
                if session is None:
                    session = await interface.make_null_session(app)
                self.session = session
        else:
            # With a key, opened now, as any interface opens it; without,
            # the null session is made only if the request reads it.
            session = opener._load(app, self._connection)
            if session is not None:
                self.session = session
                self._session_opener = None
        if self._matching_adapter is not None and self._connection.url_rule is None:
            self._match_url()

    async def pop(self, exc: BaseException | None = _sentinel) -> None:
        try:
            if len(self._pushes) == 1:
                steps = self._steps or self.app._steps_for(
                    self._connection.blueprint, self._websocket
                )
                if steps.do_teardown is not None:
                    if exc is _sentinel:
                        exc = sys.exc_info()[1]
                    await steps.do_teardown(exc)
        finally:
            var = self._var
            current = var.get(None)
            token, app_token = self._pushes.pop()
            var.reset(token)
            if app_token is not None:
                await self._leave_app(app_token, True, exc)
        if current is not self:
            raise AssertionError(
                f"Popped wrong {self._kind} context ({current!r} not {self!r})"
            )

    def copy(self) -> Self:
        """A new context for the same connection and session."""
        return type(self)(self.app, self._connection, self.session)


class RequestContext(_ConnectionContext):
    """Makes ``request`` and ``session`` available, and ``current_app`` and
    ``g`` if no context of the app is active already."""

    # A plain class attribute, not a slot: it shadows the app context's
    # property all the same. A slot would take the instances off CPython
    # 3.13's inline attribute values, and then no attribute access of the
    # context would be specialized (each a generic lookup, per request).
    request: Request = None  # type: ignore[assignment]
    _var = _cv_request
    _kind = "request"
    #: The flashed messages, once read in this request.
    flashes: list[tuple[str, Any]] | None = None

    def __init__(
        self, app: Quart, request: Request, session: SessionMixin | None = None
    ) -> None:
        super().__init__(app, request, session)
        self.request = request
        self._after_request_functions: list[
            Callable[[Response], Awaitable[Response]]
        ] = []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.request.url!r} [{self.request.method}]>"


class WebsocketContext(_ConnectionContext):
    """Makes ``websocket`` and ``session`` available, and ``current_app``
    and ``g`` if no context of the app is active already. The websocket twin
    of :class:`RequestContext`."""

    websocket: Websocket = None  # type: ignore[assignment]  # as request above
    _var = _cv_websocket
    _kind = "websocket"
    _websocket = True

    def __init__(
        self, app: Quart, websocket: Websocket, session: SessionMixin | None = None
    ) -> None:
        super().__init__(app, websocket, session)
        self.websocket = websocket
        self._after_websocket_functions: list[
            Callable[[Response | None], Awaitable[Response | None]]
        ] = []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.websocket.url!r}>"


def has_app_context() -> bool:
    """True inside an app context (a request, a websocket, ``app_context()``)."""
    return _cv_app.get(None) is not None


def has_request_context() -> bool:
    """True while handling an HTTP request (or in ``test_request_context``)."""
    return _cv_request.get(None) is not None


def has_websocket_context() -> bool:
    """True while handling a websocket (or in ``test_websocket_context``)."""
    return _cv_websocket.get(None) is not None


def after_this_request(func: F) -> F:
    """Run ``func(response)`` after this request, before the app's
    ``after_request`` functions; it must return a response."""
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'after_this_request' can only be used when a request context is active."
        )
    ctx._after_request_functions.append(ctx.app.ensure_async(func))
    return func


def after_this_websocket(func: F) -> F:
    """Run ``func(response)`` after this websocket's handler, before the
    app's ``after_websocket`` functions. ``response`` is ``None`` unless the
    websocket was refused with a response (e.g. after an error); ``func``
    returns it (or ``None``)."""
    ctx = _cv_websocket.get(None)
    if ctx is None:
        raise RuntimeError(
            "'after_this_websocket' can only be used when a websocket context"
            " is active."
        )
    ctx._after_websocket_functions.append(ctx.app.ensure_async(func))
    return func


def copy_current_app_context(func: F) -> F:
    """Decorate ``func`` so it runs in (a copy of) the current app context,
    e.g. in a background task started from a request."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        raise RuntimeError(
            "'copy_current_app_context' can only be used when an app context is active."
        )
    app_ctx = AppContext.copy(app_ctx)  # the app context alone, in a request too

    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        async with app_ctx:
            return await app_ctx.app.ensure_async(func)(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def copy_current_request_context(func: F) -> F:
    """Decorate ``func`` so it runs in (a copy of) the current request context."""
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'copy_current_request_context' can only be used when a request"
            " context is active."
        )
    ctx = ctx.copy()

    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        async with ctx:
            return await ctx.app.ensure_async(func)(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def copy_current_websocket_context(func: F) -> F:
    """Decorate ``func`` so it runs in (a copy of) the current websocket
    context, e.g. a task that sends while the handler receives."""
    ctx = _cv_websocket.get(None)
    if ctx is None:
        raise RuntimeError(
            "'copy_current_websocket_context' can only be used when a websocket"
            " context is active."
        )
    ctx = ctx.copy()

    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        async with ctx:
            return await ctx.app.ensure_async(func)(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
