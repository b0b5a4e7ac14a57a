"""The shim's built-in plugin, registered on every app created after
``import quart_flask_patch`` (it joins :data:`quart.plugins.BUILTIN_PLUGINS`
as ``quart_flask_patch``; block it by that name).

* Reads the request body before the ``before_request`` functions, so sync
  code on the event loop thread (``form.validate_on_submit()`` in an async
  view) finds ``request.form`` ready. ``QUART_FLASK_PRELOAD_BODY = False``
  turns this off (sync code then reads the body only from worker threads).
* Loads the extensions named in ``QUART_FLASK_EXTENSIONS``.
* Adds the commands Flask extensions publish in the ``flask.commands``
  entry-point group (``quart db upgrade`` for Flask-Migrate) to ``app.cli``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from quart.cli import AppGroup
from quart.hookspecs import hookimpl

from ._cli import FlaskCommandsGroup
from ._patches import has_body
from .extensions import configured_extensions
from .extensions import init_extensions

if TYPE_CHECKING:
    from quart.app import Quart
    from quart.wrappers import Request

#: Config key: read request bodies before ``before_request`` (default on).
PRELOAD_KEY = "QUART_FLASK_PRELOAD_BODY"


@hookimpl
def quart_app_created(app: Quart) -> None:
    """Add the Flask commands to ``app.cli``; load configured extensions."""
    if type(app.cli) is AppGroup:
        app.cli.__class__ = FlaskCommandsGroup
    if configured_extensions(app):
        init_extensions(app)


async def _preload(request: Request) -> None:
    await request.body.read()


@hookimpl(tryfirst=True)
def quart_request_started(app: Quart, request: Request) -> Any:
    """Read a request body before the ``before_request`` functions."""
    if request.body._data is not None or not has_body(request):
        return None
    if app.config.get(PRELOAD_KEY, True) is False:
        return None
    return _preload(request)
