"""Fix-ups for extensions whose code cannot see that a Quart object is the
Flask object it expects, applied right after the extension's module runs.

Each entry names the module and what it changes, with the reason; the shim
does not edit extension code otherwise.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable
from collections.abc import Sequence
from types import ModuleType
from typing import Any


def _flask_restful(module: ModuleType) -> None:
    # Flask-RESTful tests ``isinstance(rv, werkzeug.wrappers.Response)`` to
    # pass responses through untouched; Quart's response is a werkzeug
    # sans-IO response, so it also has to count.
    from werkzeug.wrappers import Response as WerkzeugResponse

    from quart.wrappers import Response

    module.ResponseBase = (WerkzeugResponse, Response)  # type: ignore[attr-defined]


#: Module name -> fix-up run after the module is executed.
QUIRKS: dict[str, Callable[[ModuleType], None]] = {
    "flask_restful": _flask_restful,
}


class _FixupLoader(importlib.abc.Loader):
    """Runs the real loader, then the fix-up."""

    def __init__(self, loader: Any, fixup: Callable[[ModuleType], None]) -> None:
        self._loader = loader
        self._fixup = fixup

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)  # type: ignore[no-any-return]

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        self._fixup(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class FlaskFinder(importlib.abc.MetaPathFinder):
    """Says clearly which ``flask.*`` modules the shim does not provide, and
    applies :data:`QUIRKS` to extensions as they are imported."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.startswith("flask."):
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: quart_flask_patch maps 'flask' to"
                " Quart and does not provide this module.",
                name=fullname,
            )
        fixup = QUIRKS.get(fullname)
        if fixup is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _FixupLoader(spec.loader, fixup)
        return spec


def install() -> None:
    """Put the finder first on :data:`sys.meta_path` (once), and fix any
    listed module that is already imported."""
    if not any(isinstance(finder, FlaskFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, FlaskFinder())
    for name, fixup in QUIRKS.items():
        module = sys.modules.get(name)
        if module is not None:
            fixup(module)
