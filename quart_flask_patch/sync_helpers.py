"""The sync-facing versions of Quart's async helpers that ``flask`` exports.

Each one returns the value to sync code (Flask's API) and the awaitable to
async code (Quart's API), so both styles work with one import.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterable
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

from quart import helpers as _quart_helpers
from quart import templating as _quart_templating
from quart.ctx import AppContext
from quart.ctx import RequestContext
from quart.globals import app_context_var
from quart.globals import request_context_var
from quart.wrappers.response import IterableBody

from .sync_bridge import hybrid


async def _make_response(*args: Any) -> Any:
    # A Flask-style sync decorator around an ``async def`` view passes the
    # view's coroutine here: await it first.
    if args and inspect.isawaitable(args[0]):
        args = (await args[0], *args[1:])
    return await _quart_helpers.make_response(*args)


_make_response.__name__ = "make_response"
_make_response.__doc__ = _quart_helpers.make_response.__doc__
make_response = hybrid(_make_response)
flash = hybrid(_quart_helpers.flash)
send_file = hybrid(_quart_helpers.send_file)
send_from_directory = hybrid(_quart_helpers.send_from_directory)
render_template = hybrid(_quart_templating.render_template)
render_template_string = hybrid(_quart_templating.render_template_string)
stream_template = hybrid(_quart_templating.stream_template)
stream_template_string = hybrid(_quart_templating.stream_template_string)
get_template_attribute = _quart_templating.get_template_attribute


def _in_context(
    iterator: Iterator[Any], app_ctx: AppContext, req_ctx: RequestContext
) -> Iterator[Any]:
    # Quart runs a sync generator body in worker threads, all steps in one
    # copied context: set the request's contexts there for its lifetime.
    app_token = app_context_var.set(app_ctx)
    req_token = request_context_var.set(req_ctx)
    try:
        yield from iterator
    finally:
        try:
            request_context_var.reset(req_token)
            app_context_var.reset(app_token)
        except ValueError:
            pass  # closed from outside that context: nothing to restore


def stream_with_context(generator_or_function: Any) -> Any:
    """Keep the request context for a streamed body, as Flask's does: pass
    a (sync or async) generator or iterable, or decorate a generator
    function."""
    target = generator_or_function
    if not isinstance(target, (Iterable, AsyncIterable)) and callable(target):
        function: Callable[..., Any] = target

        @functools.wraps(function)
        def decorator(*args: Any, **kwargs: Any) -> Any:
            return stream_with_context(function(*args, **kwargs))

        return decorator
    app_ctx = app_context_var.get(None)
    req_ctx = request_context_var.get(None)
    if app_ctx is None or req_ctx is None:
        raise RuntimeError(
            "'stream_with_context' can only be used when a request context is"
            " active, such as in a view function."
        )
    # A response body (not a bare iterator): extensions assign the result to
    # ``response.response`` as well as passing it to ``Response(...)``.
    body: Any
    if isinstance(target, AsyncIterable):
        body = _quart_helpers.stream_with_context(lambda: target)()
    else:
        body = _in_context(iter(target), app_ctx, req_ctx)
    return IterableBody(body)
