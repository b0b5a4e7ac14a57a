"""How sync code gets values out of Quart's async API.

Two situations, two answers, no change to asyncio:

* In a worker thread Quart started (a sync view, hook or handler run by
  ``app.ensure_async``), the work is sent to the event loop with
  :func:`quart.sync.await_sync` and the thread waits for the result.
* On the event loop's own thread (sync code called from an async view, or by
  the core itself), nothing may wait. The coroutine is *driven* in place: it
  is stepped with ``send(None)`` until it returns, with sync functions that
  Quart would normally send to a thread called inline instead. Work that
  really needs I/O (an unread request body, a socket) cannot finish this
  way, and raises :class:`SyncCallError` naming the call.

Which of the two an API call takes, or whether it returns an awaitable, is
decided by the caller's code flags (:func:`caller_is_async`): a coroutine
(or async generator) caller gets the awaitable, any other caller gets the
value.
"""

from __future__ import annotations

import functools
import inspect
import sys
import threading
from collections.abc import Awaitable
from collections.abc import Callable
from types import FrameType
from typing import Any
from typing import TypeVar

from quart.globals import PROXY_CODES
from quart.sync import await_sync
from quart.sync import in_worker_thread

T = TypeVar("T")

#: Code flags of frames that may ``await``.
ASYNC_FLAGS = inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR
ASYNC_FLAGS |= inspect.CO_ITERABLE_COROUTINE


def caller_is_async(
    _getframe: Callable[[int], FrameType] = sys._getframe,
    _flags: int = ASYNC_FLAGS,
    _proxy_codes: frozenset[Any] = PROXY_CODES,
) -> bool:
    """Whether the caller of the function calling this one may ``await``
    (its code is a coroutine or an async generator): that caller gets the
    awaitable, any other the value. Two frames up, as this function's own
    frame is the first, or three when the call came through one of Quart's
    proxies (:data:`quart.globals.PROXY_CODES`). Pass no arguments: the defaults
    only make the names local, which keeps this cheap (it runs on every
    sync-or-async call)."""
    frame = _getframe(2)
    if frame.f_code in _proxy_codes:
        frame = frame.f_back  # type: ignore[assignment]
    return (frame.f_code.co_flags & _flags) != 0


class SyncCallError(RuntimeError):
    """An async-only operation was used from sync code on the event loop
    thread and would have to wait for I/O to finish."""


class _DriveState(threading.local):
    depth = 0


_state = _DriveState()


def driving() -> bool:
    """True while a coroutine is being driven in place on this thread: sync
    functions should then be called inline rather than sent to a thread."""
    return _state.depth > 0


def drive(awaitable: Awaitable[T], what: str) -> T:
    """Run ``awaitable`` to completion in place, without an event loop
    waiting on it; raise :class:`SyncCallError` if it has to wait for I/O."""
    iterator = awaitable.__await__()
    _state.depth += 1
    try:
        try:
            yielded = iterator.send(None)
            while yielded is None:  # a bare yield (asyncio.sleep(0)): go on
                yielded = iterator.send(None)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
    finally:
        _state.depth -= 1
    iterator.close()
    raise SyncCallError(
        f"{what} was called from sync code running on the event loop thread,"
        " and it needs to wait for I/O to finish, which would block the loop."
        f" Await it instead ('await {what}') from an async function, or call it"
        " from a sync function that Quart runs in a worker thread (a sync view,"
        " hook or handler)."
    )


def call_sync(awaitable: Awaitable[T], what: str) -> T:
    """The value of ``awaitable`` for a sync caller: waited for through the
    loop in a Quart worker thread, driven in place anywhere else."""
    if in_worker_thread():
        return await_sync(awaitable)
    return drive(awaitable, what)


def hybrid(
    func: Callable[..., Awaitable[T]], name: str | None = None, in_place: bool = False
) -> Any:
    """Wrap the async function ``func`` so that coroutine callers get the
    awaitable and every other caller gets the value (Flask's sync API).
    ``in_place`` (for coroutines that never wait) drives it in place in
    worker threads too, saving the trip to the loop."""
    what = f"{name or func.__name__}()"
    resolve = drive if in_place else call_sync

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        awaitable = func(*args, **kwargs)
        if caller_is_async():
            return awaitable
        return resolve(awaitable, what)

    return wrapper


def async_to_sync(func: Callable[..., Awaitable[T]]) -> Callable[..., T]:
    """A sync function that calls the async ``func`` and returns its value
    (Flask's ``app.async_to_sync``)."""
    what = f"{getattr(func, '__name__', 'function')}()"

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        return call_sync(func(*args, **kwargs), what)

    return wrapper
