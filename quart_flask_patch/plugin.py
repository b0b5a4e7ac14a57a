"""The shim's built-in plugin, registered on every app created after
``import quart_flask_patch`` (:func:`quart.plugins.register_builtin`
makes it a built-in called ``quart_flask_patch``; block it by that name).

* Loads the extensions named in ``QUART_FLASK_EXTENSIONS``.
* Adds the commands Flask extensions publish in the ``flask.commands``
  entry-point group (Flask-Limiter's ``limiter``) to ``app.cli``; the
  commands extensions add in ``init_app`` (Flask-Migrate's ``db``) are
  there already.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quart.cli import AppGroup
from quart.hookspecs import hookimpl

from .extensions import configured_extensions
from .extensions import init_extensions
from .flask_cli import FlaskCommandsGroup

if TYPE_CHECKING:
    from quart.app import Quart


@hookimpl
def quart_app_created(app: Quart) -> None:
    """Add the Flask commands to ``app.cli``; load configured extensions."""
    if type(app.cli) is AppGroup:
        app.cli.__class__ = FlaskCommandsGroup
    if configured_extensions(app):
        init_extensions(app)
