"""Importing the apps in examples/ afresh, for the tests that run them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def import_afresh(path: Path, name: str) -> ModuleType:
    """Import the file ``path`` as module ``name``, anew on each call (so
    its app is created now, in the test's environment); the module is in
    ``sys.modules`` only while it runs."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` afresh."""
    return import_afresh(EXAMPLES / f"{name}.py", f"_example_{name}")
