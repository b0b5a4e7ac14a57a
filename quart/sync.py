"""The one bridge between sync and async code.

Sync functions (views, hooks, error handlers written for Flask) run in the
loop's default thread pool with the caller's context copied, so ``request``,
``g`` and friends work there and the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import threading
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any
from typing import ParamSpec
from typing import TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_STOP = object()

#: The event loop that started the current worker thread (set only in the
#: context copied into a worker, so :func:`await_sync` can reach the loop).
_worker_loop: contextvars.ContextVar[asyncio.AbstractEventLoop | None] = (
    contextvars.ContextVar("quart.worker_loop", default=None)
)


def in_worker_thread() -> bool:
    """True in a worker thread that :func:`run_sync` (or
    :func:`run_sync_iterable`) started for a loop that is still open: there
    :func:`await_sync` can wait for the loop. False on the event loop's own
    thread and in threads Quart did not start."""
    loop = _worker_loop.get()
    if loop is None or loop.is_closed():
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return True
    return False


def run_sync(func: Callable[P, T]) -> Callable[P, Awaitable[T]]:
    """Wrap a sync function so that awaiting it runs it in a worker thread.

    The current context (app, request, ``g``) is copied into the thread.
    """

    @functools.wraps(func)
    async def _run_sync_wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        context.run(_worker_loop.set, loop)
        call = functools.partial(context.run, func, *args, **kwargs)
        return await loop.run_in_executor(None, call)

    return _run_sync_wrapper


def is_async_callable(func: Any) -> bool:
    """True for coroutine functions, including wrapped or partial ones and
    objects whose ``__call__`` is a coroutine function."""
    while isinstance(func, functools.partial):
        func = func.func
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004
    )


def ensure_async(func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """Return ``func`` if it is async, otherwise a thread-running wrapper."""
    if is_async_callable(func):
        return func
    return run_sync(func)


def run_sync_iterable(iterable: Iterable[T]) -> AsyncIterator[T]:
    """Iterate a sync iterable (such as a generator) in worker threads.

    When iteration stops early (a disconnect, a timeout) the iterator is
    closed at once, or, if a ``next`` is still running in a thread, by a
    worker thread as soon as it ends; the loop never waits for it.
    """

    async def _iterate() -> AsyncIterator[T]:
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        context.run(_worker_loop.set, loop)
        iterator: Iterator[T] = iter(iterable)
        lock = threading.Lock()

        def step() -> Any:
            with lock:
                return context.run(next, iterator, _STOP)

        def close(blocking: bool = True) -> bool:
            if not lock.acquire(blocking):
                return False
            try:
                getattr(iterator, "close", lambda: None)()
            finally:
                lock.release()
            return True

        try:
            while True:
                item = await loop.run_in_executor(None, step)
                if item is _STOP:
                    return
                yield item
        finally:
            if not close(blocking=False):  # a next() still runs in a thread
                loop.run_in_executor(None, close)

    return _iterate()


async def _await(awaitable: Awaitable[T]) -> T:
    return await awaitable


def await_sync(awaitable: Awaitable[T]) -> T:
    """Wait for ``awaitable`` from sync code running in a worker thread that
    :func:`run_sync` (or :func:`run_sync_iterable`) started: it runs on the
    event loop that started the worker, in a copy of the worker's context
    (so ``request`` and ``g`` work), while the worker thread blocks.

    It uses only :func:`asyncio.run_coroutine_threadsafe`, so it works with
    any event loop (uvloop too). It refuses to run on the loop's own thread
    (waiting there would deadlock) and in threads Quart did not start.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        _close(awaitable)
        raise RuntimeError(
            "await_sync() cannot wait on the event loop's own thread; await the"
            " coroutine instead."
        )
    loop = _worker_loop.get()
    if loop is None or loop.is_closed():
        _close(awaitable)
        raise RuntimeError(
            "await_sync() needs a worker thread started by run_sync() (a sync"
            " view, hook or handler); no event loop is known in this thread."
        )
    return asyncio.run_coroutine_threadsafe(_await(awaitable), loop).result()


def async_to_sync(func: Callable[P, Awaitable[T]]) -> Callable[P, T]:
    """The sync twin of :func:`run_sync`: wrap an async function so that sync
    code in a worker thread can call it (see :func:`await_sync`)."""

    @functools.wraps(func)
    def _async_to_sync_wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        return await_sync(func(*args, **kwargs))

    return _async_to_sync_wrapper


def _close(awaitable: Awaitable[Any]) -> None:
    close = getattr(awaitable, "close", None)
    if close is not None:
        close()  # no "never awaited" warning for a coroutine we refuse
