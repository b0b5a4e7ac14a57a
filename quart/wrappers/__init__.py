"""Request, response and websocket wrappers."""

from .base import BaseRequestWebsocket
from .request import Body
from .request import Request
from .response import Response

__all__ = ["BaseRequestWebsocket", "Body", "Request", "Response"]
