"""Environment variables from dotenv files (``.env``, ``.quartenv``).

Its own module, not part of :mod:`quart.cli`, so that serving and the
command line both use it without :mod:`quart.serving` importing the
command line. :func:`quart.cli.load_dotenv` is this function.
"""

from __future__ import annotations

import os

import click


def load_dotenv(
    path: str | os.PathLike[str] | None = None, load_defaults: bool = True
) -> bool:
    """Set environment variables from dotenv files: ``path`` wins over
    ``.env``, which wins over ``.quartenv`` (both found by searching up from
    the working directory). Variables already set are never overwritten.
    Needs python-dotenv (the ``quart[dotenv]`` extra); returns ``True`` if a
    variable was read."""
    try:
        import dotenv
    except ImportError:
        if path or os.path.isfile(".env") or os.path.isfile(".quartenv"):
            click.secho(
                " * Tip: there are .env files present. Install python-dotenv"
                " to use them.",
                fg="yellow",
                err=True,
            )
        return False

    values: dict[str, str | None] = {}
    if load_defaults:
        for default_name in (".quartenv", ".env"):
            found = dotenv.find_dotenv(default_name, usecwd=True)
            if found:
                values |= dotenv.dotenv_values(found, encoding="utf-8")
    if path is not None and os.path.isfile(path):
        values |= dotenv.dotenv_values(path, encoding="utf-8")
    for key, value in values.items():
        if value is not None and key not in os.environ:
            os.environ[key] = value
    return bool(values)
