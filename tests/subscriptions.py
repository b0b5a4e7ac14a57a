"""Reading app.broadcast subscriptions in tests, within time limits (the
in-process backend in tests/test_broadcast.py, Redis in tests/scale/)."""

from __future__ import annotations

import asyncio

from servers import TIMEOUT

from quart.broadcast import Message
from quart.broadcast import Subscription


async def take(subscription: Subscription, count: int) -> list[Message]:
    """The next ``count`` messages, each within the time limit."""
    messages = []
    for _ in range(count):
        async with asyncio.timeout(TIMEOUT):
            messages.append(await anext(subscription))
    return messages


async def nothing_waiting(subscription: Subscription, quiet: float = 0.05) -> bool:
    """Whether no message arrives within ``quiet`` seconds."""
    try:
        async with asyncio.timeout(quiet):
            await anext(subscription)
    except TimeoutError:
        return True
    return False
