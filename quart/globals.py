"""Context-bound proxies: ``current_app``, ``g``, ``request``, ``websocket``,
``session``.

Each proxy resolves through a :class:`contextvars.ContextVar`, so every
asyncio task (and every thread running a copied context) sees its own.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING
from typing import Any
from typing import cast

from werkzeug.local import LocalProxy

if TYPE_CHECKING:
    from .app import Quart
    from .ctx import AppContext
    from .ctx import RequestContext
    from .ctx import WebsocketContext
    from .ctx import _AppCtxGlobals
    from .sessions import SessionMixin
    from .wrappers import Request
    from .wrappers import Websocket

_no_app_msg = """\
Working outside of application context.

This typically means that you attempted to use functionality that needed
the current application. To solve this, set up an application context
with `async with app.app_context()`."""
_no_req_msg = """\
Working outside of request context.

This typically means that you attempted to use functionality that needed
an active HTTP request. Consult the documentation on testing for
information about how to avoid this problem."""

_no_websocket_msg = """\
Working outside of websocket context.

This typically means that you attempted to use functionality that needed
an active websocket. Consult the documentation on testing for
information about how to avoid this problem."""

_cv_app: ContextVar[AppContext] = ContextVar("quart.app_ctx")
_cv_request: ContextVar[RequestContext] = ContextVar("quart.request_ctx")
_cv_websocket: ContextVar[WebsocketContext] = ContextVar("quart.websocket_ctx")

#: The context variable holding the current app context, which
#: ``current_app``, ``g`` and ``app_ctx`` read, for code that has to read or
#: set it itself (``app_context_var.get(None)`` is the context or ``None``).
app_context_var = _cv_app
#: The context variable holding the current request context, which
#: ``request``, ``session`` and ``request_ctx`` read.
request_context_var = _cv_request


def _session_owner() -> RequestContext | WebsocketContext:
    """The context whose session ``session`` is: the request's, else the
    websocket's."""
    ctx: RequestContext | WebsocketContext | None = _cv_request.get(None)
    if ctx is None:
        ctx = _cv_websocket.get(None)
        if ctx is None:
            raise RuntimeError(_no_req_msg)
    return ctx


class ContextProxy(LocalProxy[Any]):
    """werkzeug's :class:`~werkzeug.local.LocalProxy`, reading and setting
    public attributes (``request.args``, ``g.user = ...``) and items
    (``session["user"]``) in one step.

    werkzeug's proxy finds an attribute only after Python has raised and
    caught an :class:`AttributeError` on the proxy itself, and binds a
    ``partial`` for each access: about 2.5 µs for every ``request.x`` a
    view reads, against 0.1 µs on the object. Names starting with ``_``
    (the proxy's own, and dunders) still go through werkzeug's lookup, and
    every other operation is werkzeug's; unbound, each raises werkzeug's
    :class:`RuntimeError`.
    """

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        if name[:1] == "_":
            return object.__getattribute__(self, name)
        return getattr(object.__getattribute__(self, "_get_current_object")(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(object.__getattribute__(self, "_get_current_object")(), name, value)

    # Item access and ``in``, as ``session["user"]`` and ``"user" in g``
    # use them, without werkzeug's descriptor and partial per operation.
    def __getitem__(self, key: Any) -> Any:
        return object.__getattribute__(self, "_get_current_object")()[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        object.__getattribute__(self, "_get_current_object")()[key] = value

    def __delitem__(self, key: Any) -> None:
        del object.__getattribute__(self, "_get_current_object")()[key]

    def __contains__(self, item: Any) -> bool:
        return item in object.__getattribute__(self, "_get_current_object")()


def _attribute_proxy(
    var: ContextVar[Any], name: str, unbound_message: str
) -> ContextProxy:
    """A :class:`ContextProxy` for the attribute ``name`` of the context in
    ``var`` (``request`` is the request context's ``request``) whose class
    reads them itself.

    A :class:`ContextProxy` finds its object through the proxy's slot and
    werkzeug's lookup function, two steps of the 300 ns a ``request.x``
    costs. This class closes over ``var`` and ``name`` instead, which takes
    the read or the assignment of a public attribute to about 175 ns (Flask
    code reads ``request`` and ``g`` many times a request). Everything else
    is :class:`ContextProxy`'s.
    """
    get = var.get

    class AttributeProxy(ContextProxy):
        __slots__ = ()

        def __getattribute__(self, attribute: str) -> Any:
            if attribute[:1] == "_":
                return object.__getattribute__(self, attribute)
            try:
                ctx = get()
            except LookupError:
                raise RuntimeError(unbound_message) from None
            return getattr(getattr(ctx, name), attribute)

        def __setattr__(self, attribute: str, value: Any) -> None:
            try:
                ctx = get()
            except LookupError:
                raise RuntimeError(unbound_message) from None
            setattr(getattr(ctx, name), attribute, value)

    return AttributeProxy(var, name, unbound_message=unbound_message)


app_ctx: AppContext = cast(
    "AppContext", ContextProxy(_cv_app, unbound_message=_no_app_msg)
)
current_app: Quart = cast("Quart", _attribute_proxy(_cv_app, "app", _no_app_msg))
g: _AppCtxGlobals = cast("_AppCtxGlobals", _attribute_proxy(_cv_app, "g", _no_app_msg))
request_ctx: RequestContext = cast(
    "RequestContext", ContextProxy(_cv_request, unbound_message=_no_req_msg)
)
request: Request = cast(
    "Request", _attribute_proxy(_cv_request, "request", _no_req_msg)
)
websocket_ctx: WebsocketContext = cast(
    "WebsocketContext",
    ContextProxy(_cv_websocket, unbound_message=_no_websocket_msg),
)
websocket: Websocket = cast(
    "Websocket", _attribute_proxy(_cv_websocket, "websocket", _no_websocket_msg)
)
session: SessionMixin = cast("SessionMixin", ContextProxy(_session_owner, "session"))

#: The code of the methods through which the proxies read and set
#: attributes, for code that looks at the frames of a call
#: (``quart_flask_patch`` skips them to find the caller).
PROXY_CODES = frozenset(
    method.__code__
    for cls in (ContextProxy, type(request))
    for method in (cls.__getattribute__, cls.__setattr__)
)
