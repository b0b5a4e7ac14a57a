"""Utilities users import from ``quart.utils`` (the bridge lives in
:mod:`quart.sync`)."""

from __future__ import annotations

from .sync import async_to_sync
from .sync import await_sync
from .sync import is_async_callable
from .sync import run_sync
from .sync import run_sync_iterable

__all__ = [
    "async_to_sync",
    "await_sync",
    "is_async_callable",
    "run_sync",
    "run_sync_iterable",
]
