"""werkzeug's ``MapAdapter`` bound to the current request, as Flask's is.

Flask binds a URL adapter to the request, so an extension's
``app.create_url_adapter(request).match()`` matches that request. Quart
shares one adapter per host and passes the path explicitly; so here the
adapter's *defaults* (path, method, query) read the current request when the
adapter is that request's. Quart never reads these defaults while matching,
so its hot path does not change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing import MapAdapter

from quart.globals import request_context_var
from quart.wrappers.request import Request


def _request_default(name: str, from_request: Callable[[Request], Any]) -> property:
    key = f"_quart_flask_patch_{name}"

    def fget(self: MapAdapter) -> Any:
        ctx = request_context_var.get(None)
        if ctx is not None and ctx.url_adapter is self:
            return from_request(ctx.request)
        return self.__dict__.get(key, self.__dict__.get(name))

    def fset(self: MapAdapter, value: Any) -> None:
        self.__dict__[key] = value

    return property(fget, fset)


def apply() -> None:
    """Make the adapter's defaults read the request it is bound to."""
    MapAdapter.path_info = _request_default("path_info", lambda r: r.path)  # type: ignore[assignment]
    MapAdapter.default_method = _request_default("default_method", lambda r: r.method)  # type: ignore[assignment]
    MapAdapter.query_args = _request_default(  # type: ignore[assignment]
        "query_args", lambda r: r.query_string.decode("latin-1")
    )
