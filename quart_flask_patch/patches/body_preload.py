"""``Quart.preprocess_request`` reads a request's body first, so sync code
on the event loop thread (``form.validate_on_submit()`` in an async view)
finds ``request.form`` ready."""

from __future__ import annotations

import functools
from typing import Any

from quart.app import Quart
from quart.ctx import RequestContext
from quart.globals import request_ctx

from .request import BODYLESS_METHODS
from .request import has_body

#: Config key: read request bodies before ``before_request`` (default on).
PRELOAD_KEY = "QUART_FLASK_PRELOAD_BODY"


def apply() -> None:
    """Read a request's body before the ``before_request`` functions run. A
    method wrapper rather than a ``quart_request_started`` hook: it costs a
    third of a hook per request, and a ``GET`` pays one set lookup."""
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
