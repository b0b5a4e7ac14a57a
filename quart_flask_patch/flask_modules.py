"""The ``flask`` modules the shim installs: each one holds Quart's own
objects (``flask.g is quart.g``, ``flask.Flask is quart.Quart``) plus the
sync-facing helpers of :mod:`quart_flask_patch.sync_helpers`."""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
from contextvars import ContextVar
from types import ModuleType
from typing import Any

#: The Flask version the shim answers to (extensions check it).
FLASK_VERSION = "3.1.0"

#: Marks the modules the shim made.
MARKER = "__quart_flask_patch__"


class _ContextStack:
    """Flask's removed ``_app_ctx_stack``/``_request_ctx_stack``: only
    ``.top`` (the current context or ``None``) is still used by extensions."""

    def __init__(self, var: ContextVar[Any], name: str) -> None:
        self._var = var
        self._name = name

    @property
    def top(self) -> Any:
        return self._var.get(None)

    def __repr__(self) -> str:
        return f"<{self._name} (quart_flask_patch)>"


def _public(module_name: str) -> dict[str, Any]:
    """The public, non-module attributes of a Quart module."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in vars(module) if not name.startswith("_")]
    values = {}
    for name in names:
        value = getattr(module, name)
        if not isinstance(value, ModuleType):
            values[name] = value
    return values


def _specs() -> dict[str, dict[str, Any]]:
    """Alias module name -> its attributes."""
    import blinker
    from werkzeug.test import EnvironBuilder

    import quart
    from quart.app import Quart
    from quart.cli import QuartGroup
    from quart.globals import app_context_var
    from quart.globals import request_context_var
    from quart.scaffold import endpoint_from_view_func
    from quart.scaffold import get_root_path
    from quart.testing import QuartClient
    from quart.testing import QuartCliRunner

    from . import flask_cli
    from . import sync_helpers

    helpers = {
        name: getattr(sync_helpers, name)
        for name in (
            "make_response",
            "flash",
            "send_file",
            "send_from_directory",
            "stream_with_context",
        )
    }
    templating = {
        name: getattr(sync_helpers, name)
        for name in (
            "render_template",
            "render_template_string",
            "stream_template",
            "stream_template_string",
            "get_template_attribute",
        )
    }
    stacks = {
        "_app_ctx_stack": _ContextStack(app_context_var, "_app_ctx_stack"),
        "_request_ctx_stack": _ContextStack(request_context_var, "_request_ctx_stack"),
    }
    scaffold = {
        **_public("quart.scaffold"),
        "_endpoint_from_view_func": endpoint_from_view_func,
        "get_root_path": get_root_path,
    }
    quart_top = {name: getattr(quart, name) for name in dir(quart) if name[0] != "_"}
    quart_top = {k: v for k, v in quart_top.items() if not isinstance(v, ModuleType)}
    return {
        "flask": {
            **quart_top,
            **helpers,
            **templating,
            **stacks,
            "Flask": Quart,
            "__version__": FLASK_VERSION,
        },
        "flask.app": {**_public("quart.app"), "Flask": Quart},
        "flask.sansio": {},
        "flask.sansio.app": {**_public("quart.app"), "App": Quart, "Flask": Quart},
        "flask.sansio.scaffold": scaffold,
        "flask.sansio.blueprints": _public("quart.blueprints"),
        "flask.scaffold": scaffold,
        "flask.blueprints": _public("quart.blueprints"),
        "flask.globals": {
            **_public("quart.globals"),
            **stacks,
            "_cv_app": app_context_var,
            "_cv_request": request_context_var,
        },
        "flask.ctx": {
            **_public("quart.ctx"),
            "_AppCtxGlobals": Quart.app_ctx_globals_class,
        },
        "flask.helpers": {
            **_public("quart.helpers"),
            **helpers,
            "get_template_attribute": sync_helpers.get_template_attribute,
            "get_root_path": get_root_path,
        },
        "flask.templating": {**_public("quart.templating"), **templating},
        "flask.json": _public("quart.json"),
        "flask.json.provider": _public("quart.json.provider"),
        "flask.json.tag": _public("quart.json.tag"),
        "flask.signals": {
            **_public("quart.signals"),
            "Namespace": blinker.Namespace,
            "signals_available": True,
        },
        "flask.wrappers": _public("quart.wrappers"),
        "flask.sessions": _public("quart.sessions"),
        "flask.config": _public("quart.config"),
        "flask.cli": {
            **_public("quart.cli"),
            "FlaskGroup": QuartGroup,
            "with_appcontext": flask_cli.with_appcontext,
        },
        "flask.testing": {
            **_public("quart.testing"),
            "FlaskClient": QuartClient,
            "FlaskCliRunner": QuartCliRunner,
            "EnvironBuilder": EnvironBuilder,
        },
        "flask.views": _public("quart.views"),
        "flask.typing": _public("quart.typing"),
        "flask.logging": _public("quart.logging"),
    }


_PACKAGES = {"flask", "flask.json", "flask.sansio"}


def _make_module(name: str, attributes: dict[str, Any]) -> ModuleType:
    module = ModuleType(name, f"Quart's {name} (installed by quart_flask_patch).")
    module.__dict__.update(attributes)
    is_package = name in _PACKAGES
    module.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=is_package)
    module.__file__ = __file__
    if is_package:
        module.__path__ = []
    setattr(module, MARKER, True)

    def __getattr__(attribute: str) -> Any:
        raise AttributeError(
            f"module {name!r} has no attribute {attribute!r} (quart_flask_patch"
            " maps flask to Quart and does not provide it)"
        )

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    return module


def real_flask_loaded() -> list[str]:
    """Names of ``flask`` modules in :data:`sys.modules` that the shim did
    not make (the real Flask was imported first)."""
    return [
        name
        for name, module in list(sys.modules.items())
        if (name == "flask" or name.startswith("flask."))
        and module is not None
        and not getattr(module, MARKER, False)
    ]


def install() -> None:
    """Create the alias modules and put them in :data:`sys.modules`."""
    if getattr(sys.modules.get("flask"), MARKER, False):
        return
    modules = {name: _make_module(name, attrs) for name, attrs in _specs().items()}
    for name, module in modules.items():
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(modules[parent], child, module)
    sys.modules.update(modules)
