"""Utilities users and extensions import from ``quart.utils``: the sync
bridge (it lives in :mod:`quart.sync`), file paths, ASGI header lists,
task helpers, and the development reloader that ``quart run --reload`` and
``app.run(use_reloader=True)`` use.

The reloader is two processes: :func:`run_reloader` supervises a child that
runs the same command line and serves; the child watches the source files
with :func:`observe_changes`, shuts down gracefully when one changes, and
calls :func:`restart`, which asks the supervisor for a fresh child.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from fnmatch import translate
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from werkzeug.datastructures import Headers
from werkzeug.urls import iri_to_uri

from ._cache import remember
from .sync import async_to_sync
from .sync import await_sync
from .sync import is_async_callable
from .sync import run_sync
from .sync import run_sync_iterable
from .wrappers.headers import decode_headers as decode_headers

if TYPE_CHECKING:
    from .typing import Event
    from .typing import FilePath

__all__ = [
    "MustReloadError",
    "async_to_sync",
    "await_sync",
    "cancel_tasks",
    "decode_headers",
    "encode_headers",
    "file_path_to_path",
    "is_async_callable",
    "is_running_from_reloader",
    "observe_changes",
    "raise_task_exceptions",
    "restart",
    "run_reloader",
    "run_sync",
    "run_sync_iterable",
]

T = TypeVar("T")

#: Set to ``"true"`` in the environment of the child the reloader runs.
RELOADER_ENV = "QUART_RUN_MAIN"
#: The exit code with which a reloader child asks for a fresh child.
RESTART_CODE = 3


def file_path_to_path(*paths: FilePath) -> Path:
    """Join ``paths`` (``str``, ``bytes`` or path-like) into one
    :class:`~pathlib.Path`."""
    return Path(*(os.fsdecode(path) for path in paths))


# -- ASGI header lists ------------------------------------------------------------
def encode_headers(headers: Headers) -> list[tuple[bytes, bytes]]:
    """werkzeug :class:`~werkzeug.datastructures.Headers` as ASGI header
    pairs: lower-case names, latin-1 bytes. A non-ASCII ``Location`` is
    turned into a URI first, as werkzeug does."""
    encoded = _ENCODED_PAIRS
    return [encoded.get(pair) or _encode_pair(pair) for pair in headers]


#: Short header pairs as ASGI wants them, by ``(name, value)``: most of a
#: response's headers recur (its content type, the lengths of same-sized
#: bodies, ``Vary``), and a dict lookup is a third of the steps of encoding
#: a pair. Bounded, as values may come from client data; long values (a
#: signed cookie) are not kept.
_ENCODED_PAIRS: dict[tuple[str, str], tuple[bytes, bytes]] = {}
#: Values up to this many characters are kept in :data:`_ENCODED_PAIRS`.
_KEPT_VALUE_LENGTH = 64


def _encode_pair(pair: tuple[str, str]) -> tuple[bytes, bytes]:
    name, value = pair
    raw_name = name.lower().encode("latin-1")
    if raw_name == b"location":
        value = iri_to_uri(value)
    raw = (raw_name, value.encode("latin-1"))
    if len(value) <= _KEPT_VALUE_LENGTH:
        remember(_ENCODED_PAIRS, pair, raw, 512)
    return raw


# -- tasks ------------------------------------------------------------------------
def raise_task_exceptions(tasks: set[asyncio.Task[Any]]) -> None:
    """Raise the exception of the first finished task in ``tasks`` that
    failed (cancelled and unfinished tasks are skipped)."""
    for task in tasks:
        if task.done() and not task.cancelled():
            exception = task.exception()
            if exception is not None:
                raise exception


async def cancel_tasks(tasks: set[asyncio.Task[Any]]) -> None:
    """Cancel ``tasks``, wait until every one has finished (running its
    clean-up), then raise any exception one of them failed with."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    raise_task_exceptions(tasks)


# -- the reloader -------------------------------------------------------------------
class MustReloadError(Exception):
    """A watched source file changed, so the process must restart to run
    the new code. Raised by :func:`observe_changes`; ``args[0]`` is the
    file's path."""


