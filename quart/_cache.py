"""Bounded caches: dicts whose keys may come from client data (a Host
header, a path, a header name) and must not grow without limit."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def remember(cache: dict[K, V], key: K, value: V, limit: int) -> V:
    """Store ``value`` under ``key`` and return it, first emptying ``cache``
    if it holds ``limit`` entries: misses stay cheap and the steady state
    (the same few keys) refills at once."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value
