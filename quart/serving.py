"""Serving an app: options, signals, the reloader, and the hand-over to a
server through the ``quart_serve`` plugin hook (Hypercorn by default, from
:mod:`quart.builtin.serving`). ``quart run`` and :meth:`Quart.run
<quart.Quart.run>` both come here."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import TYPE_CHECKING
from typing import Any

import click

from .cli import get_load_dotenv
from .cli import load_dotenv
from .helpers import get_debug_flag

if TYPE_CHECKING:
    from .app import Quart

RELOADER_ENV = "QUART_RUN_MAIN"
#: Exit code with which a reloader child asks to be restarted.
RESTART_CODE = 3
DEFAULT_SERVER = "hypercorn"


# -- serving ----------------------------------------------------------------------
@dataclass
class ServeOptions:
    """How to serve an app: what ``quart run`` and ``app.run()`` pass to the
    server backend."""

    host: str = "127.0.0.1"
    port: int = 5000
    debug: bool = False
    #: Restart the process when a source file changes (:func:`serve` only).
    use_reloader: bool = False
    certfile: str | None = None
    keyfile: str | None = None
    #: The server's name (see the ``quart_server_names`` hook).
    server: str = DEFAULT_SERVER
    #: Serve until this completes. :func:`serve_async` always gives the
    #: backend one; when none is set it waits for SIGINT/SIGTERM.
    shutdown_trigger: Callable[[], Awaitable[Any]] | None = None
    #: More files for the reloader to watch, besides imported modules.
    extra_files: Sequence[str] = ()
    #: Seconds between the reloader's checks.
    reloader_interval: float = 1.0
    #: Backend-specific settings (for Hypercorn: attributes of
    #: :class:`hypercorn.config.Config`, such as ``graceful_timeout``).
    server_options: dict[str, Any] = field(default_factory=dict)


def server_names(app: Quart) -> list[str]:
    """The server names the app's plugins offer (``quart_server_names``)."""
    names: set[str] = set()
    for call in app.plugins.callers("quart_server_names"):
        names.update(call() or ())
    return sorted(names)


class UnknownServerError(click.UsageError):
    """No backend answers to the requested server name."""


async def _call_server(app: Quart, options: ServeOptions) -> None:
    """Serve through the ``quart_serve`` hook: the first plugin that knows
    ``options.server`` serves (the built-in one knows Hypercorn)."""
    served = await app.plugins.first_result("quart_serve", app, options)
    if not served:
        raise UnknownServerError(
            f"Unknown server {options.server!r}; available: "
            + ", ".join(server_names(app))
            + "."
        )


def is_running_from_reloader() -> bool:
    """True in the child process the reloader restarts on code changes."""
    return os.environ.get(RELOADER_ENV) == "true"


def _do_nothing() -> None:
    pass


def _install_signal_handlers(
    loop: asyncio.AbstractEventLoop, callback: Callable[[], None]
) -> Callable[[], None]:
    """Call ``callback`` on SIGINT/SIGTERM (main thread only); returns a
    function restoring the previous handlers."""
    if threading.current_thread() is not threading.main_thread():
        return _do_nothing
    added: list[int] = []
    previous: dict[int, Any] = {}
    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        number = getattr(signal, name, None)
        if number is None:
            continue
        try:
            loop.add_signal_handler(number, callback)
            added.append(number)
        except (NotImplementedError, RuntimeError):  # e.g. Windows
            previous[number] = signal.signal(
                number, lambda *_: loop.call_soon_threadsafe(callback)
            )

    def restore() -> None:
        for number in added:
            loop.remove_signal_handler(number)
        for number, handler in previous.items():
            signal.signal(number, handler)

    return restore


class _FileWatcher:
    """Polls the modification times of imported modules and extra files."""

    def __init__(self, extra_files: Sequence[str] = (), interval: float = 1.0):
        self.extra_files = [os.path.abspath(name) for name in extra_files]
        self.interval = interval
        self.mtimes: dict[str, float] = {}
        self.changed: str | None = None

    def _paths(self) -> Iterator[str]:
        for module in list(sys.modules.values()):
            filename = getattr(module, "__file__", None)
            if isinstance(filename, str):
                yield filename
        yield from self.extra_files

    def check(self) -> str | None:
        """The first file modified since the previous check, if any (the
        first check records the times)."""
        for path in self._paths():
            try:
                mtime = os.stat(path).st_mtime
            except OSError:
                continue
            if mtime > self.mtimes.setdefault(path, mtime):
                self.changed = path
                return path
        return None

    async def watch(self, stop: asyncio.Event) -> None:
        await asyncio.to_thread(self.check)
        while not stop.is_set():
            await asyncio.sleep(self.interval)
            changed = await asyncio.to_thread(self.check)
            if changed is not None:
                click.echo(f" * Detected change in {changed!r}, reloading", err=True)
                stop.set()
                return

    def wait(self) -> str:
        """Block until a file changes (used when the app failed to load)."""
        self.check()
        while True:
            time.sleep(self.interval)
            changed = self.check()
            if changed is not None:
                click.echo(f" * Detected change in {changed!r}, reloading", err=True)
                return changed


