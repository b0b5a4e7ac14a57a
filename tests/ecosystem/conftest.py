"""Real Quart extensions from PyPI, installed next to this project and used
the way their documentation shows. They must import *this* ``quart``: an
extension's ``quart>=`` requirement pulling the PyPI distribution over it
would make every test here meaningless, so that is checked first."""

from __future__ import annotations

from pathlib import Path

import pytest

import quart

REPOSITORY = Path(__file__).resolve().parents[2]


LOCATION = Path(quart.__file__).resolve()
if not LOCATION.is_relative_to(REPOSITORY):
    raise pytest.UsageError(f"quart is imported from {LOCATION}, not this project")
