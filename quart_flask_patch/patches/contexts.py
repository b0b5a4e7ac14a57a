"""``with app.app_context():`` and ``with app.test_request_context():`` as
in Flask: ``AppContext`` and ``RequestContext`` get sync ``__enter__`` and
``__exit__``, run in place on any thread, so the context variables they set
stay in the caller's context."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from quart.ctx import AppContext
from quart.ctx import RequestContext

from ..sync_bridge import drive


def _enter(self: Any) -> Any:
    drive(self.push(), f"{type(self).__name__}.push()")
    return self


def _exit(
    self: Any,
    exc_type: type[BaseException] | None,
    exc_value: BaseException | None,
    tb: TracebackType | None,
) -> None:
    drive(self.pop(exc_value), f"{type(self).__name__}.pop()")


def apply() -> None:
    """Make the app and request contexts sync context managers too."""
    for cls in (AppContext, RequestContext):
        setattr(cls, "__enter__", _enter)  # noqa: B010
        setattr(cls, "__exit__", _exit)  # noqa: B010
