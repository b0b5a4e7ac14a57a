"""Utilities users import from ``quart.utils`` (the bridge lives in
:mod:`quart.sync`)."""

from __future__ import annotations

from .sync import is_async_callable
from .sync import run_sync
from .sync import run_sync_iterable

__all__ = ["is_async_callable", "run_sync", "run_sync_iterable"]
