"""The Flask-extension tests need ``quart_flask_patch`` imported, which maps
``flask`` to Quart for the whole process. They run in a process of their
own (started by ``test_in_subprocess.py`` with ``QUART_FLASK_PATCH_TESTS=1``)
so the main test process keeps the real ``flask`` (some tests compare
against it). There every async test runs twice: on asyncio's loop and on
uvloop's.

To run them directly: ``QUART_FLASK_PATCH_TESTS=1 .venv/bin/python -m pytest
tests/flask_patch`` (without the variable only the runner is collected).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

IN_SUBPROCESS = os.environ.get("QUART_FLASK_PATCH_TESTS") == "1"

if IN_SUBPROCESS:
    import uvloop

    import quart_flask_patch  # noqa: F401  (before anything imports flask)

    collect_ignore = ["test_in_subprocess.py"]

    def pytest_asyncio_loop_factories(
        config: Any, item: Any
    ) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
        return {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}

else:
    collect_ignore_glob = ["test_ext_*.py", "test_shim_*.py"]
