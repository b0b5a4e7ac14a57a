"""Jinja's ``Macro.__call__`` for sync callers: in Quart's async template
environments a macro call gives a coroutine, which the template awaits;
sync Python code calling a macro (a Flask-era Jinja extension calling
``caller()``) gets the text."""

from __future__ import annotations

import inspect
import sys
from typing import Any

from jinja2.runtime import Macro

from ..sync_bridge import ASYNC_FLAGS
from ..sync_bridge import drive


def apply() -> None:
    """Make macro calls from sync code return the text."""
    original = Macro.__call__

    def __call__(self: Macro, *args: Any, **kwargs: Any) -> Any:
        """In Quart's async environments a macro call gives a coroutine,
        which the template awaits. Sync Python code calling a macro (a
        Flask-era Jinja extension calling ``caller()``) gets the text."""
        rv = original(self, *args, **kwargs)
        if not inspect.iscoroutine(rv):
            return rv
        # Not caller_is_async(): the caller that counts is the first one
        # outside Jinja's runtime (Context.call sits in between).
        frame: Any = sys._getframe(1)
        while frame.f_back is not None and frame.f_globals.get(
            "__name__", ""
        ).startswith("jinja2."):
            frame = frame.f_back
        if frame.f_code.co_flags & ASYNC_FLAGS:
            return rv
        return drive(rv, "a template macro")

    Macro.__call__ = __call__  # type: ignore[method-assign]
