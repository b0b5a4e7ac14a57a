"""Flask's command-line API on Quart's: ``flask.cli.with_appcontext`` with
Flask's semantics, and the ``flask.commands`` entry-point group."""

from __future__ import annotations

import asyncio
import functools
import importlib.metadata
import inspect
from collections.abc import Callable
from typing import Any
from typing import TypeVar
from typing import cast

import click

from quart.cli import AppGroup
from quart.cli import ScriptInfo
from quart.globals import app_context_var

F = TypeVar("F", bound=Callable[..., Any])


async def _await(awaitable: Any) -> Any:
    return await awaitable


def with_appcontext(f: F) -> F:
    """Run the click callback in the app's context, as Flask does: the
    context is pushed once for the whole command line (so a group callback
    and its subcommand share ``g``) and popped when click finishes."""

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        if app_context_var.get(None) is None:
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())  # type: ignore[arg-type]
        result = ctx.invoke(f, *args, **kwargs)
        if inspect.isawaitable(result):
            result = asyncio.run(_await(result))
        return result

    return cast(F, functools.update_wrapper(decorator, f))


@functools.cache
def flask_command_entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    """The ``flask.commands`` entry points, by command name (scanned once)."""
    found = importlib.metadata.entry_points(group="flask.commands")
    return {entry_point.name: entry_point for entry_point in found}


class FlaskCommandsGroup(AppGroup):
    """``app.cli`` plus the commands of the ``flask.commands`` entry-point
    group (Flask-Limiter's ``limiter``), each imported only when run."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None:
            entry_point = flask_command_entry_points().get(cmd_name)
            if entry_point is not None:
                command = entry_point.load()
                self.add_command(command, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx)) | set(flask_command_entry_points())
        return sorted(names)
