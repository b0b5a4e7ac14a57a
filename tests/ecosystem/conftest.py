"""Real Quart extensions from PyPI, installed next to this project and used
the way their documentation shows. They must import *this* ``quart``: an
extension's ``quart>=`` requirement pulling the PyPI distribution over it
would make every test here meaningless, so that is checked first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from servers import TIMEOUT
from servers import running

import quart
from quart import Quart

REPOSITORY = Path(__file__).resolve().parents[2]


LOCATION = Path(quart.__file__).resolve()
if not LOCATION.is_relative_to(REPOSITORY):
    raise pytest.UsageError(f"quart is imported from {LOCATION}, not this project")


@pytest.fixture
async def http(app: Quart) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the test module's ``app``, served by Hypercorn on
    127.0.0.1 for the test's duration."""
    async with (
        running(app, "http") as base,
        httpx.AsyncClient(base_url=base, timeout=TIMEOUT) as client,
    ):
        yield client
