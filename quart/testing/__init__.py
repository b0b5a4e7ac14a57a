"""Testing helpers: the async test client and the lifespan harness."""

from .app import LifespanError
from .app import TestApp
from .client import QuartClient
from .client import ResponseIncompleteError
from .client import TestHTTPConnection

__all__ = [
    "LifespanError",
    "QuartClient",
    "ResponseIncompleteError",
    "TestApp",
    "TestHTTPConnection",
]
