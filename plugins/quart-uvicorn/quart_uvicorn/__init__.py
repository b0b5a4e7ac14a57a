"""Serving Quart apps with Uvicorn, as a plugin."""

from __future__ import annotations

import asyncio
from typing import Any

from quart import Quart
from quart import hookimpl

SERVER_NAME = "uvicorn"


@hookimpl
def quart_server_names() -> list[str]:
    return [SERVER_NAME]


@hookimpl
async def quart_serve(app: Quart, options: Any) -> bool | None:
    """Serve until ``options.shutdown_trigger`` completes, then let Uvicorn
    shut down gracefully (lifespan shutdown included)."""
    if options.server != SERVER_NAME:
        return None
    import uvicorn

    settings: dict[str, Any] = {
        "host": options.host,
        "port": options.port,
        "lifespan": "on",
        "log_level": "debug" if options.debug else "info",
    }
    if options.certfile is not None:
        settings["ssl_certfile"] = options.certfile
    if options.keyfile is not None:
        settings["ssl_keyfile"] = options.keyfile
    settings.update(options.server_options)
    server = uvicorn.Server(uvicorn.Config(app, **settings))
    # Uvicorn handles SIGINT/SIGTERM while it serves and passes them on to
    # Quart's handlers when it stops; the shutdown trigger covers the rest.
    serving = asyncio.ensure_future(server.serve())
    stop = asyncio.ensure_future(options.shutdown_trigger())
    try:
        await asyncio.wait({serving, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        server.should_exit = True
        stop.cancel()
        await serving
    return True
