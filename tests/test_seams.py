"""The public seams between the core and the Flask shim.

The shim (``quart_flask_patch``) uses only public names of ``quart``, and the
core knows nothing of the shim (ARCHITECTURE.md, "The Flask shim"). The seams
the core offers for it are tested here through the core alone (this process
keeps the real ``flask``); the AST walk below fails when an underscore name
crosses between the two packages in either direction.
"""

from __future__ import annotations

import ast
import asyncio
import contextvars
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import quart
import quart.globals
from quart import Quart
from quart.globals import app_context_var
from quart.globals import request_context_var
from quart.scaffold import endpoint_from_view_func
from quart.sync import await_sync
from quart.sync import in_worker_thread
from quart.sync import run_sync
from quart.sync import run_sync_iterable

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "quart"
SHIM = ROOT / "quart_flask_patch"


# -- quart.sync.in_worker_thread ------------------------------------------------------
async def test_in_worker_thread_only_in_threads_quart_started() -> None:
    async def value() -> int:
        return 7

    def in_worker() -> tuple[bool, int]:
        # True exactly where await_sync can wait for the loop.
        return in_worker_thread(), await_sync(value())

    seen: list[bool] = []
    thread = threading.Thread(target=lambda: seen.append(in_worker_thread()))
    thread.start()
    thread.join(5)

    assert not in_worker_thread()  # the loop's own thread
    assert await run_sync(in_worker)() == (True, 7)
    assert seen == [False]  # a thread Quart did not start


async def test_in_worker_thread_in_a_sync_iterable() -> None:
    def steps() -> Iterator[bool]:
        yield in_worker_thread()
        yield in_worker_thread()

    assert [step async for step in run_sync_iterable(steps())] == [True, True]


def test_in_worker_thread_needs_no_running_loop_and_an_open_one() -> None:
    """A worker's context seen on the loop's own thread, or after its loop
    closed, is not a worker thread: await_sync could not wait there."""
    loop = asyncio.new_event_loop()
    try:
        worker_context = loop.run_until_complete(run_sync(contextvars.copy_context)())

        async def on_the_loop() -> bool:
            return worker_context.run(in_worker_thread)

        assert not loop.run_until_complete(on_the_loop())
        assert worker_context.run(in_worker_thread)  # no loop runs here
    finally:
        loop.close()
    assert not worker_context.run(in_worker_thread)


# -- quart.globals.app_context_var / request_context_var -------------------------------
async def test_context_vars_are_what_the_proxies_read(app: Quart) -> None:
    assert app_context_var.get(None) is None
    assert request_context_var.get(None) is None
    async with app.test_request_context("/path"):
        app_ctx = app_context_var.get()
        req_ctx = request_context_var.get()
        assert app_ctx is quart.globals.app_ctx._get_current_object()  # type: ignore[attr-defined]
        assert app_ctx.app is quart.current_app._get_current_object()  # type: ignore[attr-defined]
        assert req_ctx is quart.globals.request_ctx._get_current_object()  # type: ignore[attr-defined]
        assert req_ctx.request.path == quart.request.path == "/path"
    assert app_context_var.get(None) is None


async def test_setting_the_app_context_var_binds_current_app(app: Quart) -> None:
    ctx = app.app_context()
    token = app_context_var.set(ctx)
    try:
        assert quart.current_app._get_current_object() is app  # type: ignore[attr-defined]
        assert quart.g is not None and quart.has_app_context()
    finally:
        app_context_var.reset(token)
    assert not quart.has_app_context()


# -- quart.scaffold.endpoint_from_view_func -------------------------------------------
def test_endpoint_from_view_func_names_routes(app: Quart) -> None:
    async def some_view() -> str:
        return ""

    app.add_url_rule("/some", view_func=some_view)
    assert endpoint_from_view_func(some_view) == "some_view"
    rules = [rule.rule for rule in app.url_map.iter_rules("some_view")]
    assert rules == ["/some"]


# -- no underscore name crosses --------------------------------------------------------
def _sources(package: Path) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(package.rglob("*.py")):
        yield str(path.relative_to(ROOT)), ast.parse(path.read_text(), str(path))


def _is_core(module: str | None) -> bool:
    return module is not None and (module == "quart" or module.startswith("quart."))


def _private(name: str) -> bool:
    """A single-underscore (private) name; dunders are Python's."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _shim_crossings(where: str, tree: ast.Module) -> list[str]:
    found = []
    core_names: set[str] = set()  # names bound to core modules or objects
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_core(alias.name):
                    if any(_private(part) for part in alias.name.split(".")):
                        found.append(f"{where}:{node.lineno}: import {alias.name}")
                    core_names.add(alias.asname or alias.name.partition(".")[0])
        elif isinstance(node, ast.ImportFrom) and _is_core(node.module):
            assert node.module is not None
            if any(_private(part) for part in node.module.split(".")):
                found.append(f"{where}:{node.lineno}: from {node.module}")
            for alias in node.names:
                if _private(alias.name):
                    found.append(
                        f"{where}:{node.lineno}: from {node.module} import {alias.name}"
                    )
                core_names.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            root = _root_name(node.value)
            if root in core_names:
                found.append(f"{where}:{node.lineno}: {root}...{node.attr}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and _is_core(node.args[0].value)
            and any(_private(part) for part in node.args[0].value.split("."))
        ):
            found.append(f"{where}:{node.lineno}: import_module({node.args[0].value})")
    return found


def _is_shim_marker(name: str) -> bool:
    return re.fullmatch(r"__quart_\w+__", name) is not None


def _core_crossings(where: str, tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.partition(".")[0] == "quart_flask_patch":
                    found.append(f"{where}:{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            if node.module.partition(".")[0] == "quart_flask_patch":
                found.append(f"{where}:{node.lineno}: from {node.module}")
        elif isinstance(node, ast.Attribute) and _is_shim_marker(node.attr):
            found.append(f"{where}:{node.lineno}: .{node.attr}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _is_shim_marker(node.value)
        ):
            found.append(f"{where}:{node.lineno}: {node.value!r}")
    return found


def test_the_shim_uses_only_public_names_of_the_core() -> None:
    found = [
        crossing
        for where, tree in _sources(SHIM)
        for crossing in _shim_crossings(where, tree)
    ]
    assert found == []


def test_the_core_knows_nothing_of_the_shim() -> None:
    found = [
        crossing
        for where, tree in _sources(CORE)
        for crossing in _core_crossings(where, tree)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from quart.globals import _cv_app", 1),
        ("from quart._x import y", 1),
        ("import quart.sync\nquart.sync._worker_loop.get()", 1),
        ("from quart import ctx\nctx._AppCtxGlobals", 1),
        ("import importlib\nimportlib.import_module('quart._x')", 1),
        ("from quart.globals import app_context_var\napp_context_var.get(None)", 0),
        ("from quart.app import Quart\nQuart.make_response.__doc__", 0),
        ("from werkzeug import x\nx._private", 0),
    ],
)
def test_the_walk_finds_crossings(source: str, expected: int) -> None:
    """The checks above are only as good as the walk: it must see each form
    of crossing (and only those)."""
    assert len(_shim_crossings("example", ast.parse(source))) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("getattr(method, '__quart_async__', None)", 1),
        ("method.__quart_sync__", 1),
        ("from quart_flask_patch import sync_bridge", 1),
        ('"""Docs naming ``__quart_async__``."""', 0),
        ("method.__wrapped__", 0),
    ],
)
def test_the_walk_finds_shim_names_in_the_core(source: str, expected: int) -> None:
    assert len(_core_crossings("example", ast.parse(source))) == expected
