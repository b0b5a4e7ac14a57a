"""Testing helpers: the async test client and the lifespan harness."""

from .app import LifespanError
from .app import TestApp
from .cli import QuartCliRunner
from .client import QuartClient
from .client import ResponseIncompleteError
from .client import TestHTTPConnection
from .connections import TestWebsocketConnection
from .connections import WebsocketDisconnect
from .connections import WebsocketResponseError

__all__ = [
    "LifespanError",
    "QuartCliRunner",
    "QuartClient",
    "ResponseIncompleteError",
    "TestApp",
    "TestHTTPConnection",
    "TestWebsocketConnection",
    "WebsocketDisconnect",
    "WebsocketResponseError",
]
