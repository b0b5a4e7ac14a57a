"""Request, response and websocket wrappers."""

from .base import BaseRequestWebsocket
from .base import ClientDisconnectedError
from .request import Body
from .request import Request
from .response import Response
from .websocket import Websocket
from .websocket import WebsocketDisconnect

__all__ = [
    "BaseRequestWebsocket",
    "Body",
    "ClientDisconnectedError",
    "Request",
    "Response",
    "Websocket",
    "WebsocketDisconnect",
]
