"""The changes the shim makes to Quart's classes (and to the werkzeug and
Jinja classes Quart uses), one module per patched target, applied once on
import by :func:`apply`.

Each change gives sync callers Flask's sync API and leaves async callers
exactly where they were: the patched attributes hand a coroutine caller the
same awaitable as before. Nothing here runs unless the shim is imported.
"""

from __future__ import annotations

from . import app
from . import body_preload
from . import contexts
from . import jinja_macros
from . import request
from . import response
from . import sessions
from . import url_adapter
from . import views

_applied = False


def apply() -> None:
    """Apply every patch (idempotent)."""
    global _applied
    if _applied:
        return
    request.apply()
    body_preload.apply()
    response.apply()
    url_adapter.apply()
    app.apply()
    views.apply()
    jinja_macros.apply()
    contexts.apply()
    sessions.apply()
    _applied = True
