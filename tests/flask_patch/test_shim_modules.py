"""The ``flask`` modules the shim installs hold Quart's own objects."""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys

import flask
import pytest

import quart
import quart.ctx
import quart.globals
import quart.sessions
import quart.views
import quart_flask_patch
from quart import Quart

SUBMODULES = [
    "flask.app",
    "flask.globals",
    "flask.ctx",
    "flask.helpers",
    "flask.json",
    "flask.json.provider",
    "flask.json.tag",
    "flask.signals",
    "flask.templating",
    "flask.wrappers",
    "flask.sessions",
    "flask.config",
    "flask.cli",
    "flask.testing",
    "flask.views",
    "flask.blueprints",
    "flask.typing",
    "flask.logging",
    "flask.sansio.app",
    "flask.sansio.scaffold",
    "flask.sansio.blueprints",
    "flask.scaffold",
]


def test_same_objects_not_copies() -> None:
    assert flask.Flask is Quart
    assert flask.g is quart.g
    assert flask.request is quart.request
    assert flask.session is quart.session
    assert flask.current_app is quart.current_app
    assert flask.Blueprint is quart.Blueprint
    assert flask.Request is quart.Request
    assert flask.Response is quart.Response
    assert flask.jsonify is quart.jsonify
    assert flask.url_for is quart.url_for
    assert flask.has_request_context is quart.has_request_context
    assert flask.json is sys.modules["flask.json"]


@pytest.mark.parametrize("name", SUBMODULES)
def test_submodules_import(name: str) -> None:
    module = importlib.import_module(name)
    assert getattr(module, "__quart_flask_patch__", False)


def test_submodule_contents() -> None:
    from flask.app import Flask
    from flask.ctx import AppContext
    from flask.globals import _cv_app
    from flask.globals import _cv_request
    from flask.globals import app_ctx
    from flask.globals import request_ctx
    from flask.json.provider import DefaultJSONProvider
    from flask.sansio.app import App
    from flask.sansio.scaffold import _endpoint_from_view_func
    from flask.sessions import SecureCookieSessionInterface
    from flask.sessions import SessionInterface
    from flask.signals import Namespace
    from flask.signals import got_request_exception
    from flask.testing import FlaskClient
    from flask.views import MethodView

    assert Flask is App is Quart
    assert AppContext is quart.ctx.AppContext
    assert _cv_app is quart.globals.app_context_var
    assert _cv_request is quart.globals.request_context_var
    assert app_ctx is quart.globals.app_ctx
    assert request_ctx is quart.globals.request_ctx
    assert DefaultJSONProvider is quart.json.provider.DefaultJSONProvider
    assert (
        _endpoint_from_view_func(test_submodule_contents) == "test_submodule_contents"
    )
    assert SessionInterface is quart.sessions.SessionInterface
    assert issubclass(SecureCookieSessionInterface, SessionInterface)
    assert Namespace().signal("x").name == "x"
    assert got_request_exception is quart.signals.got_request_exception
    assert FlaskClient is quart.testing.QuartClient
    assert MethodView is quart.views.MethodView


def test_version_answers_as_flask_3_1() -> None:
    assert flask.__version__ == quart_flask_patch.FLASK_VERSION == "3.1.0"


async def test_contexts_agree_with_quart() -> None:
    app = Quart(__name__)
    seen = {}

    @app.route("/")
    async def index() -> str:
        seen["request"] = flask.has_request_context() and quart.has_request_context()
        seen["stack"] = (
            flask._request_ctx_stack.top is quart.globals.request_context_var.get()
        )
        seen["app_stack"] = flask._app_ctx_stack.top.app is app
        return "ok"

    assert not flask.has_request_context() and not flask.has_app_context()
    await app.test_client().get("/")
    assert seen == {"request": True, "stack": True, "app_stack": True}
    assert flask._request_ctx_stack.top is None


def test_missing_names_and_modules_say_so() -> None:
    with pytest.raises(AttributeError, match="quart_flask_patch"):
        flask.nothing_like_this  # noqa: B018
    with pytest.raises(ModuleNotFoundError, match="does not provide this module"):
        importlib.import_module("flask.debughelpers")


def test_asyncio_is_untouched() -> None:
    import _asyncio

    assert asyncio.Task is _asyncio.Task
    assert asyncio.Future is _asyncio.Future


def test_refuses_when_real_flask_came_first() -> None:
    env = {**os.environ, "QUART_FLASK_PATCH_TESTS": ""}
    result = subprocess.run(
        [sys.executable, "-c", "import flask; import quart_flask_patch"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode != 0
    assert "must be imported before flask" in result.stderr