def is_running_from_reloader() -> bool:
    """True in the child process that :func:`run_reloader` runs."""
    return os.environ.get(RELOADER_ENV) == "true"


class _FileWatcher:
    """Polls the modification times of imported modules and extra files."""

    def __init__(
        self,
        extra_files: Iterable[FilePath] = (),
        exclude_patterns: Sequence[str] = (),
    ) -> None:
        self.extra_files = [os.path.abspath(os.fsdecode(name)) for name in extra_files]
        self.excluded = (
            re.compile("|".join(translate(pattern) for pattern in exclude_patterns))
            if exclude_patterns
            else None
        )
        self.mtimes: dict[str, float] = {}

    def _paths(self) -> Iterator[str]:
        for module in list(sys.modules.values()):
            filename = getattr(module, "__file__", None)
            if isinstance(filename, str):
                yield filename
        yield from self.extra_files

    def check(self) -> str | None:
        """The first file modified since the previous check, if any (the
        first check records the times)."""
        excluded = self.excluded
        for path in self._paths():
            if excluded is not None and excluded.match(path):
                continue
            try:
                mtime = os.stat(path).st_mtime
            except OSError:
                continue
            if mtime > self.mtimes.setdefault(path, mtime):
                self.mtimes[path] = mtime
                return path
        return None

    def wait(self, interval: float = 1.0) -> str:
        """Block until a file changes and return its path."""
        self.check()
        while True:
            time.sleep(interval)
            changed = self.check()
            if changed is not None:
                return changed


async def observe_changes(
    sleep: Callable[[float], Awaitable[Any]],
    shutdown_event: Event,
    *,
    extra_files: Iterable[FilePath] = (),
    exclude_patterns: Sequence[str] = (),
    interval: float = 1.0,
) -> None:
    """Watch the files of the imported modules, and ``extra_files``, until
    ``shutdown_event`` is set; raise :class:`MustReloadError` as soon as one
    of them changes.

    :param sleep: the event loop's sleep (``asyncio.sleep``, ``trio.sleep``),
        so that this runs on any async library.
    :param exclude_patterns: :mod:`fnmatch` patterns of paths to ignore,
        such as ``"*/site-packages/*"``.
    :param interval: seconds between two checks.
    """
    watcher = _FileWatcher(extra_files, exclude_patterns)
    watcher.check()
    while not shutdown_event.is_set():
        await sleep(interval)
        changed = watcher.check()
        if changed is not None:
            raise MustReloadError(changed)


def _program_command() -> list[str]:
    """The command line that started this process (``python -m quart ...``,
    the ``quart`` script, ``python app.py``), to run it again."""
    return [sys.executable, *sys.orig_argv[1:]]


def restart() -> None:
    """Start this program afresh, to run changed code.

    In the child of :func:`run_reloader` this exits with
    :data:`RESTART_CODE`, and the reloader starts a new child. Elsewhere it
    replaces the current process with a new run of the same command line
    (:func:`os.execv`). Either way it does not return: stop serving first.
    """
    if is_running_from_reloader():
        sys.exit(RESTART_CODE)
    command = _program_command()
    os.execv(command[0], command)


def run_reloader() -> None:
    """Run this program again in a child process, for which
    :func:`is_running_from_reloader` is true, and start a new child each
    time it exits with :data:`RESTART_CODE` (see :func:`restart`). SIGINT
    and SIGTERM are passed on to the child. Exits the process with the
    last child's exit code; it does not return."""
    sys.exit(_supervise(_program_command()))


def _supervise(command: list[str]) -> int:
    env = {**os.environ, RELOADER_ENV: "true"}
    child: subprocess.Popen[bytes] | None = None
    stopping = False

    def forward(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGINT, signal.SIGTERM):
            previous[number] = signal.signal(number, forward)
    try:
        while True:
            child = subprocess.Popen(command, env=env)
            code = child.wait()
            if stopping and code == RESTART_CODE:
                return 0  # stopped between two children
            if code != RESTART_CODE or stopping:
                return code if code >= 0 else 1
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
