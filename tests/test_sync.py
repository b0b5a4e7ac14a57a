"""The sync/async bridge: ``run_sync``, ``ensure_async``, ``run_sync_iterable``."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from quart import Quart
from quart import current_app
from quart import g
from quart import request
from quart.utils import is_async_callable
from quart.utils import run_sync
from quart.utils import run_sync_iterable

_var: contextvars.ContextVar[str] = contextvars.ContextVar("test_sync_var")


async def test_run_sync_runs_in_other_thread() -> None:
    loop_thread = threading.current_thread()

    def work(a: int, b: int, *, scale: int) -> tuple[int, threading.Thread]:
        return (a + b) * scale, threading.current_thread()

    wrapped = run_sync(work)
    assert asyncio.iscoroutinefunction(wrapped)
    assert wrapped.__name__ == "work"
    result, thread = await asyncio.wait_for(wrapped(1, 2, scale=10), timeout=2)
    assert result == 30
    assert thread is not loop_thread


async def test_run_sync_copies_context() -> None:
    _var.set("outer value")

    def read_and_write() -> str:
        value = _var.get()
        _var.set("changed in thread")
        return value

    assert await run_sync(read_and_write)() == "outer value"
    # The thread ran in a copy: the change does not leak back.
    assert _var.get() == "outer value"


async def test_run_sync_sees_app_and_request_context(app: Quart) -> None:
    def read() -> str:
        g.from_thread = "set in thread"
        return f"{current_app.name} {request.path} {g.outer}"

    async with app.test_request_context("/ctx"):
        g.outer = "outer"
        assert await run_sync(read)() == f"{app.name} /ctx outer"
        # g is the same object, so mutations through it are shared.
        assert g.from_thread == "set in thread"


async def test_run_sync_propagates_exceptions() -> None:
    def fail() -> None:
        raise ValueError("from thread")

    with pytest.raises(ValueError, match="from thread"):
        await run_sync(fail)()


async def test_run_sync_does_not_block_loop() -> None:
    def slow() -> str:
        time.sleep(0.2)
        return "done"

    begin = time.monotonic()
    results = await asyncio.wait_for(
        asyncio.gather(run_sync(slow)(), run_sync(slow)(), run_sync(slow)()),
        timeout=2,
    )
    assert results == ["done", "done", "done"]
    # Ran concurrently in the pool rather than one after another on the loop.
    assert time.monotonic() - begin < 0.55


async def test_ensure_async_returns_async_unchanged(app: Quart) -> None:
    async def coro_func() -> str:
        return "async"

    class AsyncCallable:
        async def __call__(self) -> str:
            return "callable"

    instance = AsyncCallable()
    partial = functools.partial(coro_func)
    assert app.ensure_async(coro_func) is coro_func
    assert app.ensure_async(instance) is instance
    assert app.ensure_async(partial) is partial
    assert await app.ensure_async(partial)() == "async"


async def test_ensure_async_wraps_sync(app: Quart) -> None:
    loop_thread = threading.current_thread()

    def sync_func(x: int) -> tuple[int, bool]:
        return x * 2, threading.current_thread() is loop_thread

    wrapped = app.ensure_async(sync_func)
    assert wrapped is not sync_func
    assert asyncio.iscoroutinefunction(wrapped)
    assert await wrapped(21) == (42, False)


async def test_ensure_async_uses_sync_to_async() -> None:
    calls: list[Any] = []

    class CustomApp(Quart):
        def sync_to_async(self, func: Any) -> Any:
            calls.append(func)

            async def inline(*args: Any, **kwargs: Any) -> Any:
                return func(*args, **kwargs)

            return inline

    app = CustomApp(__name__)

    def sync_func() -> threading.Thread:
        return threading.current_thread()

    assert await app.ensure_async(sync_func)() is threading.current_thread()
    assert calls == [sync_func]


def test_is_async_callable() -> None:
    async def coro_func() -> None:
        pass

    def sync_func() -> None:
        pass

    class AsyncCallable:
        async def __call__(self) -> None:
            pass

    class SyncCallable:
        def __call__(self) -> None:
            pass

    assert is_async_callable(coro_func)
    assert is_async_callable(functools.partial(coro_func))
    assert is_async_callable(functools.partial(functools.partial(coro_func)))
    assert is_async_callable(AsyncCallable())
    assert not is_async_callable(sync_func)
    assert not is_async_callable(functools.partial(sync_func))
    assert not is_async_callable(SyncCallable())
    assert not is_async_callable(lambda: None)


async def test_run_sync_iterable_yields_in_order_off_loop() -> None:
    loop_thread = threading.current_thread()
    threads: list[threading.Thread] = []

    def numbers() -> Iterator[int]:
        for i in range(5):
            threads.append(threading.current_thread())
            yield i

    collected = [item async for item in run_sync_iterable(numbers())]
    assert collected == [0, 1, 2, 3, 4]
    assert threads
    assert all(thread is not loop_thread for thread in threads)


async def test_run_sync_iterable_plain_iterable() -> None:
    collected = [item async for item in run_sync_iterable(["a", "b", "c"])]
    assert collected == ["a", "b", "c"]
    assert [item async for item in run_sync_iterable([])] == []


async def test_run_sync_iterable_copies_context() -> None:
    _var.set("iterable context")

    def gen() -> Iterator[str]:
        yield _var.get()
        yield _var.get()

    assert [item async for item in run_sync_iterable(gen())] == [
        "iterable context",
        "iterable context",
    ]


async def test_run_sync_iterable_propagates_exception() -> None:
    def gen() -> Iterator[int]:
        yield 1
        raise RuntimeError("generator failed")

    collected: list[int] = []
    with pytest.raises(RuntimeError, match="generator failed"):
        async for item in run_sync_iterable(gen()):
            collected.append(item)
    assert collected == [1]


async def test_run_sync_iterable_closes_generator_early() -> None:
    closed = threading.Event()

    def gen() -> Iterator[int]:
        try:
            yield from range(100)
        finally:
            closed.set()

    iterator = run_sync_iterable(gen())
    collected: list[int] = []
    async for item in iterator:
        collected.append(item)
        if item == 2:
            break
    await iterator.aclose()  # type: ignore[attr-defined]
    assert collected == [0, 1, 2]
    assert closed.is_set()


async def test_run_sync_iterable_does_not_block_loop() -> None:
    def slow() -> Iterator[int]:
        time.sleep(0.1)
        yield 1
        time.sleep(0.1)
        yield 2

    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        assert [x async for x in run_sync_iterable(slow())] == [1, 2]
    finally:
        task.cancel()
    assert ticks >= 5
