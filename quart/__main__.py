"""``python -m quart``: the ``quart`` command."""

from .cli import main

main()
