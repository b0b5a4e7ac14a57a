"""Built-in plugin: the in-process broadcast backend, and closing the app's
broadcast when it stops serving."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..broadcast import DEFAULT_HISTORY
from ..broadcast import DEFAULT_HISTORY_SECONDS
from ..broadcast import MemoryBackend
from ..hookspecs import hookimpl

if TYPE_CHECKING:
    from ..app import Quart
    from ..broadcast import Broadcast
    from ..broadcast import BroadcastBackend


@hookimpl(trylast=True)
def quart_broadcast_backend(app: Quart) -> BroadcastBackend:
    """The default: channels in this process (one worker), with a replay
    window of ``BROADCAST_HISTORY`` messages and
    ``BROADCAST_HISTORY_SECONDS`` seconds per channel."""
    return MemoryBackend(
        history=int(app.config.get("BROADCAST_HISTORY", DEFAULT_HISTORY)),
        history_seconds=app.config.get(
            "BROADCAST_HISTORY_SECONDS", DEFAULT_HISTORY_SECONDS
        ),
    )


@hookimpl
async def quart_shutdown(app: Quart) -> None:
    """End the subscriptions and close the backend, if the app used its
    broadcast; the next use (a restart in the same process) makes a new
    one."""
    broadcast: Broadcast | None = vars(app).pop("broadcast", None)
    if broadcast is not None:
        await broadcast.aclose()
