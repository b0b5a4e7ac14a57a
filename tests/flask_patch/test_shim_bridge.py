"""``quart_flask_patch.sync_bridge.caller_is_async``: the one check that
decides whether a patched API hands its caller the awaitable or the value."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from quart_flask_patch.sync_bridge import caller_is_async


def api() -> bool:
    """Stands for a patched API: it asks about *its* caller."""
    return caller_is_async()


class Holder:
    @property
    def value(self) -> bool:
        return caller_is_async()


def test_a_sync_caller_is_not_async() -> None:
    assert api() is False
    assert Holder().value is False


async def test_a_coroutine_caller_is_async() -> None:
    assert api() is True
    assert Holder().value is True


async def test_an_async_generator_caller_is_async() -> None:
    async def generator() -> AsyncIterator[bool]:
        yield api()
        yield Holder().value

    assert [seen async for seen in generator()] == [True, True]


async def test_only_the_direct_caller_counts() -> None:
    def sync_helper() -> bool:
        return api()  # called by a coroutine, but itself sync

    assert sync_helper() is False
    assert (lambda: api())() is False


def test_a_sync_lambda_or_comprehension_is_not_async() -> None:
    seen: list[Any] = [api() for _ in range(2)]
    assert seen == [False, False]
