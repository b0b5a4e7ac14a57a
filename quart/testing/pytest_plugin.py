"""Opt-in pytest fixtures for testing a Quart app.

Turn them on in the top-level ``conftest.py`` and define an ``app``
fixture that returns the app under test::

    pytest_plugins = ["quart.testing.pytest_plugin"]

    @pytest.fixture
    def app():
        app = create_app()
        app.config.update(TESTING=True)
        return app

Then tests can ask for:

``client``
    ``app.test_client()``, a :class:`~quart.testing.QuartClient`.
``runner``
    ``app.test_cli_runner()``, a :class:`~quart.testing.QuartCliRunner`.
``app_ctx``
    an app context pushed around the test (``current_app`` and ``g``
    work in it); the fixture's value is the :class:`~quart.ctx.AppContext`.

Async tests and fixtures need `pytest-asyncio
<https://pytest-asyncio.readthedocs.io/>`_, with ``asyncio_mode = "auto"``
(or ``@pytest.mark.asyncio`` on each test); ``app_ctx`` works in either
mode.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

try:
    import pytest_asyncio
except ImportError as error:  # pragma: no cover - depends on the install
    raise ImportError(
        "quart.testing.pytest_plugin needs pytest-asyncio to run async tests:"
        " pip install pytest-asyncio"
    ) from error

if TYPE_CHECKING:
    from ..app import Quart
    from ..ctx import AppContext
    from .cli import QuartCliRunner
    from .client import QuartClient

__all__ = ["app", "app_ctx", "client", "runner"]


@pytest.fixture
def app() -> Quart:
    """The app under test: define this fixture in your ``conftest.py``."""
    raise pytest.UsageError(
        "quart.testing.pytest_plugin needs an 'app' fixture: define one in"
        " your conftest.py that returns the Quart app to test."
    )


@pytest.fixture
def client(app: Quart) -> QuartClient:
    """A test client for ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app: Quart) -> QuartCliRunner:
    """A CLI runner that invokes ``app``'s commands."""
    return app.test_cli_runner()


@pytest_asyncio.fixture
async def app_ctx(app: Quart) -> AsyncIterator[AppContext]:
    """An app context for ``app``, pushed for the whole test."""
    async with app.app_context() as ctx:
        yield ctx
