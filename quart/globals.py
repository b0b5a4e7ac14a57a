"""Context-bound proxies: ``current_app``, ``g``, ``request``, ``session``.

Each proxy resolves through a :class:`contextvars.ContextVar`, so every
asyncio task (and every thread running a copied context) sees its own.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING
from typing import cast

from werkzeug.local import LocalProxy

if TYPE_CHECKING:
    from .app import Quart
    from .ctx import AppContext
    from .ctx import RequestContext
    from .ctx import _AppCtxGlobals
    from .sessions import SessionMixin
    from .wrappers import Request

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

_cv_app: ContextVar[AppContext] = ContextVar("quart.app_ctx")
_cv_request: ContextVar[RequestContext] = ContextVar("quart.request_ctx")

app_ctx: AppContext = cast(
    "AppContext", LocalProxy(_cv_app, unbound_message=_no_app_msg)
)
current_app: Quart = cast(
    "Quart", LocalProxy(_cv_app, "app", unbound_message=_no_app_msg)
)
g: _AppCtxGlobals = cast(
    "_AppCtxGlobals", LocalProxy(_cv_app, "g", unbound_message=_no_app_msg)
)
request_ctx: RequestContext = cast(
    "RequestContext", LocalProxy(_cv_request, unbound_message=_no_req_msg)
)
request: Request = cast(
    "Request", LocalProxy(_cv_request, "request", unbound_message=_no_req_msg)
)
session: SessionMixin = cast(
    "SessionMixin", LocalProxy(_cv_request, "session", unbound_message=_no_req_msg)
)
