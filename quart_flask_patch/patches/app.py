"""``quart.Quart`` and ``quart.Blueprint`` with Flask's sync app API:
``ensure_sync``/``async_to_sync``, sync functions that return awaitables
(a Flask-style decorator around an ``async def`` view), and the coroutine
methods Flask code calls synchronously (``app.make_response(rv)``,
``app.handle_exception(e)``...)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from quart.app import Quart
from quart.blueprints import Blueprint
from quart.sync import is_async_callable
from quart.sync import run_sync

from ..sync_bridge import async_to_sync
from ..sync_bridge import call_sync
from ..sync_bridge import caller_is_async
from ..sync_bridge import driving
from ..sync_bridge import hybrid

#: ``Quart`` coroutine methods that Flask code calls synchronously.
HYBRID_APP_METHODS = (
    "make_default_options_response",
    "handle_exception",
    "handle_user_exception",
    "handle_http_exception",
    "update_template_context",
    "send_static_file",
)


def _hot_hybrid_make_response(original: Callable[..., Any]) -> Callable[..., Any]:
    """:func:`~quart_flask_patch.sync_bridge.hybrid` for
    ``app.make_response``, which the core calls on every request: a fixed
    signature and local names keep it cheap."""

    def make_response(
        self: Quart, rv: Any, _caller_is_async: Callable[[], bool] = caller_is_async
    ) -> Any:
        awaitable = original(self, rv)
        if _caller_is_async():
            return awaitable
        return call_sync(awaitable, "app.make_response()")

    functools.update_wrapper(make_response, original)
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
    if is_async_callable(func):
        return self.async_to_sync(func)  # type: ignore[attr-defined,no-any-return]
    return func


def _async_to_sync(self: Quart, func: Callable[..., Any]) -> Callable[..., Any]:
    """Flask's ``app.async_to_sync``: call the async ``func`` from sync code
    (through the loop from a worker thread, in place elsewhere)."""
    return async_to_sync(func)


def apply() -> None:
    """Give ``Quart`` and ``Blueprint`` Flask's sync app API."""
    Quart.sync_to_async = _sync_to_async  # type: ignore[method-assign]
    Quart.ensure_sync = _ensure_sync  # type: ignore[attr-defined]
    Quart.async_to_sync = _async_to_sync  # type: ignore[attr-defined]
    for name in HYBRID_APP_METHODS:
        method = getattr(Quart, name)
        setattr(Quart, name, hybrid(method, f"app.{name}"))
    Quart.make_response = _hot_hybrid_make_response(Quart.make_response)  # type: ignore[method-assign]
    Blueprint.send_static_file = hybrid(  # type: ignore[method-assign]
        Blueprint.send_static_file, "blueprint.send_static_file"
    )
