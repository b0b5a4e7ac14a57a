"""Built-in plugin: serving with Hypercorn (the default server)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..hookspecs import hookimpl

if TYPE_CHECKING:
    from ..app import Quart
    from ..serving import ServeOptions


def _bind_address(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6
    return f"{host}:{port}"


async def serve_hypercorn(app: Quart, options: ServeOptions) -> None:
    """The default backend: serve ``app`` with Hypercorn in this event loop
    until ``options.shutdown_trigger`` completes, then shut down gracefully
    (requests in flight finish, then the lifespan shutdown runs, giving
    background tasks ``BACKGROUND_TASK_SHUTDOWN_TIMEOUT`` seconds)."""
    from hypercorn.asyncio import serve as hypercorn_serve
    from hypercorn.config import Config as HypercornConfig

    config = HypercornConfig()
    config.bind = [_bind_address(options.host, options.port)]
    config.accesslog = "-"
    config.errorlog = "-"
    if options.certfile is not None:
        config.certfile = options.certfile
    if options.keyfile is not None:
        config.keyfile = options.keyfile
    grace = float(app.config.get("BACKGROUND_TASK_SHUTDOWN_TIMEOUT") or 0)
    config.shutdown_timeout = max(config.shutdown_timeout, grace + 30)
    for key, value in options.server_options.items():
        if key.startswith("_") or not hasattr(config, key):
            raise TypeError(f"Unknown Hypercorn option {key!r}.")
        setattr(config, key, value)
    await hypercorn_serve(
        app,  # type: ignore[arg-type]
        config,
        shutdown_trigger=options.shutdown_trigger,
    )


@hookimpl(trylast=True)
async def quart_serve(app: Quart, options: ServeOptions) -> bool | None:
    """Serve with Hypercorn when ``options.server`` is ``"hypercorn"``."""
    if options.server != "hypercorn":
        return None
    await serve_hypercorn(app, options)
    return True


@hookimpl
def quart_server_names() -> list[str]:
    return ["hypercorn"]