async def serve_async(app: Quart, options: ServeOptions) -> bool:
    """Serve ``app`` in the running event loop until
    ``options.shutdown_trigger`` completes or, without one, until
    SIGINT/SIGTERM; shutdown is graceful. In a reloader child, also stop
    when a source file changes. Returns ``True`` if it stopped for a code
    change (the caller should then exit with :data:`RESTART_CODE`)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    restore: Callable[[], None] = _do_nothing
    helpers: list[asyncio.Task[None]] = []
    user_trigger = options.shutdown_trigger
    if user_trigger is None:
        restore = _install_signal_handlers(loop, stop.set)
    else:

        async def wait_for_user_trigger() -> None:
            try:
                await user_trigger()
            finally:
                stop.set()

        helpers.append(loop.create_task(wait_for_user_trigger()))
    watcher: _FileWatcher | None = None
    if options.use_reloader and is_running_from_reloader():
        watcher = _FileWatcher(options.extra_files, options.reloader_interval)
        helpers.append(loop.create_task(watcher.watch(stop)))
    try:
        await _call_server(app, replace(options, shutdown_trigger=stop.wait))
    finally:
        restore()
        for task in helpers:
            task.cancel()
        await asyncio.gather(*helpers, return_exceptions=True)
    return watcher is not None and watcher.changed is not None


def _reloader_command() -> list[str]:
    """The command line that started this process (``python -m quart ...``,
    the ``quart`` script, or ``python app.py``), to start it again."""
    return [sys.executable, *sys.orig_argv[1:]]


def run_with_reloader() -> int:
    """Run this program again in a child process, restarting it whenever it
    exits with :data:`RESTART_CODE`. SIGINT and SIGTERM are passed on to the
    child; returns the child's final exit code."""
    command = _reloader_command()
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


def _show_banner(app: Quart, options: ServeOptions) -> None:
    click.echo(f" * Serving Quart app '{app.name}'", err=True)
    click.echo(f" * Debug mode: {'on' if options.debug else 'off'}", err=True)
    if options.use_reloader:
        click.echo(" * Restarting on code changes", err=True)


def serve(app: Quart, options: ServeOptions) -> None:
    """Serve ``app`` until SIGINT/SIGTERM, blocking (``quart run`` and
    ``app.run()``). With ``options.use_reloader`` this process only
    supervises a child that serves and is restarted on code changes."""
    if not is_running_from_reloader():
        _show_banner(app, options)
        if options.use_reloader:
            sys.exit(run_with_reloader())
    if asyncio.run(serve_async(app, options)):
        sys.exit(RESTART_CODE)


def _wait_for_fix(error: BaseException, extra_files: Sequence[str]) -> None:
    """In a reloader child whose app failed to load: show the error, wait
    until a file changes (including those in the traceback), then restart."""
    traceback.print_exc()
    files = list(extra_files)
    for frame, _ in traceback.walk_tb(error.__traceback__):
        files.append(frame.f_code.co_filename)
    if isinstance(error, SyntaxError) and error.filename:
        files.append(error.filename)
    click.echo(" * Waiting for a code change to reload", err=True)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_quietly)
    try:
        _FileWatcher(files).wait()
    except KeyboardInterrupt:
        sys.exit(0)
    sys.exit(RESTART_CODE)


def _exit_quietly(signum: int, frame: Any) -> None:
    sys.exit(0)


def _run_app(
    app: Quart,
    host: str | None,
    port: int | None,
    debug: bool | None,
    use_reloader: bool | None,
    certfile: str | None,
    keyfile: str | None,
    server: str | None,
    load_dotenv_files: bool,
    server_options: dict[str, Any],
) -> None:
    """The body of :meth:`Quart.run <quart.Quart.run>`."""
    if os.environ.get("QUART_RUN_FROM_CLI") == "true":
        if not is_running_from_reloader():
            click.secho(
                " * Ignoring a call to 'app.run()' that would block the current"
                " 'quart' command.\n   Only call 'app.run()' in an"
                " 'if __name__ == \"__main__\"' guard.",
                fg="red",
                err=True,
            )
        return
    if get_load_dotenv(load_dotenv_files):
        load_dotenv()
        if "QUART_DEBUG" in os.environ:
            app.debug = get_debug_flag()
    if debug is not None:
        app.debug = bool(debug)
    server_name = app.config.get("SERVER_NAME")
    name_host = name_port = None
    if server_name:
        name_host, _, name_port = server_name.partition(":")
    host = host or name_host or "127.0.0.1"
    if port is None:
        port = int(name_port) if name_port else 5000
    serve(
        app,
        ServeOptions(
            host=host,
            port=int(port),
            debug=bool(app.debug),
            use_reloader=bool(app.debug) if use_reloader is None else use_reloader,
            certfile=certfile,
            keyfile=keyfile,
            server=server or DEFAULT_SERVER,
            server_options=server_options,
        ),
    )
