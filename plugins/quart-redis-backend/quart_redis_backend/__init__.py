"""Scale a Quart app out over Redis: ``app.broadcast`` over Redis Streams
(every worker and host sees every message, with replay and gap markers)
and server-side sessions, as a Quart plugin.

Installing it changes no app. An app turns it on by naming it, and points
it at Redis with ``REDIS_URL`` (config) or ``QUART_REDIS_URL`` (the
environment)::

    app = Quart(__name__, plugins=["redis"])
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/0"

Enabled without a URL it stays inactive (the in-process broadcast and the
cookie session remain), logs why once, and says so in ``quart plugins``: so
an app can enable it everywhere and get Redis where the URL is set.

Settings (``app.config``): ``REDIS_URL``; ``REDIS_KEY_PREFIX`` (``"quart:"``);
``REDIS_BROADCAST`` and ``REDIS_SESSIONS`` (``True``: turn either part off);
``REDIS_STREAM_IDLE_SECONDS`` (a day: when an unused channel's stream
expires); and Quart's ``BROADCAST_HISTORY`` / ``BROADCAST_HISTORY_SECONDS`` (the
replay window of each channel's stream).

Hooks: ``quart_app_created`` (config defaults), ``quart_broadcast_backend``
and ``quart_session_interface`` (the Redis answers), ``quart_shutdown``
(closing connections) and ``quart_plugin_status``.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING
from typing import Any

from quart import hookimpl
from quart.broadcast import DEFAULT_HISTORY
from quart.broadcast import DEFAULT_HISTORY_SECONDS

from .broadcast import DEFAULT_IDLE_SECONDS
from .broadcast import RedisBackend
from .broadcast import redacted
from .sessions import RedisSession
from .sessions import RedisSessionInterface
from .sessions import SessionUnavailable
from .sessions import UnavailableSession
from .sessions import regenerate_session

if TYPE_CHECKING:
    from quart import Quart

__all__ = [
    "PLUGIN_NAME",
    "RedisBackend",
    "RedisSession",
    "RedisSessionInterface",
    "SessionUnavailable",
    "UnavailableSession",
    "redis_url",
    "regenerate_session",
]

#: The entry-point name apps enable the plugin by.
PLUGIN_NAME = "redis"
#: The environment variable read when ``REDIS_URL`` is not configured.
URL_VARIABLE = "QUART_REDIS_URL"
EXTENSION_KEY = "quart_redis_backend"


def redis_url(app: Quart) -> str | None:
    """The Redis URL the app configured (``REDIS_URL``, else
    ``QUART_REDIS_URL`` from the environment), or ``None``."""
    url = app.config.get("REDIS_URL") or os.environ.get(URL_VARIABLE)
    return str(url) if url else None


def _state(app: Quart) -> dict[str, Any]:
    state: dict[str, Any] = app.extensions.setdefault(EXTENSION_KEY, {})
    return state


def _url_for(app: Quart, switch: str, part: str) -> str | None:
    """The Redis URL for ``part`` of the plugin, or ``None`` when its
    ``switch`` is off or no URL is set (then it logs, once, why ``part``
    stays in process)."""
    if not app.config.get(switch, True):
        return None
    url = redis_url(app)
    if url is None:
        state = _state(app)
        if not state.get("warned"):
            state["warned"] = True
            app.logger.warning(
                "The redis plugin is enabled but %s is not set: %s stays in"
                " process (one worker). Set REDIS_URL or %s.",
                "REDIS_URL",
                part,
                URL_VARIABLE,
            )
    return url


@hookimpl
def quart_app_created(app: Quart) -> None:
    app.config.setdefault("REDIS_KEY_PREFIX", "quart:")
    app.config.setdefault("REDIS_BROADCAST", True)
    app.config.setdefault("REDIS_SESSIONS", True)


@hookimpl
def quart_broadcast_backend(app: Quart) -> RedisBackend | None:
    """Broadcast over Redis Streams, when ``REDIS_URL`` is set."""
    url = _url_for(app, "REDIS_BROADCAST", "app.broadcast")
    if url is None:
        return None
    return RedisBackend(
        url,
        prefix=app.config.get("REDIS_KEY_PREFIX", "quart:"),
        history=int(app.config.get("BROADCAST_HISTORY", DEFAULT_HISTORY)),
        history_seconds=app.config.get(
            "BROADCAST_HISTORY_SECONDS", DEFAULT_HISTORY_SECONDS
        ),
        idle_seconds=app.config.get("REDIS_STREAM_IDLE_SECONDS", DEFAULT_IDLE_SECONDS),
        logger=app.logger,
    )


@hookimpl
def quart_session_interface(app: Quart) -> RedisSessionInterface | None:
    """Server-side sessions in Redis, when ``REDIS_URL`` is set."""
    url = _url_for(app, "REDIS_SESSIONS", "the session (a signed cookie)")
    if url is None:
        return None
    interface = RedisSessionInterface(
        url, prefix=app.config.get("REDIS_KEY_PREFIX", "quart:"), logger=app.logger
    )
    _state(app)["sessions"] = interface
    return interface


@hookimpl
async def quart_shutdown(app: Quart) -> None:
    """Close the session connections of this event loop (the broadcast's
    are closed by Quart with ``app.broadcast``)."""
    interface = _state(app).get("sessions")
    if interface is not None:
        await interface.aclose()


@hookimpl
def quart_plugin_status(app: Quart | None) -> str:
    """What the plugin does for ``app``, for ``quart plugins``."""
    if app is None:
        return f'inactive: no app (enable it with Quart(plugins=["{PLUGIN_NAME}"]))'
    if not app.plugins.is_enabled(sys.modules[__name__]):
        return (
            "inactive: not enabled by this app (Quart(__name__,"
            f' plugins=["{PLUGIN_NAME}"]))'
        )
    url = redis_url(app)
    if url is None:
        return f"inactive: set REDIS_URL or {URL_VARIABLE}"
    parts = [
        name
        for name, key in (
            ("broadcast", "REDIS_BROADCAST"),
            ("sessions", "REDIS_SESSIONS"),
        )
        if app.config.get(key, True)
    ]
    return f"active: {' and '.join(parts) or 'nothing'} on {redacted(url)}"
