"""Shared fixtures, as Flask's own tests/conftest.py has them: a configured
``app``, its ``client``, ``app_ctx`` and ``req_ctx`` (the app and a request
context pushed for the test, popped after), and a guard against leaked
contexts.

A test file that needs routes builds on the shared app rather than making
its own: ``@pytest.fixture def app(app): ...add routes...; return app``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from quart import Quart
from quart.ctx import AppContext
from quart.ctx import RequestContext
from quart.globals import _cv_app
from quart.globals import _cv_request
from quart.globals import _cv_websocket
from quart.testing import QuartClient

if TYPE_CHECKING:
    import flask

# Tests register plugins explicitly; installed plugins (the first-party ones in
# plugins/) autoload only in the tests about discovery, which unset this.
os.environ.setdefault("QUART_DISABLE_PLUGIN_AUTOLOAD", "1")


@pytest.fixture
def autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let installed plugins autoload (for the tests of the plugins in
    plugins/, which are found through their entry points)."""
    monkeypatch.delenv("QUART_DISABLE_PLUGIN_AUTOLOAD", raising=False)


@pytest.fixture
def app() -> Iterator[Quart]:
    # root_path given, as Flask's conftest gives it: "conftest" is also the
    # module name of tests/flask_patch/conftest.py.
    app = Quart(__name__, root_path=os.path.dirname(__file__))
    app.config.update(TESTING=True, SECRET_KEY="test key")
    # Every test's app has the same name, so the same logger: undo what a
    # test did to it (disabled it, added a handler).
    logger = app.logger
    disabled, level, propagate = logger.disabled, logger.level, logger.propagate
    handlers = logger.handlers[:]
    yield app
    logger.disabled, logger.propagate = disabled, propagate
    logger.setLevel(level)
    logger.handlers[:] = handlers


@pytest.fixture
async def app_ctx(app: Quart) -> AsyncIterator[AppContext]:
    async with app.app_context() as ctx:
        yield ctx


@pytest.fixture
async def req_ctx(app: Quart) -> AsyncIterator[RequestContext]:
    async with app.test_request_context("/") as ctx:
        yield ctx


@pytest.fixture
def client(app: Quart) -> QuartClient:
    return app.test_client()


@pytest.fixture
def flask_app() -> flask.Flask:
    """Flask's app, configured as ``app``: for the tests that run the same
    setup in both and compare the results."""
    # Imported here: tests/flask_patch must patch flask before anything
    # imports it.
    from flask import Flask

    flask_app = Flask(__name__, root_path=os.path.dirname(__file__))
    flask_app.config.update(TESTING=True, SECRET_KEY="test key")
    return flask_app


@pytest.fixture(autouse=True)
def _leak_detector() -> Iterator[None]:
    """Fail a test that leaves an app or request context pushed."""
    yield
    assert _cv_request.get(None) is None, "a request context was left pushed"
    assert _cv_websocket.get(None) is None, "a websocket context was left pushed"
    assert _cv_app.get(None) is None, "an app context was left pushed"


@pytest.fixture(autouse=True)
def _restore_environ() -> Iterator[None]:
    """Undo environment changes a test made."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
