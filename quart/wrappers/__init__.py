"""Request, response and websocket wrappers."""

from .base import BaseRequestWebsocket
from .request import Body
from .request import Request
from .response import Response
from .websocket import Websocket
from .websocket import WebsocketDisconnect

__all__ = [
    "BaseRequestWebsocket",
    "Body",
    "Request",
    "Response",
    "Websocket",
    "WebsocketDisconnect",
]
