"""``quart.sessions.SessionInterface`` subclasses written for Flask: their
sync ``open_session``, ``save_session`` and ``make_null_session`` (which may
do blocking I/O) run in worker threads like any sync hook."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from quart.app import Quart
from quart.sessions import SessionInterface

#: The methods a Flask session interface implements sync.
SESSION_METHODS = ("open_session", "save_session", "make_null_session")


def _async_session_method(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def wrapper(self: SessionInterface, app: Quart, *args: Any) -> Any:
        return await app.ensure_async(functools.partial(method, self))(app, *args)

    return wrapper


def _init_session_subclass(cls: type[SessionInterface], /, **kwargs: Any) -> None:
    """Wrap the sync session methods a subclass defines."""
    super(SessionInterface, cls).__init_subclass__(**kwargs)
    for name in SESSION_METHODS:
        method = cls.__dict__.get(name)
        if callable(method) and not inspect.iscoroutinefunction(method):
            setattr(cls, name, _async_session_method(method))


def apply() -> None:
    """Wrap the sync session methods of every later subclass."""
    SessionInterface.__init_subclass__ = classmethod(_init_session_subclass)  # type: ignore[assignment]
