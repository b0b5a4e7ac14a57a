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

import functools
import importlib.metadata
from typing import TYPE_CHECKING
from typing import Any

import click

from quart.cli import AppGroup
from quart.hookspecs import hookimpl

from ._patches import has_body
from .extensions import configured_extensions
from .extensions import init_extensions

if TYPE_CHECKING:
    from quart.app import Quart
    from quart.wrappers import Request

#: Config key: read request bodies before ``before_request`` (default on).
PRELOAD_KEY = "QUART_FLASK_PRELOAD_BODY"


@functools.cache
def flask_command_entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    """The ``flask.commands`` entry points, by command name (scanned once)."""
    found = importlib.metadata.entry_points(group="flask.commands")
    return {entry_point.name: entry_point for entry_point in found}


class FlaskCommandsGroup(AppGroup):
    """``app.cli`` plus the commands of the ``flask.commands`` entry-point
    group, each imported only when it is run."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None:
            entry_point = flask_command_entry_points().get(cmd_name)
            if entry_point is not None:
                command = entry_point.load()
                self.add_command(command, cmd_name)  # type: ignore[arg-type]
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx)) | set(flask_command_entry_points())
        return sorted(names)


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
