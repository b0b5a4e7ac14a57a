"""Blinker signals with Flask's names (and Quart's websocket and serving
ones). The app sends a signal only when something is connected to it.

Receivers may be sync or async functions.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Coroutine
from typing import TYPE_CHECKING
from typing import Any
from typing import cast

from blinker import NamedSignal
from blinker import Namespace

if TYPE_CHECKING:
    from .app import Quart

#: Always ``True``: blinker is a dependency (kept for code that checks it,
#: as Flask did before 2.3).
signals_available = True

_signals = Namespace()

template_rendered = _signals.signal("template-rendered")
before_render_template = _signals.signal("before-render-template")
request_started = _signals.signal("request-started")
request_finished = _signals.signal("request-finished")
request_tearing_down = _signals.signal("request-tearing-down")
got_request_exception = _signals.signal("got-request-exception")
appcontext_tearing_down = _signals.signal("appcontext-tearing-down")
appcontext_pushed = _signals.signal("appcontext-pushed")
appcontext_popped = _signals.signal("appcontext-popped")
message_flashed = _signals.signal("message-flashed")
websocket_started = _signals.signal("websocket-started")
websocket_finished = _signals.signal("websocket-finished")
websocket_tearing_down = _signals.signal("websocket-tearing-down")
#: Sent with ``data=`` for each message a websocket handler receives.
websocket_received = _signals.signal("websocket-received")
#: Sent with ``data=`` for each message a websocket handler sends.
websocket_sent = _signals.signal("websocket-sent")
got_websocket_exception = _signals.signal("got-websocket-exception")
got_background_exception = _signals.signal("got-background-exception")
got_serving_exception = _signals.signal("got-serving-exception")


async def send_signal(signal: NamedSignal, app: Quart, **kwargs: Any) -> None:
    """Send ``signal`` from ``app``; sync receivers run via
    ``app.ensure_async`` (in a worker thread). Callers check
    ``signal.receivers`` first and send only when someone listens."""
    wrapper = cast(
        "Callable[[Callable[..., Any]], Callable[..., Coroutine[Any, Any, Any]]]",
        app.ensure_async,
    )
    await signal.send_async(app, _sync_wrapper=wrapper, **kwargs)
