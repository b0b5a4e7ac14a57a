"""Serving Quart apps with Granian, as a plugin.

One worker (the default) runs Granian's embedded server in the caller's
event loop, like the other backends: ``app.run_task()`` works, the app's
state is the caller's, and ``options.shutdown_trigger`` stops it. More
workers (``workers=N``, or the ``GRANIAN_WORKERS`` environment variable)
run Granian's process supervisor in a thread: each worker is a forked
process serving the same app on a shared socket, with its own lifespan;
the trigger stops the supervisor, which stops the workers gracefully.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from pathlib import Path
from typing import Any

from quart import Quart
from quart import hookimpl

SERVER_NAME = "granian"


@hookimpl
def quart_server_names() -> list[str]:
    return [SERVER_NAME]


def _settings(options: Any) -> dict[str, Any]:
    from granian.constants import Interfaces
    from granian.log import LogLevels

    settings: dict[str, Any] = {
        "address": options.host,
        "port": options.port,
        # The ASGI interface with lifespan: before_serving/after_serving run.
        "interface": Interfaces.ASGI,
        "log_level": LogLevels.debug if options.debug else LogLevels.info,
    }
    if options.certfile is not None:
        settings["ssl_cert"] = Path(options.certfile)
        # Granian needs the key apart; a combined PEM file serves as both.
        settings["ssl_key"] = Path(options.keyfile or options.certfile)
    settings.update(options.server_options)
    return settings


@hookimpl
async def quart_serve(app: Quart, options: Any) -> bool | None:
    """Serve until ``options.shutdown_trigger`` completes, then let Granian
    shut down gracefully (lifespan shutdown included)."""
    if options.server != SERVER_NAME:
        return None
    settings = _settings(options)
    workers = int(settings.pop("workers", os.environ.get("GRANIAN_WORKERS", 1)))
    if workers < 1:
        raise ValueError("workers must be at least 1.")
    if workers == 1:
        await _serve_embedded(app, settings, options.shutdown_trigger)
    else:
        await _serve_processes(app, settings, workers, options.shutdown_trigger)
    return True


async def _serve_embedded(app: Quart, settings: dict[str, Any], trigger: Any) -> None:
    from granian.server.embed import Server

    # Granian logs that its embedded mode is experimental on every start;
    # this plugin chose it knowingly (it is what serves in this event loop).
    logging.getLogger("_granian").addFilter(_drop_experimental_warning)
    server = Server(app, **settings)
    serving = asyncio.ensure_future(server.serve())
    stop = asyncio.ensure_future(trigger())
    try:
        await asyncio.wait({serving, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        if not serving.done():
            server.stop()  # type: ignore[no-untyped-call]
        await serving
    if server.interrupt_children:  # the worker task failed (e.g. lifespan startup)
        raise RuntimeError("Granian's worker stopped unexpectedly.")


def _drop_experimental_warning(record: logging.LogRecord) -> bool:
    return "experimental" not in record.getMessage()


async def _serve_processes(
    app: Quart, settings: dict[str, Any], workers: int, trigger: Any
) -> None:
    from granian.server.mp import MPServer

    if multiprocessing.get_start_method() != "fork":
        raise RuntimeError(
            "Granian workers > 1 are forked from this process, which needs the"
            " 'fork' start method (multiprocessing.set_start_method('fork')); or"
            " run 'granian --interface asgi module:app --workers N' instead."
        )

    class Supervisor(MPServer):
        """Granian's process supervisor, minus the signal handlers: it runs
        in a thread, and Quart's serving code owns SIGINT/SIGTERM."""

        def startup(self, spawn_target: Any, target_loader: Any) -> None:
            self.pid = os.getpid()  # type: ignore[assignment]
            self._write_pidfile()  # type: ignore[no-untyped-call]
            self._init_shared_socket()  # type: ignore[no-untyped-call]
            self._start_ipc()  # type: ignore[no-untyped-call]
            self._env_loader(self.env_files)
            self._call_hooks(self.hooks_startup)  # type: ignore[no-untyped-call]
            self._spawn_workers(spawn_target, target_loader)  # type: ignore[no-untyped-call]

    # The workers are forked: each gets this app as it is now.
    server = Supervisor("quart-app", workers=workers, **settings)
    failed: list[BaseException] = []

    def supervise() -> None:
        try:
            server.serve(target_loader=lambda: app, wrap_loader=False)
        except SystemExit as error:  # a worker died: Granian exits non-zero
            if error.code:
                failed.append(error)

    thread = threading.Thread(target=supervise, name="granian-supervisor")
    thread.start()
    done = asyncio.ensure_future(asyncio.to_thread(thread.join))
    stop = asyncio.ensure_future(trigger())
    try:
        await asyncio.wait({done, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        server.signal_handler_interrupt()  # type: ignore[no-untyped-call]
        await done
    if failed:
        raise RuntimeError("A Granian worker exited unexpectedly.") from failed[0]
