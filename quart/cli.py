"""The ``quart`` command line (commands arrive with the CLI issue)."""

from __future__ import annotations

import click


@click.group()
def cli() -> None:
    """Run and manage Quart apps."""


def main() -> None:
    cli()
